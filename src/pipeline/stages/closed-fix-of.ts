import type { Deps } from "../../core/deps.js";
import type { FailureContext } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";
import { lastOpenOrClose, prEventsOf } from "../../feedback/pr-events.js";
import { prRecordOf } from "./open-pull-request-result.js";
import { coveredTests } from "./covered-tests.js";
import { contextOf } from "./failed-test-names.js";

/** An earlier fix PR of the same failure that people closed without merging. */
export interface ClosedFix {
  jobId: string;
  pr: number;
  /** When people closed it (GitHub's time). */
  at: string;
}

/**
 * How many of the repository's latest jobs are looked through: each is read whole (context, patch), so not
 * every job within RETENTION_DAYS of a busy repository, while a failure that recurs daily stays in reach.
 */
export const CLOSED_FIX_LOOKBACK = 200;

/**
 * The fix PR people closed without merging for this failure, if any: their "no" to the bot, which a new PR
 * for the same failure the next day (a flaky test, a failure they chose to fix by hand) would ignore. The
 * same failure: the same fingerprint (repository, workflow, branch, conclusion) and, when both runs name
 * failing tests, at least one of them in common (by file and name when both name its file: coveredTests), so a different test breaking later is fixed as usual; or
 * another workflow's failure of the same commit and branch whose failing tests share one with that PR's.
 * Judged over the repository's latest CLOSED_FIX_LOOKBACK jobs on record; reopening that PR makes it open again.
 */
export async function closedFixOf(job: Job, deps: Pick<Deps, "store">, context: Pick<FailureContext, "failed_tests"> | undefined = contextOf(job)): Promise<ClosedFix | undefined> {
  const mine = context?.failed_tests ?? [];
  // By id, not name: jobs made before a rename or transfer keep the old name, and people's "no" still holds.
  for (const other of await deps.store.listJobs({ repoId: job.repo.id, limit: CLOSED_FIX_LOOKBACK })) {
    if (other.id === job.id) continue;
    // Another workflow of the same commit failing the same tests (ci.yml and nightly.yml both run them) is the
    // same failure too: only when both name tests and share one, as a lint error is another problem.
    const sameCommit = other.run.headSha === job.run.headSha && other.run.headBranch === job.run.headBranch;
    if (other.fingerprint !== job.fingerprint && !(sameCommit && mine.length)) continue;
    const closed = closedUnmerged(other);
    if (!closed) continue;
    const theirs = contextOf(other)?.failed_tests ?? [];
    if (other.fingerprint !== job.fingerprint && !theirs.length) continue;
    // In common by file and name where both runs name the file: `test_x` of another file is another test.
    if (mine.length && theirs.length && !mine.some((t) => coveredTests([t], theirs))) continue;
    return closed;
  }
  return undefined;
}

/**
 * Whether closedFixOf could find a closed fix for the job once its failing tests are known: from the store
 * alone, before the logs are read. Any of the repository's latest jobs of the same failure, or of the same
 * commit and branch, whose own fix PR people closed unmerged: which tests either run failed is not asked.
 */
export async function mayHaveClosedFix(job: Job, deps: Pick<Deps, "store">): Promise<boolean> {
  const others = await deps.store.listJobs({ repoId: job.repo.id, limit: CLOSED_FIX_LOOKBACK });
  return others.some((other) => {
    if (other.id === job.id) return false;
    const sameCommit = other.run.headSha === job.run.headSha && other.run.headBranch === job.run.headBranch;
    return (other.fingerprint === job.fingerprint || sameCommit) && !!closedUnmerged(other);
  });
}

/** `other`'s own fix PR, if people closed it without merging. */
function closedUnmerged(other: Job): ClosedFix | undefined {
  const r = prRecordOf(other);
  if (!r?.pr || r.sharedWithJob) return undefined;
  const end = lastOpenOrClose(prEventsOf(other));
  if (end?.kind !== "closed" || end.merged) return undefined;
  return { jobId: other.id, pr: r.pr.number, at: end.ghAt ?? end.at };
}

/** What a job held back by `closed` says: which PR people closed, and what they can do. */
export function closedFixNote(closed: ClosedFix): string {
  return `people closed fix PR #${closed.pr} (job ${closed.jobId}) for the same failure without merging it, at ${closed.at}: no new PR for it; reopen #${closed.pr} to have the bot watch it again, or fix the failure by hand`;
}
