/**
 * Every error the pipeline raises on purpose is an AppError: `code` is stable and machine-readable,
 * `retryable` tells the runner whether to back off and try again or to fail the job, and the message
 * says what a person should do about it.
 */
export interface AppErrorOptions {
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** When set, the runner waits at least this long before the next attempt (e.g. Retry-After). */
  retryAfterMs?: number;
}

export class AppError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, opts: AppErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export const permanent = (code: string, message: string, details?: Record<string, unknown>) =>
  new AppError(code, message, { retryable: false, details });

export const transient = (code: string, message: string, opts: Omit<AppErrorOptions, "retryable"> = {}) =>
  new AppError(code, message, { ...opts, retryable: true });

/**
 * This process no longer holds the job: a shared queue's lease on it lapsed and another worker runs it, or
 * the store refused a write fenced by that lease. The run stops where it is and records nothing more.
 */
export const JOB_TAKEN_OVER = "job_taken_over";

/** That error, one way for every place that finds it out: not retryable by this process, whose job it no longer is. */
export const jobTakenOver = (message: string, details?: Record<string, unknown>) => permanent(JOB_TAKEN_OVER, message, details);

/**
 * A stage's lock (Stage.lock) stayed held by another job of the repository for the whole wait: retryable,
 * and waited out by the runner like a dependency that is down, so it never fails a job for good.
 */
export const LOCK_BUSY = "repo_lock_busy";

/**
 * GitHub's rate limit (primary, secondary, a 429): retryable, and waited out by the runner until the reset or
 * retry-after GitHub gave, without using up the stage's retries. Counted as retries, an installation's spent
 * hourly limit failed for good jobs that had nothing wrong with them.
 */
export const GITHUB_RATE_LIMITED = "github_rate_limited";

const RETRYABLE_NODE_CODES = new Set([
  "ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND", "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_SOCKET",
]);

/**
 * Turns anything thrown into an AppError. Unknown errors are treated as retryable only when they look
 * like network trouble or an HTTP 408/429/5xx; a programming error must not be retried forever.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: unknown; status?: unknown; message?: unknown; response?: { headers?: Record<string, string> } };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const status = typeof e?.status === "number" ? e.status : undefined;
  if (status !== undefined) {
    const headers = e.response?.headers ?? {};
    const limited = status === 403 && isRateLimit(message, headers);
    const retryable = status === 408 || status === 429 || status >= 500 || limited;
    const retryAfterMs = waitFor(headers, message, { rateLimited: limited || status === 429 });
    return new AppError(`http_${status}`, message, { retryable, cause: err, details: { status }, retryAfterMs });
  }
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code && RETRYABLE_NODE_CODES.has(code)) return new AppError("network", message, { retryable: true, cause: err });
  // The disk frees up (retention, a finished job's workspace, an operator): the job waits for it, not fails.
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new AppError("disk_full", `${message}; free disk space under WORKSPACE_ROOT and DATA_DIR (or lower their use); will retry`, { retryable: true, cause: err });
  }
  // A disk failing, or remounted read-only after errors: fixed by someone, after which the job goes on by
  // itself; failed for good, each job caught meanwhile would need a \`jobs retry\`.
  if (code === "EIO" || code === "EROFS") {
    const what = code === "EIO" ? "the disk reported an I/O error" : "the file system is read-only";
    return new AppError("disk_error", `${message}; ${what}: check the disk under WORKSPACE_ROOT and DATA_DIR (its kernel log, remount it read-write); will retry`, { retryable: true, cause: err });
  }
  if (isRedisUnavailable(err, message)) {
    return new AppError("store_unavailable", `Redis did not answer (${message}); will retry once it is back`, { retryable: true, cause: err });
  }
  // fetch (undici) rejects with a bare TypeError ("fetch failed", or "terminated" for a body cut off) and
  // puts the network error in `cause`: without looking there, a DNS failure or a reset read as a bug.
  const networkCause = causedByNetwork(err);
  if (networkCause) return new AppError("network", `${message} (${networkCause})`, { retryable: true, cause: err });
  if ((err as Error)?.name === "AbortError" || (err as Error)?.name === "TimeoutError") {
    return new AppError("timeout", message, { retryable: true, cause: err });
  }
  return new AppError("internal", message, { retryable: false, cause: err });
}

/** `code: message` of the first network error in `err`'s cause chain (a few levels), if there is one. */
function causedByNetwork(err: unknown): string | undefined {
  let cause = (err as { cause?: unknown } | undefined)?.cause;
  for (let depth = 0; cause && depth < 4; depth++) {
    const c = cause as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof c.code === "string" && RETRYABLE_NODE_CODES.has(c.code)) return typeof c.message === "string" && c.message ? (c.message.includes(c.code) ? c.message : `${c.code}: ${c.message}`) : c.code;
    cause = c.cause;
  }
  return undefined;
}

