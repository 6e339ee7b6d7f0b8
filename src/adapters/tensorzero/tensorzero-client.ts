import { Agent, request, type Dispatcher } from "undici";
import { AppError } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.js";
import { MAX_RESPONSE_BYTES } from "./bounded-body.js";
import { errorFromResponse } from "./error-from-response.js";
import { GatewayRetries, type BreakerState } from "./gateway-retries.js";
import { isFeedbackTargetMissing } from "./gateway-errors.js";
import { checkInferenceResponse } from "./inference-response.js";
import { inferenceChunks } from "./inference-stream.js";
import { readJsonBody } from "./read-json-body.js";
import type { CallOptions, TensorZeroClientOptions } from "./tensorzero-client-options.js";
import { transportError } from "./transport-error.js";
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

export type { BreakerState } from "./gateway-retries.js";
export type { CallOptions, TensorZeroClientOptions } from "./tensorzero-client-options.js";

// Real timers unless the caller injects a clock (tests, the runner's fake clock).
const realSleep = systemClock().sleep;

/**
 * The gateway's serde_json refuses a string holding half a surrogate pair (a 400 that failed the job), and
 * the app cuts text by UTF-16 index in many places (excerpts, messages, review comments): an emoji split by
 * a cut goes as U+FFFD instead.
 */
const wellFormed = (_key: string, value: unknown): unknown => (typeof value === "string" ? value.toWellFormed() : value);

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
  readonly #o: Required<Pick<TensorZeroClientOptions, "timeoutMs" | "feedbackTimeoutMs" | "probeTimeoutMs" | "maxResponseBytes" | "feedbackMissingRetries" | "feedbackMissingDelayMs">>;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #now: () => number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #retries: GatewayRetries;
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
    this.#o = {
      timeoutMs: opts.timeoutMs ?? 180_000,
      feedbackTimeoutMs: Math.max(10_000, opts.feedbackTimeoutMs ?? 15_000),
      probeTimeoutMs: opts.probeTimeoutMs ?? 5_000,
      maxResponseBytes: opts.maxResponseBytes ?? MAX_RESPONSE_BYTES,
      feedbackMissingRetries: opts.feedbackMissingRetries ?? 3,
      feedbackMissingDelayMs: opts.feedbackMissingDelayMs ?? 2_000,
    };
    this.#sleep = opts.sleep ?? realSleep;
    this.#now = opts.now ?? Date.now;
    this.#ownsDispatcher = !opts.dispatcher;
    this.#dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 30_000, connections: 64 });
    this.#log = opts.logger;
    this.#retries = new GatewayRetries({
      maxAttempts: Math.max(1, opts.maxAttempts ?? 3),
      backoff: opts.backoff ?? { baseMs: 1_000, maxMs: 10_000 },
      breaker: opts.breaker ?? { threshold: 5, halfOpenAfterMs: 30_000 },
      sleep: this.#sleep,
      now: this.#now,
      random: opts.random ?? Math.random,
      logger: opts.logger,
    });
  }

  get breakerState(): BreakerState {
    return this.#retries.breakerState;
  }

  /** Non-streaming inference (what the JSON function needs: only this returns `output.parsed`). */
  async inference(body: InferenceRequest, opts: CallOptions = {}): Promise<JsonInferenceResponse> {
    const res = await this.#retries.run("inference", opts.signal, () =>
      this.#post<JsonInferenceResponse>("/inference", { ...body, stream: false }, this.#o.timeoutMs, opts.signal),
    );
    return checkInferenceResponse(res, body);
  }

  /**
   * Streaming inference: yields each SSE chunk until `[DONE]`. Only opening the stream is retried; an
   * error event inside the stream is thrown as a retryable `model_stream_error`.
   */
  async *inferenceStream(body: InferenceRequest, opts: CallOptions = {}): AsyncGenerator<JsonInferenceChunk> {
    const deadline = AbortSignal.timeout(this.#o.timeoutMs);
    const signal = opts.signal ? AbortSignal.any([opts.signal, deadline]) : deadline;
    const res = await this.#retries.run("inference-stream", opts.signal, () =>
      this.#guard("/inference", this.#o.timeoutMs, opts.signal, async (attemptSignal) => {
        const r = await this.#send("POST", "/inference", { ...body, stream: true }, AbortSignal.any([attemptSignal, signal]), this.#o.timeoutMs);
        if (r.statusCode !== 200) throw await errorFromResponse(r, "/inference", this.#now);
        return r;
      }),
    );
    try {
      yield* inferenceChunks(res.body, body, this.#o.maxResponseBytes);
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (opts.signal?.aborted) throw opts.signal.reason;
      throw transportError(err, deadline.aborted, "/inference", this.#shownBase);
    } finally {
      res.body.destroy();
    }
  }

  /** Sends feedback; waits out the gateway's "does not exist yet" window a bounded number of times. */
  async feedback(body: FeedbackRequestBody, opts: CallOptions = {}): Promise<{ feedback_id: string }> {
    for (let missing = 0; ; missing++) {
      let res: { feedback_id?: unknown } | null;
      try {
        res = await this.#retries.run("feedback", opts.signal, () =>
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
      const r = await this.#send("GET", "/status", undefined, signal, this.#o.probeTimeoutMs);
      if (r.statusCode !== 200) throw await errorFromResponse(r, "/status", this.#now);
      return (await readJsonBody(r, "/status", this.#o.maxResponseBytes, this.#shownBase)) as StatusResponse;
    });
  }

  /** `ok` is false when the gateway answers 503 (a configured database is down). */
  async health(opts: CallOptions = {}): Promise<{ ok: boolean; components: HealthResponse }> {
    return this.#guard("/health", this.#o.probeTimeoutMs, opts.signal, async (signal) => {
      const r = await this.#send("GET", "/health", undefined, signal, this.#o.probeTimeoutMs);
      if (r.statusCode !== 200 && r.statusCode !== 503) throw await errorFromResponse(r, "/health", this.#now);
      return { ok: r.statusCode === 200, components: (await readJsonBody(r, "/health", this.#o.maxResponseBytes, this.#shownBase)) as HealthResponse };
    });
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #post<T>(path: string, body: unknown, timeoutMs: number, callerSignal?: AbortSignal): Promise<T> {
    return this.#guard(path, timeoutMs, callerSignal, async (signal) => {
      const r = await this.#send("POST", path, body, signal, timeoutMs);
      if (r.statusCode !== 200) throw await errorFromResponse(r, path, this.#now);
      return (await readJsonBody(r, path, this.#o.maxResponseBytes, this.#shownBase)) as T;
    });
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
      throw transportError(err, timeout.aborted, path, this.#shownBase);
    }
  }

  /**
   * `timeoutMs` also lifts the dispatcher's own header and body timeouts (undici: 300 s each) to the call's
   * deadline: below it, a slow inference was cut short as a network error and sent again, while the gateway
   * finished (and billed) the first one anyway.
   */
  async #send(method: "GET" | "POST", path: string, body: unknown, signal: AbortSignal, timeoutMs: number): Promise<Dispatcher.ResponseData> {
    const r = await request(this.#base + path, {
      method,
      headers: this.#headers,
      body: body === undefined ? undefined : JSON.stringify(body, wellFormed),
      dispatcher: this.#dispatcher,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const v = r.headers[GATEWAY_VERSION_HEADER];
    if (typeof v === "string") this.gatewayVersion = v;
    return r;
  }
}
