import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Clock } from "../../core/ports/clock.js";
import type { KeyedLock, LockHold } from "../../core/ports/keyed-lock.js";
import type { Logger } from "../../core/ports/logger.js";
import { closeRedis } from "../store/redis-connection.js";

/** Extends the lease only while it is still this holder's: one that lapsed and was taken is not taken back. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Deletes the lease only while it is still this holder's (a lapsed one may be another worker's by now). */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface RedisKeyedLockOptions {
  /** Key namespace (`<prefix>lock:<key>`), as the store's: `REDIS_PREFIX:`. */
  prefix: string;
  /** A holder that stops renewing its lease this long (a killed worker) leaves the key free; acquire may ask for another. */
  ttlMs: number;
  /** How often a waiter asks again while the key is held. */
  pollMs?: number;
  clock: Clock;
  logger?: Logger;
  /** The connection is this lock's own, closed by close(). */
  owned?: boolean;
}

/**
 * The lock of a fleet (REDIS_URL): one Redis lease per key, `SET NX PX` with a random token, renewed every
 * ttl/3 while held and deleted by that token. The lease's time is the Redis server's, as the queue's and
 * the store's fences are, so clock skew between workers does not matter; a worker killed while holding it
 * frees the key after `ttlMs`.
 */
export class RedisKeyedLock implements KeyedLock {
  readonly #redis: Redis;
  readonly #opts: RedisKeyedLockOptions;
  /** Renewal timers of the holds of this process, stopped by close(). */
  readonly #renewals = new Set<{ cancel(): void }>();
  #closed = false;

  constructor(redis: Redis, opts: RedisKeyedLockOptions) {
    this.#redis = redis;
    this.#opts = opts;
  }

  /** A lock on its own connection to `url`. */
  static async open(url: string, opts: Omit<RedisKeyedLockOptions, "owned">): Promise<RedisKeyedLock> {
    const { Redis } = await import("ioredis");
    // Connected at the first acquire: a web process, which runs no stage, never opens it.
    const redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
    redis.on("error", () => undefined); // surfaced by the commands that fail
    return new RedisKeyedLock(redis, { ...opts, owned: true });
  }

  async acquire(key: string, opts: { waitMs: number; signal?: AbortSignal; ttlMs?: number }): Promise<LockHold | undefined> {
    const { clock } = this.#opts;
    const ttlMs = opts.ttlMs ?? this.#opts.ttlMs;
    const k = `${this.#opts.prefix}lock:${key}`;
    const token = randomUUID();
    const deadline = clock.now() + Math.max(0, opts.waitMs);
    for (;;) {
      if (opts.signal?.aborted) return undefined;
      if ((await this.#redis.set(k, token, "PX", ttlMs, "NX")) === "OK") return this.#hold(key, k, token, ttlMs);
      const left = deadline - clock.now();
      if (left <= 0) return undefined;
      try {
        await clock.sleep(Math.min(this.#opts.pollMs ?? 100, left), opts.signal);
      } catch {
        return undefined;
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const r of this.#renewals) r.cancel();
    this.#renewals.clear();
    if (this.#opts.owned) await closeRedis(this.#redis);
  }

  #hold(key: string, k: string, token: string, ttlMs: number): LockHold {
    const { clock, logger } = this.#opts;
    let released = false;
    let timer: { cancel(): void } | undefined;
    const schedule = () => {
      if (released || this.#closed) return;
      const t = clock.setTimeout(() => {
        this.#renewals.delete(t);
        void this.#redis
          .eval(RENEW, 1, k, token, ttlMs)
          .then((held) => {
            if (released) return;
            if (held === 1) return schedule();
            logger?.warn({ lock: key }, "this worker's lease on the lock lapsed while it held it (cut off from Redis longer than its ttl?); another worker may hold it now");
          })
          // Redis not answering: try again at the next beat, the lease may still be within its ttl.
          .catch(() => schedule());
      }, Math.max(50, Math.floor(ttlMs / 3)));
      timer = t;
      this.#renewals.add(t);
    };
    schedule();
    return {
      key,
      release: async () => {
        if (released) return;
        released = true;
        if (timer) {
          timer.cancel();
          this.#renewals.delete(timer);
        }
        await this.#redis.eval(RELEASE, 1, k, token);
      },
    };
  }
}
