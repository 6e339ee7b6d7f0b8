import { BullmqQueue } from "../../src/adapters/queue/bullmq-queue.js";
import { silentLogger } from "../../src/core/logger.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { jobQueueContract } from "./job-queue.contract.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("JobQueue contract: bullmq");
else
  jobQueueContract("bullmq", async ({ concurrency, perRepo }) => {
    const prefix = uniquePrefix("q").slice(0, -1);
    const opts = { url, prefix, name: "jobs", concurrency, perRepo, logger: silentLogger(), repoBusyDelayMs: 20, lockDurationMs: 5_000, stalledIntervalMs: 5_000 };
    const queue = new BullmqQueue(opts);
    // BullMQ keeps real time, so the harness clock follows the wall clock: `advance(ms)` returns once
    // `ms` more have passed since the harness started counting (never sooner, catching up after slow steps).
    const started = Date.now();
    let virtual = 0;
    return {
      queue,
      advance: async (ms) => {
        virtual += ms;
        await new Promise((r) => setTimeout(r, Math.max(1, started + virtual - Date.now())));
      },
      now: () => Date.now(),
      cleanup: async () => {
        const admin = new BullmqQueue(opts);
        await admin.destroy();
        await admin.stop();
      },
    };
  });
