import type { RepoConfig } from "../../config/repo-config.js";
import type { Deps } from "../../core/deps.js";
import type { AppError } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { mayHaveClosedFix } from "./closed-fix-of.js";
import { FIX_COMMIT, prRecordOf } from "./open-pull-request-result.js";
import { openFixPrCap } from "./open-fix-prs.js";
import { openSiblingFix } from "./open-sibling-fix.js";
import { passedSinceNote } from "./passed-since-note.js";

/**
 * MAX_OPEN_FIX_PRS_PER_REPO's error for a job that, from the store alone, could only end by opening a new PR
 * past the cap: a flood of failing branches would otherwise clone and fetch logs for each of them, to fail
 * at propose-patch. Only an early exit: propose-patch and open-pull-request check again, with the failure's
 * context, and decide. Not capped here: a job with its own PR, or whose fix would go onto an open sibling's
 * PR (whether one exists does not depend on the failing tests, only what it answers), a failure that may
 * end without a PR (re-run green, people's closed fix PR, a flaky re-run with rerun_flaky).
 */
export async function cappedBeforeClone(job: Job, deps: Pick<Deps, "store" | "config">, config: Pick<RepoConfig, "rerun_flaky">): Promise<AppError | undefined> {
  if (prRecordOf(job) || job.results[FIX_COMMIT] || passedSinceNote(job) || config.rerun_flaky) return undefined;
  // The cap first: one read, and a repository under it (nearly every job) needs no other.
  const capped = await openFixPrCap(job, deps);
  if (!capped || (await mayHaveClosedFix(job, deps)) || (await openSiblingFix(job, deps, { failed_tests: [] }))) return undefined;
  return capped;
}
