// Pipeline overhead from webhook delivery to the PR request, for a repository of 3,000+ files, beside a
// plain `git clone --depth 1` of the same repository from the same local git server, measured in the same
// run. Model latency is excluded (an in-process model answers at once) and so are the validation
// commands (their measured durations are subtracted). Goal: overhead ≤ 3× the clone.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createFsWorkspace, workspaceOptionsFromConfig } from "../src/adapters/workspace/fs-workspace.js";
import { buildDeps } from "../src/composition.js";
import { loadAppConfig } from "../src/config/app-config.js";
import { silentLogger } from "../src/core/logger.js";
import type { GitHubPort } from "../src/core/ports/github-port.js";
import type { ModelPort } from "../src/core/ports/model-port.js";
import { cannedGitHub } from "../src/demo/canned-github.js";
import { demoJobs, demoLog, demoRunPayload, DEMO_JOB_ID } from "../src/demo/demo-run.js";
import { intakeDelivery } from "../src/handlers/intake.js";
import { Runner, queueItemFor } from "../src/pipeline/runner.js";
import { STAGES } from "../src/pipeline/stages.js";
import { FakeGitHubWrites } from "../test/e2e/fake-github-writes.js";
import { createRepo, startGitServer } from "../test/fakes/git-server.js";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const FILES = Number(process.env.BENCH_FILES ?? 3000);
const N = Number(process.env.BENCH_N ?? 5);
const TOKEN = "ghs_benchBenchBenchBenchBenchBench000000";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const base = await mkdtemp(join(tmpdir(), "t0-bench-pipeline-"));
const repoFiles: Record<string, string> = {};
for (const f of ["package.json", "src/math.js", "test/math.test.js", ".github/workflows/ci.yml"]) {
  repoFiles[f] = readFileSync(join(here, "..", "fixtures/repos/node-sum", f), "utf8");
}
for (let i = 0; i < FILES; i++) {
  repoFiles[`lib/m${Math.floor(i / 100)}/file${i}.js`] = `// module ${i}\nexport const value${i} = ${i};\n`.repeat(20);
}
const headSha = (await createRepo(join(base, "repos"), "demo-org/calc", [repoFiles], "main"))[0]!;
const server = await startGitServer({ root: join(base, "repos"), token: TOKEN });
const patch = readFileSync(join(here, "..", "fixtures/repos/node-sum.fix.diff"), "utf8");

const model: ModelPort = {
  async proposePatch(_ctx, opts) {
    return {
      proposal: { diagnosis: "sum() subtracts.", patch, confidence: 0.9, files: ["src/math.js"] },
      episodeId: opts.episodeId, inferenceId: "0192f5a0-0000-7000-8000-0000000000aa", variantName: "bench",
    };
  },
  async feedback() {
    return { feedbackId: "x" };
  },
  async status() {
    return { status: "ok" };
  },
};

async function gitClone(i: number): Promise<number> {
  const dir = join(base, `git-clone-${i}`);
  const url = server.url.replace("://", `://x-access-token:${TOKEN}@`) + "/demo-org/calc.git";
  const t = performance.now();
  await run("git", ["clone", "-q", "--depth", "1", "--branch", "main", url, dir], { env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } });
  const ms = performance.now() - t;
  await rm(dir, { recursive: true, force: true });
  return ms;
}

async function pipeline(i: number): Promise<{ ms: number; commandsMs: number; ok: boolean }> {
  const dir = join(base, `app-${i}`);
  const config = loadAppConfig({
    DATA_DIR: join(dir, "data"), WORKSPACE_ROOT: join(dir, "ws"), WORKSPACE_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0", GIT_BASE_URL: server.url,
    SANDBOX: "off", T0_WORKERS: "1", LOG_LEVEL: "silent", REPRODUCE_FIRST: "false",
  });
  const writes = new FakeGitHubWrites(headSha, repoFiles);
  let prRequestedAt = 0;
  const create = writes.createPullRequest.bind(writes);
  writes.createPullRequest = async (r, input) => ((prRequestedAt = performance.now()), create(r, input));
  const read = cannedGitHub({ token: TOKEN, repoConfig: { validate: ["npm test"], reproduce_first: false }, jobs: demoJobs(), logs: { [DEMO_JOB_ID]: demoLog() }, files: { ".github/workflows/ci.yml": repoFiles[".github/workflows/ci.yml"]! }, branches: { main: headSha } });
  const github: GitHubPort = { forInstallation: async (id) => ({ ...(await read.forInstallation(id)), writes }) };
  const deps = await buildDeps(config, { logger: silentLogger(), overrides: { github, model, workspace: createFsWorkspace(workspaceOptionsFromConfig(config)) } });
  const t = performance.now();
  const intake = await intakeDelivery(deps, { id: `bench-${i}`, event: "workflow_run", rawBody: JSON.stringify(demoRunPayload(headSha)) });
  await new Runner(deps, STAGES).runJob(queueItemFor(intake.ok ? intake.job! : (() => { throw new Error("intake failed"); })()));
  const job = (await deps.store.getJob(intake.job!.id))!;
  const runs = ((job.results["apply-and-validate"] as { runs?: Array<{ durationMs: number }> } | undefined)?.runs ?? []);
  const commandsMs = runs.reduce((a, r) => a + r.durationMs, 0);
  await deps.store.close();
  await rm(dir, { recursive: true, force: true });
  return { ms: prRequestedAt ? prRequestedAt - t : NaN, commandsMs, ok: job.state === "pr" && !!prRequestedAt };
}

try {
  await gitClone(-1); // warm the server and the page cache for both sides
  const clones: number[] = [];
  const overheads: number[] = [];
  const totals: number[] = [];
  for (let i = 0; i < N; i++) {
    clones.push(await gitClone(i));
    const p = await pipeline(i);
    if (!p.ok) throw new Error("the pipeline did not reach the PR request; run the e2e tests to see why");
    totals.push(p.ms);
    overheads.push(p.ms - p.commandsMs);
  }
  const clone = median(clones);
  const overhead = median(overheads);
  const ratio = overhead / clone;
  console.log(`repository: ${FILES + 4} files; ${N} runs each, medians`);
  console.log(`baseline  git clone --depth 1 (local smart-HTTP server): ${clone.toFixed(0)} ms`);
  console.log(`pipeline  delivery → PR request, total:                   ${median(totals).toFixed(0)} ms`);
  console.log(`pipeline  overhead (minus validation commands, no model):  ${overhead.toFixed(0)} ms  = ${ratio.toFixed(2)}× the clone (goal ≤ 3×) ${ratio <= 3 ? "OK" : "OVER"}`);
} finally {
  await server.close();
  await rm(base, { recursive: true, force: true });
}
