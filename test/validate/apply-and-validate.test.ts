import { afterEach, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadAppConfig } from "../../src/config/app-config.js";
import { parseRepoConfig } from "../../src/config/repo-config.js";
import type { Deps } from "../../src/core/deps.js";
import { AppError } from "../../src/core/errors.js";
import type { Job } from "../../src/core/job.js";
import { silentLogger } from "../../src/core/logger.js";
import { applyAndValidateStage, createApplyAndValidateStage, type ApplyAndValidateResult, type ApplyPatchFn } from "../../src/pipeline/stages/apply-and-validate.js";
import type { StageContext } from "../../src/pipeline/stage.js";
import { probeBwrap } from "../../src/validate/sandbox.js";
import { fixturePatch, fixtureRepo, type FixtureRepo } from "../helpers/fixture-repo.js";

const sh = promisify(execFile);
const bwrap = await probeBwrap();
const optWritable = await mkdtemp("/opt/t0-ci-bot-probe-").then(async (d) => (await rm(d, { recursive: true }), true), () => false);

/** Stand-in for src/patch's applier: `git apply`, with the same result shape. */
const gitApply: ApplyPatchFn = async (diff, dir, opts) => {
  const file = join(dir, "..", "proposal.diff");
  await writeFile(file, diff);
  try {
    await sh("git", ["apply", ...(opts.dryRun ? ["--check"] : []), file], { cwd: dir });
  } catch (err) {
    return { ok: false, refusal: { rule: "hunk_failed", reason: String((err as { stderr?: string }).stderr ?? err) } };
  }
  const files = [...diff.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => ({ path: m[1]!, status: "modified" as const, additions: 1, deletions: 1 }));
  return { ok: true, files, overrides: [], overrideDetails: [], additions: 1, deletions: 1 };
};

const repos: FixtureRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

function makeJob(results: Record<string, unknown>, workflowPath?: string): Job {
  return {
    id: "job-1", key: "1:2", deliveryId: "d", installationId: 1,
    repo: { id: 1, owner: "o", name: "r", fullName: "o/r" },
    run: { id: 2, attempt: 1, source: "workflow_run", headSha: "a".repeat(40), headBranch: "main", conclusion: "failure", pullRequests: [], ...(workflowPath ? { workflowPath } : {}) },
    fingerprint: "f", state: "testing", history: [], completedStages: [], results, attempts: { total: 1, byStage: {} },
    dryRun: false, feedback: [], createdAt: "2026-11-23T12:00:00Z", updatedAt: "2026-11-23T12:00:00Z",
  };
}

