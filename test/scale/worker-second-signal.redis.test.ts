import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { redisUrlIfAvailable, skipWithoutRedis } from "../helpers/redis-env.js";

/**
 * docs/scaling.md, Graceful shutdown: "A second SIGTERM or SIGINT exits at once." A real `t0-ci-bot worker`
 * process (worker-child.ts: the CLI's own `run`) drains a job whose stage sleeps a minute; a second signal
 * must end the process then, not once the drain has waited WORKER_DRAIN_MS.
 */
const url = await redisUrlIfAvailable();
const ROOT = new URL("../../", import.meta.url).pathname;
const RUN = 424_242;

if (!url) skipWithoutRedis("worker: a second signal exits at once");
else
  describe("t0-ci-bot worker: a second signal", () => {
    const prefix = `t0test-signal-${randomUUID().slice(0, 8)}`;
    const logPrefix = `${prefix}:testlog:`;
    let redis: Redis;
    let store: RedisJobStore;
    let child: ChildProcess | undefined;

    beforeAll(async () => {
      redis = new Redis(url);
      store = await RedisJobStore.connect(url, { prefix: `${prefix}:` });
      // Unfinished in the store: the worker resumes it when it starts.
      const job = makeJob({ runId: RUN });
      await store.recordIntake(makeDelivery(job), "{}", job);
    });
    afterAll(async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await store.destroy();
      await store.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    test("exits at once with 130 while the first one still drains a running job", async () => {
      child = spawn(process.execPath, ["--import", "tsx", "test/scale/worker-child.ts"], {
        cwd: ROOT,
        stdio: ["ignore", "ignore", "pipe"],
        env: {
          PATH: process.env.PATH!,
          HOME: process.env.HOME ?? "/tmp",
          REDIS_URL: url,
          REDIS_PREFIX: prefix,
          LOG_LEVEL: "silent",
          T0_WORKERS: "1",
          WORKER_DRAIN_MS: "60000",
          SCALE_LOG_PREFIX: logPrefix,
          SCALE_STAGE_MS: "5",
          SCALE_SLOW_RUNS: `${RUN}:60000`,
        },
      });
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
      const end = Date.now() + 60_000;
      while (!(await redis.lrange(`${logPrefix}runs:${(await store.findJobByKey(`1296269:${RUN}`))!.id}`, 0, -1)).includes(`b:start:${child.pid}`)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`stage b never started:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 300));
      child.kill("SIGTERM");
      // Unref'd: once the child has exited, this wait must not hold jest for the rest of its 5 s.
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r("still running 5 s later"), 5_000).unref())]);
      expect(code).toBe(130);
    }, 90_000);
  });
