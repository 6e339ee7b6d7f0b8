import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { AppError } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.js";

export type BreakerState = "closed" | "open" | "half-open";

export interface GatewayRetriesOptions {
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  breaker: { threshold: number; halfOpenAfterMs: number };
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The injected clock's time: how long the breaker has been open is measured on it. */
  now: () => number;
  random: () => number;
  logger?: Logger;
}

/**
 * Retries 429/5xx and network errors in place with exponential backoff and jitter, behind one circuit
 * breaker for every call it runs. While the breaker is open, or half-open with its trial call out, calls
 * fail at once with a *retryable* `model_unavailable`, so jobs wait for the gateway instead of burning
 * their attempts.
 */
export class GatewayRetries {
  readonly #o: GatewayRetriesOptions;
  readonly #breaker: CircuitBreakerPolicy;
  /** When the breaker last opened, on `now`. */
  #openedAt = 0;

  constructor(opts: GatewayRetriesOptions) {
    this.#o = opts;
    const { threshold, halfOpenAfterMs } = opts.breaker;
    this.#breaker = circuitBreaker(
      // A clock-skew 400 is retryable (the gateway takes the same request a moment later) but says the
      // gateway is up: counted, a host clock ahead of the gateway's paused every call, feedback included.
      handleWhen((e) => e instanceof AppError && e.retryable && e.code !== "model_clock_skew"),
      // cockatiel times its open window with Date.now(), which the injected clock cannot move: it is told 0
      // (half-open on the next call it is given) and `run` keeps the window on `now` instead.
      { halfOpenAfter: 0, breaker: new ConsecutiveBreaker(threshold) },
    );
    this.#breaker.onBreak(() => {
      this.#openedAt = opts.now();
      opts.logger?.warn({ halfOpenAfterMs }, "TensorZero circuit breaker opened");
    });
    this.#breaker.onReset(() => opts.logger?.info("TensorZero circuit breaker closed"));
  }

  get breakerState(): BreakerState {
    const s = this.#breaker.state;
    return s === CircuitState.Closed ? "closed" : s === CircuitState.HalfOpen ? "half-open" : "open";
  }

  async run<T>(op: string, signal: AbortSignal | undefined, once: () => Promise<T>): Promise<T> {
    let last: AppError | undefined;
    for (let attempt = 0; attempt < this.#o.maxAttempts; attempt++) {
      if (last) await this.#o.sleep(this.#delay(attempt - 1, last.retryAfterMs), signal);
      try {
        // Half-open: one trial call is out, and it may be an inference of minutes. cockatiel queues every
        // other call behind it (workers held, a feedback send outliving its outbox lease and sent twice):
        // they fail at once as while open, and the job or the outbox tries again later.
        const state = this.#breaker.state;
        if (state === CircuitState.HalfOpen) throw new BrokenCircuitError();
        if (state === CircuitState.Open && this.#o.now() - this.#openedAt < this.#o.breaker.halfOpenAfterMs) throw new BrokenCircuitError();
        return await this.#breaker.execute(once);
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          throw new AppError("model_unavailable", "TensorZero is failing repeatedly, so calls are paused (circuit breaker open); the job waits and retries. Check the gateway (`curl $TENSORZERO_URL/health`).", { retryable: true, retryAfterMs: this.#o.breaker.halfOpenAfterMs, cause: last });
        }
        if (signal?.aborted) throw err;
        if (!(err instanceof AppError) || !err.retryable) throw err;
        // A timeout already cost the whole time budget: hand it back to the runner, which re-queues the
        // job with backoff and frees the worker, instead of blocking it for several more budgets here.
        if (err.code === "model_timeout") throw err;
        last = err;
        this.#o.logger?.warn({ op, attempt: attempt + 1, code: err.code, message: err.message }, "TensorZero call failed; retrying");
      }
    }
    throw new AppError(last!.code, `${last!.message} (${this.#o.maxAttempts} tries)`, { retryable: true, details: last!.details, retryAfterMs: last!.retryAfterMs, cause: last });
  }

  #delay(retry: number, retryAfter?: number): number {
    const { baseMs, maxMs } = this.#o.backoff;
    const step = Math.min(maxMs, baseMs * 2 ** retry);
    const jittered = step / 2 + (this.#o.random() * step) / 2;
    return Math.round(Math.max(jittered, Math.min(retryAfter ?? 0, maxMs)));
  }
}
