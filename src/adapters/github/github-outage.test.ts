import { describe, expect, test } from "@jest/globals";
import { AppError } from "../../core/errors.js";
import { githubOutage, githubRateLimit, outagesAsWaits } from "./github-outage.js";

/** Shaped as Octokit's RequestError: `response` only when GitHub answered. */
const requestError = (status: number, message: string, answered: boolean) =>
  Object.assign(new Error(message), { name: "HttpError", status, request: { method: "GET", url: "https://api.github.com/x", headers: {} }, ...(answered ? { response: { status, url: "", headers: {}, data: {} } } : {}) });

describe("githubOutage", () => {
  test.each([
    ["no answer at all (DNS, refused, reset)", requestError(500, "getaddrinfo ENOTFOUND api.github.com", false)],
    ["502 Bad Gateway", requestError(502, "Server Error", true)],
    ["503 Service Unavailable", requestError(503, "Service Unavailable", true)],
    ["504 Gateway Timeout", requestError(504, "timeout", true)],
    ["an adapter's http_503 whose cause is GitHub's 503", new AppError("http_503", "GitHub failed opening the PR: Service Unavailable", { retryable: true, cause: requestError(503, "Service Unavailable", true) })],
  ])("%s is a wait (github_unavailable), retryable, naming what happened", (_, err) => {
    const out = githubOutage(err);
    expect(out).toMatchObject({ code: "github_unavailable", retryable: true, details: { status: expect.any(Number) } });
    expect(out!.message).toMatch(/GitHub (could not be reached|answered HTTP 50\d).*waits and tries again/);
    expect(out!.retryable).toBe(true);
  });

  test.each([
    ["a 500 GitHub answered (may be this request's fault)", requestError(500, "Internal Server Error", true)],
    ["404", requestError(404, "Not Found", true)],
    ["429 (a rate limit, a wait of its own: githubRateLimit)", requestError(429, "rate limited", true)],
    ["an AppError already decided", new AppError("github_write_forbidden", "no", { cause: requestError(503, "Service Unavailable", true) })],
    ["an error with no status", new Error("boom")],
  ])("%s keeps its own meaning", (_, err) => {
    expect(githubOutage(err)).toBeUndefined();
  });
});

test("a wrapped outage keeps the adapter's account of what the call was doing", () => {
  const wrapped = new AppError("http_503", "GitHub failed opening the PR: Service Unavailable", { retryable: true, cause: requestError(503, "Service Unavailable", true) });
  expect(githubOutage(wrapped)!.message).toBe("GitHub answered HTTP 503 (GitHub failed opening the PR: Service Unavailable); the job waits and tries again with backoff.");
});

test("outagesAsWaits: results pass through; an outage rejects as a wait, any other error as it was", async () => {
  const down = requestError(503, "Service Unavailable", true);
  const other = new AppError("run_not_found", "not visible");
  const client = outagesAsWaits({
    ok: async (n: number) => n + 1,
    down: async () => Promise.reject(down),
    other: async () => Promise.reject(other),
  });
  await expect(client.ok(1)).resolves.toBe(2);
  await expect(client.down()).rejects.toMatchObject({ code: "github_unavailable", cause: down });
  await expect(client.other()).rejects.toBe(other);
});

/** Octokit's RequestError for an answer GitHub gave, with its headers. */
const answered = (status: number, message: string, headers: Record<string, string>) =>
  Object.assign(new Error(message), { name: "HttpError", status, request: { method: "GET", url: "https://api.github.com/x", headers: {} }, response: { status, url: "", headers, data: {} } });

