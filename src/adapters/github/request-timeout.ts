import type { Clock } from "../../core/ports/clock.js";
import { systemClock } from "../clock/system-clock.js";

type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A GitHub request that got no (whole) answer in time. Named AbortError on purpose: Octokit passes an
 * aborted fetch through as it is (status 500, no response), and its retry plugin only retries errors that
 * carry their request, so a hung GitHub holds the worker (and the installation's write lane) for one
 * timeout, not one per retry; github-outage.ts turns it into the wait the runner backs off from.
 */
export class GitHubRequestTimeout extends Error {
  override readonly name = "AbortError";
  readonly code = "github_request_timeout";
  readonly retryable = true;

  constructor(readonly what: string, readonly timeoutMs: number) {
    super(`GitHub did not answer ${what} within ${timeoutMs / 1000} s`);
  }
}

/** Anywhere in `err`'s cause chain (the adapters wrap what Octokit throws). */
export function findRequestTimeout(err: unknown): GitHubRequestTimeout | undefined {
  let e = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof GitHubRequestTimeout) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * `inner` with a time limit on each request: the answer must be in (what `inner` awaits: the whole body
 * for wholeBodyFetch, the headers for a streamed request) within `timeoutMs`, or the request is aborted
 * and rejects with GitHubRequestTimeout. Without it only Node's 300 s defaults applied, per stalled read.
 * The caller's own signal still aborts with its own reason.
 */
export function withRequestTimeout(inner: Fetch, opts: { timeoutMs: number; clock?: Pick<Clock, "setTimeout"> }): Fetch {
  const clock = opts.clock ?? systemClock();
  return async (input, init) => {
    const controller = new AbortController();
    const timedOut = new Promise<never>((_, reject) => {
      controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
    });
    // Handled by the race below; a rejection that loses it must not be reported as unhandled.
    timedOut.catch(() => {});
    const timer = clock.setTimeout(() => controller.abort(new GitHubRequestTimeout(describe(input, init), opts.timeoutMs)), opts.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    try {
      // Raced as well as signalled: a fetch that ignores its signal still lets go of the worker.
      return await Promise.race([inner(input, { ...init, signal }), timedOut]);
    } finally {
      timer.cancel();
    }
  };
}

/** `GET host/path`, without the query: a storage URL's query is its signature. */
function describe(input: string | URL | Request, init: RequestInit | undefined): string {
  const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const method = init?.method ?? (typeof input === "object" && "method" in input ? input.method : "GET");
  try {
    const u = new URL(raw);
    return `${method} ${u.host}${u.pathname}`;
  } catch {
    return method;
  }
}
