import type { Redis } from "ioredis";

/**
 * Counting semaphore per repository, shared by every worker process through Redis: a sorted set of holder
 * tokens scored by their expiry. A holder refreshes its lease while it runs; a worker killed mid-job stops
 * refreshing and its slot frees itself after `ttlMs`. Time comes from the Redis server, so clock skew
 * between machines does not matter.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
  return 1
end
return 0
`;

/**
 * A holder that is running takes its place whatever the count: its lease may be gone (Redis restarted
 * without persistence, a renewal late by more than the TTL) and a newcomer admitted meanwhile, but leaving
 * the runner out would let every later job of the repository start beside it. Returns 1 if it still held.
 */
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZSCORE', KEYS[1], ARGV[1]) and 1 or 0
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return held
`;

export interface RepoSemaphore {
  /** True when the slot is taken (or was already held by `token`, whose lease is then renewed). */
  tryAcquire(repo: string, token: string): Promise<boolean>;
  /** Extends the lease of a holder that is still running, taking its slot back if it was lost (false then). */
  renew(repo: string, token: string): Promise<boolean>;
  release(repo: string, token: string): Promise<void>;
  /** How many holders a repository has now (expired leases excluded); for tests and metrics. */
  holders(repo: string): Promise<number>;
  /** The Redis key of `repo`'s leases: a sorted set of holder tokens scored by expiry (ms, Redis server time). */
  key(repo: string): string;
}

/** `scope` names what is counted (key `<prefix>sem:<scope>:<name>`): repositories by default; the queue also counts runs of one job. */
export function createRepoSemaphore(redis: Redis, opts: { prefix: string; limit: number; ttlMs: number; scope?: string }): RepoSemaphore {
  const key = (repo: string) => `${opts.prefix}sem:${opts.scope ?? "repo"}:${repo.toLowerCase()}`;
  return {
    async tryAcquire(repo, token) {
      return (await redis.eval(ACQUIRE, 1, key(repo), token, opts.limit, opts.ttlMs)) === 1;
    },
    async renew(repo, token) {
      return (await redis.eval(RENEW, 1, key(repo), token, opts.ttlMs)) === 1;
    },
    async release(repo, token) {
      await redis.zrem(key(repo), token);
    },
    async holders(repo) {
      const [sec, micro] = await redis.time();
      return redis.zcount(key(repo), Number(sec) * 1000 + Math.floor(Number(micro) / 1000) + 1, "+inf");
    },
    key,
  };
}
