import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { Redis } from "ioredis";
import { REPO_IDS_INDEXED, REPO_IDS_INDEXED_TO, REPO_NAMES_INDEXED, RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("RedisJobStore across connections");
else
  describe("RedisJobStore across connections (as two processes would use it)", () => {
    let a: RedisJobStore;
    let b: RedisJobStore;
    let prefix: string;
    beforeEach(async () => {
      prefix = uniquePrefix("store2");
      a = await RedisJobStore.connect(url, { prefix });
      b = await RedisJobStore.connect(url, { prefix, deliveriesCap: 5, retentionDays: 1 });
    });
    afterEach(async () => {
      await a.destroy();
      await a.close();
      await b.close();
    });

    test("compact() removes final jobs past the retention window with their run keys and fix-loop counts", async () => {
      let now = Date.parse("2026-10-01T00:00:00Z");
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => now });
      // Closed even when an expectation fails: an open connection keeps jest from exiting.
      try {
        const old = makeJob({ runId: 1, at: "2026-10-01T00:00:00.000Z", fingerprint: "f" });
        const oldOpen = makeJob({ runId: 2, at: "2026-10-01T00:00:00.000Z", fingerprint: "f" });
        const fresh = makeJob({ runId: 3, at: "2026-11-20T00:00:00.000Z", fingerprint: "g" });
        for (const j of [old, oldOpen, fresh]) await s.recordIntake(makeDelivery(j), "{}", j);
        await s.updateJob(old.id, (j) => Object.assign(j, { state: "completed", updatedAt: "2026-10-01T01:00:00.000Z" }));
        now = Date.parse("2026-11-20T00:00:00Z");
        await s.updateJob(fresh.id, (j) => Object.assign(j, { state: "failed", updatedAt: "2026-11-20T00:00:00.000Z" }));

        expect(await s.compact()).toEqual({ removedJobs: 1 });
        expect(await s.getJob(old.id)).toBeUndefined();
        expect((await s.listJobs({ limit: 10 })).map((j) => j.id).sort()).toEqual([oldOpen.id, fresh.id].sort());
        expect(await s.countByState()).toMatchObject({ completed: 0, failed: 1, pending: 1 });
        expect(await s.listUnfinishedJobIds()).toEqual([oldOpen.id]);
        // Nothing of the removed job stays behind: no key per run or per failure grows with history.
        const r = new Redis(url);
        const left = await r.keys(`${prefix}*`);
        const listedForRepo = await r.zrange(`${prefix}jobs:repoid:${old.repo.id}`, 0, -1);
        r.disconnect();
        expect(left.filter((k) => k.includes(old.id) || k.endsWith(old.key))).toEqual([]);
        expect(listedForRepo.sort()).toEqual([oldOpen.id, fresh.id].sort());
        expect(await s.findJobByKey(old.key)).toBeUndefined();
        // The fix-loop guard counts the attempts of the window: the open job still counts, the removed one not.
        expect(await s.countByFingerprint(old.repo.id, "f")).toBe(1);
        expect(await s.countByFingerprint(fresh.repo.id, "g")).toBe(1);
        // Another process asking at the same moment leaves it to the one holding the lease.
        expect(await a.compact()).toEqual({ removedJobs: 0 });
      } finally {
        await s.close();
      }
    });

    test("compact() clears what earlier versions left for ever: run keys of removed jobs, fix-loop counters", async () => {
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => Date.parse("2026-11-20T00:00:00Z") });
      const live = makeJob({ runId: 9 });
      await s.recordIntake(makeDelivery(live), "{}", live);
      const r = new Redis(url);
      try {
        // As an earlier version's compaction left them: the job is gone, its run key and count are not.
        await r.set(`${prefix}key:1296269:8`, "removed-long-ago");
        await r.set(`${prefix}fp:1296269:old`, 2);
        expect(await s.compact()).toEqual({ removedJobs: 0 });
        expect(await r.exists(`${prefix}key:1296269:8`)).toBe(0);
        expect((await s.findJobByKey(live.key))?.id).toBe(live.id);
        // The counter still counts the attempts of one more window, then goes.
        expect(await s.countByFingerprint(1296269, "old")).toBe(2);
        const ttl = await r.ttl(`${prefix}fp:1296269:old`);
        expect(ttl).toBeGreaterThan(30 * 86_400 - 100);
        expect(ttl).toBeLessThanOrEqual(30 * 86_400);
      } finally {
        r.disconnect();
        await s.close();
      }
    });

    test("compact() lists the pending feedback an earlier version left, so the outbox sends it at last", async () => {
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => Date.parse("2026-11-20T00:00:00Z") });
      const job = makeJob({ runId: 31 });
      await s.recordIntake(makeDelivery(job), "{}", job);
      const pending = { id: "f", metric: "pr_merged", value: true, target: { episodeId: "e" }, status: "pending" as const, attempts: 1, createdAt: job.createdAt };
      await s.updateJob(job.id, (j) => Object.assign(j, { state: "failed", feedback: [pending] }));
      const r = new Redis(url);
      try {
        // An earlier version wrote the job without the jobs:feedback set: nothing lists it for the outbox.
        await r.del(`${prefix}jobs:feedback`);
        expect(await s.listJobIdsWithPendingFeedback()).toEqual([]);
        await s.compact();
        expect(await s.listJobIdsWithPendingFeedback()).toEqual([job.id]);
      } finally {
        r.disconnect();
        await s.close();
      }
    });

    test("listing by repository ID finds the jobs an earlier version made (no by-ID index yet) before and after compact() indexes them", async () => {
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => Date.parse("2026-11-20T00:00:00Z") });
      const at = (d: number) => `2026-11-0${d}T00:00:00.000Z`;
      const before = makeJob({ runId: 51, repoId: 10, repo: "acme/old-name", at: at(1) });
      const after = makeJob({ runId: 52, repoId: 10, repo: "acme/new-name", at: at(2) });
      const another = makeJob({ runId: 53, repoId: 11, repo: "acme/other", at: at(3) });
      for (const j of [before, after, another]) await s.recordIntake(makeDelivery(j), "{}", j);
      const r = new Redis(url);
      try {
        // As an earlier version wrote them: listed by name only.
        await r.del(`${prefix}jobs:repoid:10`, `${prefix}jobs:repoid:11`);
        const ids = async (q: Parameters<RedisJobStore["listJobs"]>[0]) => (await s.listJobs(q)).map((j) => j.id);
        expect(await ids({ repoId: 10 })).toEqual([after.id, before.id]);
        expect(await ids({ repoId: 10, limit: 1 })).toEqual([after.id]);
        expect(await s.compact()).toEqual({ removedJobs: 0 });
        expect(await r.zrange(`${prefix}jobs:repoid:10`, 0, -1)).toEqual([before.id, after.id]);
        expect(await r.zrange(`${prefix}jobs:repoid:11`, 0, -1)).toEqual([another.id]);
        const later = makeJob({ runId: 54, repoId: 10, repo: "acme/new-name", at: at(4) });
        await s.recordIntake(makeDelivery(later), "{}", later);
        expect(await ids({ repoId: 10 })).toEqual([later.id, after.id, before.id]);
        expect(await ids({ repoId: 11 })).toEqual([another.id]);
      } finally {
        r.disconnect();
        await s.close();
      }
    });

    test("compact() files a job an earlier version renamed under its new name, once, also where the by-ID index was already complete", async () => {
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => Date.parse("2026-11-20T00:00:00Z") });
      const r = new Redis(url);
      try {
        const job = makeJob({ runId: 71, repoId: 10, repo: "acme/old-name", at: "2026-11-05T12:00:00.000Z" });
        await s.recordIntake(makeDelivery(job), "{}", job);
        await s.updateJob(job.id, (j) => void (j.repo = { ...j.repo, name: "New-Name", fullName: "acme/New-Name" }));
        // As a version before renames moved jobs left it: still under its first name only.
        await r.zrem(`${prefix}jobs:repo:acme/new-name`, job.id);
        await r.zadd(`${prefix}jobs:repo:acme/old-name`, Date.parse(job.createdAt), job.id);
        // The last version's state: its by-ID backfill done, with its score.
        await r.set(`${prefix}${REPO_IDS_INDEXED}`, "1");
        await r.set(`${prefix}${REPO_IDS_INDEXED_TO}`, String(Date.parse("2026-11-19T00:00:00Z")));
        const ids = async (repo: string) => (await s.listJobs({ repo })).map((j) => j.id);
        expect(await ids("acme/New-Name")).toEqual([]);
        await s.compact();
        expect(await ids("acme/New-Name")).toEqual([job.id]);
        expect(await ids("acme/old-name")).toEqual([]); // its old entry stays, and the listing skips it
        expect(await r.exists(`${prefix}${REPO_NAMES_INDEXED}`)).toBe(1); // not a full pass at every compaction
      } finally {
        r.disconnect();
        await s.close();
      }
    });

    test("compact() indexes by repository ID the jobs a process still on an earlier version made after the one-time backfill (rolling upgrade)", async () => {
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => Date.parse("2026-11-20T00:00:00Z") });
      const r = new Redis(url);
      try {
        const first = makeJob({ runId: 61, repoId: 10, at: "2026-11-05T12:00:00.000Z" });
        await s.recordIntake(makeDelivery(first), "{}", first);
        await s.compact(); // the one-time backfill: from now on listings by ID read jobs:repoid:
        // Written by old-version processes: no jobs:repoid: entry. One of them with its clock half an hour behind.
        const later = makeJob({ runId: 62, repoId: 10, at: "2026-11-06T12:00:00.000Z" });
        const skewed = makeJob({ runId: 63, repoId: 10, at: "2026-11-05T11:30:00.000Z" });
        for (const j of [later, skewed]) {
          await s.recordIntake(makeDelivery(j), "{}", j);
          await r.zrem(`${prefix}jobs:repoid:10`, j.id);
        }
        const ids = async () => (await s.listJobs({ repoId: 10 })).map((j) => j.id);
        expect(await ids()).toEqual([first.id]);
        await r.del(`${prefix}lease:compact`); // the next period's compaction
        await s.compact();
        expect(await ids()).toEqual([later.id, first.id, skewed.id]);
        // Each pass starts near the newest job the last one saw, not at the first: it stays small.
        await r.zrem(`${prefix}jobs:repoid:10`, first.id);
        await r.del(`${prefix}lease:compact`);
        await s.compact();
        expect(await ids()).toEqual([later.id, skewed.id]);
      } finally {
        r.disconnect();
        await s.close();
      }
    });

    test("compact() keeps a job that an operator retried after compact read it", async () => {
      const s = await RedisJobStore.connect(url, { prefix, retentionDays: 30, now: () => Date.parse("2026-11-20T00:00:00Z") });
      const job = makeJob({ runId: 7, at: "2026-10-01T00:00:00.000Z" });
      await s.recordIntake(makeDelivery(job), "{}", job);
      await s.updateJob(job.id, (j) => Object.assign(j, { state: "failed", updatedAt: "2026-10-01T01:00:00.000Z" }));
      // The retry lands right after compact's read of the job, before it acts on what it read.
      const pipeline = Redis.prototype.pipeline;
      let retried = false;
      Redis.prototype.pipeline = function (this: Redis, ...args: Parameters<typeof pipeline>) {
        const p = pipeline.apply(this, args);
        const exec = p.exec.bind(p);
        p.exec = (async () => {
          const res = await exec();
          if (!retried && JSON.stringify(res).includes(job.id)) {
            retried = true;
            await a.updateJob(job.id, (j) => Object.assign(j, { state: "pending", updatedAt: "2026-11-20T00:00:00.000Z" }));
          }
          return res;
        }) as typeof p.exec;
        return p;
      } as typeof pipeline;
      try {
        expect(await s.compact()).toEqual({ removedJobs: 0 });
        expect(retried).toBe(true);
        expect((await s.getJob(job.id))?.state).toBe("pending");
        expect(await s.listUnfinishedJobIds()).toEqual([job.id]);
      } finally {
        Redis.prototype.pipeline = pipeline;
        await s.close();
      }
    });

    test("a fix-loop count kept by an earlier version (fp: counter) still counts, and a clear ends it", async () => {
      const r = new Redis(url);
      await r.set(`${prefix}fp:1296269:legacy`, 2);
      r.disconnect();
      expect(await a.countByFingerprint(1296269, "legacy")).toBe(2);
      const cap = (j: ReturnType<typeof makeJob>) => ({ max: 3, delivery: makeDelivery(j, { outcome: "ignored" as const, reason: "capped" }) });
      const third = makeJob({ runId: 40, fingerprint: "legacy" });
      expect((await a.recordIntake(makeDelivery(third), "{}", third, cap(third))).created).toBe(true);
      const fourth = makeJob({ runId: 41, fingerprint: "legacy" });
      expect((await a.recordIntake(makeDelivery(fourth), "{}", fourth, cap(fourth))).capped).toBe(true);
      await a.clearFingerprints(1296269, ["legacy"], "2026-11-24T00:00:00.000Z");
      expect(await a.countByFingerprint(1296269, "legacy")).toBe(0);
    });

    test("tryLease: one connection of the fleet holds a named lease until it expires", async () => {
      // 2 s: the refusal must come before the lease expires, on a loaded CI machine too (200 ms did not leave that room).
      expect(await a.tryLease("redeliver", 2_000)).toBe(true);
      expect(await b.tryLease("redeliver", 2_000)).toBe(false);
      expect(await b.tryLease("other", 2_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 2_100));
      expect(await b.tryLease("redeliver", 2_000)).toBe(true);
    });

    test("the same run delivered to two connections at once creates one job", async () => {
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const job = makeJob({ runId: 77 });
          return (i % 2 ? a : b).recordIntake(makeDelivery(job), "{}", job);
        }),
      );
      expect(results.filter((r) => r.created).length).toBe(1);
      const ids = new Set(results.map((r) => r.job?.id));
      expect(ids.size).toBe(1);
      expect((await a.listJobs()).length).toBe(1);
    });

    test("updates from two connections are never lost", async () => {
      const job = makeJob();
      await a.recordIntake(makeDelivery(job), "{}", job);
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).updateJob(job.id, (j) => void j.attempts.total++)));
      expect((await b.getJob(job.id))?.attempts.total).toBe(40);
    });

    test("moving to a final state leaves the unfinished index and the state index follows", async () => {
      const job = makeJob();
      await a.recordIntake(makeDelivery(job), "{}", job);
      await b.updateJob(job.id, (j) => void (j.state = "failed"));
      expect(await a.listUnfinishedJobIds()).toEqual([]);
      expect((await a.countByState()).failed).toBe(1);
      expect((await a.countByState()).pending).toBe(0);
    });

    test("caps the delivery list and expires payloads after the retention window", async () => {
      for (let i = 0; i < 8; i++) await b.recordIntake(makeDelivery(undefined, { id: `d${i}` }), `{"i":${i}}`);
      expect((await b.listDeliveries({ limit: 100 })).map((d) => d.id)).toEqual(["d7", "d6", "d5", "d4", "d3"]);
      const r = new Redis(url);
      const ttl = await r.ttl(`${prefix}payload:d7`);
      r.disconnect();
      expect(ttl).toBeGreaterThan(86_000);
      expect(ttl).toBeLessThanOrEqual(86_400);
    });

    test("a payload goes with the last record of its delivery that the capped list drops, not before", async () => {
      const payloads = async (ids: string[]) => Promise.all(ids.map((id) => b.getDeliveryPayload(id)));
      for (let i = 0; i < 8; i++) await b.recordIntake(makeDelivery(undefined, { id: `d${i}` }), `{"i":${i}}`);
      expect(await payloads(["d0", "d1", "d2"])).toEqual([undefined, undefined, undefined]);
      expect(await payloads(["d3", "d7"])).toEqual(['{"i":3}', '{"i":7}']);
      // GitHub redelivers under the same GUID: the payload stays while either record is listed.
      const job = makeJob({ runId: 88 });
      await b.recordIntake(makeDelivery(job, { id: "again" }), '{"run":88}', job);
      await b.recordIntake(makeDelivery(job, { id: "again" }), '{"run":88}', job);
      for (let i = 8; i < 12; i++) await b.recordIntake(makeDelivery(undefined, { id: `d${i}` }), "{}");
      expect((await b.listDeliveries({ limit: 10 })).map((d) => d.id)).toEqual(["d11", "d10", "d9", "d8", "again"]);
      expect(await b.getDeliveryPayload("again")).toBe('{"run":88}');
      await b.recordIntake(makeDelivery(undefined, { id: "d12" }), "{}");
      expect(await b.getDeliveryPayload("again")).toBeUndefined();
      // An imported delivery older than a full list of newer ones is not listed: its payload is not kept either.
      expect(await b.importDelivery(makeDelivery(undefined, { id: "old", receivedAt: "2020-01-01T00:00:00.000Z" }), '{"old":1}')).toBe(true);
      expect(await b.getDeliveryPayload("old")).toBeUndefined();
      const r = new Redis(url);
      const keys = await r.keys(`${prefix}payload:*`);
      r.disconnect();
      expect(keys.sort()).toEqual(["d10", "d11", "d12", "d8", "d9"].map((id) => `${prefix}payload:${id}`).sort());
    });

    test("imports jobs and deliveries verbatim, once", async () => {
      const job = { ...makeJob({ runId: 5 }), state: "completed" as const };
      expect(await a.importJob(job)).toBe("created");
      expect(await a.importJob(job)).toBe("present");
      expect(await a.getJob(job.id)).toEqual(job);
      expect(await a.listUnfinishedJobIds()).toEqual([]);
      const d = makeDelivery(job, { jobId: job.id });
      expect(await a.importDelivery(d, '{"x":1}')).toBe(true);
      expect(await a.importDelivery(d, '{"x":1}')).toBe(false);
      expect(await a.listDeliveries()).toEqual([d]);
      expect(await a.getDeliveryPayload(d.id)).toBe('{"x":1}');
      const dup = makeJob({ runId: 5 });
      expect((await a.recordIntake(makeDelivery(dup), "{}", dup)).created).toBe(false);
    });

    test("a migration run that refreshes a job the source renamed since lists it by the new name, not the old one", async () => {
      const job = makeJob({ runId: 9, repo: "acme/Old-Name" });
      expect(await a.importJob(job)).toBe("created");
      const renamed = { ...structuredClone(job), repo: { ...job.repo, name: "New-Name", fullName: "acme/New-Name" } };
      expect(await a.importJob(renamed, { refresh: true })).toBe("refreshed");
      expect((await a.listJobs({ repo: "acme/new-name" })).map((j) => j.id)).toEqual([job.id]);
      const r = new Redis(url);
      try {
        expect(await r.zrange(`${prefix}jobs:repo:acme/old-name`, 0, -1)).toEqual([]);
      } finally {
        r.disconnect();
      }
    });

    test("an update that read a job before a migration refreshed it is re-applied on the refreshed copy", async () => {
      const job = makeJob({ runId: 6 });
      expect(await a.importJob(job)).toBe("created");
      const newer = { ...structuredClone(job), state: "cloning" as const, results: { "open-pull-request": { number: 8 } } };
      // The refresh lands between the update's read of the job and its compare-and-set.
      const hmget = Redis.prototype.hmget;
      let refreshed: string | undefined;
      Redis.prototype.hmget = async function (this: Redis, ...args: unknown[]) {
        const res = await (hmget as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        if (refreshed === undefined && args[0] === `${prefix}job:${job.id}`) refreshed = await a.importJob(newer, { refresh: true });
        return res;
      } as typeof hmget;
      try {
        await b.updateJob(job.id, (j) => void (j.results["watch-pr"] = { seen: true }));
      } finally {
        Redis.prototype.hmget = hmget;
      }
      expect(refreshed).toBe("refreshed");
      expect(await a.getJob(job.id)).toMatchObject({ state: "cloning", results: { "open-pull-request": { number: 8 }, "watch-pr": { seen: true } } });
      // Changed in Redis since: a later migration run leaves it alone.
      expect(await a.importJob({ ...newer, state: "completed" }, { refresh: true })).toBe("present");
    });

    test("a write fenced by a job's lease is refused, leaving the job as it was, once the lease passed to another holder or lapsed; holdsFence says the same", async () => {
      const job = makeJob({ runId: 41 });
      await a.recordIntake(makeDelivery(job), "{}", job);
      const r = new Redis(url);
      // As the queue keeps it (createRepoSemaphore): holder → expiry in ms of the Redis server's clock.
      const lease = `${prefix}sem:job:${job.id}`;
      const fence = { key: lease, holder: "worker-a" };
      const [sec, micro] = await r.time();
      const now = Number(sec) * 1000 + Math.floor(Number(micro) / 1000);
      const refused = () => expect(b.updateJob(job.id, (j) => Object.assign(j, { state: "failed", stage: "late" }), { fence })).rejects.toMatchObject({ code: "job_taken_over", retryable: false });
      try {
        await r.zadd(lease, now + 60_000, "worker-a");
        expect(await b.holdsFence(fence)).toBe(true);
        const held = await b.updateJob(job.id, (j) => void (j.state = "cloning"), { fence });
        expect(held.state).toBe("cloning");
        const before = await a.getJob(job.id);

        // Another worker took the job over after worker-a's lease lapsed.
        await r.multi().del(lease).zadd(lease, now + 60_000, "worker-b").exec();
        expect(await b.holdsFence(fence)).toBe(false);
        await refused();
        expect(await a.getJob(job.id)).toEqual(before);

        // Lapsed, and no one has taken it yet: worker-a cannot tell it from a take-over.
        await r.multi().del(lease).zadd(lease, now - 1, "worker-a").exec();
        expect(await b.holdsFence(fence)).toBe(false);
        await refused();
        expect(await a.getJob(job.id)).toEqual(before);
        expect(await a.countByState()).toMatchObject({ cloning: 1, failed: 0 });
        expect(await a.listUnfinishedJobIds()).toEqual([job.id]);

        // A write with no fence (a webhook's, an operator's) does not depend on any lease.
        expect((await b.updateJob(job.id, (j) => void (j.state = "failed"))).state).toBe("failed");
      } finally {
        r.disconnect();
      }
    });
  });

describe("health checks when Redis is gone", () => {
  test("store and queue pings fail promptly with a clear code instead of hanging", async () => {
    const { BullmqQueue } = await import("../../src/adapters/queue/bullmq-queue.js");
    const { silentLogger } = await import("../../src/core/logger.js");
    // A port nothing listens on: ioredis keeps reconnecting and queues commands meanwhile.
    const store = new RedisJobStore(new Redis("redis://127.0.0.1:1", { lazyConnect: false, maxRetriesPerRequest: null }), { owned: true });
    const queue = new BullmqQueue({ url: "redis://127.0.0.1:1", concurrency: 1, perRepo: 1, logger: silentLogger() });
    const t0 = Date.now();
    await expect(store.ping()).rejects.toMatchObject({ code: "store_unavailable", retryable: true });
    await expect(queue.ping()).rejects.toMatchObject({ code: "queue_unavailable", retryable: true });
    // Each ping gives up after its own 2 s: 20 s leaves a loaded CI machine room and still fails a hang.
    expect(Date.now() - t0).toBeLessThan(20_000);
    await store.close();
    await queue.stop().catch(() => undefined);
  });
});