/**
 * ioredis gives up on a command after `maxRetriesPerRequest` reconnects (a restart, a failover) with an
 * error that has no `code`; a server that is loading or read-only answers with these words.
 */
function isRedisUnavailable(err: unknown, message: string): boolean {
  const name = (err as Error | undefined)?.name;
  if (name === "MaxRetriesPerRequestError") return true;
  if (name === "ReplyError" && /^(LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/.test(message)) return true;
  return message === "Connection is closed." && (name === "Error" || name === undefined);
}

/**
 * GitHub answers a rate limit with 403 as well as 429 (reference/github.md §5): a secondary limit says so
 * in words ("abuse detection" on older GitHub Enterprise Server) or with retry-after; the primary one with
 * x-ratelimit-remaining: 0. Taken for a refusal, it failed the job for good.
 */
export function isRateLimit(message: string, headers: Record<string, string | undefined>): boolean {
  return /secondary rate limit|rate limit exceeded|abuse detection/i.test(message) || headers["retry-after"] !== undefined || headers["x-ratelimit-remaining"] === "0";
}

/** GitHub's docs (reference/github.md §5): a rate limit that says neither retry-after nor a reset is waited out at least this long. */
export const RATE_LIMIT_MIN_WAIT_MS = 60_000;

/** The longest a rate limit is waited out at once: GitHub's primary limit resets within the hour. */
export const RATE_LIMIT_MAX_WAIT_MS = 3_600_000;

/**
 * How long a rate limit that asks for `askedS` seconds is waited out, as rateLimitDelay (backoff.ts) makes it:
 * for the messages of GitHub's limits and its log host's, which told of a 5 s or a 2 h wait that was not made.
 */
export function rateLimitWaitWords(askedS: number): string {
  if (askedS * 1000 < RATE_LIMIT_MIN_WAIT_MS) return `at least ${RATE_LIMIT_MIN_WAIT_MS / 1000} s`;
  if (askedS * 1000 > RATE_LIMIT_MAX_WAIT_MS) return `${RATE_LIMIT_MAX_WAIT_MS / 1000} s (the most it waits at once)`;
  return "that long";
}

/**
 * retry-after (seconds), or for a spent primary limit the time to its reset (x-ratelimit-reset, epoch
 * seconds), or for a rate limit that gives neither (a secondary limit by its words, or any the caller
 * knows is one: a 429, a 403 that says so) the minute GitHub's docs ask to wait at least. A bare 429
 * retried at the runner's first backoff (seconds) only prolonged the limit.
 */
export function waitFor(headers: Record<string, string | undefined>, message: string, opts: { rateLimited?: boolean } = {}): number | undefined {
  const after = Number(headers["retry-after"]);
  if (Number.isFinite(after) && after > 0) return after * 1000;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (headers["x-ratelimit-remaining"] !== "0" || !Number.isFinite(reset)) {
    return opts.rateLimited || /secondary rate limit|abuse detection/i.test(message) ? RATE_LIMIT_MIN_WAIT_MS : undefined;
  }
  // A second past the reset: GitHub's clock and ours differ by a little.
  const ms = reset * 1000 - Date.now() + 1000;
  return ms > 0 ? Math.min(ms, RATE_LIMIT_MAX_WAIT_MS) : undefined;
}
