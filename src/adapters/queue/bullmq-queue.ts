import { randomUUID } from "node:crypto";
import { DelayedError, Queue, Worker, type Job as BullJob } from "bullmq";
import { Redis } from "ioredis";
import { closeRedis, pingWithin, within } from "../store/redis-connection.js";
import { AppError, jobTakenOver } from "../../core/errors.js";
import type { JobQueue, QueueHandler, QueueItem, QueueStats } from "../../core/ports/job-queue.js";
import type { Logger } from "../../core/ports/logger.js";
import { createRepoSemaphore, type RepoSemaphore } from "./repo-semaphore.js";

export interface BullmqQueueOptions {
  url: string;
  /** BullMQ queue name (default `t0-jobs`). */
  name?: string;
  /** Redis key prefix for BullMQ and for this adapter's own keys (default `t0`). */
  prefix?: string;
  /** Jobs run at once by this process. */
  concurrency: number;
  /** Jobs of one repository run at once across all processes. */
  perRepo: number;
  logger: Logger;
  /** A worker that stops renewing its lock this long is presumed dead; its job runs elsewhere. */
  lockDurationMs?: number;
  /** How often workers look for such stalled jobs. */
  stalledIntervalMs?: number;
  /** A job stalled more often than this is failed by BullMQ (the store still has it; start-up resumes it). */
  maxStalledCount?: number;
  /** How long a job whose repository is busy waits before trying again (plus jitter). */
  repoBusyDelayMs?: number;
}

interface Again {
  item: QueueItem;
  dueAt: number;
}

/** BullMQ refuses custom ids that are plain integers or contain ':'. */
const bullId = (jobId: string) => `t0-${jobId.replace(/:/g, "_")}`;
const MAX_PRIORITY = 2_097_152;

/**
 * The shared queue for several processes (REDIS_URL). BullMQ gives durability, delays and stalled-job
 * recovery; this adapter adds what the port promises on top:
 *  - dedupe by job id: a waiting/delayed job is not added twice, and finished BullMQ jobs are removed so they
 *    never block a later enqueue; a job enqueued while it runs leaves an "again" marker that re-adds it
 *    when the run ends;
 *  - fairness across installations without BullMQ Pro groups: a job's priority is its rank among its
 *    installation's queued jobs, so the first job of a quiet installation overtakes a busy one's backlog;
 *  - per-repository concurrency across all workers: a Redis semaphore taken before running; when the
 *    repository is busy the job goes back to `delayed` for a short while.
 */
export class BullmqQueue implements JobQueue {
  readonly kind = "bullmq";
  readonly #opts: Required<Omit<BullmqQueueOptions, "url">>;
  readonly #redis: Redis;
  readonly #queue: Queue<QueueItem>;
  readonly #sem: RepoSemaphore;
  /** One run of a job at a time across processes, whatever the per-repository limit (see #processOne). */
  readonly #jobLease: RepoSemaphore;
  readonly #url: string;
  readonly #workerId = randomUUID().slice(0, 8);
  #worker: Worker<QueueItem> | undefined;
  #workerConnection: Redis | undefined;
  /** Jobs BullMQ has handed to #process, from that moment until they finish (stop drains them). */
  readonly #running = new Set<Promise<void>>();
  /** Ids of the jobs whose handler this process is running (see #processOne). */
  readonly #handling = new Set<string>();
  /** Re-adds of jobs enqueued while they ran, still under way (stop waits for them). */
  readonly #readding = new Set<Promise<void>>();
  #stopped = false;

  constructor(opts: BullmqQueueOptions) {
    this.#url = opts.url;
    this.#opts = {
      name: opts.name ?? "t0-jobs",
      prefix: opts.prefix ?? "t0",
      concurrency: Math.max(1, opts.concurrency),
      perRepo: Math.max(1, opts.perRepo),
      logger: opts.logger,
      lockDurationMs: opts.lockDurationMs ?? 30_000,
      stalledIntervalMs: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: opts.maxStalledCount ?? 3,
      repoBusyDelayMs: opts.repoBusyDelayMs ?? 1_000,
    };
    this.#redis = new Redis(opts.url, { maxRetriesPerRequest: null });
    this.#redis.on("error", (err) => this.#opts.logger.warn({ err: { message: err.message } }, "redis connection error"));
    this.#queue = new Queue<QueueItem>(this.#opts.name, { connection: this.#redis, prefix: this.#opts.prefix });
    this.#queue.on("error", () => undefined); // reported once by the connection listener above
    const ttlMs = Math.max(this.#opts.lockDurationMs, 1_000);
    this.#sem = createRepoSemaphore(this.#redis, { prefix: this.#key(""), limit: this.#opts.perRepo, ttlMs });
    this.#jobLease = createRepoSemaphore(this.#redis, { prefix: this.#key(""), scope: "job", limit: 1, ttlMs });
  }

