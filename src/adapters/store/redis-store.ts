import { Redis } from "ioredis";
import { closeRedis, pingWithin, redactUrl } from "./redis-connection.js";
import { KeyedSerial } from "../../core/keyed-serial.js";
import { readRedisSettings, type RedisSettingsRead } from "./read-redis-settings.js";
import { AppError, jobTakenOver } from "../../core/errors.js";
import { JOB_STATES, hasPendingFeedback, isFinal, type Job, type JobState } from "../../core/job.js";
import type { Delivery, FingerprintCap, JobQuery, JobStore, UnfinishedScope, UpdateOptions, WriteFence } from "../../core/ports/job-store.js";
import { HOLDS_FENCE, IMPORT_DELIVERY, IMPORT_JOB, INDEX_PENDING_FEEDBACK, INDEX_REPO_IDS, INTAKE, REMOVE_JOB, ScriptRunner, SWEEP_LEGACY, UPDATE_JOB } from "./redis-scripts.js";

export { redactUrl };

const COMPACT_PAGE = 200;
const UNFINISHED_PAGE = 200;
/** Set once every job is in jobs:repoid:<id>: from then on, listings by repository ID read that index. */
export const REPO_IDS_INDEXED = "compact:repoid-indexed";
/**
 * Set once every job is also in the by-name listing of the name it has now: jobs an earlier version renamed
 * stayed in their first name's only, and listing by the new name (the CLI's --repo, /jobs?repo=) missed them.
 */
export const REPO_NAMES_INDEXED = "compact:repo-names-indexed";
/** The newest creation score (jobs:all) the last compaction put in jobs:repoid:; the next starts below it. */
export const REPO_IDS_INDEXED_TO = "compact:repoid-indexed-to";
/**
 * How far below that score the next pass starts: a job's score is its webhook's receipt time on the clock
 * of the process that recorded it, so one written just after a pass may score a little below the newest
 * the pass saw (clock skew between processes, a slow intake). An hour covers both many times over.
 */
const REPO_IDS_OVERLAP_MS = 60 * 60_000;
/** Only one process of the fleet compacts at a time; the lease outlives a run, not the 6-hour period. */
const COMPACT_LEASE_MS = 10 * 60_000;

export interface RedisStoreOptions {
  /** Namespace for every key (default `t0:`); give each deployment or test its own. */
  prefix?: string;
  /** Raw delivery payloads expire after this many days, and compact() removes final jobs this old (default 30). */
  retentionDays?: number;
  now?: () => number;
  /** How many delivery records the list keeps, newest first (default 10,000). */
  deliveriesCap?: number;
  /** Attempts of a conflicting updateJob before giving up (default 50). */
  maxUpdateRetries?: number;
}

/**
 * The shared job store for several web and worker processes (REDIS_URL). Intake and updates are Lua
 * scripts, so creating a job is atomic across processes and an update never loses a concurrent one
 * (optimistic revision check, retried). Layout: see redis-scripts.ts.
 */
export class RedisJobStore implements JobStore {
  readonly kind = "redis";
  readonly prefix: string;
  readonly #redis: Redis;
  readonly #owned: boolean;
  readonly #scripts: ScriptRunner;
  readonly #ttlSec: number;
  readonly #cap: number;
  readonly #maxRetries: number;
  readonly #retentionMs: number;
  readonly #now: () => number;
  /** Updates of one job from this process run one after another: fewer revision conflicts. */
  readonly #chains = new KeyedSerial();
  #closed = false;

