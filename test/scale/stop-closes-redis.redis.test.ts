import { describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startApp } from "../../src/app.js";
import { startWorker } from "../../src/cli/commands/worker.js";
import { loadAppConfig, type AppConfig } from "../../src/config/app-config.js";
import { silentLogger } from "../../src/core/logger.js";
import type { GitHubAppPort } from "../../src/core/ports/index.js";
import { eventually } from "../helpers/eventually.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { removeRedisDeployment } from "../helpers/remove-redis-deployment.js";

const url = await redisUrlIfAvailable();

const githubApp: GitHubAppPort = {
  registration: async () => ({ id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] }),
  async *installations() {
    yield [];
  },
};

/** Names of the clients Redis lists whose name starts with `<prefix>:` (this test's deployment only). */
async function clientNames(admin: Redis, prefix: string): Promise<string[]> {
  const list = (await admin.client("LIST")) as string;
  return list
    .split("\n")
    .map((line) => / name=(\S*)/.exec(line)?.[1] ?? "")
    .filter((name) => name.startsWith(`${prefix}:`));
}

/**
 * Probot's request throttling opens its own two Redis connections with REDIS_URL (a client and Bottleneck's
 * subscriber). They stayed open after stop(): jest said it "did not exit", and a worker needed a forced exit.
 */
if (!url) skipWithoutRedis("stop closes Probot's own Redis connections");
else
  describe("stop closes Probot's own Redis connections (REDIS_URL)", () => {
    const run = async (start: (config: AppConfig) => Promise<{ stop(o?: { drainMs?: number }): Promise<void> }>) => {
      const prefix = uniquePrefix("stop").replace(/:/g, "-").slice(0, -1);
      const dir = await mkdtemp(join(tmpdir(), "t0-stop-"));
      const admin = new Redis(url);
      try {
        const config = loadAppConfig({
          APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", REDIS_URL: url, REDIS_PREFIX: prefix,
          DATA_DIR: join(dir, "data"), WORKSPACE_ROOT: join(dir, "ws"), T0_WORKERS: "1", REDELIVER_WINDOW_HOURS: "0", HOST: "127.0.0.1",
        });
        const running = await start(config);
        let stopped = false;
        try {
          // Named, so they can be told apart from other processes' on a shared Redis (and by this test).
          await eventually("Probot's throttling connections to be listed", async () => (await clientNames(admin, prefix)).filter((n) => n === `${prefix}:github-throttle`).length === 2);
          await running.stop({ drainMs: 0 });
          stopped = true;
          // Redis drops a client that sent QUIT just after answering it: polled, not sampled once.
          await eventually("no connection of the stopped Probot left", async () => (await clientNames(admin, prefix)).length === 0, 5_000).catch(() => undefined);
          expect(await clientNames(admin, prefix)).toEqual([]);
        } finally {
          if (!stopped) await running.stop({ drainMs: 0 });
        }
      } finally {
        admin.disconnect();
        await removeRedisDeployment(url, prefix);
        await rm(dir, { recursive: true, force: true });
      }
    };

    test("serve", () => run((config) => startApp(config, { port: 0, logger: silentLogger(), githubApp })));

    test("worker", () => run((config) => startWorker(config, { overrides: { logger: silentLogger() }, stages: [], githubApp })));
  });
