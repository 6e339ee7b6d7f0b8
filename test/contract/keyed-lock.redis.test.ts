import { Redis } from "ioredis";
import { RedisKeyedLock } from "../../src/adapters/lock/redis-keyed-lock.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { keyedLockContract } from "./keyed-lock.contract.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("KeyedLock contract: redis");
else
  keyedLockContract("redis", async () => {
    const prefix = uniquePrefix("lock");
    const ttlMs = 400;
    // Leases keep Redis server time, so the harness follows the wall clock (as the BullMQ queue's does).
    const open = () => RedisKeyedLock.open(url, { prefix, ttlMs, pollMs: 20, clock: systemClock(), logger: silentLogger() });
    return {
      lock: await open(),
      other: open,
      advance: (ms) => new Promise((r) => setTimeout(r, ms)),
      ttlMs,
      cleanup: async () => {
        const r = new Redis(url);
        const keys = await r.keys(`${prefix}*`);
        if (keys.length) await r.del(...keys);
        r.disconnect();
      },
    };
  });
