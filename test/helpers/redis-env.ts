import { randomUUID } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "@jest/globals";

/** Redis suites call `skipWithoutRedis` so a machine without Redis prints one clear line instead of passing silently. */
export { redisUrlIfAvailable } from "./redis-probe.js";

/**
 * Skips the suite and says why on stderr, once per jest run (jest hides console output of skipped
 * files; a marker file keyed by the jest run keeps it to one line however many suites skip).
 */
export function skipWithoutRedis(suite: string): void {
  const why = process.env.REDIS_URL ? `REDIS_URL (${process.env.REDIS_URL}) does not answer` : "REDIS_URL not set";
  try {
    closeSync(openSync(join(tmpdir(), `t0-ci-bot-redis-skip-${process.ppid}`), "wx"));
    process.stderr.write(`\n${why}: skipping Redis suites (store, queue, scale; e.g. ${suite}). Set REDIS_URL=redis://127.0.0.1:6379 to run them.\n`);
  } catch {
    /* already said in this run */
  }
  describe.skip(`${suite} (needs Redis)`, () => {
    test("needs REDIS_URL", () => undefined);
  });
}

/** A key prefix no other test or process uses. */
export const uniquePrefix = (tag: string) => `t0test:${tag}:${randomUUID().slice(0, 8)}:`;
