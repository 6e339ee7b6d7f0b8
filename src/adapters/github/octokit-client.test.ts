import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { apiDraftChangeEvent, apiRef, apiReview, apiReviewComment, apiReviewDismissedEvent, apiUser, githubApiMock, githubOpenApi, type GitHubApiMock } from "../../../test/helpers/github-api.js";
import { acrossHeadCut, HEAD_CUT_KINDS, leakedPieces, SECRETS_CORPUS } from "../../../test/helpers/planted-secrets.js";
import { redact } from "../../core/redact.js";
import type { JobRepo } from "../../core/job.js";
import { createGitHubPort } from "./create-github-port.js";
import { capDiff } from "./octokit-client.js";
import { cloneUrl, githubUrls } from "./github-urls.js";

const repo: JobRepo = { id: 1, owner: "octo", name: "demo", fullName: "octo/demo" };
const TOKEN = "ghs_" + "T0kenForTests0123456789abcdefABCDEF";

function port(baseUrl = "https://api.github.com") {
  return createGitHubPort({
    octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, baseUrl, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog }),
  });
}
const noop = () => {};
const silentLog = { debug: noop, info: noop, warn: noop, error: noop };

const apiJob = (id: number, conclusion: string | null) => ({
  id, run_id: 10, run_url: "", node_id: "x", head_sha: "a".repeat(40), url: "", html_url: `https://github.com/octo/demo/actions/runs/10/job/${id}`,
  status: "completed", conclusion, started_at: "2026-11-23T10:00:00Z", completed_at: "2026-11-23T10:05:00Z", name: `job-${id}`,
  check_run_url: `https://api.github.com/repos/octo/demo/check-runs/${id + 1000}`, labels: [], runner_id: 1, runner_name: "r",
  runner_group_id: 1, runner_group_name: "g", workflow_name: "CI", head_branch: "main", run_attempt: 2, created_at: "2026-11-23T10:00:00Z",
  steps: [{ name: "Set up job", status: "completed", conclusion: "success", number: 1, started_at: "2026-11-23T10:00:00Z", completed_at: "2026-11-23T10:00:01Z" }],
});

let gh: GitHubApiMock;
beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

type Client = Awaited<ReturnType<ReturnType<typeof port>["forInstallation"]>>;

/** getRepoConfig refuses the config as a plain value, naming the file in `where`, having made every mocked read. */
async function expectPlainValue(client: Client, where: string): Promise<void> {
  const err = await client.getRepoConfig(repo).then(() => null, (e: unknown) => e);
  gh.done();
  expect(err).toMatchObject({ code: "repo_config_not_mapping" });
  expect((err as Error).message).toContain(`.github/ci-bot.yml in ${where} is a plain value`);
}

