import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { createGitHubPort } from "../../src/adapters/github/create-github-port.js";
import { createTensorZeroModel } from "../../src/adapters/tensorzero/tensorzero-model.js";
import { createFsWorkspace, workspaceOptionsFromConfig } from "../../src/adapters/workspace/fs-workspace.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { startApp, type RunningApp } from "../../src/app.js";
import { silentLogger } from "../../src/core/logger.js";
import type { Job } from "../../src/core/job.js";
import { createLocalWritePacer } from "../../src/adapters/queue/write-pacer.js";
import { FakeTensorZero } from "../fakes/fake-tensorzero.js";
import { createRepo, startGitServer, type GitServer } from "../fakes/git-server.js";
import { apiRef, githubApiMock, githubOpenApi, type GitHubApiMock, type RecordedRequest } from "../helpers/github-api.js";
import { REPOS_DIR } from "../helpers/fixture-repo.js";
import { fixture, privateKey, sign, SECRET } from "../intake/harness.js";
import type { GitHubAppPort } from "../../src/core/ports/index.js";

/**
 * End to end: the real app (webhook HTTP server with real signatures, lowdb store, in-process queue and
 * runner, every real stage) against a local smart-HTTP git server holding a repo with a failing test,
 * GitHub's REST API mocked at the HTTP level (strict, every request validated against GitHub's OpenAPI
 * description) and the fake TensorZero gateway (loads the shipped tensorzero.toml) serving the fix.
 */
// Each test takes 2-5 s here (real clones, validation commands); room for a CI machine slowed 25x.
jest.setTimeout(150_000);

const TOKEN = "ghs_" + "E2eT0kenForTheFixRun0123456789abcdef";
const REPO = "octo-org/octo-repo";
const API = `/repos/${REPO}`;
const GH_JOB = 4242;
const STORAGE = "https://pipelines.actions.githubusercontent.com";
const FIX_DIFF = readFileSync(join(REPOS_DIR, "node-sum.fix.diff"), "utf8");
const WRONG_DIFF = readFileSync(join(REPOS_DIR, "node-sum.wrong.diff"), "utf8");
const FILES = ["package.json", "src/math.js", "test/math.test.js", ".github/workflows/ci.yml"];

let base: string;
let server: GitServer;
let headSha: string;
let gateway: FakeTensorZero;
let gh: GitHubApiMock;
let app: RunningApp | undefined;
let lastDir = "";

const log = [
  "\uFEFF2026-11-23T12:00:00.0000000Z Requested labels: ubuntu-latest",
  "2026-11-23T12:00:01.0000000Z ##[group]Run npm test",
  "2026-11-23T12:00:01.0000000Z \x1b[36;1mnpm test\x1b[0m",
  "2026-11-23T12:00:01.0000000Z shell: /usr/bin/bash -e {0}",
  "2026-11-23T12:00:01.0000000Z ##[endgroup]",
  "2026-11-23T12:00:02.0000000Z not ok 1 - sum adds",
  "2026-11-23T12:00:02.0000000Z   AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
  "2026-11-23T12:00:02.0000000Z   -1 !== 5",
  "2026-11-23T12:00:02.0000000Z       at TestContext.<anonymous> (file:///home/runner/work/octo-repo/test/math.test.js:6:10)",
  "2026-11-23T12:00:02.1000000Z ##[error]Process completed with exit code 1.",
  "2026-11-23T12:00:03.0000000Z Cleaning up orphan processes",
].join("\n") + "\n";

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-e2e-"));
  const files = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(REPOS_DIR, "node-sum", f), "utf8")]));
  headSha = (await createRepo(join(base, "repos"), REPO, [files], "master"))[0]!;
  server = await startGitServer({ root: join(base, "repos"), token: TOKEN });
  await githubOpenApi();
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

afterEach(async () => {
  await app?.stop({ drainMs: 2000 });
  app = undefined;
  await gateway?.stop();
  gh?.cleanup();
  nock.cleanAll();
});

