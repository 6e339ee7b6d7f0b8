import { Agent, request, type Dispatcher } from "undici";
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from "cockatiel";
import { AppError } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.js";
import { MAX_ERROR_BODY_BYTES, MAX_RESPONSE_BYTES, readCapped, tooLarge } from "./bounded-body.js";
import { gatewayError, isFeedbackTargetMissing, retryAfterMs } from "./gateway-errors.js";
import { sseData } from "./sse.js";
import { systemClock } from "../clock/system-clock.js";
import {
  GATEWAY_VERSION_HEADER,
  type FeedbackRequestBody,
  type HealthResponse,
  type InferenceRequest,
  type JsonInferenceChunk,
  type JsonInferenceResponse,
  type StatusResponse,
} from "./wire-types.js";

export interface TensorZeroClientOptions {
  /** Gateway base URL, e.g. http://localhost:3000 (a base path such as /tz is kept). */
  baseUrl: string;
  /** `sk-t0-...`, sent as a bearer token when the gateway has auth on. */
  apiKey?: string;
  /** Per inference attempt (default 180 s; keep it above the variants' own timeouts). */
  timeoutMs?: number;
  /** Per feedback attempt; the gateway may hold a feedback call ~6 s while it looks for the target (default 15 s, min 10 s). */
  feedbackTimeoutMs?: number;
  /** /status and /health (default 5 s). */
  probeTimeoutMs?: number;
  /** Most bytes read of a 200 answer or of a whole stream (default 32 MiB; error bodies: 64 KiB). */
  maxResponseBytes?: number;
  /** Tries per call for retryable errors (default 3). */
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Consecutive retryable failures that open the breaker, and how long it stays open (default 5, 30 s). */
  breaker?: { threshold: number; halfOpenAfterMs: number };
  /** Extra tries when feedback names an inference the gateway has not written yet (default 3). */
  feedbackMissingRetries?: number;
  feedbackMissingDelayMs?: number;
  /** Injected for tests: waits (fake clock or tiny delays) and jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  dispatcher?: Dispatcher;
  logger?: Logger;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export type BreakerState = "closed" | "open" | "half-open";

/**
 * A chat function answers with `content` blocks instead of a JSON `output` (reference §1.4–1.5); asking
 * again cannot change that, so it is permanent, and it names the setting to fix.
 */
const notJsonFunction = (body: InferenceRequest) =>
  new AppError(
    "model_bad_response",
    `TensorZero answered /inference for "${body.function_name ?? body.model_name}" without a JSON output (chat content instead): TENSORZERO_FUNCTION must name a JSON function (type = "json") with the fix_ci_failure output schema.`,
    { retryable: false, details: { function: body.function_name } },
  );

/**
 * One SSE event of /inference. An event that is not a JSON object came through the connection intact, so
 * it is the stream's fault (garbled or cut by a proxy), not a failure to reach the gateway; asking again
 * may well get a whole one.
 */
function parseEvent(data: string): JsonInferenceChunk & { error?: unknown } {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    event = undefined;
  }
  if (!event || typeof event !== "object" || Array.isArray(event)) {
    throw new AppError("model_stream_error", `TensorZero sent a stream event that is not a JSON object (${JSON.stringify(data.slice(0, 120))}); will retry.`, { retryable: true });
  }
  return event as JsonInferenceChunk & { error?: unknown };
}

// Real timers unless the caller injects a clock (tests, the runner's fake clock).
const realSleep = systemClock().sleep;

/**
 * HTTP client for TensorZero's native API (undici). Retries 429/5xx and network errors in place with
 * exponential backoff and jitter; timeouts (a 408, or our own deadline) are retryable too but go back to
 * the runner at once, which re-queues the job with its own backoff. A circuit breaker shared by inference
 * and feedback opens after
 * repeated retryable failures, and while it is open calls fail at once with a *retryable*
 * `model_unavailable`, so jobs wait for the gateway instead of burning their attempts.
 */
