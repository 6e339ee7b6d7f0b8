import type { ContextExcerpt } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";

/** Where the job keeps the proposals with-patch-retry answered with another one (`job.results["patch-retries"]`). */
export const PATCH_RETRIES = "patch-retries";

export interface PatchRetries {
  /** Each proposal refused or not validated here and answered by another one, oldest first. */
  failed: FailedTry[];
}

export interface FailedTry {
  inferenceId: string;
  code: string;
  /** The policy rule, for a refusal. */
  rule?: string;
  /** For a refusal: the policy's one-line reason and the file it names (redacted). */
  reason?: string;
  file?: string;
  /** For a failed validation: the command that failed and how it ended (`exited 1`, `timed out`), redacted. */
  command?: string;
  ended?: string;
  /** What the next proposal was told (previous_attempt.outcome), and the output shown with it. */
  outcome: string;
  excerpts?: ContextExcerpt[];
  /** patchHash of its patch: a later proposal of the same patch is not judged again. */
  patchHash?: string;
  /** Its patch was the same as this earlier try's (1-based): it got that try's verdict without being run. */
  sameAs?: number;
  /** The paths its patch named: put back before the next proposal is validated. */
  files: string[];
}

export const retriesOf = (job: Pick<Job, "results">): PatchRetries => (job.results[PATCH_RETRIES] as PatchRetries | undefined) ?? { failed: [] };
