import { AppError } from "../../core/errors.js";
import { redactHead } from "../../core/redact.js";
import { providerFailureError } from "./provider-failure-error.js";
import { providerFailures } from "./provider-failures.js";

/**
 * Provider messages that mean "the prompt is too big", as they come back wrapped by the gateway
 * (`All variants failed with errors: v: Error 400 from openai client: ... context_length_exceeded ...`).
 */
const CONTEXT_TOO_LARGE =
  /context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long|too many (?:input )?tokens|input is too long|request too large|payload too large|Error 413 from|request_too_large/i;

export const isContextTooLarge = (status: number, message: string): boolean => status === 413 || CONTEXT_TOO_LARGE.test(message);

/** Feedback sent before the gateway has written the inference it refers to (reference §2). */
export const isFeedbackTargetMissing = (status: number, message: string): boolean =>
  status === 400 && /(?:Inference|Episode) ID: \S+ does not exist/.test(message);

/**
 * /feedback on a gateway whose observability writes are off (`gateway.observability.enabled = false`,
 * reference §2): a fact about the gateway's setup, true of every item alike until someone changes it.
 */
const isObservabilityOff = (status: number, message: string): boolean => status === 400 && /Feedback requires observability to be enabled/i.test(message);

/** An episode id whose UUIDv7 time is ahead of the gateway's clock (reference §1.1). */
const isEpisodeInFuture = (status: number, message: string): boolean => status === 400 && /Invalid Episode ID: Timestamp is in the future/.test(message);

/**
 * Turns a gateway error response into an AppError with a stable code, using the real gateway's status
 * codes: 400/404 are our mistake (permanent, with the gateway's own message), 408/429/5xx are the
 * gateway's or a provider's trouble (retryable), except a 5xx in which every provider failed for a
 * permanent reason (provider-failures.ts).
 */
export function gatewayError(status: number, message: string, opts: { path: string; retryAfterMs?: number }): AppError {
  // Redacted before the cut: the job's error is redacted when stored, but by then a secret across the cut
  // would be only a head no rule knows.
  const details = { status, path: opts.path, gatewayMessage: redactHead(message, 2000) };
  const short = redactHead(message, 500);
  // A 502 (all variants) or 500 (all providers of one) says only that everything failed: whether a retry
  // can help is in the providers' answers inside. Retrying a dead API key or a missing model only pays
  // for the same refusal again; one transient failure inside (a 503, a timeout) keeps it retryable.
  const failures = status >= 500 ? providerFailures(message) : undefined;
  const permanentInside = failures && providerFailureError(failures, details);
  if (permanentInside) return permanentInside;
  const transientInside = failures?.some((f) => f.kind === "transient") ?? false;
  if (!transientInside && isContextTooLarge(status, message)) {
    return new AppError("context_too_large", `The failure context is too large for the model (${short}). Retry with a smaller context budget.`, { retryable: false, details });
  }
  if (isEpisodeInFuture(status, message)) {
    // Not the request's fault: the episode id carries the job's time and the gateway checks it against its
    // own clock (reference §8). Once the gateway's clock passes that second the same request is accepted.
    return new AppError("model_clock_skew", `TensorZero says the job's episode id is in its future (${short}): this host's clock is ahead of the gateway's. Will retry; sync both clocks (NTP) if it persists.`, { retryable: true, details, retryAfterMs: 2_000 });
  }
  if (isObservabilityOff(status, message)) {
    return new AppError("model_observability_off", `TensorZero does not store feedback: its observability is turned off (${short}). Remove \`gateway.observability.enabled = false\` from the gateway's tensorzero.toml and give it a database (see tensorzero/README.md); feedback stays on the job meanwhile.`, { retryable: false, details });
  }
  if (status === 401) {
    return new AppError("model_auth", `TensorZero refused the API key (${short}). Set TENSORZERO_API_KEY to a valid sk-t0-... key (see tensorzero/README.md, "Authentication").`, { retryable: false, details });
  }
  if (status === 404) {
    return new AppError("model_not_found", `TensorZero does not know what the app asked for (${short}). Deploy tensorzero/config from this version of t0-ci-bot, or set TENSORZERO_FUNCTION.`, { retryable: false, details });
  }
  if (status === 408) {
    return new AppError("model_timeout", `TensorZero timed out (${short}); will retry.`, { retryable: true, details });
  }
  if (status === 504) {
    // The gateway's own timeouts are 408s: a 504 is a proxy in front of it giving up, while the gateway goes
    // on and stores (and bills) the inference. A timeout, then: not asked again in place, but by the runner.
    return new AppError("model_timeout", `A proxy between t0-ci-bot and TensorZero timed out (504: ${short}); raise its read timeout above TENSORZERO_TIMEOUT_MS. Will retry.`, { retryable: true, details });
  }
  if (status === 429) {
    return new AppError("model_rate_limited", `TensorZero or a model provider is rate limiting (${short}); will retry later.`, { retryable: true, details, retryAfterMs: opts.retryAfterMs });
  }
  if (status >= 500) {
    return new AppError("model_gateway_error", `TensorZero answered ${status} (${short}); will retry.`, { retryable: true, details, retryAfterMs: opts.retryAfterMs });
  }
  return new AppError("model_bad_request", `TensorZero rejected the request with ${status}: ${short}. This is a bug in t0-ci-bot or a config mismatch; check tensorzero/config against the app version.`, { retryable: false, details });
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}
