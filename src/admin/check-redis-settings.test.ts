import { describe, expect, test } from "@jest/globals";
import { readRedisSettings, type RedisCommandClient } from "../adapters/store/read-redis-settings.js";
import { loadAppConfig } from "../config/app-config.js";
import type { Deps } from "../core/deps.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { recordingLogger } from "../../test/helpers/recording-logger.js";
import { checkRedisSettings, REDIS_RECHECK_MS, startRedisSettingsCheck } from "./check-redis-settings.js";
import { createMetrics } from "./metrics.js";

type Config = Partial<Record<"appendonly" | "appendfsync" | "save" | "maxmemory" | "maxmemory-policy", string>>;

const DURABLE: Config = { appendonly: "yes", appendfsync: "always", save: "3600 1 300 100 60 10000", maxmemory: "0", "maxmemory-policy": "noeviction" };
const REFUSED = new Error("ERR unknown command 'CONFIG', with args beginning with: 'GET' 'appendonly'");

/** A Redis that answers CONFIG GET from `config` (or refuses it) and INFO from `info` (or refuses it). */
function fakeRedis(o: { config?: Config; info?: string; configError?: Error; infoError?: Error; never?: boolean }): RedisCommandClient {
  return {
    call: async (command, ...args) => {
      if (o.never) return new Promise(() => undefined);
      if (command === "CONFIG") {
        if (o.configError || !o.config) throw o.configError ?? REFUSED;
        const name = args[1] as keyof Config;
        return o.config[name] === undefined ? [] : [name, o.config[name]];
      }
      if (command === "INFO") {
        if (o.infoError || o.info === undefined) throw o.infoError ?? new Error("NOPERM this user has no permissions to run the 'info' command");
        return args[0] === "persistence" ? `# Persistence\r\n${o.info.split("\n").filter((l) => !l.startsWith("maxmemory")).join("\r\n")}\r\n` : `# Memory\r\n${o.info.split("\n").filter((l) => l.startsWith("maxmemory")).join("\r\n")}\r\n`;
      }
      throw new Error(`unexpected command ${command}`);
    },
  };
}

async function check(redis: RedisCommandClient, clock = new FakeClock()) {
  const { logger, lines } = recordingLogger();
  const metrics = createMetrics();
  const findings = await checkRedisSettings({ logger, metrics, clock }, () => readRedisSettings(redis));
  const gauge = Object.fromEntries((await metrics.redisDurable.get()).values.map((v) => [v.labels.setting, v.value]));
  return { findings, lines, gauge };
}

const DOC = 'see docs/scaling.md, "Redis settings"';