async function start(env: Record<string, string> = {}, reuse?: { dir: string; gateway: FakeTensorZero }) {
  gateway = reuse?.gateway ?? (await FakeTensorZero.start());
  const dir = reuse?.dir ?? (await mkdtemp(join(base, "app-")));
  lastDir = dir;
  const config = (await import("../../src/config/app-config.js")).loadAppConfig({
    NODE_ENV: "test", APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, DATA_DIR: join(dir, "data"),
    WORKSPACE_ROOT: join(dir, "ws"), WORKSPACE_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0", GIT_BASE_URL: server.url, SANDBOX: "off",
    TENSORZERO_URL: gateway.url, T0_WORKERS: "1", REDELIVER_WINDOW_HOURS: "0", RETRY_BASE_MS: "50", RETRY_MAX_MS: "200", LOG_LEVEL: "silent", ...env,
  });
  const clock = systemClock();
  const github = createGitHubPort({
    octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug() {}, info() {}, warn() {}, error() {} } }),
    writePacer: createLocalWritePacer({ clock, minIntervalMs: 0 }),
  });
  // Short client backoff and breaker cool-down so an outage plays out in about a second.
  const model = createTensorZeroModel(config, { clock }, { backoff: { baseMs: 10, maxMs: 50 }, breaker: { threshold: 5, halfOpenAfterMs: 300 } });
  // The canned GitHub here serves installation calls; the app's own start-up check is answered beside it.
  const githubApp: GitHubAppPort = {
    registration: async () => ({ id: 1, slug: "t0-ci-bot", owner: undefined, permissions: { actions: "read", checks: "read", contents: "write", pull_requests: "write", metadata: "read" }, events: ["workflow_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_comment"] }),
    installations: async function* () {},
  };
  app = await startApp(config, { logger: silentLogger(), port: 0, host: "127.0.0.1", githubApp, overrides: { github, model, workspace: createFsWorkspace(workspaceOptionsFromConfig(config)) } });
  return app;
}

async function send(event: string, payload: unknown, id = `d-${Math.random().toString(36).slice(2)}`) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${app!.url}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": id, "x-hub-signature-256": sign(body) },
    body,
  });
  return res.status;
}

function failedRunPayload() {
  const p = fixture("workflow_run.completed");
  p.workflow_run.conclusion = "failure";
  p.workflow_run.head_sha = headSha;
  p.workflow_run.head_commit.id = headSha;
  p.workflow_run.path = ".github/workflows/ci.yml";
  p.workflow_run.pull_requests = [{ url: `https://api.github.com${API}/pulls/7`, id: 1, number: 7, head: { ref: "master", sha: headSha, repo: { id: p.repository.id, url: "u", name: "octo-repo" } }, base: { ref: "main", sha: headSha, repo: { id: p.repository.id, url: "u", name: "octo-repo" } } }];
  return p;
}

const apiJob = {
  id: GH_JOB, run_id: 289782451, run_url: "u", node_id: "J", head_sha: "", url: "u", html_url: "https://github.com/x/job", status: "completed",
  conclusion: "failure", started_at: "2026-11-23T12:00:00Z", completed_at: "2026-11-23T12:00:03Z", name: "test (node 20)",
  check_run_url: `https://api.github.com${API}/check-runs/${GH_JOB + 1}`, labels: ["ubuntu-latest"], runner_id: 1, runner_name: "r",
  runner_group_id: 1, runner_group_name: "g", workflow_name: "CI", head_branch: "master", run_attempt: 1, created_at: "2026-11-23T12:00:00Z",
  steps: [
    { number: 1, name: "Set up job", status: "completed", conclusion: "success", started_at: "2026-11-23T12:00:00Z", completed_at: "2026-11-23T12:00:01Z" },
    { number: 2, name: "Unit tests", status: "completed", conclusion: "failure", started_at: "2026-11-23T12:00:01Z", completed_at: "2026-11-23T12:00:03Z" },
  ],
};

