import { AppError } from "../../core/errors.js";
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
  // The adapters turn Octokit's errors into AppErrors (http_503, ...) that keep the original as their cause;
  // the answer is read from that, the message kept from the AppError (it says what the call was doing).
  const octokitError = err instanceof AppError ? (err.code.startsWith("http_") ? err.cause : undefined) : err;
  const e = octokitError as { status?: unknown; response?: unknown } | undefined;
  const status = typeof e?.status === "number" ? e.status : undefined;
  if (status === undefined) return undefined;
  const unanswered = status === 500 && e!.response === undefined;
  if (!unanswered && !OUTAGE_STATUSES.has(status)) return undefined;
  const what = unanswered ? "GitHub could not be reached" : `GitHub answered HTTP ${status}`;
  return new AppError("github_unavailable", `${what} (${(err as Error).message}); the job waits and tries again with backoff.`, { retryable: true, cause: err, details: { status } });
}

/** The same methods, each rejecting with `github_unavailable` where GitHub was down (see githubOutage). */
export function outagesAsWaits<T extends object>(methods: T): T {
  const out = { ...methods } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(methods)) {
    if (typeof fn !== "function") continue;
    out[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => unknown)(...args);
      } catch (err) {
        throw githubOutage(err) ?? err;
      }
    };
  }
  return out as T;
}
