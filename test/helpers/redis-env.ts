import { randomUUID } from "node:crypto";
import { describe, test } from "@jest/globals";
import { Redis } from "ioredis";

/**
 * REDIS_URL when it is set and the server answers within a second; otherwise undefined. Redis suites
 * call `skipWithoutRedis` so a machine without Redis prints one clear line instead of passing silently.
 */
export async function redisUrlIfAvailable(): Promise<string | undefined> {
  const url = process.env.REDIS_URL;
  if (!url) return undefined;
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on("error", () => undefined);
  try {
    await r.connect();
    await r.ping();
    return url;
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

export function skipWithoutRedis(suite: string): void {
  const why = process.env.REDIS_URL ? `REDIS_URL (${process.env.REDIS_URL}) does not answer` : "REDIS_URL not set";
  console.warn(`${why}: skipping Redis suites (${suite})`);
  describe.skip(`${suite} (needs Redis)`, () => {
    test("needs REDIS_URL", () => undefined);
  });
}

/** A key prefix no other test or process uses. */
export const uniquePrefix = (tag: string) => `t0test:${tag}:${randomUUID().slice(0, 8)}:`;
