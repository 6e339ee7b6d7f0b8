import type { ContextExcerpt } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";

/** Where the job keeps the proposals with-patch-retry answered with another one (`job.results["patch-retries"]`). */
export const PATCH_RETRIES = "patch-retries";

export interface PatchRetries {
  /** Each proposal refused or not validated here and answered by another one, oldest first. */
  failed: FailedTry[];
  /**
   * Tries before this index are an earlier round's, which an operator's retry started over from (startTriesOver):
   * kept as history (the PR names them), not counted against max_patch_retries, and not taken as a verdict on
   * the same patch (the operator may have changed what validation meets since).
   */
  countFrom?: number;
}

export interface FailedTry {
  inferenceId: string;
  /** The TensorZero variant that answered (absent on tries recorded before it was kept). */
  variant?: string;
  code: string;
  /** The policy rule, for a refusal. */
  rule?: string;
  /** For a refusal: the policy's one-line reason and the file it names (redacted). */
  reason?: string;
  file?: string;
  /** For a failed validation: the command that failed and how it ended (`exited 1`, `timed out`), redacted. */
  command?: string;
  ended?: string;
  /** For a failed validation: the tests its output names as failed (apply-and-validate's failingTests), redacted. */
  failingTests?: string[];
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

/** The tries of the current round: those max_patch_retries counts, and a repeated patch is judged by. */
export const currentTries = (tries: PatchRetries): FailedTry[] => tries.failed.slice(tries.countFrom ?? 0);

/** What a job its tries ended failed with (with-patch-retry ends it with the last try's verdict). */
const ENDED_BY_TRIES = new Set(["patch_refused", "validation_failed"]);

/**
 * An operator's retry of a job whose tries ended it (its last patch refused or red): the tries start over with
 * a fresh max_patch_retries, the earlier ones kept as history; the last proposal is validated again first, as
 * any retry runs the failed stage again, and if it fails the next proposal is told why. A job stopped or
 * failed for another reason between its tries goes on with the tries it had left. Returns how many earlier
 * tries it now keeps as history, or undefined when nothing changed.
 */
export function startTriesOver(job: Job): number | undefined {
  const tries = job.results[PATCH_RETRIES] as PatchRetries | undefined;
  if (!tries?.failed.length || job.error?.stage !== APPLY_AND_VALIDATE || !ENDED_BY_TRIES.has(job.error.code)) return undefined;
  tries.countFrom = tries.failed.length;
  return tries.failed.length;
}

const APPLY_AND_VALIDATE = "apply-and-validate";