function makeDeps(dir: string, env: Record<string, string> = {}): Deps {
  // No disk floor but where a test sets one: these tests must pass on a nearly full CI disk too.
  const config = loadAppConfig({ NODE_ENV: "test", SANDBOX: bwrap.available ? "auto" : "off", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0", ...env });
  return {
    config,
    workspace: { get: async (jobId: string) => ({ jobId, dir }), clone: async () => { throw new Error("unused"); }, remove: async () => {}, sweep: async () => 0 },
    logger: silentLogger(),
  } as unknown as Deps;
}
const ctx = (): StageContext => ({ log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 });
const proposal = (patch: string) => ({ proposal: { diagnosis: "d", patch, confidence: 0.9, files: [], tests_to_run: ["test/math.test.js"] }, episodeId: "e", inferenceId: "i", variantName: "v" });

/** What fetch-logs leaves for a failed `npm test` step in the fixture's matrix workflow. */
async function fetchLogsFor(r: FixtureRepo) {
  const logsDir = join(r.root, "logs");
  await mkdir(logsDir);
  await writeFile(join(logsDir, "workflow.yml"), await readFile(join(r.dir, ".github/workflows/ci.yml")));
  return {
    logsDir,
    workflow: { path: ".github/workflows/ci.yml", file: "workflow.yml", found: true },
    jobs: [{ id: 7, name: "test (node 20)", conclusion: "failure", failingStep: { number: 6, name: "Unit tests", command: "npm test" } }],
    skippedJobs: [],
  };
}

async function runStage(r: FixtureRepo, results: Record<string, unknown>, opts: { env?: Record<string, string>; applyPatch?: ApplyPatchFn; parentEnv?: NodeJS.ProcessEnv } = {}) {
  const stage = createApplyAndValidateStage({ applyPatch: opts.applyPatch ?? gitApply, parentEnv: opts.parentEnv });
  return stage.run(makeJob(results, ".github/workflows/ci.yml"), makeDeps(r.dir, opts.env), ctx());
}
const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected the stage to fail"); }, (e: unknown) => e as AppError);

describe("apply-and-validate stage", () => {
  test("node: the right patch goes red → green with the workflow's failing command", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const out = await runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": parseRepoConfig(null), "fetch-logs": await fetchLogsFor(r) });
    const result = out.result as ApplyAndValidateResult;
    expect(result.verdict).toBe("passed");
    expect(result.evidence).toEqual({ before: "red", after: "green", reproduced: true });
    expect(result.commands.validate).toEqual([{ command: "npm test", source: "workflow" }]);
    expect(result.commands.setup).toEqual([]);
    expect(result.commands.skipped.map((s) => [s.command, s.reason])).toEqual([
      ["npm install", expect.stringContaining("network")],
      [expect.stringContaining("secrets.NPM_TOKEN"), expect.stringContaining("GitHub expression")],
    ]);
    expect(result.sandbox).toBe(bwrap.available ? "bwrap" : "none");
    expect(result.patch.files).toMatchObject([{ path: "src/math.js", status: "modified" }]);
    expect(result.suggestedTests).toEqual(["test/math.test.js"]);
    expect(await readFile(join(r.dir, "src/math.js"), "utf8")).toContain("a + b");
  });

  test("without reproduce-first, CI's count for the failing step is kept beside the one with the patch; not for the repository's own commands", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const fetched = await fetchLogsFor(r);
    Object.assign(fetched.jobs[0]!.failingStep, { testsRan: 7 });
    const results = { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": parseRepoConfig({ reproduce_first: false }), "fetch-logs": fetched };
    const result = (await runStage(r, results)).result as ApplyAndValidateResult;
    expect(result.verdict).toBe("passed");
    expect(result.testsRan).toBeUndefined();
    expect(result.ciTestsRan).toEqual({ ci: 7, after: expect.any(Number) });
    // Fewer here than CI's 7 (the fixture has fewer tests) is for the reviewer, not a failed validation.
    expect(result.ciTestsRan!.after).toBeLessThan(7);

    const own = { ...results, "check-repo-config": parseRepoConfig({ reproduce_first: false, validate: ["npm test"] }) };
    const ownResult = (await runStage(r, own)).result as ApplyAndValidateResult;
    expect(ownResult.commands.validate).toEqual([{ command: "npm test", source: "repo-config" }]);
    expect(ownResult.ciTestsRan).toBeUndefined();
  });

  // A shared fleet's operator caps what `.github/ci-bot.yml` (the repository's to write) may open: with
  // network, the sandbox reaches whatever the worker reaches.
  test.each([
    ["off", "none", /turned off by the operator's SANDBOX_NETWORK=off/],
    ["setup", "setup", /limited to setup commands by the operator's SANDBOX_NETWORK=setup/],
  ])("SANDBOX_NETWORK=%s caps a repository's network: true", async (cap, network, why) => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const results = { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": parseRepoConfig({ network: true }), "fetch-logs": await fetchLogsFor(r) };
    const result = (await runStage(r, results, { env: { SANDBOX_NETWORK: cap } })).result as ApplyAndValidateResult;
    expect(result.verdict).toBe("passed");
    expect(result.networkCapped).toMatch(why);
    if (bwrap.available) expect(result.network).toBe(network);
    if (cap === "off") expect(result.commands.skipped).toContainEqual(expect.objectContaining({ command: "npm install", reason: expect.stringMatching(/SANDBOX_NETWORK=off.*ask the operator/) }));
  });

  test("SANDBOX_NETWORK=allow (the default) leaves the repository's network as asked", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const job = makeJob({ "check-repo-config": parseRepoConfig({ network: true }), "fetch-logs": await fetchLogsFor(r) }, ".github/workflows/ci.yml");
    const out = await createApplyAndValidateStage({ applyPatch: gitApply }).run(job, makeDeps(r.dir), { ...ctx(), dryRun: true });
    const plan = out.result as { wouldRun: { setup: Array<{ command: string }> }; networkCapped?: string };
    expect(plan.networkCapped).toBeUndefined();
    expect(plan.wouldRun.setup.map((s) => s.command)).toContain("npm install");
  });

  test("node: a wrong patch fails the job with validation_failed and the evidence", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const err = await failure(runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.wrong.diff")), "fetch-logs": await fetchLogsFor(r) }));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "validation_failed", retryable: false });
    expect(err.message).toMatch(/`npm test` exited 1 \(red before the patch, red after\)/);
    const v = err.details?.validation as ApplyAndValidateResult;
    expect(v.verdict).toBe("failed");
    expect(v.runs.map((x) => x.phase)).toEqual(["reproduce", "validate"]);
    expect(v.runs[1]!.outputTail).toMatch(/sum adds/);
    // Named with the verdict, for the job's tries (jobs show): which tests the patch left red.
    expect(v.failingTests).toEqual(["sum adds"]);
  });

  test("python: defaults by project type when there is no workflow information", async () => {
    const r = await fixtureRepo("python-slug");
    repos.push(r);
    const stage = createApplyAndValidateStage({ applyPatch: gitApply });
    const out = await stage.run(makeJob({ "propose-patch": proposal(await fixturePatch("python-slug.fix.diff")) }), makeDeps(r.dir), ctx());
    const result = out.result as ApplyAndValidateResult;
    expect(result.commands.validate).toEqual([{ command: "python3 -m unittest discover -v", source: "default" }]);
    expect(result.evidence).toMatchObject({ before: "red", after: "green" });
    const wrong = await fixtureRepo("python-slug");
    repos.push(wrong);
    const err = await failure(stage.run(makeJob({ "propose-patch": proposal(await fixturePatch("python-slug.wrong.diff")) }), makeDeps(wrong.dir), ctx()));
    expect(err.code).toBe("validation_failed");
  });

  test("a refused patch is patch_refused with the rule, before any command runs", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    let calls = 0;
    const refuse: ApplyPatchFn = async () => (calls++, { ok: false, refusal: { rule: "workflow_edits", file: ".github/workflows/ci.yml", reason: "edits a workflow" } });
    const err = await failure(runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")) }, { applyPatch: refuse }));
    expect(err).toMatchObject({ code: "patch_refused", retryable: false, details: { rule: "workflow_edits", file: ".github/workflows/ci.yml" } });
    expect(calls).toBe(1);
  });

  test("repo config commands and timeouts win; a hanging command is killed and fails validation", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const { config } = parseRepoConfig({ validate: ["sleep 30"], timeouts: { validate_seconds: 1 }, reproduce_first: false });
    const started = Date.now();
    const err = await failure(runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": { config, problems: [] } }));
    // Unkilled, `sleep 30` runs 30 s; room for a loaded CI machine (the run's `timedOut` below is the proof).
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err.code).toBe("validation_failed");
    expect(err.message).toMatch(/`sleep 30` timed out/);
    const v = err.details?.validation as ApplyAndValidateResult;
    expect(v.commands.validate).toEqual([{ command: "sleep 30", source: "repo-config" }]);
    expect(v.runs).toEqual([expect.objectContaining({ phase: "validate", timedOut: true })]);
  });

  // No disk has a pebibyte free: the operator's floor reaches the watch, and the first command is stopped.
  test("VALIDATION_MIN_FREE_BYTES above the free space stops validation with validation_disk_low, kept on the job, retryable", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const { config } = parseRepoConfig({ validate: ["sleep 30"] });
    const started = Date.now();
    const err = await failure(runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": { config, problems: [] } }, { env: { VALIDATION_MIN_FREE_BYTES: String(2 ** 50) } }));
    // Unkilled, `sleep 30` runs 30 s; the floor normally stops it in well under 1 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err).toMatchObject({ code: "validation_disk_low", retryable: true, details: { phase: "reproduce", command: "sleep 30", minFreeBytes: 2 ** 50 } });
    expect(err.message).toMatch(/reproduce command `sleep 30` ran, below VALIDATION_MIN_FREE_BYTES/);
    const v = err.details?.validation as ApplyAndValidateResult;
    expect(v.runs).toEqual([expect.objectContaining({ phase: "reproduce", timedOut: false, diskLow: expect.objectContaining({ minFreeBytes: 2 ** 50 }) })]);
    // Stopped before the patch: the checkout is as committed.
    expect(await readFile(join(r.dir, "src/math.js"), "utf8")).toContain("a - b");
  });

  // No host has a pebibyte of memory available: the operator's floor reaches the watch, and the first command is stopped.
  (existsSync("/proc/meminfo") ? test : test.skip)("VALIDATION_MIN_FREE_MEMORY_BYTES above the available memory stops validation with validation_memory_low, kept on the job, retryable", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const { config } = parseRepoConfig({ validate: ["sleep 30"] });
    const started = Date.now();
    const err = await failure(runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": { config, problems: [] } }, { env: { VALIDATION_MIN_FREE_MEMORY_BYTES: String(2 ** 50) } }));
    // Unkilled, `sleep 30` runs 30 s; the floor normally stops it in well under 1 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err).toMatchObject({ code: "validation_memory_low", retryable: true, details: { phase: "reproduce", command: "sleep 30", minAvailableBytes: 2 ** 50 } });
    expect(err.message).toMatch(/reproduce command `sleep 30` ran, below VALIDATION_MIN_FREE_MEMORY_BYTES/);
    const v = err.details?.validation as ApplyAndValidateResult;
    expect(v.runs).toEqual([expect.objectContaining({ phase: "reproduce", timedOut: false, memoryLow: expect.objectContaining({ minAvailableBytes: 2 ** 50 }) })]);
    expect(await readFile(join(r.dir, "src/math.js"), "utf8")).toContain("a - b");
  });

  test("validation commands see no app secrets", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const { config } = parseRepoConfig({ validate: ["env > env.txt"], reproduce_first: false });
    const parentEnv = { ...process.env, GITHUB_TOKEN: "ghs_secretsecretsecretsecret0123", TENSORZERO_API_KEY: "sk-t0-abcdefghijk", PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----x" };
    await runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": { config, problems: [] } }, { parentEnv });
    const seen = await readFile(join(r.dir, "env.txt"), "utf8");
    expect(seen).not.toMatch(/GITHUB_TOKEN|TENSORZERO_API_KEY|PRIVATE_KEY|ghs_secret/);
    expect(seen).toMatch(/^CI=true$/m);
  });

  // WORKSPACE_ROOT under /opt (bound read-only into the sandbox), as root can make it here and in CI.
  (bwrap.available && optWritable ? test : test.skip)("another job's checkout under WORKSPACE_ROOT cannot be read by this job's commands", async () => {
    const root = await mkdtemp("/opt/t0-ci-bot-workspaces-");
    try {
      const r = await fixtureRepo("node-sum");
      repos.push(r);
      await mkdir(join(root, "other-job"));
      await writeFile(join(root, "other-job", "private.js"), "other repository's code\n");
      const { config } = parseRepoConfig({ validate: [`cat ${join(root, "other-job", "private.js")} > seen.txt 2>&1 || true`], reproduce_first: false });
      await runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": { config, problems: [] } }, { env: { WORKSPACE_ROOT: root } });
      expect(await readFile(join(r.dir, "seen.txt"), "utf8")).toMatch(/No such file or directory/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test("a re-run after a crash that left the patch applied starts from the committed files", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const patch = await fixturePatch("node-sum.fix.diff");
    await gitApply(patch, r.dir, { config: parseRepoConfig(null).config });
    const out = await runStage(r, { "propose-patch": proposal(patch) });
    expect((out.result as ApplyAndValidateResult).evidence).toMatchObject({ before: "red", after: "green" });
  });

  test("files the unpatched run rewrote are restored before the patch is applied", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    // A "formatter" in the validation command rewrites the file the patch edits, on every run.
    const { config } = parseRepoConfig({ validate: ["sed -i 's/Adds two numbers/Adds 2 numbers/' src/math.js && npm test"] });
    const out = await runStage(r, { "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")), "check-repo-config": { config, problems: [] } });
    expect(out.result).toMatchObject({ verdict: "passed", evidence: { before: "red", after: "green" } });
  });

  test("no command at all is a clear permanent error", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const patch = await fixturePatch("node-sum.fix.diff");
    await sh("rm", ["package.json"], { cwd: r.dir });
    const err = await failure(runStage(r, { "propose-patch": proposal(patch) }));
    expect(err).toMatchObject({ code: "no_validation_command", message: expect.stringContaining("validate:") });
  });

  test("reads propose-patch's own result shape (diff, testsToRun)", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const result = { episodeId: "e", inferenceId: "i", variantName: "v", repairAttempt: 1, previousInferenceIds: [], proposal: { diagnosis: "d", diff: await fixturePatch("node-sum.fix.diff"), confidence: 0.8, files: ["src/math.js"], testsToRun: ["sum adds"] } };
    const out = await runStage(r, { "propose-patch": result });
    expect(out.result).toMatchObject({ verdict: "passed", suggestedTests: ["sum adds"] });
  });

  test("a dry run without a proposal shows the commands it would run and runs none", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const stage = createApplyAndValidateStage({ applyPatch: gitApply });
    const out = await stage.run(makeJob({ "propose-patch": { dryRun: true, episodeId: "e" }, "fetch-logs": await fetchLogsFor(r) }, ".github/workflows/ci.yml"), makeDeps(r.dir), { ...ctx(), dryRun: true });
    expect(out.result).toMatchObject({ dryRun: true, wouldRun: { validate: [{ command: "npm test", source: "workflow" }] }, sandbox: bwrap.available ? "bwrap" : "none" });
  });

  test("a dry run's plan kept on the job is redacted", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const stage = createApplyAndValidateStage({ applyPatch: gitApply });
    const fetched = await fetchLogsFor(r);
    const token = "ghp_R4nd0mL00k1ngT0k3nAbCdEfGhIjKlMnOpQ";
    fetched.jobs[0]!.failingStep.command = `GH_TOKEN=${token} npm test`;
    const out = await stage.run(makeJob({ "propose-patch": { dryRun: true, episodeId: "e" }, "fetch-logs": fetched }, ".github/workflows/ci.yml"), makeDeps(r.dir), { ...ctx(), dryRun: true });
    expect(out.result).toMatchObject({ dryRun: true, wouldRun: { validate: [{ command: "GH_TOKEN=[REDACTED] npm test", source: "workflow" }] } });
    expect(JSON.stringify(out.result)).not.toContain(token);
  });

  test("missing proposal", async () => {
    const stage = createApplyAndValidateStage({ applyPatch: gitApply });
    expect(await failure(stage.run(makeJob({}), makeDeps("/nonexistent"), ctx()))).toMatchObject({ code: "no_proposal" });
  });

  test("a workspace that is gone (removed when the job failed, then `jobs retry`) is cloned again, not waited for", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const stage = createApplyAndValidateStage({ applyPatch: gitApply });
    const deps = makeDeps("/x");
    const clones: Array<Record<string, unknown>> = [];
    Object.assign(deps.workspace, {
      get: async () => undefined,
      clone: async (req: { jobId: string }) => (clones.push(req), { jobId: req.jobId, dir: r.dir }),
    });
    Object.assign(deps, { github: { forInstallation: async () => ({ installationToken: async () => "ghs_token" }) }, clock: { now: () => 0 } });
    const err = await failure(stage.run(makeJob({ "propose-patch": proposal("not a diff") }), deps, ctx()));
    expect(clones).toEqual([expect.objectContaining({ jobId: "job-1", url: "https://github.com/o/r.git", ref: "main", sha: "a".repeat(40), token: "ghs_token" })]);
    // It went on to the patch, on the fresh clone.
    expect(err.code).not.toBe("workspace_missing");
  });
});

