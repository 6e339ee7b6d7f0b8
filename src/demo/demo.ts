/**
 * `npm run demo`: the whole flow, offline, in dry-run. A failing repository on a local git server, the fake
 * TensorZero gateway (it loads this project's tensorzero.toml) answering with a fix, and a canned GitHub:
 * a failed workflow_run webhook goes through the real intake and every real stage, and the would-be PR
 * (branch, files, body and diff) is printed at the end. Nothing leaves the machine.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTensorZeroModel } from "../adapters/tensorzero/tensorzero-model.js";
import { createFsWorkspace, workspaceOptionsFromConfig } from "../adapters/workspace/fs-workspace.js";
import { buildDeps } from "../composition.js";
import { loadAppConfig } from "../config/app-config.js";
import { silentLogger } from "../core/logger.js";
import { intakeDelivery } from "../handlers/intake.js";
import { Runner, queueItemFor } from "../pipeline/runner.js";
import type { Stage } from "../pipeline/stage.js";
import { STAGES } from "../pipeline/stages.js";
import { cannedGitHub } from "./canned-github.js";
import { demoLog, demoRunPayload, DEMO_JOB_ID, demoJobs } from "./demo-run.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPO_FILES = ["package.json", "src/math.js", "test/math.test.js", ".github/workflows/ci.yml"];
const TOKEN = "ghs_demoDemoDemoDemoDemoDemoDemoDemo0000";
const out = (s = "") => process.stdout.write(`${s}\n`);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

// The build compiles the test fakes only because these imports name their types; at run time the demo
// loads their .ts sources through tsx, as `npm run demo` runs it.
const load = <T>(rel: string): Promise<T> => import(new URL(rel, `file://${ROOT}/`).href) as Promise<T>;

export async function demo(): Promise<number> {
  const base = await mkdtemp(join(tmpdir(), "t0-demo-"));
  const { createRepo, startGitServer } = await load<typeof import("../../test/fakes/git-server.js")>("test/fakes/git-server.ts");
  const { FakeTensorZero } = await load<typeof import("../../test/fakes/fake-tensorzero.js")>("test/fakes/fake-tensorzero.ts");
  const files = Object.fromEntries(REPO_FILES.map((f) => [f, readFileSync(join(ROOT, "fixtures/repos/node-sum", f), "utf8")]));
  const headSha = (await createRepo(join(base, "repos"), "demo-org/calc", [files], "main"))[0]!;
  const git = await startGitServer({ root: join(base, "repos"), token: TOKEN });
  const gateway = await FakeTensorZero.start();
  gateway.setDefault({
    output: {
      diagnosis: "`sum()` subtracts its arguments (`a - b`), so `sum(2, 3)` returns -1 and the `sum adds` test fails. It should add them.",
      patch: readFileSync(join(ROOT, "fixtures/repos/node-sum.fix.diff"), "utf8"),
      confidence: 0.9,
      files: ["src/math.js"],
      tests_to_run: null,
    },
  });
  try {
    const config = loadAppConfig({
      DRY_RUN: "true", DATA_DIR: join(base, "data"), WORKSPACE_ROOT: join(base, "ws"), WORKSPACE_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0",
      GIT_BASE_URL: git.url, TENSORZERO_URL: gateway.url, T0_WORKERS: "1", LOG_LEVEL: "silent",
    });
    const logger = silentLogger();
    const deps = await buildDeps(config, {
      logger,
      overrides: {
        github: cannedGitHub({ token: TOKEN, repoConfig: { validate: ["npm test"] }, jobs: demoJobs(), logs: { [DEMO_JOB_ID]: demoLog() }, files: { ".github/workflows/ci.yml": files[".github/workflows/ci.yml"]! }, branches: { main: headSha } }),
        workspace: createFsWorkspace(workspaceOptionsFromConfig(config)),
        model: createTensorZeroModel(config, { clock: { now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), setTimeout: (fn, ms) => { const t = setTimeout(fn, ms); return { cancel: () => clearTimeout(t) }; } } }),
      },
    });
    out(bold("t0-ci-bot demo (dry run, offline)"));
    out(dim(`repo demo-org/calc at ${headSha.slice(0, 7)} on a local git server; fake TensorZero at ${gateway.url}; canned GitHub`));
    out();
    const intake = await intakeDelivery(deps, { id: "demo-delivery", event: "workflow_run", rawBody: JSON.stringify(demoRunPayload(headSha)) });
    if (!intake.ok || !intake.job) {
      out(`webhook not turned into a job: ${intake.ok ? intake.delivery.reason : intake.message}`);
      return 1;
    }
    out(`webhook workflow_run.completed (failure) → job ${intake.job.id} (${intake.delivery.outcome})`);
    const stages = STAGES.map((s, i) => progress(s, i + 1, STAGES.length));
    await new Runner(deps, stages).runJob(queueItemFor(intake.job));
    const job = (await deps.store.getJob(intake.job.id))!;
    out();
    if (job.state === "failed") {
      out(`job failed at ${job.error?.stage}: ${job.error?.code}: ${job.error?.message}`);
      return 1;
    }
    const pr = job.results["open-pull-request"] as { branch: string; files: Array<{ path: string; bytes: number; deleted: boolean }>; title: string; body: string; diff: string; labels: string[] };
    out(bold(`Would push a verified commit to ${pr.branch} and open this draft PR (labels: ${pr.labels.join(", ")}):`));
    out(`files: ${pr.files.map((f) => `${f.path}${f.deleted ? " (deleted)" : ""}`).join(", ")}`);
    out();
    out(bold(`# ${pr.title}`));
    out(pr.body);
    out();
    out(bold("diff"));
    out(pr.diff);
    out(dim(`job ${job.state}: ${job.history.map((h) => h.state).join(" → ")}. Without DRY_RUN the job would now wait for CI on the fix branch and the PR's merge, and send that to TensorZero as feedback.`));
    await deps.store.close();
    return 0;
  } finally {
    await gateway.stop();
    await git.close();
    await rm(base, { recursive: true, force: true });
  }
}

function progress(stage: Stage, n: number, total: number): Stage {
  const wrap = (fn: NonNullable<Stage["dryRun"]>): NonNullable<Stage["dryRun"]> => async (job, deps, ctx) => {
    const started = Date.now();
    process.stdout.write(`[${n}/${total}] ${stage.name.padEnd(20)} ${dim(stage.state.padEnd(9))} `);
    try {
      const r = await fn(job, deps, ctx);
      out(`ok ${dim(`${Date.now() - started} ms`)}${summary(stage.name, r.result)}`);
      return r;
    } catch (err) {
      out(`failed: ${(err as Error).message}`);
      throw err;
    }
  };
  return { ...stage, run: wrap(stage.run), ...(stage.dryRun ? { dryRun: wrap(stage.dryRun) } : {}) };
}

function summary(name: string, result: unknown): string {
  const r = result as Record<string, any> | undefined;
  if (!r) return "";
  if (name === "build-context" && r.summary) return dim(`  classification ${r.summary.classification}, ${r.summary.tokens} tokens, ${r.summary.excerpts} excerpts`);
  if (name === "propose-patch" && r.proposal) return dim(`  ${r.variantName}, confidence ${r.proposal.confidence}, files ${r.proposal.files.join(", ")}`);
  if (name === "apply-and-validate" && r.evidence) return dim(`  ${r.evidence.before ?? "-"} → ${r.evidence.after ?? "-"} (${r.runs.map((x: { command: string }) => x.command).join("; ")})`);
  if (name === "fetch-logs" && r.jobs) return dim(`  ${r.jobs.length} failed job(s)`);
  return "";
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  demo().then((code) => process.exit(code), (err) => {
    process.stderr.write(`demo failed: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
  });
}
