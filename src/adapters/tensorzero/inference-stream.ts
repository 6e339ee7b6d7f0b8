import { AppError } from "../../core/errors.js";
import { notJsonFunction } from "./inference-response.js";
import { sseData } from "./sse.js";
import type { InferenceRequest, JsonInferenceChunk } from "./wire-types.js";
import { redactHead } from "../../core/redact.js";

/**
 * One SSE event of /inference. An event that is not a JSON object came through the connection intact, so
 * it is the stream's fault (garbled or cut by a proxy), not a failure to reach the gateway; asking again
 * may well get a whole one.
 */
function parseEvent(data: string): JsonInferenceChunk & { error?: unknown } {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    event = undefined;
  }
  if (!event || typeof event !== "object" || Array.isArray(event)) {
    throw new AppError("model_stream_error", `TensorZero sent a stream event that is not a JSON object (${JSON.stringify(redactHead(data, 120))}); will retry.`, { retryable: true });
  }
  return event as JsonInferenceChunk & { error?: unknown };
}

/**
 * The chunks of an /inference stream up to `[DONE]`. A stream that breaks off or reports an error
 * mid-way may be whole next time, so both are a retryable `model_stream_error`.
 */
export async function* inferenceChunks(stream: AsyncIterable<Uint8Array | string>, body: InferenceRequest, maxBytes: number): AsyncGenerator<JsonInferenceChunk> {
  for await (const data of sseData(stream, { maxBytes })) {
    if (data === "[DONE]") return;
    const event = parseEvent(data);
    if (typeof event.error === "string") {
      throw new AppError("model_stream_error", `TensorZero reported an error mid-stream (${redactHead(event.error, 500)}); will retry.`, { retryable: true, details: { gatewayMessage: redactHead(event.error, 2000) } });
    }
    if (typeof event.raw !== "string") throw notJsonFunction(body);
    yield event;
  }
  throw new AppError("model_stream_error", "TensorZero's stream ended without [DONE]; will retry.", { retryable: true });
}