/** What the read side asks GitHub for run 289782451. */
const WORKFLOW = readFileSync(join(REPOS_DIR, "node-sum/.github/workflows/ci.yml"), "utf8");
async function mockReads(workflow = WORKFLOW) {
  gh = await githubApiMock();
  gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\nreproduce_first: true\n", headers: { "content-type": "text/plain" } })
    .on("GET", `${API}/git/ref/heads%2Fmaster`, { body: apiRef("master", headSha) })
    .on("GET", `${API}/actions/runs/289782451/attempts/1/jobs?per_page=100`, { body: { total_count: 1, jobs: [{ ...apiJob, head_sha: headSha }] } })
    .on("GET", `${API}/actions/jobs/${GH_JOB}/logs`, { status: 302, headers: { location: `${STORAGE}/log/${GH_JOB}?sig=s` } })
    .on("GET", `${API}/check-runs/${GH_JOB + 1}/annotations?per_page=100`, { body: [] })
    .on("GET", `${API}/contents/.github%2Fworkflows%2Fci.yml?ref=${headSha}`, { body: workflow, headers: { "content-type": "text/plain" } })
    .on("GET", `${API}/commits/${headSha}`, { body: "", headers: { "content-type": "text/plain" } });
  nock(STORAGE, { badheaders: ["authorization"] }).get(`/log/${GH_JOB}`).query({ sig: "s" }).reply(200, log);
}

const COMMIT = "c0ffee".padEnd(40, "0");
/** The write side: verified commit on ci-bot/fix-<run>, draft PR, label, comment on PR #7. */
function mockWrites(times = 1) {
  const pr = { number: 101, html_url: "https://github.com/octo-org/octo-repo/pull/101", node_id: "PR_101", state: "open", draft: true, merged: false, head: { ref: "ci-bot/fix-289782451", sha: COMMIT } };
  let branch: string | null = null;
  // open-pull-request reads .github/ci-bot.yml again before its first write.
  gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\nreproduce_first: true\n", headers: { "content-type": "text/plain" } })
    // And master's head: still the failed commit, so no newer commit's runs are listed.
    .on("GET", `${API}/git/ref/heads%2Fmaster`, { body: apiRef("master", headSha) })
    .on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-289782451`, () => (branch ? { body: { ref: "r", node_id: "n", url: "u", object: { sha: branch, type: "commit", url: "u" } } } : { status: 404, body: { message: "Not Found" } }), { times })
    .on("GET", `${API}/git/commits/${headSha}`, { body: { sha: headSha, tree: { sha: "1".repeat(40) } } })
    .on("POST", `${API}/git/trees`, { status: 201, body: { sha: "2".repeat(40), tree: [] } })
    .on("POST", `${API}/git/commits`, { status: 201, body: { sha: COMMIT, verification: { verified: true, reason: "valid" } } })
    .on("POST", `${API}/git/refs`, () => ((branch = COMMIT), { status: 201, body: { ref: "refs/heads/ci-bot/fix-289782451", object: { sha: COMMIT } } }))
    .on("GET", `${API}/pulls`, { body: [] })
    .on("POST", `${API}/pulls`, { status: 201, body: pr })
    .on("POST", `${API}/issues/101/labels`, { body: [] })
    // Read again after posting: another job of PR #7 may have posted the PR's comment meanwhile.
    .on("GET", `${API}/issues/7/comments`, { body: [] }, { times: 2 })
    .on("POST", `${API}/issues/7/comments`, { status: 201, body: { id: 1, body: "x" } });
}

/**
 * What the merge of fix PR #101 reads and writes: watch-pr reads .github/ci-bot.yml (the bot may be off by
 * now), then edits the bot's comment on PR #7 so that #101's line says it was merged.
 */
function mockMergeComment(): void {
  const posted: string = body("issues/create-comment").body;
  gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\nreproduce_first: true\n", headers: { "content-type": "text/plain" } })
    .on("GET", `${API}/issues/7/comments`, { body: [{ id: 1, body: posted, user: { login: "t0-ci-bot[bot]", id: 9, type: "Bot" } }] })
    .on("PATCH", `${API}/issues/comments/1`, { body: { id: 1, body: "x" } })
    // Read again after the edit: it says merged.
    .on("GET", `${API}/issues/7/comments`, () => ({ body: [{ id: 1, body: lastCommentEdit(), user: { login: "t0-ci-bot[bot]", id: 9, type: "Bot" } }] }));
}

async function waitFor(pred: (j: Job) => boolean, what: string, ms = 90_000): Promise<Job> {
  const end = Date.now() + ms;
  let last: Job | undefined;
  while (Date.now() < end) {
    [last] = await app!.deps.store.listJobs();
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; job is ${JSON.stringify({ state: last?.state, error: last?.error, stage: last?.stage })}`);
}

