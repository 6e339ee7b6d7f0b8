import { describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { MemoryKeyedLock } from "./adapters/lock/memory-keyed-lock.js";
import { RedisKeyedLock } from "./adapters/lock/redis-keyed-lock.js";
import { MemoryJobStore } from "./adapters/store/memory-store.js";
import { buildDeps, closeDeps } from "./composition.js";
import { loadAppConfig } from "./config/app-config.js";
import { silentLogger } from "./core/logger.js";
import { idleQueue } from "../test/helpers/idle-queue.js";
import { redisUrlIfAvailable, uniquePrefix } from "../test/helpers/redis-env.js";

const url = await redisUrlIfAvailable();
const queue = idleQueue();

/** The deps of `env`, with the store and queue of a test: only the lock is the composition root's choice. */
async function withDeps(env: Record<string, string>, check: (deps: Awaited<ReturnType<typeof buildDeps>>) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), "t0-composition-"));
  const deps = await buildDeps(loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), ...env }), { logger: silentLogger(), overrides: { store: new MemoryJobStore(), queue } });
  try {
    await check(deps);
  } finally {
    await closeDeps(deps);
    await rm(dir, { recursive: true, force: true });
  }
}

describe("buildDeps: the lock of a repository's fix-PR decisions", () => {
  test("embedded (no REDIS_URL): in this process, the one that owns DATA_DIR", async () => {
    await withDeps({}, async (deps) => expect(deps.locks).toBeInstanceOf(MemoryKeyedLock));
  });

  (url ? test : test.skip)("REDIS_URL: a lease in Redis under REDIS_PREFIX, lasting QUEUE_LOCK_MS, shared by every process", async () => {
    const prefix = uniquePrefix("comp").slice(0, -1).replace(/:/g, "-");
    const redis = new Redis(url!);
    try {
      await withDeps({ REDIS_URL: url!, REDIS_PREFIX: prefix, QUEUE_LOCK_MS: "20000" }, async (deps) => {
        expect(deps.locks).toBeInstanceOf(RedisKeyedLock);
        const hold = (await deps.locks!.acquire("fix-prs:42", { waitMs: 0 }))!;
        expect(await redis.pttl(`${prefix}:lock:fix-prs:42`)).toBeGreaterThan(15_000);
        expect(await redis.pttl(`${prefix}:lock:fix-prs:42`)).toBeLessThanOrEqual(20_000);
        await hold.release();
        expect(await redis.exists(`${prefix}:lock:fix-prs:42`)).toBe(0);
      });
    } finally {
      redis.disconnect();
    }
  });
});
