import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { proposalOf } from "../pr/proposal-of.js";
import { prRecordOf, type OpenPullRequestResult, type SharedCommit } from "../pipeline/stages/open-pull-request-result.js";
import type { FeedbackSource } from "./outcome-feedback.js";

/** The failing run a later job's commit on this PR fixes (read from that job for commits noted without it). */
export async function sharedSource(job: Job, deps: Pick<Deps, "store">, shared: SharedCommit): Promise<FeedbackSource> {
  if (shared.runId !== undefined) return { repo: job.repo, run: { id: shared.runId } };
  // Gone past retention: the owner's run is the nearest thing left (same repository, same failure).
  return (await deps.store.getJob(shared.jobId)) ?? job;
}

/**
 * The episodes of later jobs whose fix went onto this PR, one per job. A commit is noted before the branch
 * moves to it: a job still on record that did not end with its commit on the PR never got its fix there.
 * Store reads only: safe in a webhook handler.
 */
export async function sharedEpisodes(job: Job, deps: Pick<Deps, "store">, open: OpenPullRequestResult): Promise<Array<{ episodeId: string; source: FeedbackSource }>> {
  const out: Array<{ episodeId: string; source: FeedbackSource }> = [];
  const commits = open.sharedCommits ?? [];
  for (const jobId of new Set(commits.map((c) => c.jobId))) {
    const mine = commits.filter((c) => c.jobId === jobId);
    const other = await deps.store.getJob(jobId);
    const placed = (other && prRecordOf(other))?.commitSha;
    if (other && !mine.some((c) => c.sha === placed)) continue;
    const episodeId = mine.find((c) => c.episodeId)?.episodeId ?? (other && proposalOf(other)?.episodeId);
    if (!episodeId) continue;
    out.push({ episodeId, source: await sharedSource(job, deps, mine.at(-1)!) });
  }
  return out;
}
