import { silentLogger } from "../../src/core/logger.js";

/**
 * Deletes what a test's serve/worker processes left in Redis under `prefix`: the BullMQ queue's keys and the
 * store's. Loaded lazily, so a suite skipped for want of Redis does not load BullMQ.
 */
export async function removeRedisDeployment(url: string, prefix: string): Promise<void> {
  const { BullmqQueue } = await import("../../src/adapters/queue/bullmq-queue.js");
  const { RedisJobStore } = await import("../../src/adapters/store/redis-store.js");
  const queue = new BullmqQueue({ url, prefix, concurrency: 1, perRepo: 1, logger: silentLogger() });
  await queue.destroy();
  await queue.stop();
  const store = await RedisJobStore.connect(url, { prefix: `${prefix}:` });
  await store.destroy();
  await store.close();
}
