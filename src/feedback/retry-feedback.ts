import type { Deps } from "../core/deps.js";
import { AppError } from "../core/errors.js";
import type { Job } from "../core/job.js";

/**
 * Operator's "send now" (CLI and admin API): the job's pending feedback is due again at once, its backoff
 * from the start, as after fixing what the gateway kept failing on. Nothing is sent here: the outbox's next
 * sweep does, wherever jobs run, so a send is never made beside one in flight (its lease stands).
 */
export async function retryFeedback(deps: Pick<Deps, "store">, id: string): Promise<{ job: Job; due: number }> {
  const current = await deps.store.getJob(id);
  if (!current) throw new AppError("job_not_found", `No job with id ${id}; list jobs with \`t0-ci-bot jobs list\`.`);
  let due = 0;
  const job = await deps.store.updateJob(id, (j) => {
    // The store may run this again after a write conflict (Redis): count from this copy only.
    due = 0;
    for (const f of j.feedback) {
      if (f.status !== "pending") continue;
      delete f.nextAttemptAt;
      delete f.backoffs;
      due++;
    }
    // Sent or given up: nothing to send again (a failed item is the gateway's refusal, kept with its reason).
    if (!due) throw new AppError("no_pending_feedback", `Job ${id} has no feedback waiting to be sent; \`t0-ci-bot jobs show ${id}\` lists what was sent or refused.`);
  });
  return { job, due };
}

/** What the operator is told: where the items go from. */
export function feedbackRetriedMessage(id: string, due: number, where: "server" | "store"): string {
  const items = `job ${id}: ${due} pending feedback item${due === 1 ? "" : "s"} due again; the outbox sends ${due === 1 ? "it" : "them"} at its next sweep`;
  return where === "server" ? `${items} (within a minute where jobs run)` : `${items}, once a server or worker runs jobs on this store`;
}
