import { AppError } from "../core/errors.js";
import type { FailureContext } from "../core/failure-context.js";
import type { Job } from "../core/job.js";
import type { JobStore } from "../core/ports/job-store.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import type { LostFix, PrBodyInput } from "./pr-body.js";
import { prBodyInput } from "./pr-body-input.js";

/**
 * The fixes on fix PR `ownerId`'s branch before `job`'s (another workflow's failure of the same commit) is
 * committed on top, oldest first, each as its own job recorded it: what it answered, its change and its
 * validation, made alone on the commit. The branch holds the PR job's fix and the later jobs' commits noted
 * on its record; a later job with the PR job's failure (the same commit's, or a later commit's: a merge)
 * replaced every fix before it (open-pull-request plans it on the commit alone), another workflow's was
 * committed on top. `job`'s own commit, noted by an earlier try, is left out: the caller adds it.
 */
export async function heldFixes(
  store: Pick<JobStore, "getJob">,
  ownerId: string,
  job: Pick<Job, "id">,
  /** What the PR says of a fix beyond its record (whether its workflow runs on the fix: noCi). */
  more: (fixJob: Job) => Promise<Partial<PrBodyInput>> = async () => ({}),
): Promise<Array<PrBodyInput | LostFix>> {
  const owner = await store.getJob(ownerId);
  const r = owner && prRecordOf(owner);
  if (!owner || !r?.commitSha) return [];
  let held = [await withMore(fixOf(owner, r.inferenceId, r.repairAttempt, { sha: r.commitSha, files: r.files }), owner, more)];
  for (const c of r.sharedCommits ?? []) {
    if (c.jobId === job.id) continue;
    const base = held[0]!.run.headSha;
    const other = await store.getJob(c.jobId);
    const fix = other ? await withMore(fixOf(other, c.inferenceId, 1, c), other, more) : lost({ id: c.runId ?? 0, headSha: c.headSha ?? base }, c);
    const replaces = other ? other.fingerprint === owner.fingerprint : c.headSha !== undefined && c.headSha !== base;
    if (!replaces) held.push(fix);
    else held = ["lost" in fix ? fix : { ...fix, ...(fix.run.headSha !== base ? { laterCommit: true } : {}) }];
  }
  return held;
}

/**
 * The fix a job's commit carries, from its record; lost when the record no longer has that inference's
 * validation (a later repair's proposal replaced it): its evidence is not made up from another attempt's.
 */
function fixOf(job: Job, inferenceId: string, attempt: number, commit: { sha: string; files: string[] }): PrBodyInput | LostFix {
  try {
    const input = prBodyInput(job, attempt);
    if (input.tensorzero.inferenceId === inferenceId) return input;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
  }
  // Named as prBodyInput names it: the run's name, else the context's, else the workflow file.
  const context = (job.results["build-context"] as { context?: FailureContext } | undefined)?.context;
  return lost({ id: job.run.id, headSha: job.run.headSha, workflow: job.run.name ?? context?.run.workflow ?? job.run.workflowPath, ...(job.run.htmlUrl ? { url: job.run.htmlUrl } : {}) }, commit);
}

const withMore = async (fix: PrBodyInput | LostFix, job: Job, more: (fixJob: Job) => Promise<Partial<PrBodyInput>>) => ("lost" in fix ? fix : { ...fix, ...(await more(job)) });
const lost = (run: LostFix["run"], commit: { sha: string; files: string[] }): LostFix => ({ lost: true, run, files: commit.files, commitSha: commit.sha });
