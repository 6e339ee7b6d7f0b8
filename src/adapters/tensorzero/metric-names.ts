/**
 * The one place the app names TensorZero things. Every metric here must be declared in
 * tensorzero/config/tensorzero.toml with the level given (gateway-config.test.ts checks both ways);
 * everyone else imports these constants instead of writing the strings.
 */
export const FIX_FUNCTION = "fix_ci_failure";

export const METRICS = {
  /** Episode: the fix PR was merged (sent when it closes). The reward the gateway optimises. */
  prMerged: "pr_merged",
  /** Inference: the diff passed the patch policy and applied cleanly. */
  patchApplied: "patch_applied",
  /** Inference: the failing command passed locally after applying the patch. */
  validationPassed: "validation_passed",
  /** Inference: GitHub Actions passed on the ci-bot/fix-<run> branch. */
  ciPassedOnFixBranch: "ci_passed_on_fix_branch",
  /** Episode: a person marked the fix PR ready for review (true) or turned it back into a draft (false); the latest counts. */
  prMarkedReady: "pr_marked_ready",
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Feedback kinds TensorZero defines itself (not declared in the config). */
export const BUILTIN_FEEDBACK = { comment: "comment", demonstration: "demonstration" } as const;

export type FeedbackName = MetricName | (typeof BUILTIN_FEEDBACK)[keyof typeof BUILTIN_FEEDBACK];

export const METRIC_LEVELS: Readonly<Record<MetricName, "episode" | "inference">> = {
  pr_merged: "episode",
  patch_applied: "inference",
  validation_passed: "inference",
  ci_passed_on_fix_branch: "inference",
  pr_marked_ready: "episode",
};

/**
 * Tag keys put on every inference, so the gateway's UI can be filtered by repository, run and job; and
 * on every feedback, the outbox item it came from. Keys starting with `tensorzero::` are the gateway's own.
 */
export const TAG_KEYS = { repo: "repo", runId: "run_id", runAttempt: "run_attempt", jobId: "job_id", outboxItemId: "outbox_item_id" } as const;
