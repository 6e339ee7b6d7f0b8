import type { WriteFence } from "./job-store.js";

/** What the queue carries: just enough to schedule fairly; the job itself lives in the JobStore. */
export interface QueueItem {
  jobId: string;
  installationId: number;
  /** `owner/name`, for the per-repository concurrency limit. */
  repo: string;
}

export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
}

export interface RunContext {
  /**
   * Aborted when this process no longer owns the job: a shared queue whose lease on it lapsed (a stalled
   * event loop, a Redis failover) found another worker running it. The handler stops and records nothing
   * more: the job is that worker's now.
   */
  signal?: AbortSignal;
  /**
   * A shared queue's lease on the job, for the handler to pass with every write it makes to the job
   * (JobStore.updateJob): the store refuses the write once the lease is lost, even in the moment before
   * `signal` says so. A queue only one process consumes passes none.
   */
  fence?: WriteFence;
}

export type QueueHandler = (item: QueueItem, ctx?: RunContext) => Promise<void>;

export interface JobQueue {
  readonly kind: string;
  ping(): Promise<void>;
  /** Adds the job unless it is already waiting/delayed; `delayMs` schedules it later (backoff). */
  enqueue(item: QueueItem, opts?: { delayMs?: number }): Promise<void>;
  /** Starts consuming with the given handler. Without a call to start, the queue only accepts work. */
  start(handler: QueueHandler): Promise<void>;
  /** Stops taking work and waits up to `drainMs` for running handlers to finish. */
  stop(opts?: { drainMs?: number }): Promise<void>;
  stats(): Promise<QueueStats>;
}
