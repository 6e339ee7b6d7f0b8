import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import type { Deps } from "../../src/core/deps.js";
import { silentLogger } from "../../src/core/logger.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery, makeJob } from "./make-job.js";

/**
 * A runner over `stages` with a memory store, an in-process queue and a fake clock; no GitHub, no
 * workspace. `enqueued` lists every job id queued (by `add` or by the runner), `removed` every workspace
 * the runner cleaned up.
 */
export function runnerHarness(stages: Stage[], env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const logger = silentLogger();
  const store = new MemoryJobStore();
  const queue = new InProcessQueue({ concurrency: 2, perRepo: 1, clock, logger });
  const removed: string[] = [];
  const enqueued: string[] = [];
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = async (item, opts) => (enqueued.push(item.jobId), enqueue(item, opts));
  const deps: Deps = {
    config: loadAppConfig({ RETRY_BASE_MS: "1000", RETRY_MAX_MS: "60000", JOB_MAX_RETRIES: "2", ...env }),
    store,
    queue,
    github: { forInstallation: async () => { throw new Error("unused"); } },
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async (id) => void removed.push(id), sweep: async () => 0 },
    clock,
    logger,
    metrics: createMetrics(),
    identity: new AppIdentity(),
  };
  const runner = new Runner(deps, stages);
  const add = async (dryRun = false) => {
    const job = { ...makeJob(), dryRun };
    await store.recordIntake(makeDelivery(job), "{}", job);
    await queue.enqueue(queueItemFor(job));
    return job;
  };
  return { clock, store, queue, runner, deps, removed, enqueued, add, start: () => queue.start((i) => runner.runJob(i)) };
}