  async ping(): Promise<void> {
    try {
      await pingWithin(this.#redis);
    } catch (err) {
      throw new AppError("queue_unavailable", `Redis (queue) does not answer: ${(err as Error).message}. Check REDIS_URL.`, { retryable: true, cause: err });
    }
  }

  async enqueue(item: QueueItem, opts: { delayMs?: number } = {}): Promise<void> {
    if (this.#stopped) throw new AppError("queue_stopped", "The queue is stopped; this process is shutting down.", { retryable: true });
    const delayMs = Math.max(0, opts.delayMs ?? 0);
    const id = bullId(item.jobId);
    const existing = await this.#queue.getJob(id);
    const state = existing ? await (existing as BullJob<QueueItem>).getState() : "unknown";
    if (state === "active") {
      // Runs once more after the current run; whoever ends up finding the marker adds it (GETDEL: once).
      const marker: Again = { item, dueAt: Date.now() + delayMs };
      await this.#redis.set(this.#key(`again:${id}`), JSON.stringify(marker), "PX", 86_400_000);
      const now = await this.#queue.getJob(id);
      if (!now || (await (now as BullJob<QueueItem>).getState()) !== "active") await this.#takeAgain(id);
      return;
    }
    if (state === "delayed" || state === "waiting" || state === "prioritized") {
      // An explicit immediate enqueue overrides a pending backoff (e.g. an operator retry).
      if (state === "delayed" && delayMs === 0) await (existing as BullJob<QueueItem>).promote().catch(() => undefined);
      return;
    }
    // A finished BullMQ job normally removes itself; one left behind (e.g. failed by the stalled check)
    // must not swallow this enqueue.
    if (state === "completed" || state === "failed") await (existing as BullJob<QueueItem>).remove().catch(() => undefined);
    await this.#add(id, item, delayMs);
  }

  async start(handler: QueueHandler): Promise<void> {
    if (this.#worker) return;
    this.#stopped = false;
    const connection = new Redis(this.#url, { maxRetriesPerRequest: null });
    connection.on("error", () => undefined);
    this.#workerConnection = connection;
    this.#worker = new Worker<QueueItem>(this.#opts.name, (job, token) => this.#process(job, token, handler), {
      connection,
      prefix: this.#opts.prefix,
      concurrency: this.#opts.concurrency,
      lockDuration: this.#opts.lockDurationMs,
      stalledInterval: this.#opts.stalledIntervalMs,
      maxStalledCount: this.#opts.maxStalledCount,
      drainDelay: 1,
    });
    this.#worker.on("error", (err) => this.#opts.logger.warn({ err: { message: err.message } }, "bullmq worker error"));
    this.#worker.on("completed", (job) => this.#afterRun(job));
    this.#worker.on("failed", (job) => job?.id && this.#afterRun(job));
    this.#worker.on("stalled", (jobId) => this.#opts.logger.warn({ bullJobId: jobId }, "a worker stopped mid-job; the job runs again"));
    await this.#worker.waitUntilReady();
  }

  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    if (this.#stopped) return;
    const worker = this.#worker;
    if (worker) {
      // Stop fetching, wait (bounded) for the handlers we are running, then close. BullMQ's own
      // close() waits without a bound and cannot be forced once started, hence the pause first.
      await within(worker.pause(true), 2_000);
      const drainMs = opts.drainMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.#drained().then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), drainMs))),
      ]);
      clearTimeout(timer);
      // Jobs still running lose their lock and are picked up by another worker (stalled-job check).
      // Bounded too: with Redis unreachable BullMQ's close would wait for a reconnect.
      if ((await within(worker.close(timedOut).then(() => true), 5_000)) === undefined) void worker.close(true).catch(() => undefined);
      // A run that re-queued its own job (its backoff) is re-added from the 'completed' event, after the
      // run: closing the connection under that GETDEL + add would take the marker and drop the job.
      await within(Promise.allSettled([...this.#readding]), 5_000);
      this.#worker = undefined;
      if (this.#workerConnection) await closeRedis(this.#workerConnection);
    }
    this.#stopped = true;
    await within(this.#queue.close(), 2_000);
    await closeRedis(this.#redis);
  }

  async stats(): Promise<QueueStats> {
    const c = await this.#queue.getJobCounts("waiting", "prioritized", "active", "delayed");
    return { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0 };
  }

  /**
   * True when BullMQ will run this job or is running it (waiting, delayed, active, ...). An entry left
   * behind in `completed` or `failed` runs nothing: the sweep must queue the job again (enqueue replaces it).
   */
  async knows(jobId: string): Promise<boolean> {
    const job = await this.#queue.getJob(bullId(jobId));
    if (!job) return false;
    const state = await (job as BullJob<QueueItem>).getState();
    return state !== "completed" && state !== "failed" && state !== "unknown";
  }

  /** One process in the fleet gets the lease for `ttlMs`: the one that should run a periodic sweep now. */
  async takeLease(name: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.set(this.#key(`lease:${name}`), this.#workerId, "PX", ttlMs, "NX")) === "OK";
  }

  /** Deletes the queue and this adapter's keys (tests, benches): obliterate, then whatever it leaves. */
  async destroy(): Promise<void> {
    await this.#queue.obliterate({ force: true });
    let cursor = "0";
    do {
      const [next, keys] = await this.#redis.scan(cursor, "MATCH", `${this.#opts.prefix}:${this.#opts.name}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await this.#redis.unlink(...keys);
    } while (cursor !== "0");
  }

  async #add(id: string, item: QueueItem, delayMs: number): Promise<void> {
    // The installation's jobs in line, as a set: the same job added twice at once (two web processes, a
    // webhook racing the sweep) counts once, where a counter went up twice and down once, for good.
    const rankKey = this.#key(`rank:${item.installationId}`);
    const rank = await this.#redis.multi().sadd(rankKey, id).pexpire(rankKey, 86_400_000).scard(rankKey).exec();
    const priority = Math.min(MAX_PRIORITY, Math.max(1, Number(rank?.[2]?.[1] ?? 1)));
    await this.#queue.add("run", item, { jobId: id, delay: delayMs || undefined, priority, removeOnComplete: true, removeOnFail: true });
  }

  /**
   * Counted as running from the moment BullMQ hands the job over, not from its handler's start: the
   * Redis calls before the handler take a while, and a stop() in between would not wait for the job,
   * closing the worker under it (BullMQ's close gets 5 s, not drainMs) and interrupting it for nothing.
   */
  async #process(job: BullJob<QueueItem>, token: string | undefined, handler: QueueHandler): Promise<void> {
    const processing = this.#processOne(job, token, handler);
    this.#running.add(processing);
    try {
      await processing;
    } finally {
      this.#running.delete(processing);
    }
  }

  /** Resolves once no job is in #process, including ones BullMQ had fetched before the pause and hands over meanwhile. */
  async #drained(): Promise<void> {
    while (this.#running.size) await Promise.allSettled([...this.#running]);
  }

  async #processOne(job: BullJob<QueueItem>, token: string | undefined, handler: QueueHandler): Promise<void> {
    const item = job.data;
    const holder = `${this.#workerId}:${job.id}`;
    // The job has left the line: its installation's later jobs move up one rank.
    await this.#redis.srem(this.#key(`rank:${item.installationId}`), String(job.id)).catch(() => undefined);
    // BullMQ hands a job over again when its lock lapsed while it still runs (an event loop stalled past
    // QUEUE_LOCK_MS, a Redis failover): a stalled check puts it back in line and any worker with a free slot
    // may take it, this one included. The repository slot cannot tell two runs of one job apart (this
    // process holds it under one holder; another may fit under T0_PER_REPO_CONCURRENCY), so the job would
    // run twice at once, side effects and all: it waits as if its repository were busy instead, while this
    // process runs it (#handling, checked and claimed with no await between) or another one does (the lease).
    if (this.#handling.has(item.jobId)) return this.#later(job, token);
    this.#handling.add(item.jobId);
    try {
      if (!(await this.#jobLease.tryAcquire(item.jobId, this.#workerId))) return await this.#later(job, token);
      try {
        if (!(await this.#sem.tryAcquire(item.repo, holder))) return await this.#later(job, token);
        await this.#run(item, holder, handler);
      } finally {
        await this.#jobLease.release(item.jobId, this.#workerId).catch(() => undefined);
      }
    } finally {
      // After the releases: a hand-over let in before them would take what this run still holds (same holder).
      this.#handling.delete(item.jobId);
    }
  }

  /**
   * Runs the handler, keeping the job's lease and its repository slot while it runs, and frees the slot after.
   * A lease that lapsed is taken back if it is still free; one another worker holds by then means that worker
   * was handed the job and runs it: this run is told to stop (the handler's signal) instead of going on beside it.
   */
  async #run(item: QueueItem, holder: string, handler: QueueHandler): Promise<void> {
    const lost = new AbortController();
    const renew = setInterval(() => {
      void this.#sem
        .renew(item.repo, holder)
        .then((held) => held || this.#opts.logger.warn({ jobId: item.jobId, repo: item.repo }, "the job's repository slot had lapsed while it ran (Redis restarted?); taken back"))
        .catch(() => undefined);
      void this.#jobLease
        .tryAcquire(item.jobId, this.#workerId)
        .then((held) => {
          if (held || lost.signal.aborted) return;
          this.#opts.logger.warn({ jobId: item.jobId, repo: item.repo }, "this worker's lease on the job lapsed (cut off from Redis longer than QUEUE_LOCK_MS?) and another worker runs it now; stopping this run");
          lost.abort(jobTakenOver(`Another worker took job ${item.jobId} over after this worker's lease on it lapsed; it runs there.`));
        })
        .catch(() => undefined);
    }, Math.max(200, this.#opts.lockDurationMs / 3));
    try {
      // The lease the renewal above keeps: the store refuses the run's writes to the job once it is lost,
      // including in the moment before the renewal finds out.
      const fence = { key: this.#jobLease.key(item.jobId), holder: this.#workerId };
      await handler(item, { signal: lost.signal, fence }).catch((err) => this.#opts.logger.error({ err, jobId: item.jobId }, "queue handler failed"));
    } finally {
      clearInterval(renew);
      await this.#sem.release(item.repo, holder).catch(() => undefined);
    }
  }

  /** Back to `delayed` for a short while (its repository is busy, or this process runs it already). */
  async #later(job: BullJob<QueueItem>, token: string | undefined): Promise<never> {
    await job.moveToDelayed(Date.now() + this.#opts.repoBusyDelayMs * (0.5 + Math.random()), token);
    throw new DelayedError();
  }

  #afterRun(job: BullJob<QueueItem>): void {
    const id = job.id!;
    const p = (async () => {
      // Left the line when it started, but an add that raced its start (another process looked before the
      // job was added, then added it while it ran: BullMQ kept the one entry) put it back in the set; done
      // now, it must not count against its installation's later jobs.
      await this.#redis.srem(this.#key(`rank:${job.data.installationId}`), id).catch(() => undefined);
      await this.#takeAgain(id);
    })().catch((err) => this.#logAgainError(err, id));
    this.#readding.add(p);
    void p.finally(() => this.#readding.delete(p));
  }

  async #takeAgain(id: string): Promise<void> {
    const raw = await this.#redis.getdel(this.#key(`again:${id}`));
    if (!raw) return;
    const again = JSON.parse(raw) as Again;
    await this.#add(id, again.item, Math.max(0, again.dueAt - Date.now()));
  }

  #logAgainError(err: unknown, id: string | undefined): void {
    this.#opts.logger.error({ err, bullJobId: id }, "could not re-add a job enqueued while it ran; start-up resume will pick it up");
  }

  #key(suffix: string): string {
    return `${this.#opts.prefix}:${this.#opts.name}:t0:${suffix}`;
  }
}
