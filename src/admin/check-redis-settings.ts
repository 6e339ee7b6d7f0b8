import type { RedisSettingsRead } from "../adapters/store/read-redis-settings.js";
import { redactUrl } from "../adapters/store/redis-connection.js";
import type { Deps } from "../core/deps.js";
import type { JobStore } from "../core/ports/index.js";
import { redisSettingsFindings, type RedisFinding } from "./redis-settings-findings.js";

export type RedisCheckDeps = Pick<Deps, "logger" | "metrics" | "clock">;

/** A slow Redis must not hold the lines back for long, nor the process's stop. */
export const REDIS_CHECK_TIMEOUT_MS = 5_000;

/**
 * Settings change under a running fleet (an operator's CONFIG SET, a failover to a replica configured
 * otherwise, a managed Redis's maintenance), and a process may run for months: read again this often.
 */
export const REDIS_RECHECK_MS = 60 * 60_000;

/** A store that can say what its Redis server keeps (RedisJobStore). */
type SettingsStore = JobStore & { readServerSettings?: () => Promise<RedisSettingsRead> };

/**
 * Says what Redis's persistence and eviction settings mean for acknowledged deliveries and jobs: with
 * REDIS_URL the intake answers 202 once Redis has the delivery, so a Redis that keeps nothing on disk, or
 * evicts keys when full, loses what GitHub was told is safe. Nothing else checks it: a cache-style Redis
 * works fine until its first restart. Sets `t0_redis_durable`. Never throws; gives up after `timeoutMs`.
 * `redis`: the server's address for the log lines, password already redacted. `previous`: what the last
 * check found; the same findings again are not logged (an hourly warning nobody acts on is noise), a change
 * either way is.
 */
export async function checkRedisSettings(
  deps: RedisCheckDeps,
  read: () => Promise<RedisSettingsRead>,
  opts: { timeoutMs?: number; redis?: string; signal?: AbortSignal; previous?: readonly RedisFinding[] } = {},
): Promise<RedisFinding[]> {
  const timeoutMs = opts.timeoutMs ?? REDIS_CHECK_TIMEOUT_MS;
  let timer: { cancel(): void } | undefined;
  const timedOut = new Promise<RedisSettingsRead>((r) => (timer = deps.clock.setTimeout(() => r({ kind: "unreadable", reason: `no answer within ${timeoutMs} ms` }), timeoutMs)));
  const answer = await Promise.race([read().catch((err: unknown): RedisSettingsRead => ({ kind: "unreadable", reason: String((err as Error)?.message ?? err) })), timedOut]);
  timer?.cancel();
  // Stopped meanwhile: the connection was closed under the read, which says nothing about the settings.
  if (opts.signal?.aborted) return [];
  const { findings, durable } = redisSettingsFindings(answer);
  for (const [setting, value] of Object.entries(durable)) deps.metrics.redisDurable.set({ setting }, value);
  if (opts.previous && sameFindings(opts.previous, findings)) return findings;
  const where = opts.redis ? { redis: opts.redis } : {};
  for (const f of findings) deps.logger[f.level]({ ...where, ...(f.setting ? { setting: f.setting } : {}), ...f.fields }, f.msg);
  if (!findings.length) deps.logger.info(where, "Redis keeps acknowledged webhook deliveries and jobs: appendonly yes, appendfsync always, and no eviction");
  return findings;
}

const sameFindings = (a: readonly RedisFinding[], b: readonly RedisFinding[]) =>
  a.length === b.length && a.every((f, i) => f.level === b[i]!.level && f.msg === b[i]!.msg);

/**
 * Runs the check in the background on the store's own connection, when the store is Redis (the intake
 * serves meanwhile), at start and every `everyMs` after. Returns a function that stops it (before the
 * store closes, so no line is logged about a connection closed on purpose).
 */
export function startRedisSettingsCheck(deps: Deps, opts: { timeoutMs?: number; everyMs?: number } = {}): () => void {
  const store = deps.store as SettingsStore;
  if (!store.readServerSettings) return () => undefined;
  const stop = new AbortController();
  const redis = deps.config.REDIS_URL ? redactUrl(deps.config.REDIS_URL) : undefined;
  let previous: RedisFinding[] | undefined;
  let next: { cancel(): void } | undefined;
  const run = async () => {
    try {
      previous = await checkRedisSettings(deps, () => store.readServerSettings!(), { timeoutMs: opts.timeoutMs, redis, signal: stop.signal, previous });
    } catch (err) {
      deps.logger.warn({ err }, "the check of Redis's settings failed");
    }
    // Timed from the end of the check: a Redis slow to answer never has two checks in flight.
    if (!stop.signal.aborted) next = deps.clock.setTimeout(() => void run(), opts.everyMs ?? REDIS_RECHECK_MS);
  };
  void run();
  return () => {
    stop.abort();
    next?.cancel();
  };
}
