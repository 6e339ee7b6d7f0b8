import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
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
import { buildContextStage, tailAnalysis, type BuildContextResult } from "../../src/pipeline/stages/build-context.js";
import { CONTEXT_PRIORITY } from "../../src/context/build-failure-context.js";
import type { StageContext } from "../../src/pipeline/stage.js";
import { createRepo, startGitServer, type GitServer } from "../fakes/git-server.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { githubApiMock, githubOpenApi, type GitHubApiMock } from "../helpers/github-api.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { leakedKeyBody, RSA_KEY_LINES } from "../helpers/planted-secrets.js";
import { redact } from "../../src/core/redact.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/context");
const TOKEN = "ghs_" + "Pipe1ineT0ken0123456789abcdefABCDEFG";
const GH_JOB = 2320994299;
const STORAGE = "https://pipelinesghubeus2.actions.githubusercontent.com";
const CORPUS = readFileSync(join(FIX, "secrets/corpus.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; text: string; secret: string });
const SECRETS = { aws: "AKIA" + "Q3EGRZ7VBNX2KD4M", pat: "ghp_" + "Zx81kQmT0pLw4vYc9RnB2dHs6FjA3eUi7GoK", jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaS1ib3QtdGVzdCJ9.Qm9ndXNTaWduYXR1cmVGb3JUZXN0c09ubHkx", pat2: "ghp_" + "Q7mWx2LpR9tKc4VbN8zHd3JfY6sGa1UeT5oPi0" };

/**
 * A long annotation with a token across the 300th character (where a location's message is cut) and
 * one across the 500th (where an annotation's is): a token cut short no longer matches its pattern.
 */
const LONG_ANNOTATION = (() => {
  const trace = (n: number) => "Error: request to the registry failed\n" + "    at fetchPackage (lib/svgo.js:3:10)\n".repeat(20).slice(0, n - 38);
  const text = `${trace(284)}${SECRETS.pat}\n${trace(484 - 284 - SECRETS.pat.length - 1)}${SECRETS.pat2}\n`;
  if (text.indexOf(SECRETS.pat) !== 284 || text.indexOf(SECRETS.pat2) !== 484) throw new Error("LONG_ANNOTATION: the tokens moved");
  return text;
})();

/** A source file of `n` lines with some lines given. */
function numbered(n: number, lines: Record<number, string>): string {
  return Array.from({ length: n }, (_, i) => lines[i + 1] ?? `  // line ${i + 1}`).join("\n") + "\n";
}

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
      "lib/svgo/config.js": numbered(80, { 60: `  const awsKey = "${SECRETS.aws}"; // planted secret`, 61: "  return extendDefaultPlugins(plugins);" }),
      "test/cli/cli.test.js": numbered(100, { 85: "    expect(stdout).toBe(expected);" }),
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
    WORKSPACE_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0", ...env,
  });
  const github = createGitHubPort({
    octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug() {}, info() {}, warn() {}, error() {} } }),
  });
  const deps = { config, github, store: new MemoryJobStore(), workspace: createFsWorkspace(workspaceOptionsFromConfig(config)), clock: new FakeClock(), logger: silentLogger() } as unknown as Deps;
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
async function mockRun(log: Buffer = svgoLog, opts: { diff?: string; annotation?: string } = {}) {
  gh = await githubApiMock();
  gh.on("GET", "/repos/octo/app/actions/runs/99/attempts/1/jobs?per_page=100", {
    body: { total_count: 2, jobs: [apiJob(1, "Lint", "success", []), apiJob(GH_JOB, "Test", "failure", steps)] },
  })
    .on("GET", `/repos/octo/app/actions/jobs/${GH_JOB}/logs`, { status: 302, headers: { location: `${STORAGE}/log/${GH_JOB}?sig=s1` } })
    .on("GET", `/repos/octo/app/check-runs/${GH_JOB + 1}/annotations?per_page=100`, {
      body: [
        { path: "lib/svgo.js", start_line: 2, end_line: 2, start_column: null, end_column: null, annotation_level: "failure", title: "", message: `Process completed with exit code 1. id_token=${SECRETS.jwt}`, raw_details: null, blob_href: "" },
        { path: "lib/svgo.js", start_line: 3, end_line: 3, start_column: null, end_column: null, annotation_level: "failure", title: "", message: LONG_ANNOTATION, raw_details: null, blob_href: "" },
        ...(opts.annotation ? [{ path: "lib/svgo.js", start_line: 1, end_line: 1, start_column: null, end_column: null, annotation_level: "failure", title: "", message: opts.annotation, raw_details: null, blob_href: "" }] : []),
      ],
    })
    .on("GET", `/repos/octo/app/contents/.github%2Fworkflows%2Fmain.yml?ref=${headSha}`, { body: workflowYml, headers: { "content-type": "text/plain; charset=utf-8" } });
  nock(STORAGE, { badheaders: ["authorization"] }).get(`/log/${GH_JOB}`).query({ sig: "s1" }).reply(200, log, { "content-type": "text/plain" });
  if (opts.diff !== undefined) {
    gh.on("GET", `/repos/octo/app/commits/${headSha}`, { body: opts.diff, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
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
      id: GH_JOB, name: "Test", conclusion: "failure", checkRunId: GH_JOB + 1, annotations: 2,
      log: { file: `${GH_JOB}.log`, totalBytes: svgoLog.length, keptBytes: svgoLog.length, truncated: false },
      // The step's jest summary (`1 failed, 3 skipped, 431 passed`): CI's count, for validation to compare.
      failingStep: { number: 5, name: "Run yarn test", command: 'yarn test\necho "tests done"\n', logHeader: "yarn test", logLine: 551, testsRan: 432 },
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
    // The cut took the start of `yarn test`'s part: what is left is not counted.
    expect(r.jobs[0]!.failingStep).toMatchObject({ number: 5, logHeader: "yarn test", testsRan: "cut" });
    expect((await stat(join(r.logsDir, `${GH_JOB}.log`))).size).toBe(r.jobs[0]!.log.keptBytes);
  });

  test("a check suite from another CI system is refused with a reason", async () => {
    const { deps, job, ctx } = setup();
    job.run = { ...job.run, source: "check_suite" };
    await expect(fetchLogsStage.run(job, deps, ctx)).rejects.toMatchObject({ code: "not_actions_run", retryable: false });
  });

  test("when the analyser fails, the log tail within the budget stands in", () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i + 1} ${"word ".repeat(8)}`).join("\n");
    const a = tailAnalysis(text, 300, "boom");
    expect(a.excerpts).toHaveLength(1);
    expect(a.excerpts[0]!.endLine).toBe(500);
    expect(a.excerpts[0]!.text.endsWith("line 500 " + "word ".repeat(8))).toBe(true);
    expect(a.excerptTokens).toBeLessThanOrEqual(300);
    expect(a.excerpts[0]!.reason).toMatch(/analyser failed: boom/);
  });

  // vm's timeout stops a tokenizer that would otherwise run for minutes; the fix takes milliseconds.
  test("the fallback tail cuts long lines like the analyser does, and counts each line once", () => {
    const bar = "#".repeat(1 << 20);
    const text = ["npm ERR! code ELIFECYCLE", `Downloading ${bar}`, "Error: ENOSPC: no space left on device", `progress ${bar}`, ""].join("\n");
    // ~0.1 s here: 20 s is 150 times that, room for a loaded CI machine, and still stops the minutes-long tokenizer.
    const a = runInNewContext("tailAnalysis(text, 2000, 'boom')", { tailAnalysis, text }, { timeout: 20_000 }) as ReturnType<typeof tailAnalysis>;
    const shown = a.excerpts[0]!.text.split("\n");
    expect(shown).toEqual(["npm ERR! code ELIFECYCLE", `Downloading ${"#".repeat(588)}…`, "Error: ENOSPC: no space left on device", `progress ${"#".repeat(591)}…`, ""]);
    expect(a.excerpts[0]).toMatchObject({ startLine: 1, endLine: 5 });
    expect(a.excerptTokens).toBeLessThanOrEqual(2000);
  });

  // Cut below the step that registered it, the tail shows a use of an `::add-mask::` value without the command.
  test("a fallback tail masks the values the whole log registered with ::add-mask::, though it starts below the command", () => {
    const text = ['##[group]Run echo "::add-mask::walrus-copper-pliers"', ...Array.from({ length: 200 }, (_, i) => `line ${i}`), "login refused for walrus-copper-pliers", ""].join("\n");
    const [e] = tailAnalysis(text, 60, "boom").excerpts;
    expect(e!.text).toContain("login refused for [REDACTED]");
    expect(e!.text).not.toContain("add-mask");
  });

  // The tail is cut by lines and redacted with the context: cut inside a key printed by the job, it has no
  // BEGIN line for the private-key rule, and the key's short last line passes for a word.
  test("a fallback tail that starts inside a private key shows none of its body", () => {
    const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const lines = ["Run ./deploy.sh", "writing deploy key:", ...RSA_KEY_LINES, "Error: Permission denied (publickey).", `sha256 ${hash}`, "##[error]Process completed with exit code 1."];
    const body = { from: lines.indexOf(RSA_KEY_LINES[1]!) + 1, to: lines.indexOf(RSA_KEY_LINES.at(-1)!) };
    for (const stamp of ["", "2024-01-02T03:04:05.0000000Z "]) {
      const text = lines.map((l) => stamp + l).join("\n");
      let inside = 0;
      for (let budget = 100; budget <= 1200; budget += 20) {
        const [e] = tailAnalysis(text, budget, "boom").excerpts;
        if (e!.startLine > body.from && e!.startLine <= body.to) inside++;
        const shown = redact(e!.text);
        expect([stamp, budget, leakedKeyBody(shown)]).toEqual([stamp, budget, []]);
        expect(shown).toContain(hash);
      }
      expect(inside).toBeGreaterThan(3);
    }
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

/** The svgo log with every corpus secret printed just above the failure, as a leaky test might. */
function leakyLog(): Buffer {
  const text = svgoLog.toString("utf8");
  const at = text.indexOf("2022-05-13T18:54:33.2695900Z ##[error]");
  const injected = CORPUS.map((c) => c.text.split("\n").map((l) => `2022-05-13T18:54:33.2600000Z ${l}`).join("\n")).join("\n") + "\n";
  return Buffer.from(text.slice(0, at) + injected + text.slice(at));
}

const DIFF = `diff --git a/lib/svgo/config.js b/lib/svgo/config.js
--- a/lib/svgo/config.js
+++ b/lib/svgo/config.js
@@ -59,3 +59,3 @@
   // line 59
-  // line 60
+  const awsKey = "${"AKIA" + "Q3EGRZ7VBNX2KD4M"}"; // planted secret
   return extendDefaultPlugins(plugins);
+// pushed with GITHUB_TOKEN=${"ghp_" + "Zx81kQmT0pLw4vYc9RnB2dHs6FjA3eUi7GoK"}
`;

describe("build-context", () => {
  test("one redacted FailureContext within the budget: failing step, command, excerpts, tests, locations, snippets, repo facts", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun(leakyLog(), { diff: DIFF });
    job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
    const r = (await buildContextStage.run(job, deps, ctx)).result as BuildContextResult;
    gh.done();
    const c = r.context;
    expect(c.repo.full_name).toBe("octo/app");
    expect(c.run).toMatchObject({ id: 99, attempt: 1, head_sha: headSha, head_branch: "main", workflow_path: ".github/workflows/main.yml" });
    expect(c.failing_jobs).toEqual([expect.objectContaining({ name: "Test", id: GH_JOB, failing_step: "Run yarn test", command: 'yarn test\necho "tests done"' })]);
    expect(c.classification).toBe("test");
    expect(c.excerpts.length).toBeGreaterThan(0);
    expect(c.excerpts.every((e) => e.job === "Test")).toBe(true);
    expect(c.failed_tests.map((t) => t.name)).toContain('output as stream when "-" is specified');
    // Locations are turned into repository paths that exist in the checkout.
    expect(c.locations).toEqual(expect.arrayContaining([expect.objectContaining({ path: "lib/svgo/config.js", line: 61 })]));
    expect(c.locations.every((l) => ["lib/svgo/config.js", "test/cli/cli.test.js", "lib/svgo.js"].includes(l.path))).toBe(true);
    const snippet = c.snippets.find((s) => s.path === "lib/svgo/config.js")!;
    expect(snippet.text).toMatch(/^61\| {3}return extendDefaultPlugins\(plugins\);$/m);
    expect(c.languages).toEqual(["JavaScript"]);
    expect(c.manifests[0]).toMatchObject({ path: "package.json", excerpt: expect.stringContaining('"test": "jest"') });
    expect(c.test_config).toEqual([expect.objectContaining({ path: "jest.config.js" })]);
    expect(c.head_commit_diff).toContain("diff --git a/lib/svgo/config.js");
    expect(c.budget.tokens).toBe(6000);
    expect(c.budget.used).toBeLessThanOrEqual(6000);
    expect(r.summary).toMatchObject({ classification: "test", tokens: c.budget.used });
    expect(JSON.parse(await readFile(r.contextPath, "utf8"))).toEqual(c);
    // It is exactly what the gateway's fix_ci_failure user schema accepts.
    const schema = JSON.parse(await readFile(join(FIX, "../../tensorzero/config/functions/fix_ci_failure/user_schema.json"), "utf8"));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(c) ? [] : validate.errors).toEqual([]);

    // No secret from the corpus, the repo, the diff or the annotations survives into the context or its file.
    const everything = JSON.stringify(r) + (await readFile(r.contextPath, "utf8"));
    for (const secret of [...CORPUS.map((x) => x.secret), ...Object.values(SECRETS)]) {
      const n = Math.min(12, secret.length); // a secret shorter than the window counts whole
      for (let i = 0; i + n <= secret.length; i++) expect(everything).not.toContain(secret.slice(i, i + n));
    }
    expect(everything).toContain("[REDACTED]");
  });

  // The API hands an error line over as an annotation, unmasked and apart from the log that registered its value.
  test("a value the log registered with ::add-mask:: is masked in the annotations too", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    const text = svgoLog.toString("utf8");
    const at = text.indexOf("2022-05-13T18:54:33.2695900Z ##[error]");
    const log = Buffer.from(`${text.slice(0, at)}2022-05-13T18:54:33.2600000Z ##[group]Run echo "::add-mask::walrus-copper-pliers"\n${text.slice(at)}`);
    await mockRun(log, { diff: "", annotation: "psql: password authentication failed for walrus-copper-pliers" });
    job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
    const r = (await buildContextStage.run(job, deps, ctx)).result as BuildContextResult;
    gh.done();
    const everything = JSON.stringify(r) + (await readFile(r.contextPath, "utf8"));
    expect(everything).toContain("password authentication failed for [REDACTED]");
    expect(everything).not.toContain("walrus-copper");
  });

  test("a small budget keeps the most important parts whole and lists what it dropped", async () => {
    const build = async (budget: string) => {
      const { deps, job, ctx } = setup({ CONTEXT_BUDGET_TOKENS: budget });
      await cloneRepoStage.run(job, deps, ctx);
      await mockRun(svgoLog, { diff: DIFF });
      job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
      const c = ((await buildContextStage.run(job, deps, ctx)).result as BuildContextResult).context;
      gh.done();
      gh.cleanup();
      return c;
    };
    const full = await build("6000");
    const small = await build("900");
    expect(full.budget.dropped).toEqual([]);
    expect(small.budget.used).toBeLessThanOrEqual(900);
    expect(small.failing_jobs).toEqual(full.failing_jobs);
    expect(small.budget.dropped.length).toBeGreaterThan(0);
    // Parts before the first one cut are exactly as with a large budget; the cut part keeps its head.
    // (Excerpts are sized by the log analyser itself, at half the budget.)
    expect(small.excerpts.length).toBeGreaterThan(0);
    expect(small.excerpts.at(-1)!.text).toMatch(/Run yarn test|exit code 1|✕|●/);
    const parts = CONTEXT_PRIORITY.slice(2);
    const firstCut = parts.findIndex((p) => small.budget.dropped.some((d) => d.startsWith(p)));
    expect(firstCut).toBeGreaterThanOrEqual(0);
    const get = (c: unknown, p: string) => (c as Record<string, unknown>)[p];
    for (const p of parts.slice(0, firstCut)) expect(get(small, p)).toEqual(get(full, p));
    const cut = parts[firstCut]!;
    const mine = get(small, cut);
    if (Array.isArray(mine)) expect(mine).toEqual((get(full, cut) as unknown[]).slice(0, mine.length));
  }, 60_000); // ~1.3 s here: room for a CI machine slowed 25x

  /** The stages up to build-context for a new job of the svgo failure, with `before` (an earlier job) on record. */
  async function buildContextAfter(before: Job) {
    const { deps, job, ctx } = setup();
    await deps.store.recordIntake(makeDelivery(before), "{}", before);
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun(svgoLog, { diff: DIFF });
    job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
    const out = await buildContextStage.run(job, deps, ctx);
    gh.done();
    return out;
  }

  test("people re-ran the failed run and it passed while the logs were read: the job ends here, before the re-run or the model", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun(svgoLog, { diff: DIFF });
    job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
    job.run.latestAttempt = { attempt: 2, conclusion: "success" };
    const out = await buildContextStage.run(job, deps, ctx);
    gh.done();
    expect(out.finish).toBe(`attempt 2 of run ${job.run.id} passed since it failed (re-run by people): no fix PR for a failure already green`);
  });

  test("the same failing test as a fix PR people closed without merging: the job ends here, before the re-run or the model", async () => {
    // Yesterday's run of the same workflow and branch, whose fix PR #40 people closed unmerged.
    const before = makeJob({ repo: "octo/app", runId: 98 });
    before.results = {
      "build-context": { context: { failed_tests: [{ name: 'output as stream when "-" is specified' }] } },
      "open-pull-request": { branch: "ci-bot/fix-98", pr: { number: 40, state: "closed" } },
      "pr-events": [{ id: "closed:40", kind: "closed", merged: false, headSha: "c".repeat(40), at: "2026-11-22T12:00:00.000Z" }],
    };
    const out = await buildContextAfter(before);
    expect(out.finish).toContain(`people closed fix PR #40 (job ${before.id})`);
    expect((out.result as BuildContextResult).context.failed_tests.length).toBeGreaterThan(0);
  });

  test("the same failing test on the branch while a fix PR for it is open: the job ends here, the PR left as it is", async () => {
    // Last night's run of the same workflow on main, whose fix PR #41 waits for review.
    const before = { ...makeJob({ repo: "octo/app", runId: 97 }), state: "pr" as const, waitingFor: "pr_outcome" };
    before.results = {
      "build-context": { context: { failed_tests: [{ name: 'output as stream when "-" is specified' }, { name: "another test" }] } },
      "open-pull-request": { branch: "ci-bot/fix-97", commitSha: "d".repeat(40), files: ["lib/svgo.js"], pr: { number: 41, state: "open" } },
    };
    const out = await buildContextAfter(before);
    expect((out.result as BuildContextResult).context.failed_tests.map((t) => t.name)).toEqual(['output as stream when "-" is specified']);
    // This run names the jest file, the earlier one's context did not: the note says the match was by name alone.
    expect(out.finish).toContain(`its fix PR #41 of job ${before.id} answers it (test/cli/cli.test.js::output as stream when "-" is specified: matched by name only, a run naming no file for them); nothing written`);
  });

  test("the same jest test on the branch, both runs naming its file: matched by file and name, not by name alone", async () => {
    const before = { ...makeJob({ repo: "octo/app", runId: 97 }), state: "pr" as const, waitingFor: "pr_outcome" };
    before.results = {
      "build-context": { context: { failed_tests: [{ name: 'output as stream when "-" is specified', file: "test/cli/cli.test.js" }] } },
      "open-pull-request": { branch: "ci-bot/fix-97", commitSha: "d".repeat(40), files: ["lib/svgo.js"], pr: { number: 41, state: "open" } },
    };
    const out = await buildContextAfter(before);
    expect((out.result as BuildContextResult).context.failed_tests).toEqual([{ name: 'output as stream when "-" is specified', file: "test/cli/cli.test.js" }]);
    expect(out.finish).toContain(`its fix PR #41 of job ${before.id} answers it (test/cli/cli.test.js::output as stream when "-" is specified: matched by file and name); nothing written`);
  });

  // Raw logs can hold secrets GitHub did not mask; a job can then wait days for CI on its fix PR.
  test("once the context is built the raw logs are gone: only the redacted context and the workflow file stay", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun(leakyLog(), { diff: DIFF });
    const fetched = (await fetchLogsStage.run(job, deps, ctx)).result as FetchedLogs;
    job.results["fetch-logs"] = fetched;
    expect((await readdir(fetched.logsDir)).sort()).toEqual([`${GH_JOB}.json`, `${GH_JOB}.log`, "workflow.yml"]);
    const r = (await buildContextStage.run(job, deps, ctx)).result as BuildContextResult;
    gh.done();
    expect((await readdir(fetched.logsDir)).sort()).toEqual(["context.json", "workflow.yml"]);
    expect(r.contextPath).toBe(join(fetched.logsDir, "context.json"));
    const left = (await readFile(r.contextPath, "utf8")) + (await readFile(join(fetched.logsDir, "workflow.yml"), "utf8"));
    for (const c of CORPUS) expect(left).not.toContain(c.secret);
  });

  test("build-context run again after a crash (its result not stored, the raw logs already gone) fetches them again and builds the same context", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun(svgoLog, { diff: DIFF });
    job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
    const first = (await buildContextStage.run(job, deps, ctx)).result as BuildContextResult;
    gh.done();
    gh.cleanup();
    // The process died before the runner stored the result: the stage runs again on the same job.
    await mockRun(svgoLog, { diff: DIFF });
    const again = (await buildContextStage.run(job, deps, ctx)).result as BuildContextResult;
    gh.done();
    expect(again.context).toEqual(first.context);
    expect((await readdir(dirname(again.contextPath))).sort()).toEqual(["context.json", "workflow.yml"]);
  });

  test("after an operator retry (workspace and logs removed) it clones and fetches again", async () => {
    const { deps, job, ctx } = setup();
    await cloneRepoStage.run(job, deps, ctx);
    await mockRun(svgoLog);
    job.results["fetch-logs"] = (await fetchLogsStage.run(job, deps, ctx)).result;
    gh.done();
    gh.cleanup();
    await deps.workspace.remove(job.id);
    expect(await deps.workspace.get(job.id)).toBeUndefined();
    await mockRun(svgoLog, { diff: DIFF });
    const r = (await buildContextStage.run(job, deps, ctx)).result as BuildContextResult;
    gh.done();
    expect(r.context.failing_jobs[0]!.command).toContain("yarn test");
    expect(await deps.workspace.get(job.id)).toBeDefined();
  });
});