describe("GitHub adapter (read side)", () => {
  test("lists the jobs of the given attempt across pages", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/runs/10/attempts/2/jobs?per_page=100", {
      body: { total_count: 2, jobs: [apiJob(1, "failure")] },
      headers: { link: '<https://api.github.com/repos/octo/demo/actions/runs/10/attempts/2/jobs?per_page=100&page=2>; rel="next"' },
    }).on("GET", "/repos/octo/demo/actions/runs/10/attempts/2/jobs?per_page=100&page=2", {
      body: { total_count: 2, jobs: [apiJob(2, "success")] },
    });
    const client = await port().forInstallation(7);
    const jobs = await client.listRunJobs(repo, 10, 2);
    gh.done();
    expect(jobs.map((j) => [j.id, j.conclusion, j.checkRunId, j.runAttempt])).toEqual([[1, "failure", 1001, 2], [2, "success", 1002, 2]]);
    expect(jobs[0]!.steps[0]).toEqual({ number: 1, name: "Set up job", status: "completed", conclusion: "success", startedAt: "2026-11-23T10:00:00Z", completedAt: "2026-11-23T10:00:01Z" });
    expect(gh.requests[0]!.headers.authorization).toBe(`token ${TOKEN}`);
  });

  // The verdict on a fix commit is over all its runs: every page, whatever their status, each at its latest attempt.
  test("lists every workflow run of a commit across pages, at its latest attempt", async () => {
    const sha = "b".repeat(40);
    const apiRun = (id: number, path: string, status: string, conclusion: string | null, attempt: number) => ({
      id, name: path.includes("lint") ? "lint" : "tests", node_id: "n", head_branch: "ci-bot/fix-10", head_sha: sha, path, run_number: 1, run_attempt: attempt,
      event: "push", status, conclusion, workflow_id: 1, url: "u", html_url: `https://github.com/octo/demo/actions/runs/${id}`,
    });
    gh = await githubApiMock();
    gh.on("GET", `/repos/octo/demo/actions/runs?head_sha=${sha}&exclude_pull_requests=true&per_page=100`, {
      body: { total_count: 2, workflow_runs: [apiRun(21, ".github/workflows/lint.yml@ci-bot/fix-10", "in_progress", null, 1)] },
      headers: { link: `<https://api.github.com/repos/octo/demo/actions/runs?head_sha=${sha}&exclude_pull_requests=true&per_page=100&page=2>; rel="next"` },
    }).on("GET", `/repos/octo/demo/actions/runs?head_sha=${sha}&exclude_pull_requests=true&per_page=100&page=2`, {
      body: { total_count: 2, workflow_runs: [apiRun(20, ".github/workflows/tests.yml", "completed", "success", 2)] },
    });
    const client = await port().forInstallation(7);
    expect(await client.listCommitRuns(repo, sha)).toEqual([
      { id: 21, attempt: 1, workflow: ".github/workflows/lint.yml@ci-bot/fix-10", status: "in_progress", conclusion: null, htmlUrl: "https://github.com/octo/demo/actions/runs/21" },
      { id: 20, attempt: 2, workflow: ".github/workflows/tests.yml", status: "completed", conclusion: "success", htmlUrl: "https://github.com/octo/demo/actions/runs/20" },
    ]);
    gh.done();
  });

  test("a commit's runs refused for a missing permission say which one", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/runs", { status: 403, body: { message: "Resource not accessible by integration" } });
    const client = await port().forInstallation(7);
    await expect(client.listCommitRuns(repo, "b".repeat(40))).rejects.toMatchObject({ code: "http_403", retryable: false, message: expect.stringContaining("GitHub refused listing the workflow runs of bbbbbbb in octo/demo (HTTP 403): check that the app's installation on octo/demo has Actions: read") });
    gh.done();
  });

  // open-pull-request asks whether the failed workflow passed on the branch's newer head before opening a PR.
  test("lists the runs of one workflow on a branch at a commit, by the workflow's file name", async () => {
    const sha = "c".repeat(40);
    gh = await githubApiMock();
    gh.on("GET", `/repos/octo/demo/actions/workflows/tests.yml/runs?branch=feature%2Fslug&head_sha=${sha}&exclude_pull_requests=true&per_page=100`, {
      body: { total_count: 1, workflow_runs: [{ id: 30, name: "tests", node_id: "n", head_branch: "feature/slug", head_sha: sha, path: ".github/workflows/tests.yml", run_number: 2, run_attempt: 1, event: "push", status: "completed", conclusion: "success", workflow_id: 1, url: "u", html_url: "https://github.com/octo/demo/actions/runs/30" }] },
    });
    const client = await port().forInstallation(7);
    expect(await client.listBranchWorkflowRuns(repo, "tests.yml", "feature/slug", sha)).toEqual([
      { id: 30, attempt: 1, workflow: ".github/workflows/tests.yml", status: "completed", conclusion: "success", htmlUrl: "https://github.com/octo/demo/actions/runs/30" },
    ]);
    gh.done();
  });

  test("a workflow's runs GitHub will not list: a missing workflow is a 404, a missing permission is named", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/workflows/gone.yml/runs", { status: 404, body: { message: "Not Found" } })
      .on("GET", "/repos/octo/demo/actions/workflows/tests.yml/runs", { status: 403, body: { message: "Resource not accessible by integration" } });
    const client = await port().forInstallation(7);
    await expect(client.listBranchWorkflowRuns(repo, "gone.yml", "main", "c".repeat(40))).rejects.toMatchObject({ retryable: false });
    await expect(client.listBranchWorkflowRuns(repo, "tests.yml", "main", "c".repeat(40))).rejects.toMatchObject({ code: "http_403", retryable: false, message: expect.stringContaining("GitHub refused listing the runs of tests.yml on main at ccccccc in octo/demo (HTTP 403): check that the app's installation on octo/demo has Actions: read") });
    gh.done();
  });

  // Reconciliation reads the reviews of a fix PR whose pull_request_review webhooks never came.
  test("lists every review of a pull request across pages, with the commit each was submitted on", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/7/reviews?per_page=100", {
      body: [apiReview(31, "alice", "Use the lockfile's version instead.", "CHANGES_REQUESTED")],
      headers: { link: '<https://api.github.com/repos/octo/demo/pulls/7/reviews?per_page=100&page=2>; rel="next"' },
    }).on("GET", "/repos/octo/demo/pulls/7/reviews?per_page=100&page=2", { body: [apiReview(32, null, null, "APPROVED")] });
    const client = await port().forInstallation(7);
    expect(await client.listPullReviews(repo, 7)).toEqual([
      { id: 31, author: "alice", authorType: "User", body: "Use the lockfile's version instead.", state: "CHANGES_REQUESTED", commitId: "b".repeat(40) },
      { id: 32, body: "", state: "APPROVED", commitId: "b".repeat(40) },
    ]);
    gh.done();
  });

  test("lists every review comment of a pull request, with its file, line and the commit it was first written on", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/7/comments?per_page=100", { body: [{ ...apiReviewComment(41, "alice", "Not here.", 12), original_commit_id: "9".repeat(40) }, apiReviewComment(42, "bob", "Outdated.", null)] });
    const client = await port().forInstallation(7);
    expect(await client.listPullReviewComments(repo, 7)).toEqual([
      // The commit it was written on, not the one it has moved to with the diff.
      { id: 41, author: "alice", authorType: "User", body: "Not here.", path: "src/a.ts", line: 12, commitId: "9".repeat(40) },
      { id: 42, author: "bob", authorType: "User", body: "Outdated.", path: "src/a.ts", commitId: "b".repeat(40) },
    ]);
    gh.done();
  });

  // Reconciliation asks GitHub for a comment its paged list no longer has before taking it for deleted.
  test("one review comment: as listed; null when GitHub has none by that id (404); a refusal names the permission", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/comments/41", { body: apiReviewComment(41, "alice", "Not here.", 12) })
      .on("GET", "/repos/octo/demo/pulls/comments/42", { status: 404, body: { message: "Not Found" } })
      .on("GET", "/repos/octo/demo/pulls/comments/43", { status: 403, body: { message: "Resource not accessible by integration" } });
    const client = await port().forInstallation(7);
    expect(await client.getPullReviewComment(repo, 41)).toEqual({ id: 41, author: "alice", authorType: "User", body: "Not here.", path: "src/a.ts", line: 12, commitId: "b".repeat(40) });
    expect(await client.getPullReviewComment(repo, 42)).toBeNull();
    await expect(client.getPullReviewComment(repo, 43)).rejects.toMatchObject({ code: "http_403", retryable: false, message: expect.stringContaining("GitHub refused reading review comment 43 in octo/demo (HTTP 403): check that the app's installation on octo/demo has Pull requests: read") });
    gh.done();
  });

  // Reconciliation asks the timeline who dismissed a review it finds DISMISSED (the reviews list names no one);
  // watch-pr, whether people changed the PR's draft state before it marks the PR ready (their webhooks may be lost).
  test("lists who dismissed which review, and who marked the PR ready or turned it into a draft, from its timeline, across pages, skipping its other events", async () => {
    gh = await githubApiMock();
    const labeled = { id: 1, node_id: "e", url: "", actor: apiUser("carol"), event: "labeled", commit_id: null, commit_url: null, created_at: "2026-11-24T08:00:00Z", performed_via_github_app: null, label: { name: "bug", color: "f00" } };
    gh.on("GET", "/repos/octo/demo/issues/7/timeline?per_page=100", {
      body: [labeled, apiDraftChangeEvent("ready_for_review", "alice", "2026-11-24T08:30:00Z"), apiReviewDismissedEvent(31, "t0-ci-bot[bot]", "c".repeat(40))],
      headers: { link: '<https://api.github.com/repos/octo/demo/issues/7/timeline?per_page=100&page=2>; rel="next"' },
    }).on("GET", "/repos/octo/demo/issues/7/timeline?per_page=100&page=2", { body: [apiReviewDismissedEvent(32, "carol"), apiDraftChangeEvent("convert_to_draft", "mergify[bot]", "2026-11-24T11:00:00Z")] });
    const client = await port().forInstallation(7);
    expect(await client.listPrTimeline(repo, 7)).toEqual([
      { kind: "ready_for_review", by: "alice", byType: "User", at: "2026-11-24T08:30:00Z" },
      { kind: "review_dismissed", reviewId: 31, by: "t0-ci-bot[bot]" },
      { kind: "review_dismissed", reviewId: 32, by: "carol" },
      { kind: "converted_to_draft", by: "mergify[bot]", byType: "Bot", at: "2026-11-24T11:00:00Z" },
    ]);
    gh.done();
  });

  test("a pull request's timeline refused for a missing permission says which one", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/issues/7/timeline", { status: 403, body: { message: "Resource not accessible by integration" } });
    const client = await port().forInstallation(7);
    await expect(client.listPrTimeline(repo, 7)).rejects.toMatchObject({ code: "http_403", retryable: false, message: expect.stringContaining("GitHub refused reading the timeline of PR #7 in octo/demo (HTTP 403): check that the app's installation on octo/demo has Pull requests: read (or Issues: read)") });
    gh.done();
  });

  // check-repo-config asks whether a run's head_branch is a branch: a tag push's run names its tag there.
  test("a branch's head: its commit; null when there is no such branch (a tag's name, a deleted branch)", async () => {
    const notFound = { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/refs#get-a-reference", status: "404" } };
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/git/ref/heads%2Ffeature%2Fslug", { body: apiRef("feature/slug", "b".repeat(40)) })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fv1.4.0", notFound);
    const client = await port().forInstallation(7);
    expect(await client.getBranchHead(repo, "feature/slug")).toBe("b".repeat(40));
    expect(await client.getBranchHead(repo, "v1.4.0")).toBeNull();
    gh.done();
  });

  test("a branch's head GitHub will not give: a missing permission is permanent and named, a rate limit waits, an outage is a wait", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fmain", { status: 403, body: { message: "Resource not accessible by integration" } })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fmain", { status: 429, body: { message: "You have exceeded a secondary rate limit." }, headers: { "retry-after": "30" } })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fmain", { status: 503, body: { message: "Service Unavailable" } });
    const client = await port().forInstallation(7);
    await expect(client.getBranchHead(repo, "main")).rejects.toMatchObject({ code: "http_403", retryable: false, message: expect.stringContaining("GitHub refused reading branch main of octo/demo (HTTP 403): check that the app's installation on octo/demo has Contents: read") });
    await expect(client.getBranchHead(repo, "main")).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 30_000, details: { status: 429 } });
    await expect(client.getBranchHead(repo, "main")).rejects.toMatchObject({ code: "github_unavailable", retryable: true });
    gh.done();
  });

  test("a pull request's reviews refused for a missing permission say which one", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/7/reviews", { status: 403, body: { message: "Resource not accessible by integration" } });
    const client = await port().forInstallation(7);
    await expect(client.listPullReviews(repo, 7)).rejects.toMatchObject({ code: "http_403", retryable: false, message: expect.stringContaining("GitHub refused listing the reviews of PR #7 in octo/demo (HTTP 403): check that the app's installation on octo/demo has Pull requests: read") });
    gh.done();
  });

  test("follows the log redirect without sending the token to the storage host, and streams it", async () => {
    gh = await githubApiMock();
    const location = "https://results-receiver.actions.example.net/logs/job-1.txt?sig=abc&se=2026-11-23";
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location } });
    const storage = nock("https://results-receiver.actions.example.net", { badheaders: ["authorization"] })
      .get("/logs/job-1.txt").query({ sig: "abc", se: "2026-11-23" })
      .reply(200, "2026-11-23T10:00:00.0000000Z line one\n2026-11-23T10:00:01.0000000Z ##[error]Process completed with exit code 1.\n", { "content-type": "text/plain" });
    const client = await port().forInstallation(7);
    const chunks: Buffer[] = [];
    for await (const c of await client.downloadJobLog(repo, 1)) chunks.push(Buffer.from(c));
    gh.done();
    expect(storage.isDone()).toBe(true);
    expect(Buffer.concat(chunks).toString()).toContain("##[error]Process completed with exit code 1.");
  });

  // The 302 is asked for with redirect: manual and its body left streaming (whole-body-fetch.ts): unread,
  // it held its connection until garbage collection, one per log downloaded.
  test("the 302's body is let go once its location is read", async () => {
    const answers: Response[] = [];
    const recording = (url: string | URL | Request, init?: RequestInit) => fetch(url, init).then((r) => (answers.push(r), r));
    const octokit = new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog, request: { fetch: recording } });
    gh = await githubApiMock();
    const location = "https://results-receiver.actions.example.net/logs/job-1.txt?sig=abc";
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, body: "Found", headers: { location, "content-type": "text/plain" } });
    nock("https://results-receiver.actions.example.net").get("/logs/job-1.txt").query({ sig: "abc" }).reply(200, "line\n");
    const client = await createGitHubPort({ octokitFactory: () => octokit }).forInstallation(7);
    for await (const _ of await client.downloadJobLog(repo, 1));
    gh.done();
    expect(answers.map((r) => [r.status, r.bodyUsed])).toEqual([[302, true]]);
  });

  /** A client whose log downloads go through `fetch` recording each answer, to see its body let go. */
  const recordingClient = (answers: Response[]) =>
    createGitHubPort({
      octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog }),
      fetch: (url, init) => fetch(url, init).then((r) => (answers.push(r), r)),
    }).forInstallation(7);
  const SIGNED = "https://results-receiver.actions.example.net/logs/job-1.txt?sig=S1gnatureS3cret&se=2026-11-23";

  // The storage host's rate limit is a wait like GitHub's: counted as a retry (log_download_429), its
  // retry-after cut to RETRY_MAX_MS, a busy host failed healthy jobs and was asked again too soon.
  test.each([
    ["with retry-after: 300", { "retry-after": "300" }, 300_000, "the host asks to wait 300 s, and the job waits that long"],
    ["with no retry-after", {} as Record<string, string>, 60_000, "the host names no time, and the job waits at least 60 s"],
    // rateLimitDelay waits the minute at least: a 5 s retry-after was told as a 5 s wait.
    ["with retry-after: 5", { "retry-after": "5" }, 5_000, "the host asks to wait 5 s, and the job waits at least 60 s"],
  ])("the storage host's 429 %s is a rate-limit wait naming the host, its body let go", async (_, headers, ms, says) => {
    const answers: Response[] = [];
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location: SIGNED } });
    const storage = nock("https://results-receiver.actions.example.net").get("/logs/job-1.txt").query(true).reply(429, "<Error><Code>TooManyRequests</Code></Error>", { ...headers, "content-type": "application/xml" });
    const client = await recordingClient(answers);
    const err = await client.downloadJobLog(repo, 1).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: ms, details: { status: 429 } });
    expect(err!.message).toBe(`Downloading the log of job 1 of octo/demo from its storage host results-receiver.actions.example.net was rate-limited (HTTP 429); ${says} without using up its retries.`);
    gh.done();
    expect(storage.isDone()).toBe(true);
    expect(answers.map((r) => [r.status, r.bodyUsed])).toEqual([[429, true]]);
  });

  test("the storage host's 429 with retry-after as an HTTP date waits until that date", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location: SIGNED } });
    const until = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * 60_000);
    const storage = nock("https://results-receiver.actions.example.net").get("/logs/job-1.txt").query(true).reply(429, "", { "retry-after": until.toUTCString() });
    const client = await port().forInstallation(7);
    const err = await client.downloadJobLog(repo, 1).then(() => undefined, (e: Error & { retryAfterMs?: number }) => e);
    expect(err).toMatchObject({ code: "github_rate_limited", retryable: true, message: expect.stringMatching(/; the host asks to wait (59\d|600) s, and the job waits that long/) });
    // Up to the date, read against this host's clock a moment after the header was written.
    expect(err!.retryAfterMs).toBeGreaterThan(9 * 60_000);
    expect(err!.retryAfterMs).toBeLessThanOrEqual(10 * 60_000);
    gh.done();
    expect(storage.isDone()).toBe(true);
  });

  // The host down answered as GitHub down does: waited out with backoff, not counted against JOB_MAX_RETRIES.
  test.each([500, 502, 503, 504])("the storage host's %i is an outage wait naming the host, its retry-after kept", async (status) => {
    const answers: Response[] = [];
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location: SIGNED } });
    const storage = nock("https://results-receiver.actions.example.net").get("/logs/job-1.txt").query(true).reply(status, "<Error><Code>ServerBusy</Code></Error>", { "retry-after": "17", "content-type": "application/xml" });
    const client = await recordingClient(answers);
    const err = await client.downloadJobLog(repo, 1).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: "github_unavailable", retryable: true, retryAfterMs: 17_000, details: { status } });
    expect(err!.message).toBe(`Downloading the log of job 1 of octo/demo from its storage host results-receiver.actions.example.net failed with HTTP ${status}; the job waits and tries again with backoff.`);
    gh.done();
    expect(storage.isDone()).toBe(true);
    expect(answers.map((r) => [r.status, r.bodyUsed])).toEqual([[status, true]]);
  });

  test.each([
    [404, false],
    [410, false],
    [403, true], // the 1-minute URL expired: the retry asks GitHub for a fresh one
    [408, true],
  ])("the storage host's %i stays log_download_<status> (retryable: %s)", async (status, retryable) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location: SIGNED } });
    const storage = nock("https://results-receiver.actions.example.net").get("/logs/job-1.txt").query(true).reply(status, "<Error/>");
    const client = await port().forInstallation(7);
    await expect(client.downloadJobLog(repo, 1)).rejects.toMatchObject({ code: `log_download_${status}`, retryable });
    gh.done();
    expect(storage.isDone()).toBe(true);
  });

  test("a storage host that cannot be reached is an outage wait naming the host, not the signed URL", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const closedPort = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location: `http://127.0.0.1:${closedPort}/logs/job-1.txt?sig=S1gnatureS3cret` } });
    const client = await port().forInstallation(7);
    const err = await client.downloadJobLog(repo, 1).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: "github_unavailable", retryable: true });
    expect(err!.message).toMatch(new RegExp(`^Downloading the log of job 1 of octo/demo from its storage host 127\\.0\\.0\\.1:${closedPort} failed: it could not be reached \\(.*ECONNREFUSED.*\\); the job waits and tries again with backoff\\.$`));
    expect(err!.message).not.toContain("S1gnature");
    gh.done();
  });

  test("a log download cut off mid-stream is a retryable failure that says so, not an internal error", async () => {
    // A real socket: the storage host sends the headers and part of the body, then the connection drops.
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "100000" });
      res.write("2026-11-23T10:00:00.0000000Z line one\n".repeat(50), () => res.socket?.destroy());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      gh = await githubApiMock();
      const location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs/job-1.txt`;
      gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location } });
      const client = await port().forInstallation(7);
      let got = 0;
      const read = async () => {
        for await (const c of await client.downloadJobLog(repo, 1)) got += c.length;
      };
      await expect(read()).rejects.toMatchObject({ code: "log_download_interrupted", retryable: true, message: expect.stringMatching(/^Downloading the log of job 1 of octo\/demo was cut off after \d+ bytes \(.+\); will retry\.$/) });
      expect(got).toBeGreaterThan(0);
      gh.done();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  // Only Node's 300 s per stalled read bounded it: a storage host that stops answering held the job's worker.
  test.each([
    ["sends nothing at all", 0],
    ["stops sending mid-body", 50],
  ])("a log download whose storage host %s is dropped after GITHUB_REQUEST_TIMEOUT_MS without a byte, as a wait", async (_, lines) => {
    const hung: import("node:http").ServerResponse[] = [];
    const server = createServer((_req, res) => {
      hung.push(res);
      if (!lines) return;
      res.writeHead(200, { "content-type": "text/plain", "content-length": "100000" });
      res.write("2026-11-23T10:00:00.0000000Z line one\n".repeat(lines));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      gh = await githubApiMock();
      const location = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs/job-1.txt?sig=secret`;
      gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 302, headers: { location } });
      const client = await createGitHubPort({
        octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog }),
        requestTimeoutMs: 200,
      }).forInstallation(7);
      let got = 0;
      const read = async () => {
        for await (const c of await client.downloadJobLog(repo, 1)) got += c.length;
      };
      const err = await read().then(() => undefined, (e: Error) => e);
      expect(err).toMatchObject({ code: "github_unavailable", retryable: true, message: expect.stringMatching(/^GitHub did not answer GET 127\.0\.0\.1:\d+ \(the log of job 1\) within 0\.2 s/) });
      expect(err!.message).not.toContain("secret");
      expect(got).toBe(lines * "2026-11-23T10:00:00.0000000Z line one\n".length);
      gh.done();
    } finally {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  test("a refused read names the call and the repository, not only GitHub's words", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/runs/10/attempts/1/jobs?per_page=100", { status: 403, body: { message: "Resource not accessible by integration", documentation_url: "https://docs.github.com/rest/actions/workflow-jobs" } });
    const client = await port().forInstallation(7);
    await expect(client.listRunJobs(repo, 10, 1)).rejects.toMatchObject({
      code: "http_403",
      retryable: false,
      message: "GitHub refused listing the jobs of run 10 (attempt 1) of octo/demo (HTTP 403): check that the app's installation on octo/demo has Actions: read (an owner accepts a permission the app asks for in the installation's settings). (Resource not accessible by integration - https://docs.github.com/rest/actions/workflow-jobs)",
    });
    gh.done();
  });

  // An installation with Contents but not Actions still gets workflow_run (reference/github.md §1): its
  // jobs failed with GitHub's words alone, which do not say what to grant.
  test("a read refused for a missing permission says which one the installation lacks", async () => {
    const refused = { status: 403, body: { message: "Resource not accessible by integration" } };
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", refused)
      .on("GET", "/repos/octo/demo/contents/.github%2Fworkflows%2Fci.yml?ref=main", refused)
      .on("GET", "/repos/octo/demo/commits/" + "c".repeat(40), refused)
      .on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", refused);
    const client = await port().forInstallation(7);
    const needs = (permission: string) => ({ code: "http_403", retryable: false, message: expect.stringContaining(`(HTTP 403): check that the app's installation on octo/demo has ${permission}`) });
    await expect(client.downloadJobLog(repo, 1)).rejects.toMatchObject(needs("Actions: read"));
    await expect(client.getFileContent(repo, ".github/workflows/ci.yml", "main")).rejects.toMatchObject(needs("Contents: read"));
    await expect(client.getCommitDiff(repo, "c".repeat(40), 1000)).rejects.toMatchObject(needs("Contents: read"));
    await expect(client.getRepoConfig(repo)).rejects.toMatchObject(needs("Contents: read"));
    gh.done();
  });

  test("annotations: a missing Checks permission reads as none, a secondary rate limit is retried, not taken for it", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/check-runs/5/annotations?per_page=100", { status: 403, body: { message: "Resource not accessible by integration" } })
      .on("GET", "/repos/octo/demo/check-runs/6/annotations?per_page=100", { status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }, headers: { "retry-after": "60" } });
    const client = await port().forInstallation(7);
    expect(await client.listAnnotations(repo, 5)).toEqual([]);
    await expect(client.listAnnotations(repo, 6)).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000, details: { status: 403 }, message: expect.stringMatching(/^GitHub's rate limit was hit \(GitHub failed reading the annotations of check run 6 of octo\/demo: You have exceeded a secondary rate limit.*\); GitHub asks to wait 60 s/) });
    gh.done();
  });

  // GitHub's rate-limit docs: with neither retry-after nor a spent primary limit, wait at least a minute.
  // Retried after the runner's first backoffs (5 s, 10 s, 20 s), the job asked three times inside the
  // penalty, which GitHub may answer by banning the app, and used up its retries.
  test("a secondary rate limit without retry-after waits at least a minute before the retry", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." } })
      .on("POST", "/repos/octo/demo/git/trees", { status: 429, body: { message: "You have exceeded a secondary rate limit and have been temporarily blocked from content creation." } });
    const client = await port().forInstallation(7);
    await expect(client.downloadJobLog(repo, 1)).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000 });
    await expect(client.writes!.createTree(repo, "a".repeat(40), [{ path: "x.ts", content: "x" }])).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000 });
    gh.done();
  });

  test("an expired log is a permanent error that says what to do", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/jobs/1/logs", { status: 410, body: { message: "Gone" } });
    const client = await port().forInstallation(7);
    await expect(client.downloadJobLog(repo, 1)).rejects.toMatchObject({ code: "log_expired", retryable: false, message: expect.stringMatching(/re-run/) });
    gh.done();
  });

  test("reads .github/ci-bot.yml, falling back to the org .github repository, or null", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { status: 404, body: { message: "Not Found" } })
      .on("GET", "/repos/octo/.github/contents/.github%2Fci-bot.yml", { body: "enabled: false\nlabels: [bot]\n", headers: { "content-type": "text/plain; charset=utf-8" } });
    const client = await port().forInstallation(7);
    expect(await client.getRepoConfig(repo)).toEqual({ enabled: false, labels: ["bot"] });
    gh.done();

    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { status: 404, body: { message: "Not Found" } })
      .on("GET", "/repos/octo/.github/contents/.github%2Fci-bot.yml", { status: 404, body: { message: "Not Found" } });
    expect(await client.getRepoConfig(repo)).toBeNull();
    gh.done();
  });

  // Probot's loader would hand a list over merged into `{ "0": … }`, turn a number or `true` into `{}`, and
  // throw on a string: none of them may come back as a (default, enabled) config.
  test.each([
    ["- enabled: false\n", "a list"],
    ["42\n", "a plain value"],
    ["true\n", "a plain value"],
    ["off\n", "a plain value"],
  ])(".github/ci-bot.yml that is not a mapping (%j) is refused as repo_config_not_mapping", async (yml, kind) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { body: yml, headers: { "content-type": "text/plain; charset=utf-8" } });
    const client = await port().forInstallation(7);
    const err = await client.getRepoConfig(repo).then(() => null, (e: unknown) => e);
    gh.done();
    expect(err).toMatchObject({ code: "repo_config_not_mapping", retryable: false });
    expect((err as Error).message).toContain(`.github/ci-bot.yml in octo/demo is ${kind}`);
  });

  // Probot's loader reads `false`, `0`, `null`, `~` and `""` as `{}` (`yaml.parse(data) || {}`), like an empty
  // file: a file that says `false` would run the bot with every default. It is a plain value, refused as one.
  test.each([["false\n"], ["0\n"], ["null\n"], ["~\n"], ['""\n'], ["# off\nfalse # for now\n"]])(
    ".github/ci-bot.yml whose whole value is a falsy scalar (%j) is refused as repo_config_not_mapping, not read as empty",
    async (yml) => {
      gh = await githubApiMock();
      gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { body: yml, headers: { "content-type": "text/plain; charset=utf-8" } }, { times: 2 });
      const client = await port().forInstallation(7);
      const err = await client.getRepoConfig(repo).then((c: unknown) => c, (e: unknown) => e);
      expect(err).toMatchObject({ code: "repo_config_not_mapping", retryable: false });
      expect((err as Error).message).toContain(".github/ci-bot.yml in octo/demo is a plain value");
      gh.done();
    },
  );

  test.each([[""], ["# nothing to set yet\n"], ["---\n"], ["{}\n"]])(".github/ci-bot.yml that is empty or only comments (%j) means the defaults", async (yml) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { body: yml, headers: { "content-type": "text/plain; charset=utf-8" } }, { times: 2 });
    const client = await port().forInstallation(7);
    expect(await client.getRepoConfig(repo)).toEqual({});
    gh.done();
  });

  test("a file deleted between the loader's read and the second one is absent, not a failed job", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { body: "false\n", headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { status: 404, body: { message: "Not Found" } });
    const client = await port().forInstallation(7);
    expect(await client.getRepoConfig(repo)).toEqual({});
    gh.done();
  });

  test("an org .github file that is `false` is refused, naming that file", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { status: 404, body: { message: "Not Found" } })
      .on("GET", "/repos/octo/.github/contents/.github%2Fci-bot.yml", { body: "false\n", headers: { "content-type": "text/plain; charset=utf-8" } }, { times: 2 });
    await expectPlainValue(await port().forInstallation(7), "octo/.github");
  });

  // The plugin deletes `_extends` from the file that named it: that file reads `{}` but is a mapping, and
  // only the file the chain ends with is read twice (when it reads `{}`).
  test("_extends is followed; a file holding only `_extends:` is not read again, an extended file that is `0` is refused", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { body: "_extends: shared\n", headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/shared/contents/.github%2Fci-bot.yml", { body: "enabled: false\n", headers: { "content-type": "text/plain; charset=utf-8" } });
    const client = await port().forInstallation(7);
    expect(await client.getRepoConfig(repo)).toEqual({ enabled: false });
    gh.done();

    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", { body: "_extends: shared\nlabels: [x]\n", headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/shared/contents/.github%2Fci-bot.yml", { body: "0\n", headers: { "content-type": "text/plain; charset=utf-8" } }, { times: 2 });
    await expectPlainValue(client, "octo/shared");
  });

  // GitHub answers a directory (or a submodule) at the path with JSON; Probot's loader throws "… Ignoring.".
  test(".github/ci-bot.yml that is a directory is refused as repo_config_not_a_file, not an internal error", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fci-bot.yml", {
      body: [{ type: "file", name: "settings.yml", path: ".github/ci-bot.yml/settings.yml", sha: "e".repeat(40), size: 14 }],
    });
    const client = await port().forInstallation(7);
    const err = await client.getRepoConfig(repo).then(() => null, (e: unknown) => e);
    gh.done();
    expect(err).toMatchObject({ code: "repo_config_not_a_file", retryable: false });
    expect((err as Error).message).toMatch(/^\.github\/ci-bot\.yml in octo\/demo is a directory or a submodule, not a file.*stays off/);
  });

  test("raw file content at a ref, null when missing; the installation token", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fworkflows%2Fci.yml?ref=" + "b".repeat(40), { body: "on: push\n", headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/demo/contents/missing.txt?ref=main", { status: 404, body: { message: "Not Found" } });
    const client = await port().forInstallation(7);
    expect(await client.getFileContent(repo, ".github/workflows/ci.yml", "b".repeat(40))).toBe("on: push\n");
    expect(await client.getFileContent(repo, "missing.txt", "main")).toBeNull();
    expect(await client.installationToken()).toBe(TOKEN);
    gh.done();
    expect(gh.requests[0]!.headers.accept).toMatch(/application\/vnd\.github(\.v3)?\.raw/);
  });

  // A file at a head commit can be anything up to GitHub's limits: with a cap it is never held whole.
  test("raw file content over maxBytes is refused as file_too_large, declared length or not", async () => {
    const big = "x: " + "y".repeat(5000) + "\n";
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/contents/.github%2Fworkflows%2Fci.yml?ref=main", { body: big, headers: { "content-type": "text/plain; charset=utf-8", "content-length": String(big.length) } })
      .on("GET", "/repos/octo/demo/contents/.github%2Fworkflows%2Fci.yml?ref=dev", { body: big, headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/demo/contents/.github%2Fworkflows%2Fci.yml?ref=small", { body: "on: push\n", headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/demo/contents/.github%2Fworkflows?ref=main", { body: [{ type: "file", name: "ci.yml", path: ".github/workflows/ci.yml", size: 9 }] });
    const client = await port().forInstallation(7);
    for (const ref of ["main", "dev"]) {
      await expect(client.getFileContent(repo, ".github/workflows/ci.yml", ref, 1024)).rejects.toMatchObject({ code: "file_too_large", retryable: false, details: { maxBytes: 1024 } });
    }
    expect(await client.getFileContent(repo, ".github/workflows/ci.yml", "small", 1024)).toBe("on: push\n");
    expect(await client.getFileContent(repo, ".github/workflows", "main", 1024)).toBeNull(); // a directory listing
    gh.done();
  });

  test("annotations of a check run, mapped to path and lines", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/check-runs/1001/annotations?per_page=100", {
      body: [{ path: "src/a.ts", start_line: 3, end_line: 3, start_column: null, end_column: null, annotation_level: "failure", title: "TS2304", message: "Cannot find name 'x'.", raw_details: null, blob_href: "" }],
    });
    const client = await port().forInstallation(7);
    expect(await client.listAnnotations(repo, 1001)).toEqual([{ path: "src/a.ts", startLine: 3, endLine: 3, level: "failure", title: "TS2304", message: "Cannot find name 'x'." }]);
    gh.done();
  });

  test("the head commit's diff, capped on file boundaries; null when GitHub refuses a huge diff", async () => {
    const diff = ["a", "b", "c"].map((f) => `diff --git a/${f} b/${f}\n--- a/${f}\n+++ b/${f}\n@@ -1 +1 @@\n-old\n+${"x".repeat(100)}\n`).join("");
    gh = await githubApiMock({ baseUrl: "https://ghe.example.com/api/v3" });
    gh.on("GET", "/repos/octo/demo/commits/" + "c".repeat(40), { body: diff, headers: { "content-type": "text/plain; charset=utf-8" } })
      .on("GET", "/repos/octo/demo/commits/" + "d".repeat(40), { status: 422, body: { message: "diff too large" } });
    const client = await port("https://ghe.example.com/api/v3").forInstallation(7);
    const capped = await client.getCommitDiff(repo, "c".repeat(40), 300);
    expect(capped).toContain("diff --git a/a b/a");
    expect(capped).not.toContain("diff --git a/c b/c");
    expect(capped).toMatch(/diff cut: 2 file section/);
    expect(await client.getCommitDiff(repo, "d".repeat(40), 300)).toBeNull();
    gh.done();
    expect(gh.requests[0]!.headers.accept).toMatch(/diff/);
  });

  test("the harness rejects a request GitHub's API would not accept", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/runs/10/jobz", { body: {} });
    const octokit = new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog });
    await octokit.request("GET /repos/octo/demo/actions/runs/10/jobz");
    expect(() => gh.done()).toThrow(/not an operation/);
  });

  test("the harness validates request bodies: a wrong tree mode is caught, a right one passes", async () => {
    const octokit = new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog });
    const tree = (mode: string) => ({ owner: "octo", repo: "demo", base_tree: "a".repeat(40), tree: [{ path: "x.ts", mode: mode as "100644", type: "blob" as const, content: "x" }] });
    gh = await githubApiMock();
    gh.on("POST", "/repos/octo/demo/git/trees", { status: 201, body: "example" });
    await octokit.request("POST /repos/{owner}/{repo}/git/trees", tree("100644"));
    gh.done();
    expect(gh.requests[0]!.body).toMatchObject({ tree: [{ mode: "100644" }] });
    gh.cleanup();
    gh = await githubApiMock();
    gh.on("POST", "/repos/octo/demo/git/trees", { status: 201, body: "example" });
    await octokit.request("POST /repos/{owner}/{repo}/git/trees", tree("100645"));
    expect(() => gh.done()).toThrow(/mode/);
  });

  test("the harness fails on unused mocks and on bad query values", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/runs/10/jobs", { body: { total_count: 0, jobs: [] } });
    const octokit = new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog });
    await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", { owner: "octo", repo: "demo", run_id: 10, filter: "newest" as "latest" });
    expect(() => gh.done()).toThrow(/filter/);
    gh.cleanup();
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/actions/runs/10/jobs", { body: {} });
    expect(() => gh.done()).toThrow(/never came/);
  });
});