describe("apply-and-validate stage with the real patch applier (src/patch)", () => {
  test("the fixture's right patch passes, the wrong one fails validation", async () => {
    const good = await fixtureRepo("node-sum");
    const bad = await fixtureRepo("node-sum");
    repos.push(good, bad);
    const ok = await applyAndValidateStage.run(makeJob({ "propose-patch": proposal(await fixturePatch("node-sum.fix.diff")) }), makeDeps(good.dir), ctx());
    const result = ok.result as ApplyAndValidateResult;
    expect(result).toMatchObject({ verdict: "passed", evidence: { before: "red", after: "green" }, patch: { additions: 1, deletions: 1, overrides: [] } });
    expect(result.patch.files).toEqual([{ path: "src/math.js", status: "modified", additions: 1, deletions: 1 }]);
    const err = await failure(applyAndValidateStage.run(makeJob({ "propose-patch": proposal(await fixturePatch("node-sum.wrong.diff")) }), makeDeps(bad.dir), ctx()));
    expect(err.code).toBe("validation_failed");
  });

  test("a workflow edit is refused by policy unless the repo config allows it", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const patch = [
      "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml",
      "--- a/.github/workflows/ci.yml",
      "+++ b/.github/workflows/ci.yml",
      "@@ -21,3 +21,4 @@ jobs:",
      "       - name: Unit tests",
      "         run: npm test",
      "+        continue-on-error: true",
      "       - name: Publish",
      "",
    ].join("\n");
    const err = await failure(applyAndValidateStage.run(makeJob({ "propose-patch": proposal(patch) }), makeDeps(r.dir), ctx()));
    expect(err).toMatchObject({ code: "patch_refused", details: { rule: expect.stringMatching(/workflow_edits|continue_on_error/) } });
    expect(await readFile(join(r.dir, ".github/workflows/ci.yml"), "utf8")).not.toContain("continue-on-error");
  });
});
