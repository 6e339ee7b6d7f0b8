import { AppError } from "../../core/errors.js";
import type { JobQueue, QueueStats } from "../../core/ports/job-queue.js";

/**
 * The queue of a web-only process on the embedded store (T0_WORKERS=0, no REDIS_URL). Nothing in this
 * process runs jobs and the lowdb store is single-process, so no other process can either: a job only
 * needs to be in the store, where it stays pending until a start with workers resumes it. An in-process
 * queue here would hold every job created since start-up in memory for nobody.
 */
export class RecordOnlyQueue implements JobQueue {
  readonly kind = "none";

  async ping(): Promise<void> {}

  async enqueue(): Promise<void> {}

  async start(): Promise<void> {
    throw new AppError("queue_record_only", "This process records jobs only (T0_WORKERS=0 without REDIS_URL); set T0_WORKERS to 1 or more to run them.");
  }

  async stop(): Promise<void> {}

  async stats(): Promise<QueueStats> {
    return { waiting: 0, active: 0, delayed: 0 };
  }
}