  constructor(redis: Redis, opts: RedisStoreOptions & { owned?: boolean } = {}) {
    this.#redis = redis;
    this.#owned = opts.owned ?? false;
    this.prefix = opts.prefix ?? "t0:";
    this.#scripts = new ScriptRunner(redis);
    this.#ttlSec = Math.max(1, Math.round((opts.retentionDays ?? 30) * 86_400));
    this.#cap = opts.deliveriesCap ?? 10_000;
    this.#maxRetries = opts.maxUpdateRetries ?? 50;
    this.#retentionMs = (opts.retentionDays ?? 30) * 86_400_000;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * The store a deployment's processes share at `url` (REDIS_URL): keys under `REDIS_PREFIX:`, RETENTION_DAYS.
   * The server, the CLI and `store migrate` all open it here, so they cannot disagree on where the keys are.
   */
  static forSettings(url: string, s: { REDIS_PREFIX: string; RETENTION_DAYS: number }): Promise<RedisJobStore> {
    return RedisJobStore.connect(url, { prefix: `${s.REDIS_PREFIX}:`, retentionDays: s.RETENTION_DAYS });
  }

  /** Connects to `url` and checks the server answers; the store owns (and closes) the connection. */
  static async connect(url: string, opts: RedisStoreOptions = {}): Promise<RedisJobStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true });
    // Without a listener ioredis prints "[ioredis] Unhandled error event" and a stack on stderr at every
    // reconnect, outside the JSON logs; the commands that fail (and /readyz's ping) report the outage.
    redis.on("error", () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      redis.disconnect();
      throw new AppError("store_unavailable", `Cannot reach Redis at ${redactUrl(url)}: ${(err as Error).message.replace(/\.$/, "")}. Start Redis or fix REDIS_URL.`, { retryable: true, cause: err });
    }
    return new RedisJobStore(redis, { ...opts, owned: true });
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    try {
      await pingWithin(this.#redis);
    } catch (err) {
      throw new AppError("store_unavailable", `Redis does not answer: ${(err as Error).message}`, { retryable: true, cause: err });
    }
  }

  /** The server's persistence and eviction settings, for the start-up check (check-redis-settings.ts). */
  readServerSettings(): Promise<RedisSettingsRead> {
    this.#assertOpen();
    return readRedisSettings({ call: (command, ...args) => this.#redis.call(command, ...args) });
  }

  async recordIntake(delivery: Delivery, rawPayload: string | Buffer, job?: Job, cap?: FingerprintCap): Promise<{ job?: Job; created: boolean; capped?: boolean }> {
    this.#assertOpen();
    const base = [this.prefix, this.#ttlSec, this.#cap, rawPayload, delivery.id];
    if (!job) {
      await this.#scripts.run(INTAKE, [...base, JSON.stringify(delivery), ""]);
      return { created: false };
    }
    const created = JSON.stringify({ ...delivery, jobId: job.id });
    const dup = JSON.stringify({ ...delivery, outcome: "duplicate", jobId: "@@JOBID@@", reason: delivery.reason ?? "a job for this run exists" });
    const capArgs = cap ? [cap.max, JSON.stringify(cap.delivery)] : [0, ""];
    const res = (await this.#scripts.run(INTAKE, [...base, created, dup, ...this.#jobArgs(job), ...capArgs])) as [number, string?];
    if (res[0] === 1) return { job: structuredClone(job), created: true };
    if (res[0] === 2) return { created: false, capped: true };
    return { job: res[1] ? (JSON.parse(res[1]) as Job) : undefined, created: false };
  }

  async getJob(id: string): Promise<Job | undefined> {
    const json = await this.#redis.hget(this.#k(`job:${id}`), "json");
    return json ? (JSON.parse(json) as Job) : undefined;
  }

  async findJobByKey(key: string): Promise<Job | undefined> {
    const id = await this.#redis.get(this.#k(`key:${key}`));
    return id ? this.getJob(id) : undefined;
  }

  updateJob(id: string, mutate: (job: Job) => void, opts: UpdateOptions = {}): Promise<Job> {
    this.#assertOpen();
    return this.#chains.run(id, () => this.#update(id, mutate, opts));
  }

  async #update(id: string, mutate: (job: Job) => void, { fence }: UpdateOptions): Promise<Job> {
    // Checked by the script that writes, not read before it: a lease lost between a check and the write
    // would let the write through, and the check would cost every write a round trip.
    const fenceArgs = fence ? [fence.key, fence.holder] : [];
    for (let attempt = 0; attempt < this.#maxRetries; attempt++) {
      const [json, rev] = await this.#redis.hmget(this.#k(`job:${id}`), "json", "rev");
      if (!json || !rev) throw new AppError("job_not_found", `No job with id ${id}.`);
      const job = JSON.parse(json) as Job;
      const repoBefore = job.repo.fullName.toLowerCase();
      mutate(job);
      const args = [this.prefix, id, rev, JSON.stringify(job), job.state, isFinal(job.state) ? "1" : "0", hasPendingFeedback(job) ? "1" : "0", repoBefore, job.repo.fullName.toLowerCase()];
      const res = await this.#scripts.run(UPDATE_JOB, [...args, ...fenceArgs]);
      if (res === 1) return job;
      if (res === -1) throw new AppError("job_not_found", `No job with id ${id}.`);
      if (res === -2) {
        throw jobTakenOver(`Job ${id} was not written: this worker's lease on it (${fence!.key}) lapsed or another worker holds it now; the job is that worker's.`, { leaseKey: fence!.key, holder: fence!.holder });
      }
      // Another process wrote in between: read again and re-apply the change on top of theirs.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** attempt)));
    }
    throw new AppError("store_conflict", `Job ${id} kept changing under concurrent updates; try again.`, { retryable: true });
  }

  async listJobs(q: JobQuery = {}): Promise<Job[]> {
    const limit = q.limit ?? 50;
    const repo = q.repo?.toLowerCase();
    const index = await this.#listingIndex(q.state, repo, q.repoId);
    const out: Job[] = [];
    const page = Math.max(limit, 100);
    for (let start = 0; out.length < limit; start += page) {
      const ids = await this.#redis.zrevrange(this.#k(index), start, start + page - 1);
      if (!ids.length) break;
      for (const job of await this.#getMany(ids)) {
        // Also on jobs:repo:<name>: a job an earlier version renamed stayed in its old name's set.
        if (repo && job.repo.fullName.toLowerCase() !== repo) continue;
        if (q.repoId !== undefined && job.repo.id !== q.repoId) continue;
        out.push(job);
        if (out.length >= limit) break;
      }
      if (ids.length < page) break;
    }
    return out;
  }

  /**
   * The sorted set a listing reads, filtered further by the caller. By repository ID before the one-time
   * backfill (see #indexRepoIds) has run: all jobs, so the jobs an earlier version made are not missed.
   */
  async #listingIndex(state: JobState | undefined, repo: string | undefined, repoId: number | undefined): Promise<string> {
    if (state) return `jobs:state:${state}`;
    if (repoId !== undefined) return (await this.#redis.exists(this.#k(REPO_IDS_INDEXED))) ? `jobs:repoid:${repoId}` : "jobs:all";
    return repo ? `jobs:repo:${repo}` : "jobs:all";
  }

  async listJobIdsWithPendingFeedback(): Promise<string[]> {
    return this.#redis.smembers(this.#k("jobs:feedback"));
  }

  async listUnfinishedJobIds(): Promise<string[]> {
    return this.#redis.zrange(this.#k("jobs:unfinished"), 0, -1);
  }

  /**
   * Read through the unfinished set, not a per-installation index: it holds only the work in hand, and
   * this runs when an installation loses access, not on every delivery.
   */
  async listUnfinishedJobs(scope: UnfinishedScope): Promise<Job[]> {
    const repos = scope.repoIds && new Set(scope.repoIds);
    const out: Job[] = [];
    for (let start = 0; ; start += UNFINISHED_PAGE) {
      const ids = await this.#redis.zrange(this.#k("jobs:unfinished"), start, start + UNFINISHED_PAGE - 1);
      for (const job of await this.#getMany(ids)) {
        if (!isFinal(job.state) && job.installationId === scope.installationId && (!repos || repos.has(job.repo.id))) out.push(job);
      }
      if (ids.length < UNFINISHED_PAGE) break;
    }
    return out;
  }

  async listDeliveries(q: { limit?: number } = {}): Promise<Delivery[]> {
    const limit = q.limit ?? 50;
    if (limit <= 0) return [];
    const rows = await this.#redis.lrange(this.#k("deliveries"), 0, limit - 1);
    return rows.map((r) => JSON.parse(r) as Delivery);
  }

  async getDeliveryPayload(id: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#k(`payload:${id}`))) ?? undefined;
  }

  async countByFingerprint(repoId: number, fingerprint: string): Promise<number> {
    const f = `${repoId}:${fingerprint}`;
    const [jobs, legacy] = await Promise.all([this.#redis.zcard(this.#k(`fpjobs:${f}`)), this.#redis.get(this.#k(`fp:${f}`))]);
    return jobs + Number(legacy ?? 0);
  }

  /** Jobs created up to `at` stop counting; one created after it (recorded before this call) still counts. */
  async clearFingerprints(repoId: number, fingerprints: string[], at: string): Promise<void> {
    if (!fingerprints.length) return;
    const until = Date.parse(at);
    await Promise.all(fingerprints.flatMap((fp) => [
      this.#redis.zremrangebyscore(this.#k(`fpjobs:${repoId}:${fp}`), "-inf", Number.isFinite(until) ? until : "+inf"),
      this.#redis.del(this.#k(`fp:${repoId}:${fp}`)), // a count kept by an earlier version: all of it is older
    ]));
  }

  async countByState(): Promise<Record<JobState, number>> {
    const pipe = this.#redis.pipeline();
    for (const s of JOB_STATES) pipe.zcard(this.#k(`jobs:state:${s}`));
    const res = (await pipe.exec()) ?? [];
    return Object.fromEntries(JOB_STATES.map((s, i) => [s, Number(res[i]?.[1] ?? 0)])) as Record<JobState, number>;
  }

  /**
   * Migration only (not on the port): stores a job as it is unless its key exists. With `refresh`, a job an
   * earlier import stored and nothing has changed since is brought up to this newer copy (see IMPORT_JOB).
   */
  async importJob(job: Job, opts: { refresh?: boolean } = {}): Promise<"created" | "refreshed" | "present"> {
    this.#assertOpen();
    const r = await this.#scripts.run(IMPORT_JOB, [this.prefix, ...this.#jobArgs(job), opts.refresh ? "1" : "0"]);
    // Feedback the old store had not sent yet is resent from here (a job Redis already had keeps its own list).
    if ((r === 1 || r === 2) && hasPendingFeedback(job)) await this.#redis.sadd(this.#k("jobs:feedback"), job.id);
    return r === 1 ? "created" : r === 2 ? "refreshed" : "present";
  }

  /**
   * Migration only: what importJob would answer, read without writing (`store migrate --dry-run`). The same
   * tests as IMPORT_JOB: the key taken, then, with `refresh`, a copy of this job nothing but an import wrote.
   */
  async previewImportJob(job: Job, opts: { refresh?: boolean } = {}): Promise<"created" | "refreshed" | "present"> {
    this.#assertOpen();
    const id = await this.#redis.get(this.#k(`key:${job.key}`));
    if (!id) return "created";
    if (!opts.refresh || id !== job.id) return "present";
    const [rev, imported, json] = await this.#redis.hmget(this.#k(`job:${id}`), "rev", "imported", "json");
    return imported !== null && rev === imported && json !== JSON.stringify(job) ? "refreshed" : "present";
  }

  /** Migration only: whether importDelivery has stored this delivery already (it would skip it). */
  async wasDeliveryImported(id: string): Promise<boolean> {
    this.#assertOpen();
    return (await this.#redis.exists(this.#k(`imported:${id}`))) === 1;
  }

  /** Migration only: appends a delivery record (and its payload) verbatim, once per delivery id. */
  async importDelivery(delivery: Delivery, payload?: string): Promise<boolean> {
    this.#assertOpen();
    const res = await this.#scripts.run(IMPORT_DELIVERY, [this.prefix, delivery.id, JSON.stringify(delivery), payload ?? "", this.#ttlSec, this.#cap, delivery.receivedAt]);
    return res === 1;
  }

  /** Deletes every key under this store's prefix (tests only). */
  async destroy(): Promise<number> {
    let removed = 0;
    let cursor = "0";
    do {
      const [next, keys] = await this.#redis.scan(cursor, "MATCH", `${escapeGlob(this.prefix)}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) removed += await this.#redis.unlink(...keys);
    } while (cursor !== "0");
    return removed;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#chains.idle();
    if (this.#owned) await closeRedis(this.#redis);
  }

  /** Periodic work that one process of the fleet should do: true when this process holds `name` for `ms`. */
  async tryLease(name: string, ms: number): Promise<boolean> {
    this.#assertOpen();
    return (await this.#redis.set(this.#k(`lease:${name}`), String(process.pid), "PX", ms, "NX")) === "OK";
  }

  async holdsFence(fence: WriteFence): Promise<boolean> {
    this.#assertOpen();
    return (await this.#scripts.run(HOLDS_FENCE, [fence.key, fence.holder])) === 1;
  }

  /**
   * Retention, as the lowdb store's compact() but without an archive (Redis holds everything in memory):
   * final jobs not touched for `retentionDays` are deleted with their run keys and their place in the
   * fix-loop count (see REMOVE_JOB); their payloads have expired already. Several processes may call it:
   * one does the work.
   */
  async compact(): Promise<{ removedJobs: number }> {
    this.#assertOpen();
    if (!(await this.tryLease("compact", COMPACT_LEASE_MS))) return { removedJobs: 0 };
    const cutoff = this.#now() - this.#retentionMs;
    let removedJobs = 0;
    for (const state of JOB_STATES.filter(isFinal)) {
      // Scored by creation time: a job created before the cutoff may still have been touched after it.
      for (let offset = 0; ; ) {
        const ids = await this.#redis.zrangebyscore(this.#k(`jobs:state:${state}`), "-inf", cutoff, "LIMIT", offset, COMPACT_PAGE);
        let removedHere = 0;
        // The document and its revision are read together: the script removes the job only if nothing
        // (an operator retry, say) has changed it since it was judged final and old.
        for (const { job, rev } of await this.#getManyWithRev(ids)) {
          if (!rev) continue;
          // Feedback still waiting keeps a job, as in lowdb: removed, it could never be sent.
          if (!isFinal(job.state) || !(Date.parse(job.updatedAt) < cutoff) || hasPendingFeedback(job)) continue;
          const args = [this.prefix, job.id, rev, job.state, job.repo.fullName.toLowerCase(), job.key, job.repo.id, job.fingerprint];
          if ((await this.#scripts.run(REMOVE_JOB, args)) === 1) removedHere++;
        }
        removedJobs += removedHere;
        if (ids.length < COMPACT_PAGE) break;
        offset += ids.length - removedHere;
      }
    }
    await this.#sweepLegacy();
    await this.#indexPendingFeedback();
    await this.#indexRepoIds();
    return { removedJobs };
  }

  /**
   * Once: jobs an earlier version made are not in jobs:repoid:<id>. Until this has run through them all
   * (at a process's start-up, see startMaintenance), listings by repository ID read every job instead.
   * Then, at every compaction, the jobs created since the last one (less REPO_IDS_OVERLAP_MS): during a
   * rolling upgrade, processes still on a version before the index go on creating jobs without it after
   * the marker is set. Re-reading only the newest scores keeps a pass small (ZADD of an indexed job is a
   * no-op), and needs nothing of the old version; such a job is missed by a listing by repository ID
   * (the closed-fix-PR guard) only until the next compaction, at most its 6-hour period. The same pass
   * files each job under the name it has now (see REPO_NAMES_INDEXED), once in full for the jobs renamed
   * before renames moved them.
   */
  async #indexRepoIds(): Promise<void> {
    const done = this.#k(REPO_IDS_INDEXED);
    const upTo = this.#k(REPO_IDS_INDEXED_TO);
    const names = this.#k(REPO_NAMES_INDEXED);
    const [marked, last, named] = await Promise.all([this.#redis.exists(done), this.#redis.get(upTo), this.#redis.exists(names)]);
    // A marker without a score (set by the version before the score was kept), or jobs not yet filed under
    // the name they have now (versions before renames moved them): one full pass more.
    const from = marked && last !== null && named ? Number(last) - REPO_IDS_OVERLAP_MS : "-inf";
    let newest = last === null ? undefined : Number(last);
    for (let offset = 0; ; offset += COMPACT_PAGE) {
      const page = await this.#redis.zrangebyscore(this.#k("jobs:all"), from, "+inf", "WITHSCORES", "LIMIT", offset, COMPACT_PAGE);
      const ids = page.filter((_, i) => i % 2 === 0);
      for (let i = 1; i < page.length; i += 2) newest = Math.max(newest ?? -Infinity, Number(page[i]));
      const jobs = await this.#getMany(ids);
      if (jobs.length) await this.#scripts.run(INDEX_REPO_IDS, [this.prefix, ...jobs.flatMap((j) => [j.id, j.repo.id, j.repo.fullName.toLowerCase()])]);
      if (ids.length < COMPACT_PAGE) break;
    }
    if (newest !== undefined) await this.#redis.set(upTo, String(newest));
    if (!marked) await this.#redis.set(done, "1");
    if (!named) await this.#redis.set(names, "1");
  }

  /**
   * Once: jobs whose feedback an earlier version left pending are not in jobs:feedback, so the outbox
   * would never resend it, and compaction, which keeps such jobs, would keep them for ever.
   */
  async #indexPendingFeedback(): Promise<void> {
    const done = this.#k("compact:feedback-indexed");
    if (await this.#redis.exists(done)) return;
    for (let start = 0; ; start += COMPACT_PAGE) {
      const ids = await this.#redis.zrange(this.#k("jobs:all"), start, start + COMPACT_PAGE - 1);
      const pending = (await this.#getManyWithRev(ids)).filter((r) => r.rev && hasPendingFeedback(r.job));
      if (pending.length) await this.#scripts.run(INDEX_PENDING_FEEDBACK, [this.prefix, ...pending.flatMap((r) => [r.job.id, r.rev!])]);
      if (ids.length < COMPACT_PAGE) break;
    }
    await this.#redis.set(done, "1");
  }

  /** See SWEEP_LEGACY; a full pass is remembered, so later compactions do not walk the keyspace again. */
  async #sweepLegacy(): Promise<void> {
    const done = this.#k("compact:legacy-swept");
    if (await this.#redis.exists(done)) return;
    for (const pattern of ["key:*", "fp:*"]) {
      let cursor = "0";
      do {
        const [next, keys] = await this.#redis.scan(cursor, "MATCH", `${escapeGlob(this.prefix)}${pattern}`, "COUNT", 1000);
        cursor = next;
        if (keys.length) await this.#scripts.run(SWEEP_LEGACY, [this.prefix, this.#ttlSec, ...keys]);
      } while (cursor !== "0");
    }
    await this.#redis.set(done, "1");
  }

  #jobArgs(job: Job): (string | number)[] {
    const score = Date.parse(job.createdAt);
    return [
      job.id, job.key, JSON.stringify(job), job.state, Number.isFinite(score) ? score : 0,
      job.repo.fullName.toLowerCase(), job.repo.id, job.fingerprint, isFinal(job.state) ? "1" : "0",
    ];
  }

  async #getMany(ids: string[]): Promise<Job[]> {
    return (await this.#getManyWithRev(ids)).map((r) => r.job);
  }

  /** Jobs with the revision they were read at (one round trip; ids with no job are left out). */
  async #getManyWithRev(ids: string[]): Promise<Array<{ job: Job; rev: string | null }>> {
    const pipe = this.#redis.pipeline();
    for (const id of ids) pipe.hmget(this.#k(`job:${id}`), "json", "rev");
    const res = (await pipe.exec()) ?? [];
    return res.flatMap(([, v]) => {
      const [json, rev] = (v ?? []) as [string | null, string | null];
      return json ? [{ job: JSON.parse(json) as Job, rev }] : [];
    });
  }

  #k(suffix: string): string {
    return this.prefix + suffix;
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError("store_closed", "The job store is closed.", { retryable: true });
  }
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}
