// Queue throughput: jobs/s through queue + runner + store with three no-op stages (so each job costs a
// read and seven writes of the job record, as in production), for the embedded in-process queue on the
// memory store (the baseline) and for BullMQ on the Redis store, with 1 and with 3 workers, in one run.
// BullMQ workers are separate queue instances with their own Redis connections, like separate processes
// but sharing this process's CPU. Needs REDIS_URL for the BullMQ rows.
//   node --import tsx bench/queue.ts            BENCH_QUEUE_JOBS=2000 by default
import { randomUUID } from "node:crypto";
import { createMetrics } from "../src/admin/metrics.js";
import { systemClock } from "../src/adapters/clock/system-clock.js";
import { BullmqQueue } from "../src/adapters/queue/bullmq-queue.js";
import { InProcessQueue } from "../src/adapters/queue/in-process-queue.js";
import { MemoryJobStore } from "../src/adapters/store/memory-store.js";
import { RedisJobStore } from "../src/adapters/store/redis-store.js";
import { loadAppConfig } from "../src/config/app-config.js";
import type { Deps } from "../src/core/deps.js";
import { silentLogger } from "../src/core/logger.js";
import type { JobQueue, JobStore } from "../src/core/ports/index.js";
import { queueItemFor, Runner } from "../src/pipeline/runner.js";
import type { Stage } from "../src/pipeline/stage.js";
import { redisUrlIfAvailable } from "../test/helpers/redis-probe.js";
import { makeDelivery, makeJob } from "../test/helpers/make-job.js";
import { AppIdentity } from "../src/core/app-identity.js";

const N = Number(process.env.BENCH_QUEUE_JOBS ?? 2_000);
const CONCURRENCY = 4; // per worker
const REPOS = 50;
const noop = (name: string, state: Stage["state"]): Stage => ({ name, state, sideEffects: false, run: async () => ({}) });
const STAGES = [noop("a", "cloning"), noop("b", "analysis"), noop("c", "pr")];
const config = loadAppConfig({ KEEP_WORKSPACE: "true", T0_PER_REPO_CONCURRENCY: String(CONCURRENCY) });
const logger = silentLogger();

function depsFor(store: JobStore, queue: JobQueue): Deps {
  return {
    config, store, queue, logger, clock: systemClock(), metrics: createMetrics(), identity: new AppIdentity(),
    github: {} as Deps["github"],
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
  };
}

/** Records N jobs, enqueues them, starts the workers and times until every job is completed. */
async function measure(store: JobStore, producer: JobQueue, workers: JobQueue[]): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < N; i++) {
    const job = makeJob({ runId: i + 1, repo: `bench/r${i % REPOS}`, repoId: 1000 + (i % REPOS), installationId: 1 + (i % 5) });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await producer.enqueue(queueItemFor(job));
    ids.push(job.id);
  }
  let done = 0;
  let finished!: () => void;
  const all = new Promise<void>((r) => (finished = r));
  const t0 = performance.now();
  for (const q of workers) {
    const runner = new Runner(depsFor(store, q), STAGES);
    await q.start(async (item) => {
      await runner.runJob(item);
      if (++done === N) finished();
    });
  }
  await all;
  const secs = (performance.now() - t0) / 1000;
  const completed = (await store.countByState()).completed;
  if (completed !== N) throw new Error(`only ${completed} of ${N} jobs completed`);
  return N / secs;
}

const rows: Array<[string, number | string]> = [];
for (const c of [1, 3]) {
  const store = new MemoryJobStore();
  const q = new InProcessQueue({ concurrency: c * CONCURRENCY, perRepo: CONCURRENCY, clock: systemClock(), logger });
  rows.push([`in-process queue + memory store, ${c} worker${c > 1 ? "s" : ""} (concurrency ${c * CONCURRENCY})`, await measure(store, q, [q])]);
  await q.stop();
}

const url = await redisUrlIfAvailable();
if (!url) rows.push(["bullmq + redis store", "skipped: REDIS_URL not set or not answering"]);
else
  for (const c of [1, 3]) {
    const prefix = `t0bench-${randomUUID().slice(0, 8)}`;
    const store = await RedisJobStore.connect(url, { prefix: `${prefix}:` });
    const opts = { url, prefix, concurrency: CONCURRENCY, perRepo: CONCURRENCY, logger, repoBusyDelayMs: 20 };
    const producer = new BullmqQueue(opts);
    const workers = Array.from({ length: c }, () => new BullmqQueue(opts));
    try {
      rows.push([`bullmq + redis store, ${c} worker${c > 1 ? "s" : ""} (concurrency ${CONCURRENCY} each)`, await measure(store, producer, workers)]);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await producer.destroy();
      await producer.stop();
      await store.destroy();
      await store.close();
    }
  }

const base = rows[0]![1] as number;
console.log(`queue throughput: ${N} jobs, 3 no-op stages each, ${REPOS} repositories, 5 installations`);
for (const [name, v] of rows) {
  console.log(typeof v === "number" ? `  ${name.padEnd(64)} ${v.toFixed(0).padStart(6)} jobs/s  (${(v / base).toFixed(2)}× baseline)` : `  ${name.padEnd(64)} ${v}`);
}
console.log("  baseline = first row; BullMQ workers share this process's CPU (separate processes on separate cores scale further).");
