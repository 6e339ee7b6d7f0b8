import { Redis } from "ioredis";
import { RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { jobStoreContract } from "./job-store.contract.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("JobStore contract: redis");
else
  jobStoreContract("redis", async ({ now }) => {
    const prefix = uniquePrefix("store");
    const store = await RedisJobStore.connect(url, { prefix, now });
    return {
      store,
      reopen: () => RedisJobStore.connect(url, { prefix, now }),
      cleanup: async () => {
        const admin = new RedisJobStore(new Redis(url), { prefix, owned: true });
        await admin.destroy();
        await admin.close();
      },
    };
  });
