import { AppError, GITHUB_RATE_LIMITED, RATE_LIMIT_MIN_WAIT_MS, rateLimitWaitWords, toAppError, waitFor } from "../../core/errors.js";

/** Which download failed, for its message: the storage host by name only (the URL's path and query carry the signature). */
export interface LogDownload {
  jobId: number;
  repoFullName: string;
  host: string;
}

const what = (d: LogDownload) => `Downloading the log of job ${d.jobId} of ${d.repoFullName} from its storage host ${d.host}`;

/**
 * The storage host GitHub redirects a job log's download to, answering with an error. Its rate limit (429)
 * is the runner's wait `github_rate_limited`, for the host's Retry-After (seconds or an HTTP date) or the
 * minute GitHub asks for when none is given; its 5xx is the wait `github_unavailable`, as GitHub's are.
 * Counted as ordinary retries, with Retry-After cut to RETRY_MAX_MS, a busy or failing host used up
 * JOB_MAX_RETRIES and failed healthy jobs. Anything else keeps its `log_download_<status>`: a 404/410 (the
 * log gone) fails the job, a 403 (the 1-minute URL expired) or 408 is retried, which asks GitHub for a fresh URL.
 */
export function logDownloadFailure(status: number, headers: Record<string, string | undefined>, d: LogDownload, now = Date.now()): AppError {
  if (status === 429) {
    const asked = retryAfter(headers["retry-after"], now);
    const wait = asked === undefined ? `the host names no time, and the job waits at least ${RATE_LIMIT_MIN_WAIT_MS / 1000} s` : `the host asks to wait ${Math.ceil(asked / 1000)} s, and the job waits ${rateLimitWaitWords(Math.ceil(asked / 1000))}`;
    return new AppError(GITHUB_RATE_LIMITED, `${what(d)} was rate-limited (HTTP 429); ${wait} without using up its retries.`, { retryable: true, retryAfterMs: asked ?? RATE_LIMIT_MIN_WAIT_MS, details: { status } });
  }
  // Kept for the backoff, which RETRY_MAX_MS caps, as for GitHub's own 503.
  const retryAfterMs = waitFor(headers, "");
  if (status >= 500) {
    return new AppError("github_unavailable", `${what(d)} failed with HTTP ${status}; the job waits and tries again with backoff.`, { retryable: true, retryAfterMs, details: { status } });
  }
  const retryable = status === 408 || status === 403;
  return new AppError(`log_download_${status}`, `Downloading the log of job ${d.jobId} of ${d.repoFullName} from its storage host failed with HTTP ${status}${retryable ? "; will retry" : ""}.`, { retryable, retryAfterMs });
}

/**
 * The storage host not reached at all (DNS, refused, reset before an answer), as the wait
 * `github_unavailable`, as GitHub's API not reached is (githubOutage). Undefined for anything else.
 */
export function logHostUnreachable(err: unknown, d: LogDownload): AppError | undefined {
  const e = toAppError(err);
  if (e.code !== "network") return undefined;
  return new AppError("github_unavailable", `${what(d)} failed: it could not be reached (${e.message}); the job waits and tries again with backoff.`, { retryable: true, cause: err });
}

/** Retry-After in ms: delay-seconds, or an HTTP date (RFC 9110 allows both; GitHub's API sends seconds). */
function retryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || !value.trim()) return undefined;
  const s = Number(value);
  if (Number.isFinite(s)) return s > 0 ? s * 1000 : undefined;
  const at = Date.parse(value);
  return Number.isFinite(at) && at > now ? at - now : undefined;
}
