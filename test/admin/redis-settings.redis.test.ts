import { describe, expect, jest, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { checkRedisSettings } from "../../src/admin/check-redis-settings.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { RedisJobStore, redactUrl } from "../../src/adapters/store/redis-store.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { startWorker } from "../../src/cli/commands/worker.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { eventually } from "../helpers/eventually.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { removeRedisDeployment } from "../helpers/remove-redis-deployment.js";

const url = await redisUrlIfAvailable();

/** What the server really has, asked directly: the check's lines must agree with it. */
async function serverConfig(u: string): Promise<{ appendonly: string; save: string }> {
  const r = new Redis(u);
  try {
    const [, appendonly] = (await r.call("CONFIG", "GET", "appendonly")) as string[];
    const [, save] = (await r.call("CONFIG", "GET", "save")) as string[];
    return { appendonly: appendonly!, save: save! };
  } finally {
    r.disconnect();
  }
}

if (!url) skipWithoutRedis("Redis settings check");
else
  describe("the Redis settings check against a real Redis", () => {
    test("the test Redis keeps nothing on disk (CI runs it with --save '' --appendonly no): the warning says so", async () => {
      const server = await serverConfig(url);
      const store = await RedisJobStore.connect(url, { prefix: uniquePrefix("settings") });
      const { logger, lines } = recordingLogger();
      try {
        await checkRedisSettings({ logger, metrics: createMetrics(), clock: systemClock() }, () => store.readServerSettings());
      } finally {
        await store.close();
      }
      const persistence = lines.find((l) => l.fields.setting === "persistence");
      expect(persistence?.fields).toMatchObject({ appendonly: server.appendonly });
      if (server.appendonly === "no" && server.save === "") {
        expect(persistence).toEqual({
          level: "warn",
          fields: { setting: "persistence", appendonly: "no", save: "" },
          msg: expect.stringMatching(/^Redis keeps nothing on disk \(appendonly no, save ""\): a Redis restart loses every acknowledged webhook delivery and every job, queued or running\. Fix: CONFIG SET appendonly yes, then CONFIG SET appendfsync always, /),
        });
      }
    });

    test("a worker says it at start, naming its Redis without the password", async () => {
      const server = await serverConfig(url);
      const prefix = uniquePrefix("settings-worker").replace(/:/g, "-").slice(0, -1);
      const ws = await mkdtemp(join(tmpdir(), "t0-settings-ws-"));
      // A Redis without a password: ioredis says on the console that it was given one, and connects anyway.
      const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
      const withPassword = url.includes("@") ? url : url.replace(/^redis:\/\//, "redis://:s3cret-pw@");
      const password = new URL(withPassword).password;
      const config = loadAppConfig({ REDIS_URL: withPassword, REDIS_PREFIX: prefix, DATA_DIR: "/nonexistent", WORKSPACE_ROOT: ws, KEEP_WORKSPACE: "true", T0_WORKERS: "1" });
      const { logger, lines } = recordingLogger();
      const worker = await startWorker(config, { overrides: { logger }, stages: [] });
      try {
        const line = await eventually("the Redis settings line", () => lines.find((l) => l.fields.setting === "persistence" || /^Redis keeps acknowledged/.test(l.msg)));
        expect(line.fields.redis).toBe(redactUrl(withPassword));
        if (server.appendonly === "no" && server.save === "") expect([line.level, line.msg]).toEqual(["warn", expect.stringMatching(/^Redis keeps nothing on disk/)]);
        expect(JSON.stringify(lines)).not.toContain(password);
      } finally {
        await worker.stop({ drainMs: 0 });
        warn.mockRestore();
        await removeRedisDeployment(url, prefix);
        await rm(ws, { recursive: true, force: true });
      }
    });
  });