const body = (op: string): any => gh.requests.find((q: RecordedRequest) => q.operationId === op)?.body;
/** The text of the bot's latest comment edit: what GitHub lists when the comment is read again after it. */
const lastCommentEdit = (): string => (gh.requests.filter((q: RecordedRequest) => q.operationId === "issues/update-comment").at(-1)!.body as { body: string }).body;

describe("e2e: a failed run becomes a validated draft PR, and its outcome reaches TensorZero", () => {
  test("correct patch → every state, fix in the commit tree, evidence in the PR, merge → episode feedback", async () => {
    await start();
    gateway.setDefault({ output: { diagnosis: "sum() subtracts instead of adding, so the sum test fails.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    mockWrites();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    let job = await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR to be opened");
    gh.done();

    const tree = body("git/create-tree");
    expect(tree.base_tree).toBe("1".repeat(40));
    expect(tree.tree).toEqual([{ path: "src/math.js", mode: "100644", type: "blob", content: expect.stringContaining("return a + b;") }]);
    expect(body("git/create-commit")).toEqual({ message: expect.stringContaining("Why: sum() subtracts"), tree: "2".repeat(40), parents: [headSha] });
    const prBody: string = body("pulls/create").body;
    expect(body("pulls/create")).toMatchObject({ head: "ci-bot/fix-289782451", base: "master", draft: true });
    expect(prBody).toContain("🔴 red");
    expect(prBody).toContain("🟢 green");
    expect(prBody).toContain("`npm test`");
    expect(prBody).toContain(gateway.inferences[0]!.inferenceId);
    expect(prBody).not.toContain("CI will not run"); // on: [push, pull_request]
    expect(body("issues/create-comment").body).toContain("#101");
    expect(job.history.map((h) => h.state)).toEqual(["pending", "cloning", "analysis", "patching", "testing", "pr"]);

    const pr = fixture("pull_request.closed");
    pr.repository = failedRunPayload().repository;
    pr.installation = { id: 2 };
    pr.pull_request = { ...pr.pull_request, number: 101, merged: true, state: "closed", head: { ...pr.pull_request.head, ref: "ci-bot/fix-289782451", sha: COMMIT } };
    mockMergeComment();
    expect(await send("pull_request", pr)).toBe(202);
    job = await waitFor((j) => j.state === "completed", "the job to complete");
    gh.done();
    expect(body("issues/update-comment").body).toMatch(/#101 .* — merged$/m);
    expect(job.history.map((h) => h.state).slice(-3)).toEqual(["pr", "feedback", "completed"]);
    const got = gateway.feedback.map((f) => [f.metric, f.value, f.episodeId ? "episode" : "inference"]);
    expect(got).toEqual(expect.arrayContaining([["patch_applied", true, "inference"], ["validation_passed", true, "inference"], ["pr_merged", true, "episode"]]));
    expect(gateway.feedback.find((f) => f.metric === "pr_merged")).toMatchObject({ episodeId: gateway.inferences[0]!.episodeId, tags: expect.objectContaining({ reason: "merged" }) });
    expect(job.feedback.every((f) => f.status === "sent")).toBe(true);
  });

  test("wrong patch, and a wrong second one (max_patch_retries: 1) → validation fails, no PR (no write request at all), feedback says so", async () => {
    await start();
    gateway.setDefault({ output: { diagnosis: "guess", patch: WRONG_DIFF, confidence: 0.3, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const job = await waitFor((j) => j.state === "failed", "the job to fail");
    gh.done();
    expect(job.error).toMatchObject({ code: expect.stringMatching(/validation_failed|patch_refused/) });
    expect(gh.requests.some((q) => q.method !== "GET")).toBe(false);
    await waitFor((j) => j.feedback.length > 0 && j.feedback.every((f) => f.status === "sent"), "validation feedback to be sent");
    expect(gateway.feedback.map((f) => f.metric)).toEqual(expect.arrayContaining(["patch_applied"]));
    // Asked once more, in the same episode, told why the first patch failed; each answer judged on its own.
    expect(gateway.inferences.map((i) => i.episodeId)).toEqual([gateway.inferences[0]!.episodeId, gateway.inferences[0]!.episodeId]);
    expect(JSON.stringify(gateway.inferences[1]!.body)).toContain("validation still fails with it");
    expect(gateway.feedback.filter((f) => f.metric === "validation_passed").map((f) => [f.inferenceId, f.value])).toEqual(gateway.inferences.map((i) => [i.inferenceId, false]));
    // No PR will ever be merged: the episode's reward says so, once, and the gateway took it (the episode is stored).
    expect(gateway.feedback.filter((f) => f.metric === "pr_merged")).toEqual([expect.objectContaining({ value: false, episodeId: gateway.inferences[0]!.episodeId })]);
  });

  test("the failing workflow does not run on the fix branch or its PR → the PR body says so instead of waiting silently", async () => {
    await start();
    gateway.setDefault({ output: { diagnosis: "sum() subtracts instead of adding.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    const mainOnly = WORKFLOW.replace("on: [push, pull_request]", "on:\n  push:\n    branches: [main]\n  pull_request:\n    branches: [main]\n  workflow_dispatch:");
    expect(mainOnly).not.toBe(WORKFLOW);
    await mockReads(mainOnly);
    mockWrites();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR to be opened");
    gh.done();
    const prBody: string = body("pulls/create").body;
    expect(prBody).toContain("CI will not run on this PR");
    expect(prBody).toContain("`push (branches: main), pull_request (branches: main), workflow_dispatch`");
    expect(prBody).toContain("neither a push to `ci-bot/fix-289782451` nor a pull request into `master`");
    expect(prBody).toContain("started by hand");
  });

  // GitHub puts a tag's name in head_branch for a run a tag push started; nothing in the webhook says so.
  test("run started by a tag push → the job ends at its first stage, completed with the reason: no clone, no model call", async () => {
    await start();
    gh = await githubApiMock();
    gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\n", headers: { "content-type": "text/plain" } })
      .on("GET", `${API}/git/ref/heads%2Fv1.4.0`, { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/refs#get-a-reference", status: "404" } });
    const payload = failedRunPayload();
    payload.workflow_run.head_branch = "v1.4.0";
    payload.workflow_run.pull_requests = [];
    expect(await send("workflow_run", payload)).toBe(202);
    const job = await waitFor((j) => j.state === "completed", "the job to end");
    gh.done();
    expect(job.history.map((h) => h.state)).toEqual(["pending", "completed"]);
    expect(job.history.at(-1)?.note).toBe('"v1.4.0" is not a branch of octo-org/octo-repo (the run was started by a tag push, or the branch was deleted since): there is no branch to fix; nothing done');
    expect(job.completedStages).toEqual(["check-repo-config"]);
    expect(gateway.inferences).toEqual([]);
  });

  test("DRY_RUN=true → no write to GitHub and no feedback; the job says what it would have opened", async () => {
    await start({ DRY_RUN: "true" });
    gateway.setDefault({ output: { diagnosis: "sum() subtracts instead of adding.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    // What the real run reads before its first write, the dry run reads too: the bot may be off by now, and
    // the fix branch or its PR may be on GitHub already.
    gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\nreproduce_first: true\n", headers: { "content-type": "text/plain" } })
      .on("GET", `${API}/git/ref/heads%2Fmaster`, { body: apiRef("master", headSha) })
      .on("GET", `${API}/pulls`, { body: [] })
      .on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-289782451`, { status: 404, body: { message: "Not Found" } });
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const job = await waitFor((j) => j.state === "completed", "the dry run to complete");
    gh.done();
    expect(gh.requests.filter((q) => q.method !== "GET")).toEqual([]);
    expect(job.results["open-pull-request"]).toMatchObject({ dryRun: true, action: "open_pr", branch: "ci-bot/fix-289782451", title: expect.any(String), diff: FIX_DIFF, commentOn: [7] });
    expect(job.history.at(-1)?.note).toContain("dry run");
    expect(gateway.feedback).toEqual([]);
  });

  test("redelivered webhook → still one job and one PR", async () => {
    await start();
    gateway.setDefault({ output: { diagnosis: "sum() subtracts.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    mockWrites();
    const payload = failedRunPayload();
    expect(await send("workflow_run", payload, "same-delivery")).toBe(202);
    expect(await send("workflow_run", payload, "same-delivery")).toBe(202);
    expect(await send("workflow_run", payload, "another-delivery")).toBe(202);
    await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR");
    expect(await app!.deps.store.listJobs()).toHaveLength(1);
    gh.done();
    expect(gh.requests.filter((q) => q.operationId === "pulls/create")).toHaveLength(1);
  });

  test("gateway down → the job waits (not failed) and resumes when it is back; one PR", async () => {
    await start({ RETRY_BASE_MS: "100", RETRY_MAX_MS: "300", JOB_MAX_RETRIES: "1" });
    gateway.setDefault({ output: { diagnosis: "sum() subtracts.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    const down = Array.from({ length: 12 }, () => ({ status: 503, error: "upstream unavailable" }));
    gateway.script(...down);
    await mockReads();
    mockWrites();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const waiting = await waitFor((j) => j.state === "patching" && j.error?.retryable === true, "the job to wait for the gateway");
    expect(waiting.error?.code).toMatch(/model_/);
    const job = await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR once the gateway is back");
    gh.done();
    expect(job.history.some((h) => h.state === "failed")).toBe(false);
    expect(gh.requests.filter((q) => q.operationId === "pulls/create")).toHaveLength(1);
  });

  test("process stopped mid open-pull-request (after the commit, before the PR) → the next process resumes: one commit, one PR", async () => {
    // A backoff of 3-6 s (half jitter): the test must see the failed PR creation and stop this process before
    // it retries by itself; 0.75-1.5 s was little room on a loaded CI machine.
    const first = await start({ RETRY_BASE_MS: "6000", RETRY_MAX_MS: "6000" });
    gateway.setDefault({ output: { diagnosis: "sum() subtracts.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    let branch: string | null = null;
    const pr = { number: 101, html_url: "https://github.com/octo-org/octo-repo/pull/101", node_id: "PR_101", state: "open", draft: true, merged: false, head: { ref: "ci-bot/fix-289782451", sha: COMMIT } };
    gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\nreproduce_first: true\n", headers: { "content-type": "text/plain" } }, { times: 2 })
      // master's head, read before the first write: the failed commit still (the resumed job has its commit, no read).
      .on("GET", `${API}/git/ref/heads%2Fmaster`, { body: apiRef("master", headSha) })
      .on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-289782451`, () => (branch ? { body: { ref: "r", node_id: "n", url: "u", object: { sha: branch, type: "commit", url: "u" } } } : { status: 404, body: { message: "Not Found" } }), { times: 2 })
      .on("GET", `${API}/git/commits/${headSha}`, { body: { sha: headSha, tree: { sha: "1".repeat(40) } } })
      .on("GET", `${API}/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: "2".repeat(40) } } })
      .on("POST", `${API}/git/trees`, { status: 201, body: { sha: "2".repeat(40), tree: [] } }, { times: 2 })
      .on("POST", `${API}/git/commits`, { status: 201, body: { sha: COMMIT, verification: { verified: true } } })
      .on("POST", `${API}/git/refs`, () => ((branch = COMMIT), { status: 201, body: { ref: "refs/heads/ci-bot/fix-289782451", object: { sha: COMMIT } } }))
      .on("GET", `${API}/pulls`, { body: [] }, { times: 2 })
      // The crash point: GitHub fails the PR creation, the job backs off, and this process goes away.
      .on("POST", `${API}/pulls`, { status: 502, body: { message: "Server Error" } })
      .on("POST", `${API}/pulls`, { status: 201, body: pr })
      .on("POST", `${API}/issues/101/labels`, { body: [] })
      // Read again after posting: another job of PR #7 may have posted the PR's comment meanwhile.
      .on("GET", `${API}/issues/7/comments`, { body: [] }, { times: 2 })
      .on("POST", `${API}/issues/7/comments`, { status: 201, body: { id: 1, body: "x" } });
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const crashed = await waitFor((j) => j.state === "pr" && j.error?.retryable === true, "the PR creation to fail once");
    // The raw log went once the context was built: validation and the resume go on without it.
    const logsDir = join(lastDir, "ws", `${crashed.id}.logs`);
    expect((await readdir(logsDir)).sort()).toEqual(["context.json", "workflow.yml"]);
    await first.stop({ drainMs: 0 });
    app = undefined;
    await start({}, { dir: lastDir, gateway });
    const job = await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the resumed job to open the PR");
    gh.done();
    expect((await readdir(logsDir)).sort()).toEqual(["context.json", "workflow.yml"]);
    expect(gh.requests.filter((q) => q.operationId === "git/create-commit")).toHaveLength(1);
    expect(gh.requests.filter((q) => q.operationId === "pulls/create" && q.body)).toHaveLength(2);
    expect(job.completedStages.filter((s) => s === "open-pull-request")).toHaveLength(1);
    expect(gateway.inferences).toHaveLength(1);
  });

  test("people pushed onto the fix branch, then merged → their final diff is a demonstration the gateway accepts", async () => {
    await start();
    gateway.setDefault({ output: { diagnosis: "sum() subtracts.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    mockWrites();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR");
    const HUMAN = "abcdef".padEnd(40, "1");
    const humanDiff = FIX_DIFF.replace("+  return a + b;", "+  return Number(a) + Number(b);");
    gh.on("GET", `${API}/pulls/101`, { body: humanDiff, headers: { "content-type": "text/plain; charset=utf-8" } });
    mockMergeComment();
    const pr = fixture("pull_request.closed");
    pr.repository = failedRunPayload().repository;
    pr.installation = { id: 2 };
    pr.pull_request = { ...pr.pull_request, number: 101, merged: true, state: "closed", head: { ...pr.pull_request.head, ref: "ci-bot/fix-289782451", sha: HUMAN } };
    expect(await send("pull_request", pr)).toBe(202);
    const job = await waitFor((j) => j.state === "completed", "the job to complete");
    gh.done();
    expect(gh.requests.find((q) => q.path === `${API}/pulls/101`)!.headers.accept).toContain("application/vnd.github.diff");
    const demo = gateway.feedback.find((f) => f.metric === "demonstration");
    expect(demo).toMatchObject({ inferenceId: gateway.inferences[0]!.inferenceId, value: { patch: humanDiff, files: ["src/math.js"], tests_to_run: null } });
    expect(job.feedback.find((f) => f.metric === "demonstration")?.status).toBe("sent");
  });

  test("CI fails on the fix branch → second repair attempt in the same episode, same branch and PR move forward", async () => {
    await start();
    gateway.setDefault({ output: { diagnosis: "sum() subtracts.", patch: FIX_DIFF, confidence: 0.9, files: ["src/math.js"], tests_to_run: null } });
    await mockReads();
    mockWrites();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR");
    gh.done();

    const second = FIX_DIFF.replace("+  return a + b;", "+  return b + a;");
    gateway.script({ output: { diagnosis: "The first fix passed locally but CI still failed; add in the other order.", patch: second, confidence: 0.7, files: ["src/math.js"], tests_to_run: null } });
    const COMMIT2 = "c0ffee".padEnd(40, "2");
    const pr = { number: 101, html_url: "https://github.com/octo-org/octo-repo/pull/101", node_id: "PR_101", state: "open", draft: true, merged: false, head: { ref: "ci-bot/fix-289782451", sha: COMMIT } };
    // watch-pr reads .github/ci-bot.yml again before the repair's model call (the bot may be off by now).
    gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: "validate: npm test\nreproduce_first: true\n", headers: { "content-type": "text/plain" } });
    // The branch head is read twice: watch-pr checks nobody pushed after the fix, publishFix again before committing.
    gh.on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-289782451`, { body: { ref: "r", node_id: "n", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } }, { times: 2 })
      .on("GET", `${API}/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: "2".repeat(40) } } })
      .on("POST", `${API}/git/trees`, { status: 201, body: { sha: "3".repeat(40), tree: [] } })
      .on("POST", `${API}/git/commits`, { status: 201, body: { sha: COMMIT2, verification: { verified: true } } })
      .on("PATCH", `${API}/git/refs/heads%2Fci-bot%2Ffix-289782451`, { body: { ref: "refs/heads/ci-bot/fix-289782451", object: { sha: COMMIT2 } } })
      // The PR as the first attempt opened it: its text is the bot's, so the repair may rewrite it.
      .on("GET", `${API}/pulls`, () => {
        const { title, body } = gh.requests.find((q) => q.operationId === "pulls/create")!.body as { title: string; body: string };
        return { body: [{ ...pr, title, body }] };
      })
      .on("PATCH", `${API}/pulls/101`, { body: pr })
      .on("GET", `${API}/issues/7/comments`, { body: [{ id: 1, body: "<!-- t0-ci-bot:fix-comment 300029405:289782451 -->\nold", user: { login: "t0-ci-bot[bot]", id: 9, type: "Bot" } }] })
      .on("PATCH", `${API}/issues/comments/1`, { body: { id: 1, body: "x" } })
      // Read again after the edit (other jobs of PR #7 write it too): it holds what the repair wrote.
      .on("GET", `${API}/issues/7/comments`, () => ({ body: [{ id: 1, body: lastCommentEdit(), user: { login: "t0-ci-bot[bot]", id: 9, type: "Bot" } }] }));
    // The fix branch's run: its failed job's log says something the first run's did not.
    const FIX_JOB = 4343;
    const fixLog = log.replace("-1 !== 5", "5 !== 6 (fix-branch run says: overflow in sum of large inputs)");
    // The fix commit's verdict is over all its runs: GitHub lists this one, the only run of the commit.
    gh.on("GET", `${API}/actions/runs?head_sha=${COMMIT}&exclude_pull_requests=true&per_page=100`, {
      body: { total_count: 1, workflow_runs: [{ id: 289782999, run_attempt: 1, path: ".github/workflows/ci.yml@ci-bot/fix-289782451", name: "CI", head_sha: COMMIT, status: "completed", conclusion: "failure", html_url: "https://github.com/octo-org/octo-repo/actions/runs/289782999" }] },
    });
    gh.on("GET", `${API}/actions/runs/289782999/attempts/1/jobs?per_page=100`, { body: { total_count: 1, jobs: [{ ...apiJob, id: FIX_JOB, run_id: 289782999, head_sha: COMMIT, head_branch: "ci-bot/fix-289782451", check_run_url: `https://api.github.com${API}/check-runs/${FIX_JOB + 1}` }] } })
      .on("GET", `${API}/actions/jobs/${FIX_JOB}/logs`, { status: 302, headers: { location: `${STORAGE}/log/${FIX_JOB}?sig=s` } })
      .on("GET", `${API}/check-runs/${FIX_JOB + 1}/annotations?per_page=100`, { body: [] })
      .on("GET", `${API}/contents/.github%2Fworkflows%2Fci.yml?ref=${COMMIT}`, { body: WORKFLOW, headers: { "content-type": "text/plain" } });
    nock(STORAGE, { badheaders: ["authorization"] }).get(`/log/${FIX_JOB}`).query({ sig: "s" }).reply(200, fixLog);
    const fixRun = failedRunPayload();
    fixRun.workflow_run = { ...fixRun.workflow_run, id: 289782999, head_branch: "ci-bot/fix-289782451", head_sha: COMMIT, pull_requests: [] };
    expect(await send("workflow_run", fixRun)).toBe(202);
    const job = await waitFor((j) => (j.results["open-pull-request"] as { repairAttempt?: number } | undefined)?.repairAttempt === 2 && j.waitingFor === "pr_outcome", "the repair attempt");
    gh.done();

    expect(gateway.inferences).toHaveLength(2);
    expect(gateway.inferences[1]!.episodeId).toBe(gateway.inferences[0]!.episodeId);
    expect(JSON.stringify(gateway.inferences[1]!.body)).toContain("previous_attempt");
    const secondInput = JSON.stringify(gateway.inferences[1]!.body);
    expect(secondInput).toContain("overflow in sum of large inputs");
    expect(JSON.stringify(gateway.inferences[0]!.body)).not.toContain("overflow in sum of large inputs");
    const trees = gh.requests.filter((q) => q.operationId === "git/create-tree");
    expect(trees.at(-1)!.body).toEqual({ base_tree: "2".repeat(40), tree: [{ path: "src/math.js", mode: "100644", type: "blob", content: expect.stringContaining("return b + a;") }] });
    expect(gh.requests.find((q) => q.operationId === "git/update-ref")!.body).toEqual({ sha: COMMIT2, force: false });
    expect((gh.requests.find((q) => q.operationId === "pulls/update")!.body as { body: string }).body).toContain("repair attempt 2");
    expect(gateway.feedback.map((f) => [f.metric, f.value, f.inferenceId])).toEqual(expect.arrayContaining([
      ["ci_passed_on_fix_branch", false, gateway.inferences[0]!.inferenceId],
      ["validation_passed", true, gateway.inferences[1]!.inferenceId],
    ]));
    expect((job.results["watch-pr"] as { notes: string[] }).notes.at(-1)).toContain("repair attempt 2 pushed");
  });
});
