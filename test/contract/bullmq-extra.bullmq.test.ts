import { afterEach, describe, expect, test } from "@jest/globals";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { BullmqQueue, type BullmqQueueOptions } from "../../src/adapters/queue/bullmq-queue.js";
import { startResumeSweep } from "../../src/adapters/queue/resume-sweep.js";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { silentLogger } from "../../src/core/logger.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { eventually } from "../helpers/eventually.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { runnerHarness } from "../helpers/runner-harness.js";

const url = await redisUrlIfAvailable();

/** Polls `cond` (every 20 ms) for up to `ms`: 15 s by default, room for a loaded CI machine; it returns as soon as `cond` holds. */
const until = async (cond: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

if (!url) skipWithoutRedis("BullmqQueue across workers");
else
  describe("BullmqQueue across workers (as separate processes would use it)", () => {
    const queues: BullmqQueue[] = [];
    let opts: BullmqQueueOptions;
    const make = (over: Partial<BullmqQueueOptions> = {}) => {
      const q = new BullmqQueue({ ...opts, ...over });
      queues.push(q);
      return q;
    };
    afterEach(async () => {
      for (const q of queues) await q.stop({ drainMs: 200 });
      const admin = new BullmqQueue(opts);
      await admin.destroy();
      await admin.stop();
      queues.length = 0;
    });

    test("a worker that stops answering mid-job: another worker runs the job", async () => {
      opts = { url, prefix: uniquePrefix("bq").slice(0, -1), name: "jobs", concurrency: 2, perRepo: 1, logger: silentLogger(), lockDurationMs: 600, stalledIntervalMs: 300 };
      const a = make();
      const b = make();
      let releaseA!: () => void;
      const seen: string[] = [];
      await a.start(async (i) => {
        seen.push(`a:${i.jobId}`);
        await new Promise<void>((r) => (releaseA = r)); // hangs like a dead process
      });
      await a.enqueue({ jobId: "j1", installationId: 1, repo: "o/r" });
      await until(() => seen.length === 1);
      await a.stop({ drainMs: 50 }); // drain times out: A lets go of the job without finishing it
      await b.start(async (i) => void seen.push(`b:${i.jobId}`));
      await until(() => seen.length === 2);
      expect(seen).toEqual(["a:j1", "b:j1"]);
      releaseA();
    }, 45_000);

    test("a BullMQ job left in `failed` does not swallow a later enqueue of the same job", async () => {
      opts = { url, prefix: uniquePrefix("bq").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger() };
      const raw = new Queue("jobs", { connection: { url }, prefix: opts.prefix });
      const failing = new Worker("jobs", async () => { throw new Error("old failure"); }, { connection: { url, maxRetriesPerRequest: null }, prefix: opts.prefix });
      await raw.add("run", { jobId: "j2", installationId: 1, repo: "o/r" }, { jobId: "t0-j2", removeOnFail: false });
      await eventually("the job to be failed", async () => (await raw.getJobCounts("failed")).failed === 1);
      await failing.close();
      await raw.close();
      const q = make();
      const seen: string[] = [];
      await q.enqueue({ jobId: "j2", installationId: 1, repo: "o/r" });
      await q.start(async (i) => void seen.push(i.jobId));
      await until(() => seen.length === 1);
      expect(seen).toEqual(["j2"]);
    });

    test("the resume sweep queues an unfinished job whose only BullMQ entry is a finished one left behind", async () => {
      opts = { url, prefix: uniquePrefix("bqsweep").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger() };
      const job = makeJob({ runId: 31 });
      const raw = new Queue("jobs", { connection: { url }, prefix: opts.prefix });
      const failing = new Worker("jobs", async () => { throw new Error("old failure"); }, { connection: { url, maxRetriesPerRequest: null }, prefix: opts.prefix });
      await raw.add("run", queueItemFor(job), { jobId: `t0-${job.id}`, removeOnFail: false });
      await eventually("the job to be failed", async () => (await raw.getJobCounts("failed")).failed === 1);
      await failing.close();
      await raw.close();
      const q = make();
      const seen: string[] = [];
      await q.start(async (i) => void seen.push(i.jobId));
      const store = { listUnfinishedJobIds: async () => [job.id], getJob: async (id: string) => (id === job.id ? job : undefined) };
      const stopSweep = startResumeSweep({ store, queue: q, clock: new FakeClock(), logger: silentLogger() } as unknown as Parameters<typeof startResumeSweep>[0], 100);
      try {
        await until(() => seen.length === 1);
      } finally {
        stopSweep();
      }
      expect(seen).toEqual([job.id]);
    });

    test("the same job enqueued twice at once does not push its installation back in line for good", async () => {
      opts = { url, prefix: uniquePrefix("bqrank").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 5, logger: silentLogger() };
      const web1 = make();
      const web2 = make();
      const worker = make();
      const ran: string[] = [];
      await worker.start(async (i) => void ran.push(i.jobId));
      // Two web processes enqueue the same job (pull_request.closed and a review for one fix PR), five times.
      for (let k = 0; k < 5; k++) {
        const item = { jobId: `quiet-${k}`, installationId: 2, repo: "quiet/r" };
        await Promise.all([web1.enqueue(item), web2.enqueue(item)]);
        await until(() => ran.includes(`quiet-${k}`));
        await new Promise((r) => setTimeout(r, 100));
      }
      await worker.stop({ drainMs: 1000 });
      // A busy installation's backlog, then the quiet one's next job: it must still overtake the backlog.
      for (let n = 1; n <= 8; n++) await web1.enqueue({ jobId: `busy-${n}`, installationId: 1, repo: `busy/r${n}` });
      await web1.enqueue({ jobId: "quiet-new", installationId: 2, repo: "quiet/r" });
      const order: string[] = [];
      const w2 = make();
      await w2.start(async (i) => void order.push(i.jobId));
      await until(() => order.length === 9, 15_000);
      expect(order.indexOf("quiet-new")).toBe(1);
    }, 30_000);

    test("stop keeps a job that re-queued itself (its backoff) during its last run", async () => {
      opts = { url, prefix: uniquePrefix("bqstop").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger() };
      const q = make();
      let stopped: Promise<void> | undefined;
      await q.start(async (i) => {
        // As the runner does after a retryable failure: queue the job again with its backoff, then return;
        // the shutdown (SIGTERM) comes while it runs.
        await q.enqueue(i, { delayMs: 60_000 });
        stopped = q.stop({ drainMs: 5_000 });
      });
      await q.enqueue({ jobId: "backoff", installationId: 1, repo: "o/r" });
      await until(() => stopped !== undefined);
      await stopped;
      const after = make();
      expect(await after.knows("backoff")).toBe(true);
      expect(await after.stats()).toMatchObject({ delayed: 1 });
    });

    test("stop waits for a job taken before it whose handler had not started yet", async () => {
      opts = { url, prefix: uniquePrefix("bqgap").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger() };
      const q = make();
      const events: string[] = [];
      // The job is held at its first Redis call after BullMQ hands it over (before the repository slot and
      // the handler) until stop() has paused the worker: a SIGTERM landing in that window.
      let leaveGap!: () => void;
      const gapOpen = new Promise<void>((r) => (leaveGap = r));
      let reachedGap!: () => void;
      const inGap = new Promise<void>((r) => (reachedGap = r));
      const rankKey = `${opts.prefix}:jobs:t0:rank:`;
      const srem = Redis.prototype.srem;
      const pause = Worker.prototype.pause;
      const close = Worker.prototype.close;
      Redis.prototype.srem = async function (this: Redis, ...args: unknown[]) {
        if (String(args[0]).startsWith(rankKey) && !events.includes("gap")) {
          events.push("gap");
          reachedGap();
          await gapOpen;
        }
        return (srem as (...a: unknown[]) => Promise<number>).apply(this, args);
      } as typeof srem;
      Worker.prototype.pause = async function (this: Worker, ...args: Parameters<typeof pause>) {
        await pause.apply(this, args);
        events.push("paused");
        leaveGap();
      };
      Worker.prototype.close = function (this: Worker, ...args: Parameters<typeof close>) {
        events.push("close");
        return close.apply(this, args);
      };
      try {
        await q.start(async () => {
          events.push("handler start");
          await new Promise((r) => setTimeout(r, 300));
          events.push("handler end");
        });
        await q.enqueue({ jobId: "gap", installationId: 1, repo: "o/r" });
        await inGap;
        await q.stop({ drainMs: 10_000 });
      } finally {
        Redis.prototype.srem = srem;
        Worker.prototype.pause = pause;
        Worker.prototype.close = close;
      }
      // Drained like any running job: the worker closes only once it is done, and nothing is left to redo.
      expect(events).toEqual(["gap", "paused", "handler start", "handler end", "close"]);
      const after = make();
      expect(await after.knows("gap")).toBe(false);
    });

    test("a running job whose repository slot was lost (Redis restarted) takes it back: the limit holds after", async () => {
      // Renewals 1 s apart (a third of the lock): room on a loaded CI machine for the job below to get in before
      // the running job's next renewal, which 200 ms (a 600 ms lock) did not always leave.
      opts = { url, prefix: uniquePrefix("bqsem").slice(0, -1), name: "jobs", concurrency: 3, perRepo: 1, logger: silentLogger(), lockDurationMs: 3_000, stalledIntervalMs: 300, repoBusyDelayMs: 20 };
      const q = make();
      const r = new Redis(url);
      const slots = `${opts.prefix}:jobs:t0:sem:repo:o/r`;
      const running = new Set<string>();
      const overlaps: string[] = [];
      const done: string[] = [];
      let releaseLong!: () => void;
      try {
        await q.start(async (i) => {
          if (running.size) overlaps.push(`${i.jobId} beside ${[...running].join(",")}`);
          running.add(i.jobId);
          if (i.jobId === "long") await new Promise<void>((res) => (releaseLong = res));
          // Ends once the running job's renewal has taken its slot back (two holders), so the job waiting
          // behind them finds both, however slow the machine; a fixed time could end it before the renewal.
          else if (i.jobId === "first") await eventually("the running job to take its slot back", async () => (await r.zcard(slots)) === 2);
          else await new Promise((res) => setTimeout(res, 50));
          running.delete(i.jobId);
          done.push(i.jobId);
        });
        await q.enqueue({ jobId: "long", installationId: 1, repo: "o/r" });
        await until(() => running.has("long"));
        // Just after a renewal (its expiry moved), so that a whole renewal period lies ahead.
        const expiry = async () => Number((await r.zrange(slots, 0, -1, "WITHSCORES"))[1] ?? 0);
        const before = await expiry();
        await eventually("a renewal of the running job's slot", async () => (await expiry()) > before);
        // A Redis restart without persistence (or an eviction) forgets who holds the repository.
        await r.del(slots);
        // One job gets in before the running one renews: nothing can tell it apart from a free slot. From the
        // running job's next renewal on it counts again, so the job waiting behind them waits for both.
        await q.enqueue({ jobId: "first", installationId: 1, repo: "o/r" });
        await until(() => overlaps.length === 1);
        await q.enqueue({ jobId: "next", installationId: 1, repo: "o/r" });
        await until(() => done.includes("first"));
        releaseLong();
        await until(() => done.includes("next"));
        expect(overlaps).toEqual(["first beside long"]);
      } finally {
        r.disconnect();
      }
    }, 45_000);

    test("an enqueue that raced the job's start does not leave it counted in its installation's line", async () => {
      opts = { url, prefix: uniquePrefix("bqrace").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 5, logger: silentLogger() };
      const web = make();
      const worker = make();
      let release!: () => void;
      const ran: string[] = [];
      await worker.start(async (i) => {
        ran.push(i.jobId);
        if (i.jobId === "raced") await new Promise<void>((r) => (release = r));
      });
      const raced = { jobId: "raced", installationId: 2, repo: "quiet/r" };
      await web.enqueue(raced);
      await until(() => ran.includes("raced"));
      // A second web process looked the job up just before the first one added it, and adds it too,
      // after the worker took it (BullMQ keeps the one entry).
      const getJob = Queue.prototype.getJob;
      Queue.prototype.getJob = async function () { return undefined; } as typeof getJob;
      try {
        await web.enqueue(raced);
      } finally {
        Queue.prototype.getJob = getJob;
      }
      release();
      await new Promise((r) => setTimeout(r, 300));
      await worker.stop({ drainMs: 1000 });
      expect(ran).toEqual(["raced"]);
      // A busy installation's backlog, then the quiet one's next job: it overtakes the backlog.
      for (let n = 1; n <= 8; n++) await web.enqueue({ jobId: `busy-${n}`, installationId: 1, repo: `busy/r${n}` });
      await web.enqueue({ jobId: "quiet-new", installationId: 2, repo: "quiet/r" });
      const order: string[] = [];
      const w2 = make();
      await w2.start(async (i) => void order.push(i.jobId));
      await until(() => order.length === 9, 15_000);
      expect(order.indexOf("quiet-new")).toBe(1);
    }, 30_000);

    test("a job whose lock lapsed while it ran is not started again beside itself in the same worker", async () => {
      // The lapse is made below by deleting the lock. A 5 s lock (its job lease renewed every 1.7 s) cannot also
      // lapse by itself on a loaded machine, which would let run 2 in beside run 1 for a reason not under test.
      opts = { url, prefix: uniquePrefix("bqlapse").slice(0, -1), name: "jobs", concurrency: 2, perRepo: 1, logger: silentLogger(), lockDurationMs: 5_000, stalledIntervalMs: 300, repoBusyDelayMs: 50 };
      const q = make();
      const running = new Set<number>();
      const overlaps: string[] = [];
      let runs = 0;
      await q.start(async () => {
        const run = ++runs;
        if (running.size) overlaps.push(`run ${run} beside ${[...running].join(",")}`);
        running.add(run);
        await new Promise((r) => setTimeout(r, run === 1 ? 2_000 : 50));
        running.delete(run);
      });
      await q.enqueue({ jobId: "lapsed", installationId: 1, repo: "o/r" });
      await until(() => runs === 1);
      // The lock expires while the job runs (an event loop stalled past it, a Redis failover): this worker's
      // own stalled check puts the job back in line, and this worker, with a free slot, takes it again.
      const r = new Redis(url);
      await r.del(`${opts.prefix}:jobs:t0-lapsed:lock`);
      r.disconnect();
      await until(() => runs >= 2 || running.size === 0);
      await until(() => running.size === 0);
      expect(overlaps).toEqual([]);
    }, 45_000);

    test("a job whose lock lapsed while it ran is not started beside it by another worker, whatever the per-repo limit", async () => {
      // As above: the lapse is the deleted lock, not a late renewal of a short one.
      opts = { url, prefix: uniquePrefix("bqlapse2").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 2, logger: silentLogger(), lockDurationMs: 5_000, stalledIntervalMs: 300, repoBusyDelayMs: 50 };
      const a = make();
      const b = make();
      const running = new Set<string>();
      const overlaps: string[] = [];
      const handler = (w: string) => async () => {
        if (running.size) overlaps.push(`${w} beside ${[...running].join(",")}`);
        running.add(w);
        await new Promise((r) => setTimeout(r, w === "a" ? 2_000 : 50));
        running.delete(w);
      };
      await a.start(handler("a"));
      await a.enqueue({ jobId: "lapsed", installationId: 1, repo: "o/r" });
      await until(() => running.has("a"));
      await b.start(handler("b"));
      // A's lock expires while it runs (a stall, a failover); a stalled check puts the job back in line and B,
      // idle, takes it. Two jobs of the repository may run at once, but not the same job twice.
      const r = new Redis(url);
      await r.del(`${opts.prefix}:jobs:t0-lapsed:lock`);
      r.disconnect();
      await until(() => !running.has("a"));
      await until(() => running.size === 0);
      expect(overlaps).toEqual([]);
    }, 45_000);

    test("a run whose lease lapsed and was taken by another worker is told to stop", async () => {
      opts = { url, prefix: uniquePrefix("bqlost").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger(), lockDurationMs: 600, stalledIntervalMs: 300 };
      const a = make();
      const events: string[] = [];
      let aStarted = false;
      let releaseA!: () => void;
      await a.start(async (_i, ctx) => {
        aStarted = true;
        // Runs until told otherwise, as a long validation would.
        await new Promise<void>((resolve) => {
          releaseA = resolve;
          ctx?.signal?.addEventListener("abort", () => {
            events.push(`a stopped: ${(ctx.signal!.reason as { code?: string }).code}`);
            resolve();
          });
        });
      });
      await a.enqueue({ jobId: "lost", installationId: 1, repo: "o/r" });
      await until(() => aStarted);
      // A was cut off from Redis longer than QUEUE_LOCK_MS (a failover): its lock and its lease on the job
      // expired, and another worker, handed the job by a stalled check, took the lease before A was back.
      const r = new Redis(url);
      const lease = `${opts.prefix}:jobs:t0:sem:job:lost`;
      await r.multi().del(`${opts.prefix}:jobs:t0-lost:lock`, lease).zadd(lease, Date.now() + 60_000, "worker-b").exec();
      r.disconnect();
      try {
        await until(() => events.length > 0);
      } finally {
        releaseA();
      }
      // A must not go on running the job beside B.
      expect(events).toEqual(["a stopped: job_taken_over"]);
    }, 45_000);

    test("a run's fence lets its writes to the job through while it holds the job, and not once another worker took it", async () => {
      // A lease that cannot lapse by itself on a loaded machine: only the take-over below ends it.
      opts = { url, prefix: uniquePrefix("bqfence").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger(), lockDurationMs: 10_000 };
      const store = await RedisJobStore.connect(url, { prefix: `${opts.prefix}:store:` });
      try {
        const job = makeJob();
        await store.recordIntake(makeDelivery(job), "{}", job);
        const a = make();
        const writes: string[] = [];
        let takeOver!: () => void;
        const takenOver = new Promise<void>((r) => (takeOver = r));
        await a.start(async (i, ctx) => {
          const fence = ctx?.fence;
          await store.updateJob(i.jobId, (j) => void (j.state = "cloning"), { fence }).then(() => writes.push("written while held"));
          // A stage finishing in the instant before the lease's renewal finds it gone: its write comes too late.
          await takenOver;
          await store.updateJob(i.jobId, (j) => void (j.state = "pr"), { fence }).then(
            () => writes.push("written after the take-over"),
            (err: { code?: string }) => writes.push(`refused: ${err.code}`),
          );
        });
        await a.enqueue(queueItemFor(job));
        await until(() => writes.length === 1);
        const r = new Redis(url);
        const lease = `${opts.prefix}:jobs:t0:sem:job:${job.id}`;
        await r.multi().del(lease).zadd(lease, Date.now() + 60_000, "worker-b").exec();
        r.disconnect();
        takeOver();
        await until(() => writes.length === 2);
        expect(writes).toEqual(["written while held", "refused: job_taken_over"]);
        expect((await store.getJob(job.id))!.state).toBe("cloning");
      } finally {
        await store.destroy();
        await store.close();
      }
    }, 45_000);

    test("a stage that finishes after another worker took its job over, before the renewal noticed: the runner records nothing of it", async () => {
      // Renewals 10 s apart: the take-over below is not noticed before the stage's completion write.
      opts = { url, prefix: uniquePrefix("bqfence").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger(), lockDurationMs: 30_000 };
      const store = await RedisJobStore.connect(url, { prefix: `${opts.prefix}:store:` });
      const r = new Redis(url);
      try {
        const job = makeJob();
        await store.recordIntake(makeDelivery(job), "{}", job);
        const q = make();
        const ran: string[] = [];
        const lease = `${opts.prefix}:jobs:t0:sem:job:${job.id}`;
        const stages: Stage[] = [
          { name: "validate", state: "testing", sideEffects: false, run: async () => {
            ran.push("validate");
            await r.multi().del(lease).zadd(lease, Date.now() + 60_000, "worker-b").exec();
            return { result: { passed: true } };
          } },
          { name: "open", state: "pr", sideEffects: false, run: async () => (ran.push("open"), {}) },
        ];
        const runner = new Runner({ ...runnerHarness(stages).deps, store, queue: q }, stages);
        let runs = 0;
        await q.start(async (i, ctx) => (await runner.runJob(i, ctx), void runs++));
        await q.enqueue(queueItemFor(job));
        await until(() => runs === 1);
        expect(ran).toEqual(["validate"]);
        const j = (await store.getJob(job.id))!;
        expect(j).toMatchObject({ state: "testing", completedStages: [], results: {} });
        expect([j.error, j.nextAttemptAt]).toEqual([undefined, undefined]);
        expect(await q.stats()).toEqual({ waiting: 0, active: 0, delayed: 0 });
      } finally {
        r.disconnect();
        await store.destroy();
        await store.close();
      }
    }, 45_000);

    test("stats count waiting, delayed and active jobs; ping answers", async () => {
      opts = { url, prefix: uniquePrefix("bq").slice(0, -1), name: "jobs", concurrency: 1, perRepo: 1, logger: silentLogger() };
      const q = make();
      await q.ping();
      await q.enqueue({ jobId: "w1", installationId: 1, repo: "o/a" });
      await q.enqueue({ jobId: "w2", installationId: 2, repo: "o/b" });
      await q.enqueue({ jobId: "d1", installationId: 1, repo: "o/c" }, { delayMs: 60_000 });
      expect(await q.stats()).toEqual({ waiting: 2, active: 0, delayed: 1 });
      await q.enqueue({ jobId: "d1", installationId: 1, repo: "o/c" }); // an immediate enqueue overrides the backoff
      expect(await q.stats()).toEqual({ waiting: 3, active: 0, delayed: 0 });
    });
  });
