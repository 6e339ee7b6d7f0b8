import type { Deps } from "../../core/deps.js";
import type { Job } from "../../core/job.js";
import { prRecordOf } from "./open-pull-request-result.js";

/**
 * How many of the repository's latest jobs are looked through for a comment on the failing PRs: a PR's
 * failed runs are among a repository's recent jobs, and each job is read whole, so not all of a busy
 * repository's jobs within RETENTION_DAYS.
 */
export const COMMENTED_LOOKBACK = 200;

/**
 * Which of the job's failing PRs another job of the repository (an earlier failed run of the PR) recorded
 * the bot's comment on: one people deleted since is their "not here", which the PR's later failures keep to.
 * By repository id, as a rename or transfer keeps PR numbers.
 */
export async function commentedByOtherJobs(job: Job, deps: Pick<Deps, "store">): Promise<number[]> {
  const prs = job.run.pullRequests;
  if (!prs.length) return [];
  const found = new Set<number>();
  for (const other of await deps.store.listJobs({ repoId: job.repo.id, limit: COMMENTED_LOOKBACK })) {
    if (other.id === job.id) continue;
    for (const n of prRecordOf(other)?.commentedOn ?? []) if (prs.includes(n)) found.add(n);
  }
  return prs.filter((n) => found.has(n));
}
