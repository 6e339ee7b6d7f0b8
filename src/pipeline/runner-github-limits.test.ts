import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { createGitHubPort } from "../adapters/github/create-github-port.js";
import { outagesAsWaits } from "../adapters/github/github-outage.js";
import { eventually } from "../../test/helpers/eventually.js";
import { githubApiMock, githubOpenApi, type GitHubApiMock } from "../../test/helpers/github-api.js";
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

describe("Runner: the job log's storage host rate-limiting is waited out too", () => {
  let gh: GitHubApiMock | undefined;
  beforeAll(async () => void (await githubOpenApi()));
  afterEach(() => {
    gh?.cleanup();
    nock.cleanAll();
  });

  // Counted as a retry (log_download_429) with its retry-after cut to RETRY_MAX_MS, a busy storage host was
  // asked again within a minute and failed the job once JOB_MAX_RETRIES were spent.
  test("a 429 with retry-after: 300 from the storage host waits ~300 s, spends no retry, then the log is downloaded", async () => {
    const repo = { id: 1, owner: "octo", name: "demo", fullName: "octo/demo" };
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location: "https://results-receiver.actions.example.net/logs/job-1.txt?sig=S1gnatureS3cret" } }, { times: 2 });
    const storage = nock("https://results-receiver.actions.example.net", { badheaders: ["authorization"] })
      .get("/logs/job-1.txt").query({ sig: "S1gnatureS3cret" }).reply(429, "Too Many Requests", { "retry-after": "300" })
      .get("/logs/job-1.txt").query({ sig: "S1gnatureS3cret" }).reply(200, "2026-11-23T10:00:00.0000000Z line one\n");
    // The port is made once the harness gives its clock, which the download's stall watch keeps time by.
    let github: ReturnType<typeof createGitHubPort> | undefined;
    const stage: Stage = {
      name: "fetch-logs", state: "analysis", sideEffects: false,
      run: async () => {
        let bytes = 0;
        for await (const c of await (await github!.forInstallation(7)).downloadJobLog(repo, 1)) bytes += c.length;
        return { result: bytes };
      },
    };
    const s = runnerHarness([stage], { JOB_MAX_RETRIES: "0" });
    github = createGitHubPort({
      octokitFactory: () => new ProbotOctokit({ auth: { token: "ghs_" + "T0kenForTests0123456789abcdefABCDEF" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug() {}, info() {}, warn() {}, error() {} } }),
      clock: s.clock,
    });
    const { logger, lines } = recordingLogger();
    s.deps.logger = logger;
    const job = await s.add();
    await s.start();
    // The download is real I/O (nock): waited for, the fake clock standing still meanwhile.
    const read = async () => (await s.store.getJob(job.id))!;
    let j = await eventually("the download's answer on the job", async () => ((await read()).error ? read() : undefined));
    expect(j.state).toBe("analysis");
    expect(j.error).toMatchObject({ code: "github_rate_limited", retryable: true, details: { status: 429 }, message: expect.stringContaining("from its storage host results-receiver.actions.example.net was rate-limited (HTTP 429); the host asks to wait 300 s") });
    expect(j.attempts.byStage["fetch-logs"]).toBe(0);
    expect(j.attempts.waits).toBe(1);
    // The host's 300 s plus a spread of a tenth at most; not RETRY_MAX_MS (60 s here).
    const wait = Date.parse(j.nextAttemptAt!) - s.clock.now();
    expect(wait).toBeGreaterThanOrEqual(300_000);
    expect(wait).toBeLessThanOrEqual(330_000);
    // The signed URL's query is a credential: neither stored nor logged.
    expect(JSON.stringify(j)).not.toContain("S1gnature");
    expect(JSON.stringify(lines)).not.toContain("S1gnature");
    await s.clock.advance(wait - 1);
    expect(gh.requests).toHaveLength(1);
    await s.clock.advance(1);
    j = await eventually("the job to end", async () => ((await read()).state === "analysis" ? undefined : read()));
    expect(j.state).toBe("completed");
    expect(j.results["fetch-logs"]).toBe("2026-11-23T10:00:00.0000000Z line one\n".length);
    expect(j.error).toBeUndefined();
    gh.done();
    expect(storage.isDone()).toBe(true);
    expect(await s.deps.metrics.registry.metrics()).toContain('t0_stage_waits_total{stage="fetch-logs",code="github_rate_limited"} 1');
  });
});
