import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { createGitHubPort } from "../../src/adapters/github/create-github-port.js";
import { createFsWorkspace, workspaceOptionsFromConfig } from "../../src/adapters/workspace/fs-workspace.js";
import { loadAppConfig, type AppConfig } from "../../src/config/app-config.js";
import type { FetchedLogs } from "../../src/context/fetched-logs.js";
import type { Deps } from "../../src/core/deps.js";
import type { Job } from "../../src/core/job.js";
import { silentLogger } from "../../src/core/logger.js";
import { cloneRepoStage } from "../../src/pipeline/stages/clone-repo.js";
import { fetchLogsStage } from "../../src/pipeline/stages/fetch-logs.js";
import type { StageContext } from "../../src/pipeline/stage.js";
import { createRepo, startGitServer, type GitServer } from "../fakes/git-server.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { githubApiMock, githubOpenApi, type GitHubApiMock } from "../helpers/github-api.js";
import { makeJob } from "../helpers/make-job.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/context");
const TOKEN = "ghs_" + "Pipe1ineT0ken0123456789abcdefABCDEFG";
const GH_JOB = 2320994299;
const STORAGE = "https://pipelinesghubeus2.actions.githubusercontent.com";

let base: string;
let server: GitServer;
let headSha: string;
let svgoLog: Buffer;
let workflowYml: string;
let steps: unknown[];
let gh: GitHubApiMock;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-ctx-pipe-"));
  svgoLog = await readFile(join(FIX, "logs/svgo-2320994299.log"));
  workflowYml = await readFile(join(FIX, "svgo-main.yml"), "utf8");
  steps = JSON.parse(await readFile(join(FIX, "svgo-steps.json"), "utf8"));
  const shas = await createRepo(join(base, "repos"), "octo/app", [
    {
      "package.json": JSON.stringify({ name: "app", scripts: { test: "jest" }, devDependencies: { jest: "^29.0.0" } }, null, 2) + "\n",
      "jest.config.js": "export default { testEnvironment: 'node' };\n",
      ".github/workflows/main.yml": workflowYml,
      "lib/svgo.js": "export function optimize(input) {\n  return input.trim();\n}\n",
      "test/svgo.test.js": "import { optimize } from '../lib/svgo.js';\ntest('x', () => expect(optimize(' a ')).toBe('a'));\n",
    },
  ]);
  headSha = shas[0]!;
  server = await startGitServer({ root: join(base, "repos"), token: TOKEN });
  await githubOpenApi();
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});
afterEach(() => gh?.cleanup());

function setup(env: Record<string, string> = {}) {
  const config: AppConfig = loadAppConfig({
    NODE_ENV: "test", WORKSPACE_ROOT: join(base, "ws-" + Math.random().toString(36).slice(2)), GIT_BASE_URL: server.url,
    WORKSPACE_MIN_FREE_BYTES: "0", ...env,
  });
  const github = createGitHubPort({
    octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug() {}, info() {}, warn() {}, error() {} } }),
  });
  const deps = { config, github, workspace: createFsWorkspace(workspaceOptionsFromConfig(config)), clock: new FakeClock(), logger: silentLogger() } as unknown as Deps;
  const job: Job = makeJob({ repo: "octo/app", runId: 99 });
  job.run = { ...job.run, headSha, headBranch: "main", workflowPath: ".github/workflows/main.yml", name: "CI" };
  const ctx: StageContext = { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 };
  return { config, deps, job, ctx };
}

const apiJob = (id: number, name: string, conclusion: string, jobSteps: unknown[]) => ({
  id, run_id: 99, run_url: "https://api.github.com/repos/octo/app/actions/runs/99", node_id: "J", head_sha: headSha,
  url: `https://api.github.com/repos/octo/app/actions/jobs/${id}`, html_url: `https://github.com/octo/app/actions/runs/99/job/${id}`,
  status: "completed", conclusion, started_at: "2022-05-13T18:52:42Z", completed_at: "2022-05-13T18:54:33Z", name,
  check_run_url: `https://api.github.com/repos/octo/app/check-runs/${id + 1}`, labels: ["ubuntu-latest"], runner_id: 3,
  runner_name: "GitHub Actions 3", runner_group_id: 2, runner_group_name: "GitHub Actions", workflow_name: "CI", head_branch: "main",
  run_attempt: 1, created_at: "2022-05-13T18:52:42Z",
  steps: (jobSteps as Array<{ number: number; name: string; status: string; conclusion: string; startedAt: string; completedAt: string }>).map((s) => ({
    number: s.number, name: s.name, status: s.status, conclusion: s.conclusion, started_at: s.startedAt, completed_at: s.completedAt,
  })),
});

