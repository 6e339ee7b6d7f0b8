import { halfJitterGenerator } from "cockatiel";
import { RATE_LIMIT_MAX_WAIT_MS, RATE_LIMIT_MIN_WAIT_MS } from "../core/errors.js";

/**
 * Delay before retry number `retry` (0-based) of a stage: exponential from `baseMs`, capped at `maxMs`,
 * with half jitter (between half and all of the step) so jobs failing together do not retry together.
 * A server's own Retry-After wins when it asks for longer.
 */
export function backoffDelay(retry: number, opts: { baseMs: number; maxMs: number; retryAfterMs?: number }): number {
  const [delay] = halfJitterGenerator(retry, { initialDelay: opts.baseMs, maxDelay: opts.maxMs, exponent: 2, generator: halfJitterGenerator });
  return Math.max(delay, Math.min(opts.retryAfterMs ?? 0, opts.maxMs));
}

/** The most a rate limit's wait is spread by, past the time GitHub gave. */
const RATE_LIMIT_SPREAD_MAX_MS = 60_000;

/**
 * Delay before the next try of a stage GitHub rate-limited: the time GitHub gave (its reset or retry-after,
 * at least the minute its docs ask for, at most an hour), which RETRY_MAX_MS does not cut short: a job back
 * before the reset only meets the limit again, and requests made while limited can get the installation
 * banned. Plus up to a tenth of it (a minute at most), so an installation's jobs, limited together, do not all
 * come back in the reset's second. Waits in a row still back off, should GitHub keep refusing past its time.
 */
export function rateLimitDelay(retry: number, opts: { baseMs: number; maxMs: number; retryAfterMs?: number }): number {
  const asked = Math.min(Math.max(opts.retryAfterMs ?? 0, RATE_LIMIT_MIN_WAIT_MS), RATE_LIMIT_MAX_WAIT_MS);
  const spread = Math.random() * Math.min(asked / 10, RATE_LIMIT_SPREAD_MAX_MS);
  return Math.max(backoffDelay(retry, { baseMs: opts.baseMs, maxMs: opts.maxMs }), Math.round(asked + spread));
}