describe("URLs", () => {
  test("github.com, GHE and a clone host override", () => {
    expect(githubUrls({})).toEqual({ apiBaseUrl: "https://api.github.com", gitBaseUrl: "https://github.com" });
    expect(githubUrls({ GHE_HOST: "ghe.corp.example" })).toEqual({ apiBaseUrl: "https://ghe.corp.example/api/v3", gitBaseUrl: "https://ghe.corp.example" });
    expect(githubUrls({ GIT_BASE_URL: "http://127.0.0.1:9000/" }).gitBaseUrl).toBe("http://127.0.0.1:9000");
    expect(cloneUrl("https://github.com", repo)).toBe("https://github.com/octo/demo.git");
  });

  test("capDiff keeps short diffs as they are", () => {
    expect(capDiff("diff --git a/x b/x\n", 1000)).toBe("diff --git a/x b/x\n");
  });

  // The diff is redacted with the context, after this cut: a secret across it was seen by its head only.
  test("capDiff redacts a file section too big for the cap before cutting it", () => {
    const max = 4096;
    const cases = SECRETS_CORPUS.filter((c) => (HEAD_CUT_KINDS as readonly string[]).includes(c.kind));
    for (const c of cases) {
      const head = "diff --git a/app.min.js b/app.min.js\n+++ b/app.min.js\n@@ -0,0 +1 @@\n+var cfg=";
      const diff = `${acrossHeadCut(c, max - 64, head)}${";x=1".repeat(2000)}\n`;
      const out = capDiff(diff, max);
      expect([c.kind, leakedPieces(redact(out), c.secret)]).toEqual([c.kind, []]);
      expect(out.startsWith(head)).toBe(true);
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max + 16);
    }
  });
});
