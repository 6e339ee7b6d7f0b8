import { halfJitterGenerator } from "cockatiel";

/**
 * Delay before retry number `retry` (0-based) of a stage: exponential from `baseMs`, capped at `maxMs`,
 * with half jitter (between half and all of the step) so jobs failing together do not retry together.
 * A server's own Retry-After wins when it asks for longer.
 */
export function backoffDelay(retry: number, opts: { baseMs: number; maxMs: number; retryAfterMs?: number }): number {
  const [delay] = halfJitterGenerator(retry, { initialDelay: opts.baseMs, maxDelay: opts.maxMs, exponent: 2, generator: halfJitterGenerator });
  return Math.max(delay, Math.min(opts.retryAfterMs ?? 0, opts.maxMs));
}
