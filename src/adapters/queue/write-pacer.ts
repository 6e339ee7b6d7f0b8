import type { Redis } from "ioredis";
import type { Clock } from "../../core/ports/clock.js";
import { closeRedis } from "../store/redis-connection.js";

/**
 * Spaces GitHub write requests (content-creating calls: commits, PRs, comments) of one installation at
 * least `minIntervalMs` apart across every process, as GitHub's secondary rate limits ask. Each caller
 * reserves the next free slot atomically (Lua, Redis server time) and sleeps until it: first come,
 * first served, no polling.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nextFree = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nextFree)
redis.call('SET', KEYS[1], slot + tonumber(ARGV[1]), 'PX', slot - now + tonumber(ARGV[1]) + 1000)
return slot - now
`;

export interface WritePacer {
  /** Resolves when this installation may make its next write; returns how long it waited (ms). */
  acquire(installationId: number, signal?: AbortSignal): Promise<number>;
}

export interface WritePacerOptions {
  minIntervalMs: number;
  prefix?: string;
  /** For sleeping; defaults to real timers. */
  clock?: Pick<Clock, "sleep">;
}

export function createWritePacer(redis: Redis, opts: WritePacerOptions): WritePacer {
  const prefix = opts.prefix ?? "t0:";
  const sleep = opts.clock
    ? (ms: number, signal?: AbortSignal) => opts.clock!.sleep(ms, signal)
    : (ms: number, signal?: AbortSignal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          const t = setTimeout(resolve, ms);
          signal?.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
        });
  return {
    async acquire(installationId, signal) {
      if (opts.minIntervalMs <= 0) return 0;
      const wait = Number(await redis.eval(RESERVE, 1, `${prefix}pace:write:${installationId}`, opts.minIntervalMs));
      if (wait > 0) await sleep(wait, signal);
      return wait;
    },
  };
}

/**
 * The same pacing inside one process (the embedded deployment, without Redis): each installation's
 * next free slot is kept in memory.
 */
export function createLocalWritePacer(opts: { minIntervalMs: number; clock: Pick<Clock, "now" | "sleep"> }): WritePacer {
  const nextFree = new Map<number, number>();
  return {
    async acquire(installationId, signal) {
      if (opts.minIntervalMs <= 0) return 0;
      const now = opts.clock.now();
      const slot = Math.max(now, nextFree.get(installationId) ?? 0);
      nextFree.set(installationId, slot + opts.minIntervalMs);
      const wait = slot - now;
      if (wait > 0) await opts.clock.sleep(wait, signal);
      return wait;
    },
  };
}

/**
 * The pacer a deployment should use: shared through Redis when REDIS_URL is set (its own connection,
 * closed by `close`), in memory otherwise.
 */
export async function openWritePacer(
  config: { REDIS_URL?: string; REDIS_PREFIX?: string },
  opts: { minIntervalMs: number; clock: Pick<Clock, "now" | "sleep"> },
): Promise<{ pacer: WritePacer; close(): Promise<void> }> {
  if (!config.REDIS_URL) return { pacer: createLocalWritePacer(opts), close: async () => undefined };
  const { Redis } = await import("ioredis");
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on("error", () => undefined); // surfaced by the commands that fail
  return {
    pacer: createWritePacer(redis, { minIntervalMs: opts.minIntervalMs, prefix: `${config.REDIS_PREFIX ?? "t0"}:`, clock: opts.clock }),
    close: () => closeRedis(redis),
  };
}
