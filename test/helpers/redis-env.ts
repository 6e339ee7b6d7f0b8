import { randomUUID } from "node:crypto";
import { describe, test } from "@jest/globals";

/** Redis suites call `skipWithoutRedis` so a machine without Redis prints one clear line instead of passing silently. */
export { redisUrlIfAvailable } from "./redis-probe.js";

export function skipWithoutRedis(suite: string): void {
  const why = process.env.REDIS_URL ? `REDIS_URL (${process.env.REDIS_URL}) does not answer` : "REDIS_URL not set";
  console.warn(`${why}: skipping Redis suites (${suite})`);
  describe.skip(`${suite} (needs Redis)`, () => {
    test("needs REDIS_URL", () => undefined);
  });
}

/** A key prefix no other test or process uses. */
export const uniquePrefix = (tag: string) => `t0test:${tag}:${randomUUID().slice(0, 8)}:`;
