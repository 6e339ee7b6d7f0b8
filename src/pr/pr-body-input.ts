import { permanent } from "../core/errors.js";
import type { FailureContext } from "../core/failure-context.js";
import type { Job } from "../core/job.js";
import { proposalOf, type StoredProposal } from "./proposal-of.js";
import type { ApplyAndValidateResult } from "../pipeline/stages/apply-and-validate.js";
import { retriesOf } from "../pipeline/stages/patch-retries-result.js";
import type { PrBodyInput } from "./pr-body.js";
import { failedInCiOf } from "./failed-in-ci.js";

/** The pieces of the job record the PR is made of; a missing piece means an earlier stage must run again. */
export function fixRecord(job: Job): { proposal: StoredProposal; validation: ApplyAndValidateResult; context?: FailureContext } {
  const proposal = proposalOf(job);
  const validation = job.results["apply-and-validate"] as ApplyAndValidateResult | undefined;
  if (!proposal || !validation?.patch) {
    throw permanent("missing_validated_patch", `Job ${job.id} has no validated patch to open a PR with; retry it from propose-patch.`);
  }
  if (validation.verdict !== "passed") {
    throw permanent("patch_not_validated", `The patch of job ${job.id} did not pass validation (${validation.verdict}); no PR is opened for it.`);
  }
  const context = (job.results["build-context"] as { context?: FailureContext } | undefined)?.context;
  return { proposal, validation, context };
}

export function prBodyInput(job: Job, repairAttempt = 1): PrBodyInput {
  const { proposal, validation, context } = fixRecord(job);
  // A repair's fix answers CI on the PR, not these: the first attempt's earlier tries are its own story.
  const earlier = repairAttempt === 1 ? retriesOf(job).failed.filter((t) => t.inferenceId !== proposal.inferenceId) : [];
  const failedInCi = failedInCiOf(context);
  const last = [...(validation.runs ?? [])].reverse().find((r) => r.phase === "validate") ?? validation.runs?.at(-1);
  return {
    repo: job.repo.fullName,
    run: {
      id: job.run.id, attempt: job.run.attempt, url: job.run.htmlUrl ?? context?.run.url,
      workflow: job.run.name ?? context?.run.workflow ?? job.run.workflowPath, headBranch: job.run.headBranch, headSha: job.run.headSha,
    },
    failing: (context?.failing_jobs ?? []).map((f) => ({ job: f.name, step: f.failing_step, command: f.command, exitCode: f.exit_code })),
    classification: context?.classification ?? "unknown",
    ...(failedInCi ? { failedInCi } : {}),
    diagnosis: proposal.diagnosis,
    confidence: proposal.confidence,
    files: validation.patch.files,
    additions: validation.patch.additions,
    deletions: validation.patch.deletions,
    validation: {
      evidence: validation.evidence,
      commands: (validation.runs ?? []).map((r) => ({ phase: r.phase, command: r.command, exitCode: r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs })),
      outputTail: last?.outputTail,
      sandbox: validation.sandbox,
      ...(validation.testsRan ? { testsRan: validation.testsRan } : {}),
      ...(validation.ciTestsRan ? { ciTestsRan: validation.ciTestsRan } : {}),
    },
    overrides: validation.patch.overrides,
    tensorzero: { episodeId: proposal.episodeId, inferenceId: proposal.inferenceId, variant: proposal.variantName },
    repairAttempt,
    ...(earlier.length ? { earlierTries: earlier.map(({ code, rule, reason, file, command, ended, sameAs }) => ({ code, rule, reason, file, command, ended, sameAs })) } : {}),
  };
}
