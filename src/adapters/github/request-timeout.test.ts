import { describe, expect, test } from "@jest/globals";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { AppError } from "../../core/errors.js";
import { githubOutage } from "./github-outage.js";
import { GitHubRequestTimeout, withRequestTimeout } from "./request-timeout.js";

/** A fetch that never answers and ignores its signal: the worst a hung connection can do. */
const neverAnswers = () => new Promise<Response>(() => {});

describe("withRequestTimeout", () => {
  test("a request that never gets an answer is dropped after the timeout, naming the request without its query", async () => {
    const clock = new FakeClock();
    let seen: AbortSignal | undefined;
    const fetch = withRequestTimeout(async (_, init) => ((seen = init?.signal ?? undefined), neverAnswers()), { timeoutMs: 30_000, clock });
    let outcome: unknown = "pending";
    const p = fetch("https://api.github.com/repos/o/r/contents/x?ref=abc", { method: "GET" }).then((r) => r, (e: unknown) => e);
    void p.then((o) => (outcome = o));
    await clock.advance(29_999);
    expect(outcome).toBe("pending");
    await clock.advance(1);
    expect(outcome).toBeInstanceOf(GitHubRequestTimeout);
    expect(outcome).toMatchObject({ name: "AbortError", code: "github_request_timeout", timeoutMs: 30_000, message: "GitHub did not answer GET api.github.com/repos/o/r/contents/x within 30 s" });
    // The connection is let go as well (undici aborts the socket on the signal).
    expect(seen?.aborted).toBe(true);
  });

  test("an answer in time is handed over and leaves no timer behind", async () => {
    const clock = new FakeClock();
    const fetch = withRequestTimeout(async () => new Response("ok"), { timeoutMs: 30_000, clock });
    expect(await (await fetch("https://api.github.com/x")).text()).toBe("ok");
    expect(clock.pending()).toEqual([]);
  });

  test("the caller's own abort keeps its reason", async () => {
    const clock = new FakeClock();
    const fetch = withRequestTimeout((_, init) => new Promise<Response>((_, reject) => init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason))), { timeoutMs: 30_000, clock });
    const stop = new AbortController();
    const p = fetch("https://api.github.com/x", { signal: stop.signal });
    stop.abort(new Error("job stopped"));
    await expect(p).rejects.toThrow("job stopped");
  });

  test("a timed-out request, raw or wrapped by an adapter, is a GitHub outage the runner waits out", () => {
    const timeout = Object.assign(new GitHubRequestTimeout("GET api.github.com/x", 30_000), { status: 500 });
    const wrapped = new AppError("http_500", "GitHub failed reading x: GitHub did not answer", { retryable: true, cause: timeout });
    for (const err of [timeout, wrapped]) {
      expect(githubOutage(err)).toMatchObject({ code: "github_unavailable", retryable: true, message: expect.stringMatching(/^GitHub did not answer GET api\.github\.com\/x within 30 s .*waits and tries again/) });
    }
  });
});
