import type { Deps } from "../core/deps.js";
import { AppError } from "../core/errors.js";
import { isFinal, reactivate, wake, type Job } from "../core/job.js";
import { WATCH_PR } from "../feedback/pr-events.js";
import { queueItemFor } from "./runner.js";
import { startTriesOver } from "./stages/patch-retries-result.js";
import { FIX_COMMIT, OPEN_PULL_REQUEST, prRecordOf } from "./stages/open-pull-request-result.js";

/**
 * Operator retry (CLI and admin API): a failed job goes back to the state of the stage that failed,
 * with that stage's retry budget reset, and is queued again. Completed stages are not redone. A job whose
 * patch tries ended it gets a fresh max_patch_retries (startTriesOver).
 */
export async function retryJob(deps: Pick<Deps, "store" | "queue" | "clock">, id: string): Promise<Job> {
  const current = await deps.store.getJob(id);
  if (!current) throw new AppError("job_not_found", `No job with id ${id}; list jobs with \`t0-ci-bot jobs list\`.`);
  if (current.state !== "failed") {
    throw new AppError("job_not_failed", `Job ${id} is ${current.state}; only failed jobs can be retried.`);
  }
  const at = new Date(deps.clock.now()).toISOString();
  // The state the failed stage ran in: the one the job was in when it failed. A stage that shares its state
  // with the stage before it (build-context after fetch-logs, watch-pr after open-pull-request) has no
  // history entry of its own, so looking it up by name put such a job back in pending.
  const stageName = current.error?.stage;
  const lastFailure = current.history.map((h) => h.state).lastIndexOf("failed");
  const before = lastFailure > 0 ? current.history[lastFailure - 1] : undefined;
  const ran = before && !isFinal(before.state) ? before : [...current.history].reverse().find((h) => h.stage === stageName && h.state !== "failed");
  const stage = { name: stageName ?? "", state: ran?.state ?? "pending" };
  const job = await deps.store.updateJob(id, (j) => {
    // Judged again inside the write: another retry (or a worker) may have changed the job since the read.
    if (j.state !== "failed") throw new AppError("job_not_failed", `Job ${id} is ${j.state}; only failed jobs can be retried.`);
    // Before reactivate, which clears the error that says whether the patch tries ended the job.
    const history = startTriesOver(j);
    const tries = history ? `; patch tries start over (${history} earlier kept as history)` : "";
    reactivate(j, stage.state, at, { stage: stage.name || undefined, note: `retried by operator${tries}` });
    if (stage.name) {
      j.attempts.byStage[stage.name] = 0;
      if (j.attempts.atCompletion) j.attempts.atCompletion[stage.name] = 0;
    }
    // Asked of GitHub by watch-pr itself, not here: the CLI can retry with no GitHub client (store only), and
    // the stage's GitHub trouble is retried with backoff like any other. A job stopped while parked right
    // after opening its PR (open-pull-request given back, its PR on record) waits for the same events, and so
    // does one that failed after its first commit (noted, FIX_COMMIT) before the record: CI ran on that commit.
    const parkedOnPr = stage.name === OPEN_PULL_REQUEST && (!!prRecordOf(j)?.pr || !!j.results[FIX_COMMIT]);
    if (stage.name === WATCH_PR || parkedOnPr) j.reconcileOnResume = true;
  });
  await deps.queue.enqueue(queueItemFor(job));
  return job;
}

/** Wakes a job parked by a stage's `wait` (e.g. when the fix PR's outcome arrives). */
export async function resumeJob(deps: Pick<Deps, "store" | "queue" | "clock">, id: string, update?: (job: Job) => void): Promise<Job> {
  const job = await deps.store.updateJob(id, (j) => {
    wake(j);
    j.updatedAt = new Date(deps.clock.now()).toISOString();
    update?.(j);
  });
  await deps.queue.enqueue(queueItemFor(job));
  return job;
}