describe("checkRedisSettings: does Redis keep what the intake acknowledges", () => {
  test("appendonly yes, appendfsync always, noeviction: one info line, both gauges 1", async () => {
    const { lines, gauge } = await check(fakeRedis({ config: DURABLE }));
    expect(lines).toEqual([expect.objectContaining({ level: "info", msg: expect.stringMatching(/^Redis keeps acknowledged webhook deliveries and jobs/) })]);
    expect(gauge).toEqual({ persistence: 1, eviction: 1 });
  });

  test("no AOF and no save points: one warning naming both settings, the loss and the fix", async () => {
    const { lines, gauge } = await check(fakeRedis({ config: { ...DURABLE, appendonly: "no", save: "" } }));
    expect(lines).toEqual([
      {
        level: "warn",
        fields: { setting: "persistence", appendonly: "no", save: "" },
        msg: `Redis keeps nothing on disk (appendonly no, save ""): a Redis restart loses every acknowledged webhook delivery and every job, queued or running. Fix: CONFIG SET appendonly yes, then CONFIG SET appendfsync always, and the same in redis.conf ("appendonly yes", "appendfsync always") or your provider's settings, so a restart keeps them; ${DOC}`,
      },
    ]);
    expect(gauge).toEqual({ persistence: 0, eviction: 1 });
  });

  test("no AOF, RDB snapshots only: a warning with the longest save interval", async () => {
    const { lines } = await check(fakeRedis({ config: { ...DURABLE, appendonly: "no", save: "3600 1 300 100 60 10000" } }));
    expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringContaining('Redis keeps only RDB snapshots (appendonly no, save "3600 1 300 100 60 10000"): a Redis crash or kill loses the acknowledged webhook deliveries and job changes since the last snapshot (up to 3600 s') })]);
  });

  test("appendfsync everysec: info, not a warning (a documented trade-off); gauge stays 1", async () => {
    const { lines, gauge } = await check(fakeRedis({ config: { ...DURABLE, appendfsync: "everysec" } }));
    expect(lines).toEqual([
      expect.objectContaining({
        level: "info",
        fields: { setting: "persistence", appendonly: "yes", appendfsync: "everysec" },
        msg: expect.stringMatching(/^Redis fsyncs its append-only file once a second \(appendfsync everysec\): .*about the last second of acknowledged webhook deliveries.*CONFIG SET appendfsync always/),
      }),
    ]);
    expect(gauge).toEqual({ persistence: 1, eviction: 1 });
  });

  test("appendfsync no: a warning", async () => {
    const { lines, gauge } = await check(fakeRedis({ config: { ...DURABLE, appendfsync: "no" } }));
    expect(lines).toEqual([expect.objectContaining({ level: "warn", msg: expect.stringMatching(/\(appendfsync no\): .*Fix: CONFIG SET appendfsync always/) })]);
    expect(gauge.persistence).toBe(0);
  });

  test.each(["allkeys-lru", "volatile-lru", "allkeys-random", "volatile-ttl"])("maxmemory set with maxmemory-policy %s: a warning that jobs and deliveries can be evicted", async (policy) => {
    const { lines, gauge } = await check(fakeRedis({ config: { ...DURABLE, maxmemory: "104857600", "maxmemory-policy": policy } }));
    expect(lines).toEqual([
      {
        level: "warn",
        fields: { setting: "eviction", maxmemory: 104857600, maxmemoryPolicy: policy },
        msg: `Redis evicts keys when it is full (maxmemory-policy ${policy}, maxmemory 104857600): under memory pressure it deletes jobs, queued work, locks and recorded deliveries, and BullMQ requires noeviction. Fix: CONFIG SET maxmemory-policy noeviction, and "maxmemory-policy noeviction" in redis.conf or your provider's settings; ${DOC}`,
      },
    ]);
    expect(gauge).toEqual({ persistence: 1, eviction: 0 });
  });

  test("an eviction policy without maxmemory evicts nothing: no line about it", async () => {
    const { lines, gauge } = await check(fakeRedis({ config: { ...DURABLE, "maxmemory-policy": "allkeys-lru" } }));
    expect(lines.map((l) => l.level)).toEqual(["info"]);
    expect(gauge.eviction).toBe(1);
  });

  test("both problems: one warning each", async () => {
    const { lines } = await check(fakeRedis({ config: { appendonly: "no", save: "", maxmemory: "1000000", "maxmemory-policy": "allkeys-lru" } }));
    expect(lines.map((l) => [l.level, l.fields.setting])).toEqual([["warn", "persistence"], ["warn", "eviction"]]);
  });
});