describe("githubRateLimit", () => {
  test("a spent primary limit is a wait (github_rate_limited) until its reset, which the message names", () => {
    const resetS = Math.ceil(Date.now() / 1000) + 40 * 60;
    const out = githubRateLimit(answered(403, "API rate limit exceeded for installation ID 5.", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetS) }));
    expect(out).toMatchObject({ code: "github_rate_limited", retryable: true, details: { status: 403 } });
    expect(out!.retryAfterMs).toBeGreaterThan(40 * 60_000 - 5_000);
    expect(out!.retryAfterMs).toBeLessThanOrEqual(40 * 60_000 + 2_000); // the reset is whole seconds, plus one for clock skew
    const resetAt = new Date(resetS * 1000).toISOString();
    expect(out!.message).toBe(`GitHub's rate limit is spent (API rate limit exceeded for installation ID 5.); it resets at ${resetAt}, and the job waits until then without using up its retries.`);
  });

  // This host's clock ahead of GitHub's: the job waits the minute, and named a reset already past as when
  // the limit "resets", waiting "until then".
  test("a spent primary limit whose reset this host's clock has passed waits the minute, and says so", () => {
    const resetS = Math.floor(Date.now() / 1000) - 5 * 60;
    const out = githubRateLimit(answered(403, "API rate limit exceeded for installation ID 5.", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetS) }));
    const resetAt = new Date(resetS * 1000).toISOString();
    expect(out).toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000, details: { status: 403, resetAt } });
    expect(out!.message).toBe(`GitHub's rate limit is spent (API rate limit exceeded for installation ID 5.); its reset time (${resetAt}) has already passed by this host's clock (it and GitHub's differ), and the job waits at least 60 s without using up its retries.`);
  });

  test("a secondary limit waits GitHub's retry-after; a 429 that names no time, the minute GitHub asks for", () => {
    const secondary = githubRateLimit(answered(403, "You have exceeded a secondary rate limit.", { "retry-after": "120" }));
    expect(secondary).toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 120_000, details: { status: 403 } });
    expect(secondary!.message).toBe("GitHub's rate limit was hit (You have exceeded a secondary rate limit.); GitHub asks to wait 120 s, and the job waits that long without using up its retries.");
    const bare = githubRateLimit(answered(429, "Too Many Requests", {}));
    expect(bare).toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000, details: { status: 429 } });
    expect(bare!.message).toBe("GitHub's rate limit was hit (Too Many Requests); GitHub names no time, and the job waits at least 60 s without using up its retries.");
  });

  // rateLimitDelay waits at least the minute whatever GitHub names: a retry-after of 5 s was told as a 5 s wait.
  test("a retry-after under the minute says the job waits the minute it really waits", () => {
    const out = githubRateLimit(answered(403, "You have exceeded a secondary rate limit.", { "retry-after": "5" }));
    expect(out).toMatchObject({ code: "github_rate_limited", retryAfterMs: 5_000 });
    expect(out!.message).toBe("GitHub's rate limit was hit (You have exceeded a secondary rate limit.); GitHub asks to wait 5 s, and the job waits at least 60 s without using up its retries.");
  });

  test("a retry-after over the hour says the job waits the hour rateLimitDelay caps it at", () => {
    const out = githubRateLimit(answered(403, "You have exceeded a secondary rate limit.", { "retry-after": "7200" }));
    expect(out!.message).toBe("GitHub's rate limit was hit (You have exceeded a secondary rate limit.); GitHub asks to wait 7200 s, and the job waits 3600 s (the most it waits at once) without using up its retries.");
  });

  test("an adapter's http_403 whose cause is a rate limit keeps the adapter's account of the call", () => {
    const cause = answered(403, "API rate limit exceeded for installation ID 5.", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + 600) });
    const wrapped = new AppError("http_403", "GitHub failed listing the jobs of run 7: API rate limit exceeded for installation ID 5.", { retryable: true, cause, details: { status: 403 }, retryAfterMs: 601_000 });
    const out = githubRateLimit(wrapped);
    expect(out).toMatchObject({ code: "github_rate_limited", retryable: true, details: { status: 403 }, cause: wrapped });
    expect(out!.message).toMatch(/^GitHub's rate limit is spent \(GitHub failed listing the jobs of run 7: API rate limit exceeded/);
  });

  test.each([
    ["a permission refusal (403 with budget left)", answered(403, "Resource not accessible by integration", { "x-ratelimit-remaining": "4999" })],
    ["an adapter's refusal of a 403", new AppError("http_403", "GitHub refused listing the runs (HTTP 403): check the installation", { retryable: false, details: { status: 403 }, cause: answered(403, "Resource not accessible by integration", {}) })],
    ["a write refused for good", new AppError("github_write_forbidden", "GitHub refused opening the PR (HTTP 403)", { details: { status: 403 } })],
    ["an outage", answered(503, "Service Unavailable", {})],
    ["an error with no status", new Error("boom")],
  ])("%s is not a rate limit", (_, err) => {
    expect(githubRateLimit(err)).toBeUndefined();
  });
});

test("outagesAsWaits: a rate limit rejects as a wait too; a permission refusal as it was", async () => {
  const limited = answered(429, "Too Many Requests", { "retry-after": "30" });
  const refused = answered(403, "Resource not accessible by integration", { "x-ratelimit-remaining": "4999" });
  const client = outagesAsWaits({ limited: async () => Promise.reject(limited), refused: async () => Promise.reject(refused) });
  await expect(client.limited()).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 30_000, cause: limited });
  await expect(client.refused()).rejects.toBe(refused);
});
