import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Redis } from "ioredis";
import { createRepoSemaphore } from "../../src/adapters/queue/repo-semaphore.js";
import { createWritePacer, openWritePacer } from "../../src/adapters/queue/write-pacer.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("Redis rate limits");
else
  describe("Redis rate limits shared across processes", () => {
    // Two connections stand in for two processes.
    let r1: Redis;
    let r2: Redis;
    const prefix = uniquePrefix("rl");
    beforeAll(() => {
      r1 = new Redis(url);
      r2 = new Redis(url);
    });
    afterAll(async () => {
      const keys = await r1.keys(`${prefix}*`);
      if (keys.length) await r1.del(...keys);
      r1.disconnect();
      r2.disconnect();
    });

    test("repo semaphore: at most `limit` holders, per repository, released and expired slots free up", async () => {
      // Leases of 3 s: the checks below must all come before the first ones expire, on a loaded CI machine too.
      const a = createRepoSemaphore(r1, { prefix, limit: 2, ttlMs: 3_000 });
      const b = createRepoSemaphore(r2, { prefix, limit: 2, ttlMs: 3_000 });
      const got = await Promise.all([a.tryAcquire("o/R", "t1"), b.tryAcquire("o/r", "t2"), a.tryAcquire("O/r", "t3"), b.tryAcquire("o/r", "t4")]);
      expect(got.filter(Boolean).length).toBe(2);
      expect(await a.tryAcquire("o/other", "t5")).toBe(true);
      const holder = got[0] ? "t1" : "t2";
      expect(await a.tryAcquire("o/r", holder)).toBe(true); // re-entrant renewal, not a new slot
      expect(await a.holders("o/r")).toBe(2);
      await a.release("o/r", holder);
      expect(await b.tryAcquire("o/r", "t6")).toBe(true);
      expect(await b.tryAcquire("o/r", "t7")).toBe(false);
      await new Promise((r) => setTimeout(r, 3_100)); // holders that stopped renewing (a dead worker) expire
      expect(await b.tryAcquire("o/r", "t7")).toBe(true);
    });

    test("repo semaphore: a running holder whose lease lapsed takes its slot back on renewal, over the limit if need be", async () => {
      const a = createRepoSemaphore(r1, { prefix, limit: 1, ttlMs: 5_000 });
      const b = createRepoSemaphore(r2, { prefix, limit: 1, ttlMs: 5_000 });
      expect(await a.tryAcquire("o/lapsed", "runner")).toBe(true);
      expect(await a.renew("o/lapsed", "runner")).toBe(true);
      await r1.del(`${prefix}sem:repo:o/lapsed`); // Redis restarted without persistence
      expect(await b.tryAcquire("o/lapsed", "newcomer")).toBe(true);
      expect(await a.renew("o/lapsed", "runner")).toBe(false);
      expect(await a.holders("o/lapsed")).toBe(2);
      await b.release("o/lapsed", "newcomer");
      expect(await b.tryAcquire("o/lapsed", "third")).toBe(false);
      await a.release("o/lapsed", "runner");
      expect(await b.tryAcquire("o/lapsed", "third")).toBe(true);
    });

    test("write pacer spaces one installation's writes across processes, leaves others alone", async () => {
      const p1 = createWritePacer(r1, { prefix, minIntervalMs: 40 });
      const p2 = createWritePacer(r2, { prefix, minIntervalMs: 40 });
      const t0 = Date.now();
      const done: number[] = [];
      await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? p1 : p2).acquire(7).then(() => done.push(Date.now() - t0))));
      done.sort((x, y) => x - y);
      // The k-th write may not start before k intervals have passed (late timers only delay it further).
      for (let k = 0; k < done.length; k++) expect(done[k]!).toBeGreaterThanOrEqual(40 * k - 5);
      expect(await p1.acquire(8)).toBe(0); // another installation does not wait
    });

    test("openWritePacer with REDIS_URL: two processes' pacers share one schedule", async () => {
      const cfg = { REDIS_URL: url, REDIS_PREFIX: prefix.slice(0, -1) };
      const clock = { now: Date.now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
      const a = await openWritePacer(cfg, { minIntervalMs: 100, clock });
      const b = await openWritePacer(cfg, { minIntervalMs: 100, clock });
      try {
        const t0 = Date.now();
        const done: number[] = [];
        await Promise.all([a.pacer.acquire(11), b.pacer.acquire(11), a.pacer.acquire(11)].map((w) => w.then(() => done.push(Date.now() - t0))));
        done.sort((x, y) => x - y);
        // The k-th write may not start before k intervals have passed. Lower bounds only: on a loaded machine
        // a late reservation or timer only delays a write further (the wait each one reported shrank instead).
        for (let k = 0; k < done.length; k++) expect(done[k]!).toBeGreaterThanOrEqual(100 * k - 5);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test("write pacer: an aborted wait rejects and a zero interval never waits", async () => {
      const p = createWritePacer(r1, { prefix, minIntervalMs: 500 });
      await p.acquire(9);
      const ac = new AbortController();
      const waiting = p.acquire(9, ac.signal);
      ac.abort(new Error("shutting down"));
      await expect(waiting).rejects.toThrow("shutting down");
      expect(await createWritePacer(r1, { prefix, minIntervalMs: 0 }).acquire(9)).toBe(0);
    });
  });
