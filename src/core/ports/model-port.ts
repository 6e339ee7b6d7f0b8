import type { FailureContext } from "../failure-context.js";

/** The model's answer for a failure, after schema validation (output schema of `fix_ci_failure`). */
export interface PatchProposal {
  diagnosis: string;
  /** Unified diff; empty when the model found no safe fix. */
  patch: string;
  /** 0..1 */
  confidence: number;
  files: string[];
  tests_to_run?: string[];
}

export interface ProposalResult {
  proposal: PatchProposal;
  episodeId: string;
  inferenceId: string;
  variantName: string;
  raw?: string;
  usage?: { inputTokens: number | null; outputTokens: number | null };
  /** Inferences of this call whose answer was unusable (schema mismatch) before the one returned. */
  discardedInferenceIds?: string[];
}

export interface FeedbackRequest {
  metric: string;
  value: unknown;
  inferenceId?: string;
  episodeId?: string;
  tags?: Record<string, string>;
}

export interface ProposeOptions {
  /** UUIDv7, one per job (see adapters/tensorzero/episode-id.ts). */
  episodeId: string;
  tags: Record<string, string>;
  signal?: AbortSignal;
  /** A dry-run job: the gateway answers but stores nothing, as no feedback will ever follow. */
  dryRun?: boolean;
}

/**
 * TensorZero, as the pipeline sees it. Owned by issue 4 (adapters/tensorzero).
 * Errors are AppErrors: `context_too_large` (permanent; rebuild a smaller context and call again),
 * `model_output_invalid` (permanent; details.raw holds the text), `model_unavailable` (retryable; the
 * circuit breaker is open, the job should wait), `model_provider_auth` / `model_provider_unknown_model` /
 * `model_content_refused` / `model_provider_rejected` (permanent: every provider refused for that reason),
 * other `model_*` codes retryable or not as the gateway's status says.
 */
export interface ModelPort {
  proposePatch(input: FailureContext, opts: ProposeOptions): Promise<ProposalResult>;
  feedback(req: FeedbackRequest, opts?: { signal?: AbortSignal }): Promise<{ feedbackId: string }>;
  status(): Promise<{ status: string; version?: string }>;
}
