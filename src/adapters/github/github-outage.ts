import { AppError, GITHUB_RATE_LIMITED, RATE_LIMIT_MIN_WAIT_MS, isRateLimit, rateLimitWaitWords, waitFor } from "../../core/errors.js";
import { findRequestTimeout } from "./request-timeout.js";

/** Answers GitHub gives when it is down or overloaded, not when a request is wrong. */
const OUTAGE_STATUSES = new Set([502, 503, 504]);

/**
 * GitHub down or out of reach, as the runner's wait code `github_unavailable`: the job waits it out with
 * backoff (up to RETRY_MAX_MS between tries, for up to WAIT_MAX_HOURS) and keeps its retry budget, as it
 * does for the model gateway.
 * Counted as ordinary retries, a GitHub outage of a few minutes used up JOB_MAX_RETRIES and failed every
 * job in flight. Octokit reports a request that got no answer at all (DNS, refused, reset) as status 500
 * with no response; a 500 that GitHub did answer may be this request's fault and stays an ordinary retry.
 * A request GitHub did not answer within GITHUB_REQUEST_TIMEOUT_MS (request-timeout.ts) is one too.
 * Undefined for anything else, which keeps its own meaning.
 */
export function githubOutage(err: unknown): AppError | undefined {
  // Before the status: Octokit gives an aborted request status 500 too, which would read "could not be reached".
  const timeout = findRequestTimeout(err);
  if (timeout) {
    return new AppError("github_unavailable", `${timeout.message} (${(err as Error).message}); the job waits and tries again with backoff.`, { retryable: true, cause: err, details: { timeoutMs: timeout.timeoutMs } });
  }
  const e = answerOf(err);
  const status = typeof e?.status === "number" ? e.status : undefined;
  if (status === undefined) return undefined;
  const unanswered = status === 500 && e!.response === undefined;
  if (!unanswered && !OUTAGE_STATUSES.has(status)) return undefined;
  const what = unanswered ? "GitHub could not be reached" : `GitHub answered HTTP ${status}`;
  return new AppError("github_unavailable", `${what} (${(err as Error).message}); the job waits and tries again with backoff.`, { retryable: true, cause: err, details: { status } });
}

/**
 * GitHub's rate limit, as the runner's wait code `github_rate_limited`: the job waits until the reset or the
 * retry-after GitHub gave (at least the minute its docs ask for when it gives neither), for up to
 * WAIT_MAX_HOURS, and keeps its retry budget. A rate limit as toAppError judges one: any 429, a 403 by its
 * headers (retry-after, x-ratelimit-remaining: 0) or words. A 403 that refuses a permission is not one and
 * keeps its own meaning (the job fails at once, saying what to grant). Undefined for anything else.
 */
export function githubRateLimit(err: unknown): AppError | undefined {
  // An adapter's refusal (not retryable) was already judged not to be a rate limit.
  if (err instanceof AppError && !err.retryable) return undefined;
  const e = answerOf(err) as { status?: unknown; message?: unknown; response?: { headers?: Record<string, string | undefined> } } | undefined;
  const status = e?.status;
  if (status !== 403 && status !== 429) return undefined;
  const said = typeof e!.message === "string" ? e!.message : "";
  const headers = e!.response?.headers ?? {};
  if (status === 403 && !isRateLimit(said, headers)) return undefined;
  const asked = waitFor(headers, said, { rateLimited: true });
  const retryAfterMs = asked ?? RATE_LIMIT_MIN_WAIT_MS;
  const afterS = Number(headers["retry-after"]);
  const resetS = Number(headers["x-ratelimit-reset"]);
  const resetAt = headers["x-ratelimit-remaining"] === "0" && Number.isFinite(resetS) ? new Date(resetS * 1000).toISOString() : undefined;
  const what = (err as Error).message;
  const minS = RATE_LIMIT_MIN_WAIT_MS / 1000;
  // In the order waitFor reads them: GitHub's retry-after, the primary limit's reset, the minute otherwise.
  // A reset waitFor found already past (this host's clock ahead of GitHub's) is waited out as the minute:
  // named as when the limit "resets", the message told of a wait that was not the one made.
  const message =
    Number.isFinite(afterS) && afterS > 0
      ? `GitHub's rate limit was hit (${what}); GitHub asks to wait ${afterS} s, and the job waits ${rateLimitWaitWords(afterS)} without using up its retries.`
      : resetAt && asked !== undefined
        ? `GitHub's rate limit is spent (${what}); it resets at ${resetAt}, and the job waits until then without using up its retries.`
        : resetAt
          ? `GitHub's rate limit is spent (${what}); its reset time (${resetAt}) has already passed by this host's clock (it and GitHub's differ), and the job waits at least ${minS} s without using up its retries.`
          : `GitHub's rate limit was hit (${what}); GitHub names no time, and the job waits at least ${minS} s without using up its retries.`;
  return new AppError(GITHUB_RATE_LIMITED, message, { retryable: true, cause: err, retryAfterMs, details: { status, ...(resetAt ? { resetAt } : {}) } });
}

/**
 * Octokit's error behind `err`. The adapters turn it into AppErrors (http_503, ...) that keep it as their
 * cause: the answer is read from that, the message kept from the AppError (it says what the call was doing).
 */
function answerOf(err: unknown): { status?: unknown; response?: unknown } | undefined {
  return (err instanceof AppError ? (err.code.startsWith("http_") ? err.cause : undefined) : err) as { status?: unknown; response?: unknown } | undefined;
}

/**
 * The same methods, each rejecting with `github_unavailable` where GitHub was down (see githubOutage), or
 * with `github_rate_limited` where its rate limit was hit (see githubRateLimit): both waits for the runner.
 */
export function outagesAsWaits<T extends object>(methods: T): T {
  const out = { ...methods } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(methods)) {
    if (typeof fn !== "function") continue;
    out[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        throw githubOutage(err) ?? githubRateLimit(err) ?? err;
      }
    };
  }
  return out as T;
}