/** The GitHub calls fetch-logs makes for run 99: jobs, the failed job's log (302 → storage), annotations, workflow file. */
async function mockRun() {
  gh = await githubApiMock();
  gh.on("GET", "/repos/octo/app/actions/runs/99/attempts/1/jobs?per_page=100", {
    body: { total_count: 2, jobs: [apiJob(1, "Lint", "success", []), apiJob(GH_JOB, "Test", "failure", steps)] },
  })
    .on("GET", `/repos/octo/app/actions/jobs/${GH_JOB}/logs`, { status: 302, headers: { location: `${STORAGE}/log/${GH_JOB}?sig=s1` } })
    .on("GET", `/repos/octo/app/check-runs/${GH_JOB + 1}/annotations?per_page=100`, {
      body: [{ path: "lib/svgo.js", start_line: 2, end_line: 2, start_column: null, end_column: null, annotation_level: "failure", title: "", message: "Process completed with exit code 1.", raw_details: null, blob_href: "" }],
    })
    .on("GET", `/repos/octo/app/contents/.github%2Fworkflows%2Fmain.yml?ref=${headSha}`, { body: workflowYml, headers: { "content-type": "text/plain; charset=utf-8" } });
  nock(STORAGE, { badheaders: ["authorization"] }).get(`/log/${GH_JOB}`).query({ sig: "s1" }).reply(200, svgoLog, { "content-type": "text/plain" });
}

describe("clone-repo + fetch-logs against a local git server and a validated GitHub mock", () => {
  test("clones head_sha, downloads the failed job's log and finds the failing step's command", async () => {
    const { deps, job, ctx } = setup();
    const cloned = await cloneRepoStage.run(job, deps, ctx);
    expect(cloned.result).toMatchObject({ ref: "main", sha: headSha, url: `${server.url}/octo/app.git` });
    const dir = (cloned.result as { dir: string }).dir;
    expect(await readFile(join(dir, "lib/svgo.js"), "utf8")).toContain("optimize");

    await mockRun();
    const out = await fetchLogsStage.run(job, deps, ctx);
    gh.done();
    const r = out.result as FetchedLogs;
    expect(r.logsDir).toBe(`${dir}.logs`);
    expect(r.workflow).toEqual({ path: ".github/workflows/main.yml", file: "workflow.yml", found: true });
    expect(r.jobs).toHaveLength(1);
    expect(r.jobs[0]).toMatchObject({
      id: GH_JOB, name: "Test", conclusion: "failure", checkRunId: GH_JOB + 1, annotations: 1,
      log: { file: `${GH_JOB}.log`, totalBytes: svgoLog.length, keptBytes: svgoLog.length, truncated: false },
      failingStep: { number: 5, name: "Run yarn test", command: 'yarn test\necho "tests done"\n', logHeader: "yarn test", logLine: 551 },
    });
    expect((await readFile(join(r.logsDir, `${GH_JOB}.log`))).equals(svgoLog)).toBe(true);
    const meta = JSON.parse(await readFile(join(r.logsDir, r.jobs[0]!.meta), "utf8"));
    expect(meta.annotations[0]).toMatchObject({ path: "lib/svgo.js", startLine: 2 });
    // The job record stays small: paths and counts, no log text.
    expect(JSON.stringify(r).length).toBeLessThan(1500);
    // Logs live beside the checkout, never inside it.
    expect(await readdir(dir)).not.toContain(`${GH_JOB}.log`);
  });

  test("a log over LOG_MAX_BYTES_PER_JOB is cut, and the result says so", async () => {
    const { deps, job, ctx } = setup({ LOG_MAX_BYTES_PER_JOB: "16384" });
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun();
    const r = (await fetchLogsStage.run(job, deps, ctx)).result as FetchedLogs;
    gh.done();
    expect(r.jobs[0]!.log).toMatchObject({ truncated: true, totalBytes: svgoLog.length });
    expect(r.jobs[0]!.log.keptBytes).toBeLessThanOrEqual(16384);
    const kept = await readFile(join(r.logsDir, `${GH_JOB}.log`), "utf8");
    expect(kept).toContain("##[error]Process completed with exit code 1.");
    expect(r.jobs[0]!.failingStep).toMatchObject({ number: 5, logHeader: "yarn test" });
    expect((await stat(join(r.logsDir, `${GH_JOB}.log`))).size).toBe(r.jobs[0]!.log.keptBytes);
  });

  test("a run without failed jobs fails permanently with a reason", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/app/actions/runs/99/attempts/1/jobs?per_page=100", { body: { total_count: 1, jobs: [apiJob(1, "Lint", "success", [])] } });
    await expect(fetchLogsStage.run(job, deps, ctx)).rejects.toMatchObject({ code: "no_failed_jobs", retryable: false });
    gh.done();
  });
});
