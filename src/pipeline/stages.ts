import type { Stage } from "./stage.js";
import { checkRepoConfigStage } from "./stages/check-repo-config.js";
import { cloneRepoStage } from "./stages/clone-repo.js";
import { fetchLogsStage } from "./stages/fetch-logs.js";
import { buildContextStage } from "./stages/build-context.js";
import { proposePatchStage } from "./stages/propose-patch.js";
import { applyAndValidateStage } from "./stages/apply-and-validate.js";
import { openPullRequestStage } from "./stages/open-pull-request.js";
import { createWatchPrStage } from "./stages/watch-pr.js";
import { createRepairFix } from "./stages/repair-fix.js";
import { sendFeedbackStage } from "./stages/send-feedback.js";
import { rerunFlakyStage } from "./stages/rerun-flaky.js";
import { withValidationFeedback } from "../feedback/with-validation-feedback.js";
import { withProposalFeedback } from "../feedback/with-proposal-feedback.js";
import { withPatchRetry } from "./stages/with-patch-retry.js";

const proposeWithFeedback = withProposalFeedback(proposePatchStage);
const validateWithFeedback = withValidationFeedback(applyAndValidateStage);

/**
 * The whole flow, in order. The runner walks this table: it writes the job's state before and after each
 * stage, retries retryable errors with backoff, and resumes after a restart from the first stage not in
 * `job.completedStages`.
 *
 *   stage                 state      side effects
 *   check-repo-config     pending    no   .github/ci-bot.yml: enabled? config problems recorded; fails a job
 *                                         that could only open a new PR past MAX_OPEN_FIX_PRS_PER_REPO
 *   clone-repo            cloning    no   shallow clone of head_sha into the job's workspace
 *   fetch-logs            analysis   no   failed jobs' logs, annotations, workflow file
 *   build-context         analysis   no   log analysis → FailureContext within the token budget; ends the job
 *                                         when people closed a fix PR of the same failure unmerged, or an
 *                                         open one answers it already
 *   rerun-flaky           analysis   yes  rerun_flaky + infra/flaky-suspect: re-run failed jobs, wait for them
 *   propose-patch         patching   yes  TensorZero inference → diagnosis + unified diff
 *   apply-and-validate    testing    no   policy check, apply, run the project's own commands; a refused or
 *                                         red patch is answered by another proposal (max_patch_retries)
 *   open-pull-request     pr         yes  verified commit on ci-bot/fix-<run>, draft PR; then waits
 *   watch-pr              pr         yes  CI on the fix branch (ready / repair), merged or closed; waits till closed
 *   send-feedback         feedback   yes  every recorded outcome reaches TensorZero (outbox on the job)
 * apply-and-validate records "patch applied" / "validation passed" feedback on each proposal's inference
 * (and pr_merged=false once, when the last refused or failing patch ends the job without a PR);
 * propose-patch records the negative feedback of answers that lead nowhere (patch_applied=false, and
 * pr_merged=false when the job ends there without a PR).
 */
export const STAGES: readonly Stage[] = [
  checkRepoConfigStage,
  cloneRepoStage,
  fetchLogsStage,
  buildContextStage,
  rerunFlakyStage,
  proposeWithFeedback,
  withPatchRetry(proposeWithFeedback, validateWithFeedback),
  openPullRequestStage,
  createWatchPrStage(createRepairFix(proposeWithFeedback, validateWithFeedback)),
  sendFeedbackStage,
];
