import { Redis } from "ioredis";
import { REPO_IDS_INDEXED, RedisJobStore } from "../../src/adapters/store/redis-store.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { jobStoreContract } from "./job-store.contract.js";

const url = await redisUrlIfAvailable();

if (!url) skipWithoutRedis("JobStore contract: redis");
else
  jobStoreContract("redis", async ({ now }) => {
    const prefix = uniquePrefix("store");
    const store = await RedisJobStore.connect(url, { prefix, now });
    // A deployment whose one-time backfill of the by-repository-ID index has run, as after its first
    // compaction; redis-store-extra covers the listing before it.
    const r = new Redis(url);
    await r.set(`${prefix}${REPO_IDS_INDEXED}`, "1");
    r.disconnect();
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
