import { describe, expect, test } from "@jest/globals";
import { AppError } from "../../core/errors.js";
import { githubOutage, outagesAsWaits } from "./github-outage.js";

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
    ["429 (rate limits keep their Retry-After handling)", requestError(429, "rate limited", true)],
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
