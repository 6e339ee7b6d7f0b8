/** Shapes of TensorZero's native HTTP API as the app uses it (gateway 2026.4.1, reference §1–§4). */
export type Role = "user" | "assistant";

export type ContentBlock =
  | { type: "text"; text: string }
  | { type: "template"; name: string; arguments: Record<string, unknown> }
  | { type: "raw_text"; value: string };

export interface InferenceRequest {
  function_name?: string;
  model_name?: string;
  episode_id?: string;
  input: { system?: string | Record<string, unknown>; messages?: Array<{ role: Role; content: string | ContentBlock[] }> };
  stream?: boolean;
  variant_name?: string;
  dryrun?: boolean;
  tags?: Record<string, string>;
  output_schema?: object;
  params?: { chat_completion?: Record<string, unknown> };
}

export interface Usage {
  input_tokens: number | null;
  output_tokens: number | null;
  cost: number | null;
}

export interface JsonInferenceResponse {
  inference_id: string;
  episode_id: string;
  variant_name: string;
  output: { raw: string | null; parsed: unknown | null };
  usage: Usage;
  finish_reason?: string;
}

/** One SSE event of a streaming JSON inference: `raw` is a delta, there is never a `parsed`. */
export interface JsonInferenceChunk {
  inference_id: string;
  episode_id: string;
  variant_name: string;
  raw: string;
  usage?: Usage;
  finish_reason?: string;
}

export interface FeedbackRequestBody {
  metric_name: string;
  inference_id?: string;
  episode_id?: string;
  value: unknown;
  tags?: Record<string, string>;
  dryrun?: boolean;
}

export interface StatusResponse {
  status: string;
  version?: string;
  config_hash?: string;
}

export type HealthResponse = Record<"gateway" | "clickhouse" | "postgres" | "valkey" | "valkey_cache", "ok" | "error">;

export const GATEWAY_VERSION_HEADER = "x-tensorzero-gateway-version";