describe("checkRedisSettings where CONFIG is refused (managed Redis)", () => {
  test("INFO instead: AOF on, appendfsync unknown → info saying it could not be read; eviction read from INFO memory", async () => {
    const { lines, gauge } = await check(fakeRedis({ info: "aof_enabled:1\nrdb_changes_since_last_save:3\nmaxmemory:2000000\nmaxmemory_policy:volatile-lru" }));
    expect(lines).toEqual([
      expect.objectContaining({ level: "info", fields: { setting: "persistence", appendonly: "yes", appendfsync: "unknown" }, msg: expect.stringContaining("CONFIG GET is refused (ERR unknown command 'CONFIG'") }),
      expect.objectContaining({ level: "warn", fields: { setting: "eviction", maxmemory: 2000000, maxmemoryPolicy: "volatile-lru" } }),
    ]);
    expect(lines[0]!.msg).toMatch(/INFO does not show appendfsync/);
    expect(gauge).toEqual({ persistence: 1, eviction: 0 });
  });

  test("INFO instead: AOF off → a warning (the save points could not be read either)", async () => {
    const { lines, gauge } = await check(fakeRedis({ info: "aof_enabled:0\nmaxmemory:0\nmaxmemory_policy:noeviction" }));
    expect(lines).toEqual([expect.objectContaining({ level: "warn", fields: { setting: "persistence", appendonly: "no", save: "unknown" }, msg: expect.stringMatching(/^Redis has its append-only file off \(aof_enabled:0\) and its RDB save points could not be read/) })]);
    expect(gauge).toEqual({ persistence: 0, eviction: 1 });
  });

  test("neither CONFIG nor INFO: one info line that the settings could not be checked, where they are documented; no gauge", async () => {
    const { lines, gauge } = await check(fakeRedis({}));
    expect(lines).toEqual([expect.objectContaining({ level: "info", msg: expect.stringMatching(/^Redis's persistence and eviction settings could not be checked \(CONFIG GET: ERR unknown command.*; INFO: NOPERM.*\)\. .*appendonly yes, appendfsync always and maxmemory-policy noeviction; see docs\/scaling\.md, "Redis settings"$/) })]);
    expect(gauge).toEqual({});
  });

  test("no answer: gives up after the timeout with the same single info line", async () => {
    const clock = new FakeClock();
    const pending = check(fakeRedis({ never: true }), clock);
    await clock.advance(4_999);
    let done = false;
    void pending.then(() => (done = true));
    await clock.advance(0);
    expect(done).toBe(false);
    await clock.advance(1);
    const { lines, gauge } = await pending;
    expect(lines).toEqual([expect.objectContaining({ level: "info", msg: expect.stringMatching(/could not be checked \(no answer within 5000 ms\)/) })]);
    expect(gauge).toEqual({});
  });
});

describe("startRedisSettingsCheck", () => {
  function depsWith(store: object, url: string) {
    const { logger, lines } = recordingLogger();
    const deps = { config: loadAppConfig({ REDIS_URL: url }), store, logger, metrics: createMetrics(), clock: new FakeClock() } as unknown as Deps;
    return { deps, lines };
  }

  test("names the Redis without its password", async () => {
    let answered!: () => void;
    const read = new Promise<void>((r) => (answered = r));
    const store = { readServerSettings: async () => (answered(), readRedisSettings(fakeRedis({ config: { ...DURABLE, appendonly: "no", save: "" } }))) };
    const { deps, lines } = depsWith(store, "redis://app:s3cret-pw@redis.internal:6379/2");
    startRedisSettingsCheck(deps);
    await read;
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([expect.objectContaining({ level: "warn", fields: expect.objectContaining({ redis: "redis://app:***@redis.internal:6379/2" }) })]);
    expect(JSON.stringify(lines)).not.toContain("s3cret-pw");
  });

  test("stopped before Redis answers: says nothing (the store is about to close under it)", async () => {
    let answer!: () => void;
    const store = { readServerSettings: () => new Promise((r) => (answer = () => r({ kind: "unreadable", reason: "Connection is closed." }))) };
    const { deps, lines } = depsWith(store, "redis://127.0.0.1:6379");
    const stop = startRedisSettingsCheck(deps);
    stop();
    answer();
    await new Promise((r) => setImmediate(r));
    expect(lines).toEqual([]);
  });

  test("reads again every hour: the same findings are not logged again, a change either way is, and the gauge follows", async () => {
    const config: Config = { ...DURABLE };
    let reads = 0;
    const store = { readServerSettings: async () => (reads++, readRedisSettings(fakeRedis({ config: { ...config } }))) };
    const { deps, lines } = depsWith(store, "redis://127.0.0.1:6379");
    const clock = deps.clock as FakeClock;
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
    };
    const gauge = async () => Object.fromEntries((await deps.metrics.redisDurable.get()).values.map((v) => [v.labels.setting, v.value]));
    const stop = startRedisSettingsCheck(deps);
    await settle();
    expect(lines.map((l) => l.level)).toEqual(["info"]);

    await clock.advance(REDIS_RECHECK_MS - 1);
    await settle();
    expect(reads).toBe(1);
    await clock.advance(1);
    await settle();
    expect(reads).toBe(2);
    expect(lines).toHaveLength(1);

    // A failover to a replica that keeps nothing on disk.
    Object.assign(config, { appendonly: "no", save: "" });
    await clock.advance(REDIS_RECHECK_MS);
    await settle();
    expect(lines.slice(1)).toEqual([expect.objectContaining({ level: "warn", fields: expect.objectContaining({ setting: "persistence" }) })]);
    expect(await gauge()).toEqual({ persistence: 0, eviction: 1 });
    await clock.advance(REDIS_RECHECK_MS);
    await settle();
    expect(reads).toBe(4);
    expect(lines).toHaveLength(2);

    // Fixed by the operator: said once.
    Object.assign(config, { appendonly: "yes", save: "" });
    await clock.advance(REDIS_RECHECK_MS);
    await settle();
    expect(lines.slice(2)).toEqual([expect.objectContaining({ level: "info", msg: expect.stringMatching(/^Redis keeps acknowledged webhook deliveries/) })]);
    expect(await gauge()).toEqual({ persistence: 1, eviction: 1 });

    stop();
    await clock.advance(REDIS_RECHECK_MS * 3);
    await settle();
    expect(reads).toBe(5);
  });

  test("a store that is not Redis: nothing is read or said", () => {
    const { deps, lines } = depsWith({}, "redis://127.0.0.1:6379");
    startRedisSettingsCheck(deps)();
    expect(lines).toEqual([]);
  });
});
