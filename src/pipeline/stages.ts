import type { Stage } from "./stage.js";
import { checkRepoConfigStage } from "./stages/check-repo-config.js";
import { cloneRepoStage } from "./stages/clone-repo.js";
import { fetchLogsStage } from "./stages/fetch-logs.js";
import { buildContextStage } from "./stages/build-context.js";
import { proposePatchStage } from "./stages/propose-patch.js";
import { applyAndValidateStage } from "./stages/apply-and-validate.js";
import { openPullRequestStage } from "./stages/open-pull-request.js";

/**
 * The whole flow, in order. The runner walks this table: it writes the job's state before and after each
 * stage, retries retryable errors with backoff, and resumes after a restart from the first stage not in
 * `job.completedStages`.
 *
 *   stage                 state      side effects
 *   check-repo-config     pending    no   .github/ci-bot.yml: enabled? config problems recorded
 *   clone-repo            cloning    no   shallow clone of head_sha into the job's workspace
 *   fetch-logs            analysis   no   failed jobs' logs, annotations, workflow file
 *   build-context         analysis   no   log analysis → FailureContext within the token budget
 *   propose-patch         patching   yes  TensorZero inference → diagnosis + unified diff
 *   apply-and-validate    testing    no   policy check, apply, run the project's own commands
 *   open-pull-request     pr         yes  verified commit on ci-bot/fix-<run>, draft PR; then waits
 */
export const STAGES: readonly Stage[] = [
  checkRepoConfigStage,
  cloneRepoStage,
  fetchLogsStage,
  buildContextStage,
  proposePatchStage,
  applyAndValidateStage,
  openPullRequestStage,
];