export class TensorZeroClient {
  readonly #base: string;
  /** The base URL for messages: without user:password, as messages end up in job records shown unredacted. */
  readonly #shownBase: string;
  readonly #headers: Record<string, string>;
  readonly #o: Required<Pick<TensorZeroClientOptions, "timeoutMs" | "feedbackTimeoutMs" | "probeTimeoutMs" | "maxResponseBytes" | "maxAttempts" | "feedbackMissingRetries" | "feedbackMissingDelayMs">> & {
    backoff: { baseMs: number; maxMs: number };
    halfOpenAfterMs: number;
  };
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #log?: Logger;
  /** Version the gateway reported in its last response header. */
  gatewayVersion: string | undefined;

  constructor(opts: TensorZeroClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.baseUrl);
    } catch {
      throw new AppError("config_invalid", `TENSORZERO_URL "${opts.baseUrl}" is not a URL; use e.g. http://localhost:3000.`);
    }
    this.#base = url.href.replace(/\/+$/, "");
    url.username = "";
    url.password = "";
    this.#shownBase = url.href.replace(/\/+$/, "");
    this.#headers = { "content-type": "application/json", ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) };
    const breaker = opts.breaker ?? { threshold: 5, halfOpenAfterMs: 30_000 };
    this.#o = {
      timeoutMs: opts.timeoutMs ?? 180_000,
      feedbackTimeoutMs: Math.max(10_000, opts.feedbackTimeoutMs ?? 15_000),
      probeTimeoutMs: opts.probeTimeoutMs ?? 5_000,
      maxResponseBytes: opts.maxResponseBytes ?? MAX_RESPONSE_BYTES,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 3),
      feedbackMissingRetries: opts.feedbackMissingRetries ?? 3,
      feedbackMissingDelayMs: opts.feedbackMissingDelayMs ?? 2_000,
      backoff: opts.backoff ?? { baseMs: 1_000, maxMs: 10_000 },
      halfOpenAfterMs: breaker.halfOpenAfterMs,
    };
    this.#sleep = opts.sleep ?? realSleep;
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? Math.random;
    this.#ownsDispatcher = !opts.dispatcher;
    this.#dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    this.#log = opts.logger;
    this.#breaker = circuitBreaker(
      handleWhen((e) => e instanceof AppError && e.retryable),
      { halfOpenAfter: breaker.halfOpenAfterMs, breaker: new ConsecutiveBreaker(breaker.threshold) },
    );
    this.#breaker.onBreak(() => this.#log?.warn({ halfOpenAfterMs: breaker.halfOpenAfterMs }, "TensorZero circuit breaker opened"));
    this.#breaker.onReset(() => this.#log?.info("TensorZero circuit breaker closed"));
  }

  get breakerState(): BreakerState {
    const s = this.#breaker.state;
    return s === CircuitState.Closed ? "closed" : s === CircuitState.HalfOpen ? "half-open" : "open";
  }

  /** Non-streaming inference (what the JSON function needs: only this returns `output.parsed`). */
  async inference(body: InferenceRequest, opts: CallOptions = {}): Promise<JsonInferenceResponse> {
    const res = await this.#withRetries("inference", opts.signal, () =>
      this.#post<JsonInferenceResponse>("/inference", { ...body, stream: false }, this.#o.timeoutMs, opts.signal),
    );
    if (!res || typeof res.inference_id !== "string" || typeof res.episode_id !== "string" || typeof res.variant_name !== "string") {
      throw new AppError("model_bad_response", "TensorZero answered /inference without inference_id/episode_id/variant_name; is TENSORZERO_URL a TensorZero gateway?", { retryable: false });
    }
    if (!res.output || typeof res.output !== "object") throw notJsonFunction(body);
    return res;
  }

  /**
   * Streaming inference: yields each SSE chunk until `[DONE]`. Only opening the stream is retried; an
   * error event inside the stream is thrown as a retryable `model_stream_error`.
   */
  async *inferenceStream(body: InferenceRequest, opts: CallOptions = {}): AsyncGenerator<JsonInferenceChunk> {
    const deadline = AbortSignal.timeout(this.#o.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const res = await this.#withRetries("inference-stream", opts.signal, () =>
      this.#guard("/inference", this.#o.timeoutMs, opts.signal, async (attemptSignal) => {
        const r = await this.#send("POST", "/inference", { ...body, stream: true }, AbortSignal.any([attemptSignal, signal]));
        if (r.statusCode !== 200) throw await this.#errorFrom(r, "/inference");
        return r;
      }),
    );
    try {
      for await (const data of sseData(res.body, { maxBytes: this.#o.maxResponseBytes })) {
        if (data === "[DONE]") return;
        const event = parseEvent(data);
        if (typeof event.error === "string") {
          throw new AppError("model_stream_error", `TensorZero reported an error mid-stream (${event.error.slice(0, 500)}); will retry.`, { retryable: true, details: { gatewayMessage: event.error.slice(0, 2000) } });
        }
        if (typeof event.raw !== "string") throw notJsonFunction(body);
        yield event;
      }
      throw new AppError("model_stream_error", "TensorZero's stream ended without [DONE]; will retry.", { retryable: true });
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw this.#transportError(err, deadline.aborted, "/inference");
    } finally {
      res.body.destroy();
    }
  }

  /** Sends feedback; waits out the gateway's "does not exist yet" window a bounded number of times. */
  async feedback(body: FeedbackRequestBody, opts: CallOptions = {}): Promise<{ feedback_id: string }> {
    for (let missing = 0; ; missing++) {
      let res: { feedback_id?: unknown } | null;
      try {
        res = await this.#withRetries("feedback", opts.signal, () =>
          this.#post<{ feedback_id?: unknown } | null>("/feedback", body, this.#o.feedbackTimeoutMs, opts.signal),
        );
      } catch (err) {
        const e = err as AppError;
        const status = e.details?.status as number | undefined;
        if (!(e instanceof AppError) || !isFeedbackTargetMissing(status ?? 0, String(e.details?.gatewayMessage ?? ""))) throw err;
        if (missing >= this.#o.feedbackMissingRetries) {
          throw new AppError("feedback_target_missing", `TensorZero has no record of ${body.inference_id ? `inference ${body.inference_id}` : `episode ${body.episode_id}`} (${String(e.details?.gatewayMessage)}). Check that the gateway stores inferences (a database is configured) and that the inference was not a dry run; will retry later.`, { retryable: true, details: e.details, retryAfterMs: 60_000 });
        }
        this.#log?.debug({ metric: body.metric_name, missing }, "feedback target not stored yet; retrying");
        await this.#sleep(this.#o.feedbackMissingDelayMs * 2 ** missing, opts.signal);
        continue;
      }
      // The gateway answers every stored feedback with its id; any other 200 came from something else,
      // and taking it as sent would mark the outcome delivered when it was not.
      if (!res || typeof res.feedback_id !== "string") {
        throw new AppError("model_bad_response", `${this.#shownBase}/feedback answered 200 without a feedback_id; check that TENSORZERO_URL points at a TensorZero gateway.`, { retryable: false, details: { path: "/feedback" } });
      }
      return { feedback_id: res.feedback_id };
    }
  }

  async status(opts: CallOptions = {}): Promise<StatusResponse> {
    return this.#guard("/status", this.#o.probeTimeoutMs, opts.signal, async (signal) => {
      const r = await this.#send("GET", "/status", undefined, signal);
      if (r.statusCode !== 200) throw await this.#errorFrom(r, "/status");
      return (await this.#json(r, "/status")) as StatusResponse;
    });
  }

  /** `ok` is false when the gateway answers 503 (a configured database is down). */
  async health(opts: CallOptions = {}): Promise<{ ok: boolean; components: HealthResponse }> {
    return this.#guard("/health", this.#o.probeTimeoutMs, opts.signal, async (signal) => {
      const r = await this.#send("GET", "/health", undefined, signal);
      if (r.statusCode !== 200 && r.statusCode !== 503) throw await this.#errorFrom(r, "/health");
      return { ok: r.statusCode === 200, components: (await this.#json(r, "/health")) as HealthResponse };
    });
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #withRetries<T>(op: string, signal: AbortSignal | undefined, once: () => Promise<T>): Promise<T> {
    let last: AppError | undefined;
    for (let attempt = 0; attempt < this.#o.maxAttempts; attempt++) {
      if (last) await this.#sleep(this.#delay(attempt - 1, last.retryAfterMs), signal);
      try {
        return await this.#breaker.execute(once);
      } catch (err) {
        if (err instanceof BrokenCircuitError) {
          throw new AppError("model_unavailable", "TensorZero is failing repeatedly, so calls are paused (circuit breaker open); the job waits and retries. Check the gateway (`curl $TENSORZERO_URL/health`).", { retryable: true, retryAfterMs: this.#o.halfOpenAfterMs, cause: last });
        }
        if (signal?.aborted) throw err;
        if (!(err instanceof AppError) || !err.retryable) throw err;
        // A timeout already cost the whole time budget: hand it back to the runner, which re-queues the
        // job with backoff and frees the worker, instead of blocking it for several more budgets here.
        if (err.code === "model_timeout") throw err;
        last = err;
        this.#log?.warn({ op, attempt: attempt + 1, code: err.code, message: err.message }, "TensorZero call failed; retrying");
      }
    }
    throw new AppError(last!.code, `${last!.message} (${this.#o.maxAttempts} tries)`, { retryable: true, details: last!.details, retryAfterMs: last!.retryAfterMs, cause: last });
  }

  #delay(retry: number, retryAfter?: number): number {
    const { baseMs, maxMs } = this.#o.backoff;
    const step = Math.min(maxMs, baseMs * 2 ** retry);
    const jittered = step / 2 + (this.#random() * step) / 2;
    return Math.round(Math.max(jittered, Math.min(retryAfter ?? 0, maxMs)));
  }

  async #post<T>(path: string, body: unknown, timeoutMs: number, callerSignal?: AbortSignal): Promise<T> {
    return this.#guard(path, timeoutMs, callerSignal, async (signal) => {
      const r = await this.#send("POST", path, body, signal);
      if (r.statusCode !== 200) throw await this.#errorFrom(r, path);
      return (await this.#json(r, path)) as T;
    });
  }

  async #json(r: Dispatcher.ResponseData, path: string): Promise<unknown> {
    const { text, truncated } = await readCapped(r.body, this.#o.maxResponseBytes);
    if (truncated) throw tooLarge(`${this.#shownBase}${path}'s answer`, this.#o.maxResponseBytes);
    try {
      return JSON.parse(text);
    } catch {
      throw new AppError("model_bad_response", `${this.#shownBase}${path} answered ${r.statusCode} with something that is not JSON (${JSON.stringify(text.slice(0, 120))}); check that TENSORZERO_URL points at a TensorZero gateway.`, { retryable: false, details: { path } });
    }
  }

  /** Runs one attempt under a timeout, mapping transport failures to AppErrors. */
  async #guard<T>(path: string, timeoutMs: number, callerSignal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout;
    try {
      return await fn(signal);
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (callerSignal?.aborted) throw callerSignal.reason ?? err;
      throw this.#transportError(err, timeout.aborted, path);
    }
  }

  #transportError(err: unknown, timedOut: boolean, path: string): AppError {
    if (timedOut) {
      return new AppError("model_timeout", `TensorZero did not answer ${path} in time; will retry. Raise TENSORZERO_TIMEOUT_MS if the models need longer.`, { retryable: true, cause: err, details: { path } });
    }
    const message = (err as Error)?.message ?? String(err);
    return new AppError("model_network", `Cannot reach TensorZero at ${this.#shownBase} (${message}); will retry. Is the gateway running?`, { retryable: true, cause: err, details: { path, code: (err as { code?: string })?.code } });
  }

  async #send(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
    const r = await request(this.#base + path, {
      method,
      headers: this.#headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.#dispatcher,
      signal,
    });
    const v = r.headers[GATEWAY_VERSION_HEADER];
    if (typeof v === "string") this.gatewayVersion = v;
    return r;
  }

  async #errorFrom(r: Dispatcher.ResponseData, path: string): Promise<AppError> {
    // Only the start of the message is kept (gatewayError), and the status decides: the rest is not read.
    const { text } = await readCapped(r.body, MAX_ERROR_BODY_BYTES).catch(() => ({ text: "" }));
    let message = text;
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (typeof parsed.error === "string") message = parsed.error;
      else if (parsed.error && typeof (parsed.error as { message?: unknown }).message === "string") message = (parsed.error as { message: string }).message;
    } catch {
      // Not JSON (a proxy's HTML page, say): keep the text.
    }
    return gatewayError(r.statusCode, message || `HTTP ${r.statusCode}`, { path, retryAfterMs: retryAfterMs(r.headers["retry-after"], this.#now()) });
  }
}
