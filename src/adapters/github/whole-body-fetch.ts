/** Statuses whose Response may not carry a body. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The `fetch` Octokit is given: the body is read to its end before the response is handed over.
 * Octokit reads bodies itself and swallows a read that fails: a GitHub answer cut off mid-body (a reset,
 * a proxy timing out) became "" or a truncated string, so a job list read as "no jobs", a ref as a
 * TypeError, and a `.github/ci-bot.yml` saying `enabled: false` as `{}`, i.e. enabled. Read here, the cut
 * rejects the fetch, which Octokit retries and reports as a request without an answer (a GitHub outage).
 * Requests with `redirect: "manual"` are left streaming: the job-log download is the one, and it can be
 * large; its reader reports a cut itself (octokit-client.ts).
 */
export async function wholeBodyFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  if (init?.redirect === "manual" || res.body === null) return res;
  const body = await res.arrayBuffer();
  const whole = new Response(NO_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  // Octokit reports the URL it got the answer from (after redirects).
  Object.defineProperty(whole, "url", { value: res.url });
  return whole;
}
