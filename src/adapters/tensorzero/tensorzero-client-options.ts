import type { Dispatcher } from "undici";
import type { Logger } from "../../core/ports/logger.js";

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
  /** Consecutive retryable failures that open the breaker, and how long it stays open on `now` (default 5, 30 s). */
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
