import type { Deps } from "../../core/deps.js";
import { queueItemFor } from "../../pipeline/runner.js";
import type { BullmqQueue } from "./bullmq-queue.js";

/**
 * Safety net for the shared queue: now and then one worker of the fleet (a Redis lease) looks for jobs
 * the store has as unfinished but BullMQ has no entry for, and queues them again. That happens when a
 * job was failed by BullMQ's stalled check too often, when a worker died between finishing a run and
 * re-adding a job enqueued during it, or when a handler crashed on a store error. Jobs parked waiting for
 * an outside event are left alone. Returns a function that stops the sweep.
 */
export function startResumeSweep(deps: Pick<Deps, "store" | "queue" | "clock" | "logger">, everyMs: number): () => void {
  const queue = deps.queue as BullmqQueue;
  if (deps.queue.kind !== "bullmq") return () => undefined;
  let running = false;
  const sweep = async () => {
    if (running || !(await queue.takeLease("resume-sweep", everyMs))) return;
    running = true;
    try {
      let requeued = 0;
      for (const id of await deps.store.listUnfinishedJobIds()) {
        const job = await deps.store.getJob(id);
        if (!job || job.waitingFor || (await queue.knows(id))) continue;
        const delayMs = job.nextAttemptAt ? Math.max(0, Date.parse(job.nextAttemptAt) - deps.clock.now()) : 0;
        await queue.enqueue(queueItemFor(job), { delayMs });
        requeued++;
      }
      if (requeued) deps.logger.warn({ requeued }, "resume sweep: queued unfinished jobs the queue had lost");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep().catch((err) => deps.logger.warn({ err }, "resume sweep failed; will try again")), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
