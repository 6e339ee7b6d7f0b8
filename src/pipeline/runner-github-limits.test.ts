import { describe, expect, test } from "@jest/globals";
import { outagesAsWaits } from "../adapters/github/github-outage.js";
import { recordingLogger } from "../../test/helpers/recording-logger.js";
import { runnerHarness } from "../../test/helpers/runner-harness.js";
import type { Stage } from "./stage.js";

const MIN = 60_000;

/** Octokit's RequestError for an answer GitHub gave, with its headers. */
const answered = (status: number, message: string, headers: Record<string, string>) =>
  Object.assign(new Error(message), { name: "HttpError", status, request: { method: "GET", url: "https://api.github.com/x", headers: {} }, response: { status, url: "", headers, data: {} } });

/** GitHub's primary limit, spent until `minutes` from now (GitHub's clock: the real one, as the adapter reads it). */
const primaryLimit = (minutes: number) => () =>
  answered(403, "API rate limit exceeded for installation ID 5.", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + minutes * 60) });

/**
 * A stage whose GitHub call goes through the port's edge (outagesAsWaits, as create-github-port wraps every
 * client) and is answered by `answers` in turn, then succeeds.
 */
function githubStage(answers: Array<() => Error>, opts: { always?: () => Error } = {}) {
  let calls = 0;
  const gh = outagesAsWaits({
    listJobs: async () => {
      const answer = answers[calls++] ?? opts.always;
      if (answer) throw answer();
      return ["job"];
    },
  });
  const stage: Stage = { name: "fetch-logs", state: "analysis", sideEffects: false, run: async () => ({ result: await gh.listJobs() }) };
  return { stage, calls: () => calls };
}

describe("Runner: GitHub's rate limits are waited out, not counted as retries", () => {
  test("a primary limit resetting in 40 min, met twice with JOB_MAX_RETRIES=1: the job waits until the reset each time, spends no retry, then completes", async () => {
    const gh = githubStage([primaryLimit(40), primaryLimit(40)]);
    const s = runnerHarness([gh.stage], { JOB_MAX_RETRIES: "1" });
    const { logger, lines } = recordingLogger();
    s.deps.logger = logger;
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    let j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("analysis");
    expect(j.error).toMatchObject({ code: "github_rate_limited", retryable: true, stage: "fetch-logs", details: { status: 403 }, message: expect.stringMatching(/resets at \d{4}-\d\d-\d\dT[\d:.]+Z, and the job waits until then/) });
    expect(j.attempts.byStage["fetch-logs"]).toBe(0);
    expect(j.attempts.waits).toBe(1);
    // Until the reset (whole seconds, and one past it for clock skew), plus a spread of at most a minute; not RETRY_MAX_MS (60 s here).
    const wait = Date.parse(j.nextAttemptAt!) - s.clock.now();
    expect(wait).toBeGreaterThanOrEqual(40 * MIN - 5_000);
    expect(wait).toBeLessThanOrEqual(40 * MIN + 2_000 + MIN);
    await s.clock.advance(wait - 1);
    expect(gh.calls()).toBe(1);
    await s.clock.advance(1);
    expect(gh.calls()).toBe(2);
    j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("analysis");
    expect(j.attempts.byStage["fetch-logs"]).toBe(0);
    await s.clock.advance(42 * MIN);
    j = (await s.store.getJob(job.id))!;
    expect(gh.calls()).toBe(3);
    expect(j.state).toBe("completed");
    expect(j.error).toBeUndefined();
    const text = await s.deps.metrics.registry.metrics();
    expect(text).toContain('t0_stage_waits_total{stage="fetch-logs",code="github_rate_limited"} 2');
    expect(text).not.toMatch(/t0_stage_retries_total\{[^}]*github_rate_limited/);
    // The log reads as a wait too, not as a failure backed off from.
    expect(lines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual(["waiting: the job tries again later, without using up its retries", "waiting: the job tries again later, without using up its retries"]);
  });

  test.each([
    ["a secondary limit with retry-after: 120", () => answered(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", { "retry-after": "120" }), 120_000],
    ["a 429 with no headers", () => answered(429, "Too Many Requests", {}), 60_000],
  ])("%s waits that long (plus a spread of a tenth at most), spending no retry", async (_, limit, ms) => {
    const gh = githubStage([limit, limit]);
    const s = runnerHarness([gh.stage], { JOB_MAX_RETRIES: "1" });
    const job = await s.add();
    await s.start();
    await s.clock.advance(0);
    let j = (await s.store.getJob(job.id))!;
    expect(j.error).toMatchObject({ code: "github_rate_limited", retryable: true });
    const wait = Date.parse(j.nextAttemptAt!) - s.clock.now();
    expect(wait).toBeGreaterThanOrEqual(ms);
    expect(wait).toBeLessThanOrEqual(ms * 1.1);
    expect(j.attempts.byStage["fetch-logs"]).toBe(0);
    await s.clock.advance(10 * MIN);
    j = (await s.store.getJob(job.id))!;
    expect(gh.calls()).toBe(3);
    expect(j.state).toBe("completed");
  });

  test("a 403 that refuses a permission (budget left) fails the job at once, as it did", async () => {
    const gh = githubStage([], { always: () => answered(403, "Resource not accessible by integration", { "x-ratelimit-remaining": "4999" }) });
    const s = runnerHarness([gh.stage]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10 * MIN);
    const j = (await s.store.getJob(job.id))!;
    expect(gh.calls()).toBe(1);
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "http_403", retryable: false, message: "Resource not accessible by integration" });
  });

  test("a limit still met after WAIT_MAX_HOURS fails the job with the reason, as an outage does", async () => {
    const gh = githubStage([], { always: () => answered(429, "Too Many Requests", { "retry-after": "1800" }) });
    const s = runnerHarness([gh.stage], { WAIT_MAX_HOURS: "1" });
    const job = await s.add();
    await s.start();
    await s.clock.advance(50 * MIN);
    expect((await s.store.getJob(job.id))!.state).toBe("analysis");
    await s.clock.advance(90 * MIN);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(gh.calls()).toBe(3);
    expect(j.error).toMatchObject({ code: "github_rate_limited", message: expect.stringMatching(/longer than WAIT_MAX_HOURS=1; `t0-ci-bot jobs retry /) });
  });
});
