import type { JobQueue } from "../../src/core/ports/job-queue.js";

/** A queue that takes jobs and runs none: start-up and the composition root without workers. */
export function idleQueue(): JobQueue {
  return {
    kind: "test",
    ping: async () => undefined,
    enqueue: async () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    stats: async () => ({ waiting: 0, active: 0, delayed: 0 }),
  };
}
