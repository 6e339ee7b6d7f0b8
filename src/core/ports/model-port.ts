import type { FailureContext } from "../failure-context.js";

/** The model's answer for a failure, after schema validation (output schema of `fix_ci_failure`). */
export interface PatchProposal {
  diagnosis: string;
  /** Unified diff. */
  patch: string;
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
}

export interface FeedbackRequest {
  metric: string;
  value: unknown;
  inferenceId?: string;
  episodeId?: string;
  tags?: Record<string, string>;
}

/** TensorZero, as the pipeline sees it. Owned by issue 4 (adapters/tensorzero). */
export interface ModelPort {
  proposePatch(
    input: FailureContext,
    opts: { episodeId: string; tags: Record<string, string>; signal?: AbortSignal },
  ): Promise<ProposalResult>;
  feedback(req: FeedbackRequest, opts?: { signal?: AbortSignal }): Promise<{ feedbackId: string }>;
  status(): Promise<{ status: string; version?: string }>;
}
