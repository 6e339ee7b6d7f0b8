import { AppError } from "../../core/errors.js";
import type { KeyedLock } from "../../core/ports/keyed-lock.js";
import type { Logger } from "../../core/ports/logger.js";

/**
 * The fleet's lease on an installation's GitHub writes (REDIS_URL): each process's lane keeps its own jobs'
 * writes one at a time, the lease keeps the processes' writes from overlapping one another.
 */
export interface WriteLease {
  /** The fleet's lock (composition's shared RedisKeyedLock); keys `gh-write:<installationId>`. */
  lock: KeyedLock;
  /** How long a write waits for the lease before it fails, retryable, as `github_unavailable`. */
  waitMs: number;
  /** How long a lease outlives a worker killed while holding it (renewed every third of it while held). */
  ttlMs: number;
  logger?: Logger;
}

export const writeLeaseKey = (installationId: number) => `gh-write:${installationId}`;

/**
 * The lease's times from the settings.
 * - ttl: above a request's stall limit (twice GITHUB_REQUEST_TIMEOUT_MS), so a Redis hiccup that stops the
 *   renewals while a slow request is still out does not let another worker's write in beside it; and no
 *   shorter than QUEUE_LOCK_MS, after which the fleet takes a silent worker for dead anyway.
 * - wait: one holder's request can take several timeouts (Octokit retries a 5xx or a missing answer, and
 *   waits out in place a rate limit resetting within a minute), and every other worker may have one write
 *   ahead (their lanes let one each at a time). Ten timeouts, at least 5 minutes, covers that; a lease held
 *   longer means a holder stuck, and the job waits with backoff off the worker instead of occupying it.
 */
export function writeLeaseTimes(config: { GITHUB_REQUEST_TIMEOUT_MS: number; QUEUE_LOCK_MS: number }): Pick<WriteLease, "waitMs" | "ttlMs"> {
  return {
    waitMs: Math.max(300_000, 10 * config.GITHUB_REQUEST_TIMEOUT_MS),
    ttlMs: Math.max(config.QUEUE_LOCK_MS, 2 * config.GITHUB_REQUEST_TIMEOUT_MS),
  };
}

/**
 * The installation's write lease not taken within its wait. `github_unavailable`: one of the runner's wait
 * codes, so the job waits it out with backoff (no retry spent) as it does a GitHub outage; the write was not
 * made, and is not made without the lease.
 */
export function writeLeaseBusy(installationId: number, waitMs: number): AppError {
  const key = writeLeaseKey(installationId);
  return new AppError(
    "github_unavailable",
    `GitHub writes of installation ${installationId} were held by another worker (lease ${key}) for more than ${Math.round(waitMs / 1000)} s; this write was not made, and the job waits and tries again with backoff.`,
    { retryable: true, details: { lease: key, waitMs } },
  );
}

/**
 * Runs `fn` holding the installation's lease (without a lease: runs it as is). An aborted `signal` ends the
 * wait, and nothing runs. A release Redis refuses is left to the lease's ttl: the write was made, and failing
 * it now would only have it made again.
 */
export async function underWriteLease<T>(lease: WriteLease | undefined, installationId: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (!lease) return fn();
  if (signal?.aborted) throw signal.reason;
  const key = writeLeaseKey(installationId);
  const hold = await lease.lock.acquire(key, { waitMs: lease.waitMs, ttlMs: lease.ttlMs, signal });
  if (signal?.aborted) {
    await hold?.release().catch(() => undefined);
    throw signal.reason;
  }
  if (!hold) throw writeLeaseBusy(installationId, lease.waitMs);
  try {
    return await fn();
  } finally {
    await hold.release().catch((err: unknown) => lease.logger?.warn({ err, lock: key }, "could not release the GitHub write lease; it frees itself when its ttl runs out"));
  }
}
