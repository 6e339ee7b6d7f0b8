import { describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { ProbotOctokit, type Probot } from "probot";
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
async function withDeps(env: Record<string, string>, check: (deps: Awaited<ReturnType<typeof buildDeps>>) => Promise<void>, probot?: Probot) {
  const dir = await mkdtemp(join(tmpdir(), "t0-composition-"));
  const deps = await buildDeps(loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), ...env }), { logger: silentLogger(), probot, overrides: { store: new MemoryJobStore(), queue } });
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

describe("buildDeps: GitHub writes of an installation, one at a time", () => {
  (url ? test : test.skip)("REDIS_URL: each holds the fleet's lease gh-write:<installation>, lasting twice GITHUB_REQUEST_TIMEOUT_MS (at least QUEUE_LOCK_MS)", async () => {
    const prefix = uniquePrefix("comp").slice(0, -1).replace(/:/g, "-");
    const redis = new Redis(url!);
    let seen: number | undefined;
    // GitHub, answering a label write once it has looked at the lease held for it.
    const fetch = async () => {
      seen = await redis.pttl(`${prefix}:lock:gh-write:2`);
      return new Response("[]", { status: 200, headers: { "content-type": "application/json" } });
    };
    const noop = () => undefined;
    const probot = { auth: async () => new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug: noop, info: noop, warn: noop, error: noop }, request: { fetch } }) } as unknown as Probot;
    try {
      await withDeps({ REDIS_URL: url!, REDIS_PREFIX: prefix, QUEUE_LOCK_MS: "20000", GITHUB_REQUEST_TIMEOUT_MS: "15000" }, async (deps) => {
        const gh = await deps.github.forInstallation(2);
        await gh.writes!.addLabels({ id: 1, owner: "octo", name: "demo", fullName: "octo/demo" }, 1, ["ci-bot"]);
        expect(seen).toBeGreaterThan(25_000);
        expect(seen).toBeLessThanOrEqual(30_000);
        expect(await redis.exists(`${prefix}:lock:gh-write:2`)).toBe(0);
      }, probot);
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
