import { describe, expect, jest, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDeps, startWorkers } from "../../src/composition.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { silentLogger } from "../../src/core/logger.js";
import type { BullmqQueue } from "../../src/adapters/queue/bullmq-queue.js";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { run as workerCommand, startWorker } from "../../src/cli/commands/worker.js";
import { eventually } from "../helpers/eventually.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { removeRedisDeployment } from "../helpers/remove-redis-deployment.js";

const url = await redisUrlIfAvailable();

describe("t0-ci-bot worker without Redis", () => {
  test("refuses to start and says what to set", async () => {
    const err: string[] = [];
    const e = jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    try {
      expect(await workerCommand([], { DATA_DIR: "/nonexistent" })).toBe(2);
      expect(await workerCommand([], { REDIS_URL: "redis://127.0.0.1:1", T0_WORKERS: "0" })).toBe(2);
      expect(await workerCommand([], { REDIS_URL: "http://nope" })).toBe(1);
    } finally {
      e.mockRestore();
    }
    expect(err.join("")).toMatch(/REDIS_URL is not set[\s\S]*T0_WORKERS=0[\s\S]*REDIS_URL: must be a URL such as redis:\/\/host:6379/);
  });
});

if (!url) skipWithoutRedis("composition with REDIS_URL");
else
  describe("composition with REDIS_URL", () => {
    test("picks the Redis store and the BullMQ queue; web processes run no jobs, workers do", async () => {
      const prefix = uniquePrefix("comp").replace(/:/g, "-").slice(0, -1);
      const ws = await mkdtemp(join(tmpdir(), "t0-comp-ws-"));
      const config = loadAppConfig({ REDIS_URL: url, REDIS_PREFIX: prefix, DATA_DIR: "/nonexistent", WORKSPACE_ROOT: ws, KEEP_WORKSPACE: "true" });
      const deps = await buildDeps(config, { logger: silentLogger() });
      try {
        expect(deps.store.kind).toBe("redis");
        expect(deps.queue.kind).toBe("bullmq");
        expect((deps.store as RedisJobStore).prefix).toBe(`${prefix}:`);
        expect(await startWorkers(deps)).toBeUndefined();
        expect(await startWorkers(deps, { role: "serve" })).toBeUndefined();
        const runner = await startWorkers(deps, { role: "worker", stages: [] });
        expect(runner).toBeDefined();
      } finally {
        await deps.queue.stop({ drainMs: 500 });
        const { BullmqQueue } = await import("../../src/adapters/queue/bullmq-queue.js");
        const admin: BullmqQueue = new BullmqQueue({ url, prefix, concurrency: 1, perRepo: 1, logger: silentLogger() });
        await admin.destroy();
        await admin.stop();
        await (deps.store as RedisJobStore).destroy();
        await deps.store.close();
        await rm(ws, { recursive: true, force: true });
      }
    });

    test("a worker's resume sweep queues an unfinished job the queue never got (or lost)", async () => {
      const prefix = uniquePrefix("sweep").replace(/:/g, "-").slice(0, -1);
      const ws = await mkdtemp(join(tmpdir(), "t0-sweep-ws-"));
      // Stalled check every 100 ms → sweep every second.
      const config = loadAppConfig({ REDIS_URL: url, REDIS_PREFIX: prefix, DATA_DIR: "/nonexistent", WORKSPACE_ROOT: ws, KEEP_WORKSPACE: "true", T0_WORKERS: "1", QUEUE_STALLED_INTERVAL_MS: "100" });
      const ran: string[] = [];
      let checked = 0;
      const worker = await startWorker(config, {
        overrides: { logger: silentLogger() },
        stages: [{ name: "only", state: "cloning", sideEffects: false, run: async (job) => (ran.push(job.id), {}) }],
        // A worker checks the app's credentials and access at start too: a refused key fails all its jobs.
        githubApp: { registration: async () => (checked++, { id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] }), installations: async function* () {} },
      });
      const store = worker.deps.store as RedisJobStore;
      try {
        const job = makeJob();
        await store.recordIntake(makeDelivery(job), "{}", job); // recorded, never enqueued
        const parked = { ...makeJob(), waitingFor: "pull_request" };
        await store.recordIntake(makeDelivery(parked), "{}", parked);
        await eventually("the job to complete", async () => (await store.getJob(job.id))?.state === "completed");
        expect((await store.getJob(job.id))?.state).toBe("completed");
        expect(ran).toEqual([job.id]); // the parked job stays parked
        expect(checked).toBe(1);
      } finally {
        await worker.stop({ drainMs: 500 });
        await removeRedisDeployment(url, prefix);
        await rm(ws, { recursive: true, force: true });
      }
    });

    test("a worker whose WORKER_HEALTH_PORT is taken fails naming the setting, and runs no job", async () => {
      const prefix = uniquePrefix("busy").replace(/:/g, "-").slice(0, -1);
      const ws = await mkdtemp(join(tmpdir(), "t0-busy-ws-"));
      const taken = createServer();
      await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
      const port = (taken.address() as AddressInfo).port;
      const store = await RedisJobStore.connect(url, { prefix: `${prefix}:` });
      try {
        const job = makeJob();
        await store.recordIntake(makeDelivery(job), "{}", job); // unfinished: a started worker would resume it
        const config = loadAppConfig({ REDIS_URL: url, REDIS_PREFIX: prefix, HOST: "127.0.0.1", WORKER_HEALTH_PORT: String(port), DATA_DIR: "/nonexistent", WORKSPACE_ROOT: ws, T0_WORKERS: "1" });
        const ran: string[] = [];
        const stages = [{ name: "only", state: "cloning" as const, sideEffects: false, run: async (j: { id: string }) => (ran.push(j.id), {}) }];
        await expect(startWorker(config, { overrides: { logger: silentLogger() }, stages })).rejects.toThrow(
          `WORKER_HEALTH_PORT=${port}: 127.0.0.1:${port} is already in use by another process; stop that process or set WORKER_HEALTH_PORT to a free port.`,
        );
        await new Promise((r) => setTimeout(r, 300));
        expect(ran).toEqual([]);
        expect((await store.getJob(job.id))?.state).toBe("pending");
      } finally {
        await new Promise((r) => taken.close(r));
        const { BullmqQueue } = await import("../../src/adapters/queue/bullmq-queue.js");
        const admin = new BullmqQueue({ url, prefix, concurrency: 1, perRepo: 1, logger: silentLogger() });
        await admin.destroy();
        await admin.stop();
        await store.destroy();
        await store.close();
        await rm(ws, { recursive: true, force: true });
      }
    });
  });
