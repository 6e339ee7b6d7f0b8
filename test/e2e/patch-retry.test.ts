import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { createTensorZeroModel } from "../../src/adapters/tensorzero/tensorzero-model.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { parseRepoConfig } from "../../src/config/repo-config.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Deps } from "../../src/core/deps.js";
import type { FailureContext } from "../../src/core/failure-context.js";
import { stopJob, type Job } from "../../src/core/job.js";
import { silentLogger } from "../../src/core/logger.js";
import { retryJob } from "../../src/pipeline/job-control.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { STAGES } from "../../src/pipeline/stages.js";
import { PATCH_RETRIES, type PatchRetries } from "../../src/pipeline/stages/with-patch-retry.js";
import { patchTriesOf } from "../../src/admin/patch-tries-of.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { sampleFailureContext } from "../fakes/fake-tensorzero-context.js";
import { FakeTensorZero, type FakeReply } from "../fakes/fake-tensorzero.js";
import { fixtureRepo, REPOS_DIR, type FixtureRepo } from "../helpers/fixture-repo.js";
import { eventually } from "../helpers/eventually.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { FakeGitHubWrites } from "./fake-github-writes.js";

/**
 * The first attempt's second try, through the shipped stage table (propose-patch → apply-and-validate with
 * its patch retry → open-pull-request): the real TensorZero client against the fake gateway (the shipped
 * tensorzero.toml), the real patch policy and validation on a real temp git repository (node-sum: `npm test`
 * fails until sum() adds), an in-memory GitHub with git semantics.
 */
jest.setTimeout(60_000);

const FIX = readFileSync(join(REPOS_DIR, "node-sum.fix.diff"), "utf8");
const WRONG = readFileSync(join(REPOS_DIR, "node-sum.wrong.diff"), "utf8");
/** Edits the workflow: refused by the policy (workflow_edits) before anything runs. */
const WORKFLOW_EDIT = "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1,3 +1,3 @@\n name: CI\n-on: [push, pull_request]\n+on: [push]\n jobs:\n";
/** Adds a test that fails: validation fails, and the new file must not be there when the next patch is validated. */
const FAILING_TEST = "diff --git a/test/extra.test.js b/test/extra.test.js\nnew file mode 100644\n--- /dev/null\n+++ b/test/extra.test.js\n@@ -0,0 +1,4 @@\n+import { test } from \"node:test\";\n+import assert from \"node:assert/strict\";\n+\n+test(\"extra\", () => assert.equal(1, 2));\n";
const answer = (patch: string, diagnosis = "sum() subtracts instead of adding."): FakeReply => ({ output: { diagnosis, patch, confidence: 0.7, files: [...patch.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1]!), tests_to_run: null } });
const ONLY = ["propose-patch", "apply-and-validate", "open-pull-request"];

let gateway: FakeTensorZero;
const closers: Array<() => Promise<void>> = [];
beforeEach(async () => {
  gateway = await FakeTensorZero.start();
  closers.push(() => gateway.stop());
});
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(repoConfig: Record<string, unknown> = {}, env: Record<string, string> = {}) {
  const repo: FixtureRepo = await fixtureRepo("node-sum");
  closers.push(() => repo.cleanup());
  const clock = new FakeClock(Date.now());
  const logger = silentLogger();
  const config = loadAppConfig({ NODE_ENV: "test", TENSORZERO_URL: gateway.url, SANDBOX: "off", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0", RETRY_BASE_MS: "1000", RETRY_MAX_MS: "60000", JOB_MAX_RETRIES: "2", ...env });
  const model = createTensorZeroModel(config, { clock }, { sleep: async () => undefined, maxAttempts: 1 })!;
  closers.push(() => model.client.close());
  const headSha = "a".repeat(40);
  const gh = new FakeGitHubWrites(headSha, { "src/math.js": readFileSync(join(repo.dir, "src/math.js"), "utf8") });
  const store = new MemoryJobStore();
  const deps: Deps = {
    config,
    store,
    queue: new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger }),
    github: { forInstallation: async () => ({ writes: gh, listCommitRuns: gh.listCommitRuns.bind(gh), getRepoConfig: async () => null }) as never },
    workspace: { clone: async () => { throw new Error("no clone here"); }, get: async (jobId) => ({ jobId, dir: repo.dir }), remove: async () => undefined, sweep: async () => 0 },
    model,
    clock,
    logger,
    metrics: createMetrics(),
    identity: new AppIdentity(),
  };
  const base = makeJob({ repo: "octo/sum" });
  // The sample carries a previous attempt; a first proposal has none.
  const { previous_attempt: _none, ...context }: FailureContext = sampleFailureContext({ repo: { full_name: "octo/sum" }, run: { id: base.run.id, attempt: 1, head_sha: headSha, head_branch: "feature/sum" } });
  const job: Job = {
    ...base,
    run: { ...base.run, headSha, headBranch: "feature/sum", htmlUrl: `https://github.com/octo/sum/actions/runs/${base.run.id}` },
    state: "analysis",
    completedStages: ["check-repo-config", "clone-repo", "fetch-logs", "build-context", "rerun-flaky"],
    results: {
      // reproduce_first off: one command run per try.
      "check-repo-config": parseRepoConfig({ validate: "npm test", reproduce_first: false, ...repoConfig }),
      "build-context": { context },
    },
  };
  await store.recordIntake(makeDelivery(job), "{}", job);
  const stages = STAGES.filter((s) => ONLY.includes(s.name));
  const runner = new Runner(deps, stages);
  const get = async () => (await store.getJob(job.id))!;
  const run = (r = runner) => r.runJob(queueItemFor(job));
  /** The job's feedback as [metric, value, which inference (0, 1…) or "episode"]. */
  const feedback = async () => (await get()).feedback.map((f) => [f.metric, f.value, "inferenceId" in f.target ? gateway.inferences.findIndex((i) => i.inferenceId === (f.target as { inferenceId: string }).inferenceId) : "episode"]);
  return { deps, stages, runner, run, get, gh, feedback, repo, store };
}

/** A file each validation run appends a line to: how many times the project's commands ran. */
async function counterFile() {
  const dir = await mkdtemp(join(tmpdir(), "t0-runs-"));
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "runs");
  return { path, count: () => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean).length : 0) };
}

/** /inference calls the gateway has received (answered or not). */
const inferenceRequests = () => gateway.requests.filter((r) => r.path === "/inference").length;
/** A gateway answer held until the test releases it: the job is stopped while the call is out, on no clock. */
function held(): { until: Promise<void>; release: () => void } {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  return { until, release };
}
const inputOf = (i: number) => (gateway.inferences[i]!.body as { input: { messages: Array<{ content: Array<{ arguments?: FailureContext }> }> } }).input.messages[0]!.content[0]!.arguments!;

describe("a first patch refused or not validated gets another proposal before the job gives up", () => {
  test("refused (workflow_edits) → second proposal validated → PR opened; feedback for both inferences, no pr_merged", async () => {
    gateway.script(answer(WORKFLOW_EDIT, "The workflow should not run on pull_request."), answer(FIX));
    const s = await setup();
    await s.run();
    const job = await s.get();
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    expect(gateway.inferences).toHaveLength(2);
    expect(gateway.inferences[1]!.episodeId).toBe(gateway.inferences[0]!.episodeId);
    // The second prompt carries the refused patch and the rule that refused it.
    const second = inputOf(1);
    expect(second.previous_attempt?.patch).toBe(WORKFLOW_EDIT);
    expect(second.previous_attempt?.outcome).toMatch(/patch policy refused this patch.*workflow_edits/);
    expect(inputOf(0).previous_attempt).toBeUndefined();
    // The PR carries the second proposal.
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.filesAt(s.gh.pulls[0]!.headRef)["src/math.js"]).toContain("return a + b;");
    expect(job.results["open-pull-request"]).toMatchObject({ inferenceId: gateway.inferences[1]!.inferenceId, repairAttempt: 1 });
    expect(job.results["propose-patch"]).toMatchObject({ inferenceId: gateway.inferences[1]!.inferenceId, previousInferenceIds: [gateway.inferences[0]!.inferenceId] });
    // The PR tells maintainers what the model tried first.
    expect(s.gh.pulls[0]!.body).toContain("### Earlier tries\nThis fix is the model's try 2; its earlier patches were not used:\n- try 1: refused by the patch policy (`workflow_edits` at `.github/workflows/ci.yml`): ");
    expect(await s.feedback()).toEqual([["patch_applied", false, 0], ["patch_applied", true, 1], ["validation_passed", true, 1]]);
    // `jobs show` tells the second try from the first.
    expect(job.history.map((h) => h.note).filter(Boolean)).toEqual(["patch retry 1: the proposal was refused (workflow_edits); proposing again with the reason"]);
    expect(job.results["repair-context"]).toBeUndefined();
    expect(patchTriesOf(job).map((t) => [t.try, t.outcome, t.rule, t.reason?.slice(0, 16), t.files, t.inferenceId])).toEqual([
      [1, "patch_refused", "workflow_edits", "workflow_edits: ", [".github/workflows/ci.yml"], gateway.inferences[0]!.inferenceId],
      [2, "validated", undefined, `PR #${s.gh.pulls[0]!.number}`, ["src/math.js"], gateway.inferences[1]!.inferenceId],
    ]);
  });

  test("fails validation → second fails too → job fails, pr_merged=false once, both inferences judged", async () => {
    gateway.script(answer(WRONG, "guess"), answer(WRONG, "guess again"));
    const s = await setup();
    await s.run();
    const job = await s.get();
    expect(job.state).toBe("failed");
    expect(job.error).toMatchObject({ code: "validation_failed", stage: "apply-and-validate" });
    expect(job.error!.message).toMatch(/\(the patch of try 2; try 1: validation_failed\)$/);
    expect(gateway.inferences).toHaveLength(2);
    // The second prompt has the failing command and the tail of its output (redacted).
    const previous = inputOf(1).previous_attempt!;
    expect(previous.outcome).toMatch(/validation still fails with it \(`npm test` exited 1\)/);
    expect(previous.excerpts?.[0]).toMatchObject({ job: "local validation", reason: expect.stringContaining("npm test") });
    expect(previous.excerpts?.[0]?.text).toMatch(/sum adds|fail/);
    expect(await s.feedback()).toEqual([
      ["patch_applied", true, 0], ["validation_passed", false, 0],
      ["patch_applied", true, 1], ["validation_passed", false, 1],
      ["pr_merged", false, "episode"],
    ]);
    expect(gateway.feedback.filter((f) => f.metric === "pr_merged")).toEqual([expect.objectContaining({ value: false, episodeId: gateway.inferences[0]!.episodeId })]);
    expect(s.gh.pulls).toEqual([]);
    expect((job.results[PATCH_RETRIES] as PatchRetries).failed).toHaveLength(1);
    // What an operator sees of the two tries (jobs show, GET /jobs/:id): the variant, and which tests stayed red.
    const variant = gateway.inferences[0]!.variantName;
    expect(patchTriesOf(job)).toEqual([
      expect.objectContaining({ try: 1, outcome: "validation_failed", command: "npm test", ended: "exited 1", failingTests: ["sum adds"], reason: "`npm test` exited 1; failing: sum adds", files: ["src/math.js"], inferenceId: gateway.inferences[0]!.inferenceId, variant }),
      expect.objectContaining({ try: 2, outcome: "validation_failed", sameAs: 1, failingTests: ["sum adds"], reason: "same patch as try 1, not run again: `npm test` exited 1; failing: sum adds", inferenceId: gateway.inferences[1]!.inferenceId, variant: gateway.inferences[1]!.variantName }),
    ]);
  });

  test("the second answer has no patch → the job ends there: its inference scored, pr_merged=false once", async () => {
    gateway.script(answer(WRONG, "guess"), { output: { diagnosis: "I cannot tell.", patch: "", confidence: 0.1, files: [], tests_to_run: null } });
    const s = await setup();
    await s.run();
    const job = await s.get();
    expect(job.error).toMatchObject({ code: "no_fix_proposed", stage: "apply-and-validate" });
    expect(job.error!.message).toMatch(/\(the next proposal of try 2; try 1: validation_failed\)$/);
    expect(await s.feedback()).toEqual([["patch_applied", true, 0], ["validation_passed", false, 0], ["patch_applied", false, 1], ["pr_merged", false, "episode"]]);
  });

  test("max_patch_retries: 0 → today's behaviour: one inference, the job fails, pr_merged=false", async () => {
    gateway.script(answer(WRONG, "guess"), answer(FIX));
    const s = await setup({ max_patch_retries: 0 });
    await s.run();
    const job = await s.get();
    expect(job.error).toMatchObject({ code: "validation_failed" });
    expect(job.error!.message).not.toMatch(/try 2/);
    expect(gateway.inferences).toHaveLength(1);
    expect(await s.feedback()).toEqual([["patch_applied", true, 0], ["validation_passed", false, 0], ["pr_merged", false, "episode"]]);
    expect(job.results[PATCH_RETRIES]).toBeUndefined();
  });

  test("the operator's MAX_PATCH_RETRIES caps the repository's max_patch_retries", async () => {
    gateway.script(answer(WRONG, "guess"), answer(WRONG, "again"), answer(FIX));
    const s = await setup({ max_patch_retries: 3 }, { MAX_PATCH_RETRIES: "1" });
    await s.run();
    expect((await s.get()).error).toMatchObject({ code: "validation_failed" });
    expect(gateway.inferences).toHaveLength(2);
  });

  test("a file only the first patch added is gone when the second patch is validated", async () => {
    gateway.script(answer(FAILING_TEST, "add a test"), answer(FIX));
    const s = await setup();
    await s.run();
    const job = await s.get();
    expect(job.error).toBeUndefined();
    expect(await s.feedback()).toEqual([["patch_applied", true, 0], ["validation_passed", false, 0], ["patch_applied", true, 1], ["validation_passed", true, 1]]);
    expect(Object.keys(s.gh.filesAt(s.gh.pulls[0]!.headRef))).not.toContain("test/extra.test.js");
    expect(s.gh.pulls[0]!.body).toContain("- try 1: validation still failed: `npm test` exited 1\n");
  });

  test("the same red patch proposed again is not run again: the earlier verdict at once, the same feedback, and it counts as a try", async () => {
    // The repeat differs only in line endings and trailing whitespace.
    gateway.script(answer(WRONG, "guess"), answer(WRONG.replace(/\n/g, "  \r\n"), "guess again"), answer(FIX));
    const runs = await counterFile();
    const s = await setup({ max_patch_retries: 2, validate: `echo run >> ${runs.path}; npm test` });
    await s.run();
    const job = await s.get();
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    expect(runs.count()).toBe(2); // tries 1 and 3
    expect(await s.feedback()).toEqual([
      ["patch_applied", true, 0], ["validation_passed", false, 0],
      ["patch_applied", true, 1], ["validation_passed", false, 1],
      ["patch_applied", true, 2], ["validation_passed", true, 2],
    ]);
    expect(job.history.map((h) => h.note).filter((n) => n?.startsWith("patch retry"))).toEqual([
      "patch retry 1: the proposal was not validated (validation_failed); proposing again with the reason",
      "patch retry 2: the proposal was the same patch as try 1, not validated (validation_failed) without being run again; proposing again with the reason",
    ]);
    // The third proposal is told it repeated itself, with the first try's output.
    const previous = inputOf(2).previous_attempt!;
    expect(previous.outcome).toMatch(/^This is the same patch as try 1, proposed again; .*validation still fails with it \(`echo run >> .*` exited 1\)/);
    expect(previous.excerpts?.[0]?.text).toMatch(/sum adds|fail/);
    expect((job.results[PATCH_RETRIES] as PatchRetries).failed.map((t) => t.sameAs)).toEqual([undefined, 1]);
    expect(s.gh.pulls[0]!.body).toMatch(/- try 2: validation still failed: `echo run >> .*` exited 1 \(the same patch as try 1, not run again\)\n/);
  });

  test("the same patch as the last try allowed: the job ends with that verdict, saying the model repeated itself", async () => {
    gateway.script(answer(WORKFLOW_EDIT, "guess"), answer(WORKFLOW_EDIT, "guess again"));
    const s = await setup();
    await s.run();
    const job = await s.get();
    expect(job.error).toMatchObject({ code: "patch_refused", details: expect.objectContaining({ rule: "workflow_edits", sameAs: 1 }) });
    expect(job.error!.message).toMatch(/^The model proposed the same patch as try 1, which the patch policy refused \(workflow_edits: .*\); it was not applied or validated again\. \(the patch of try 2; try 1: refused \(workflow_edits\)\)$/);
    expect(await s.feedback()).toEqual([["patch_applied", false, 0], ["patch_applied", false, 1], ["pr_merged", false, "episode"]]);
  });

  test("an operator's retry of a job its tries ended: the last patch validated again, then fresh tries; the earlier ones kept", async () => {
    gateway.script(answer(WRONG, "guess"), answer(WRONG, "guess again"), answer(FIX));
    const runs = await counterFile();
    const s = await setup({ validate: `echo run >> ${runs.path}; npm test` });
    await s.run();
    const failed = await s.get();
    expect(failed.error).toMatchObject({ code: "validation_failed", details: expect.objectContaining({ sameAs: 1 }) });
    expect([gateway.inferences.length, runs.count()]).toEqual([2, 1]);

    await retryJob(s.deps, failed.id);
    await s.run();
    const job = await s.get();
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    // The second patch is validated for real (an earlier round's verdict is not taken: the operator may have
    // changed what validation meets), fails, and the fresh budget asks once more, told of that failure.
    expect([gateway.inferences.length, runs.count()]).toEqual([3, 3]);
    expect(inputOf(2).previous_attempt?.patch).toBe(WRONG);
    expect(inputOf(2).previous_attempt?.outcome).toMatch(/^The patch applied, but the project's own validation still fails/);
    expect(job.results[PATCH_RETRIES]).toMatchObject({ countFrom: 1, failed: [{ inferenceId: gateway.inferences[0]!.inferenceId }, { inferenceId: gateway.inferences[1]!.inferenceId }] });
    expect(job.history.map((h) => h.note).filter((n) => n?.startsWith("retried"))).toEqual(["retried by operator; patch tries start over (1 earlier kept as history)"]);
    // Each inference's verdict once (the second's, found again, is not resent); pr_merged=false of the first round stays.
    expect(await s.feedback()).toEqual([
      ["patch_applied", true, 0], ["validation_passed", false, 0],
      ["patch_applied", true, 1], ["validation_passed", false, 1],
      ["pr_merged", false, "episode"],
      ["patch_applied", true, 2], ["validation_passed", true, 2],
    ]);
    expect(s.gh.pulls[0]!.body).toContain("This fix is the model's try 3;");
    // jobs show marks the try the retry set aside (kept, no longer counted).
    expect(patchTriesOf(job).map((t) => [t.try, t.outcome, t.beforeRetry])).toEqual([[1, "validation_failed", true], [2, "validation_failed", undefined], [3, "validated", undefined]]);
  });

  test("an operator's retry of a job stopped between its tries goes on with the tries it had left", async () => {
    const second = held();
    gateway.script(answer(WRONG, "guess"), { until: second.until, then: answer(FAILING_TEST, "add a test") }, answer(FIX));
    const asked = inferenceRequests();
    const s = await setup();
    const running = s.run();
    await eventually("the second inference to reach the gateway", () => inferenceRequests() - asked === 2);
    await s.store.updateJob((await s.get()).id, (j) => void stopJob(j, { code: "installation_removed", message: "the app was uninstalled" }, new Date().toISOString()));
    second.release();
    await running;
    await retryJob(s.deps, (await s.get()).id);
    expect((await s.get()).results[PATCH_RETRIES]).not.toHaveProperty("countFrom");
    await s.run();
    // The kept second proposal is validated; red, it ends the job: max_patch_retries (1) was spent on it.
    expect((await s.get()).error).toMatchObject({ code: "validation_failed" });
    expect(gateway.inferences).toHaveLength(2);
  });

  test("a refusal for reading a secret is not answered: the job fails at once", async () => {
    const READ = FIX.replace("+  return a + b;", "+  return a + b + Number(process.env.NPM_TOKEN ?? 0) * 0;");
    gateway.script(answer(READ), answer(FIX));
    const s = await setup();
    await s.run();
    expect((await s.get()).error).toMatchObject({ code: "patch_refused", details: expect.objectContaining({ rule: "read_secrets" }) });
    expect(gateway.inferences).toHaveLength(1);
    expect(await s.feedback()).toEqual([["patch_applied", false, 0], ["pr_merged", false, "episode"]]);
  });

  test("a patch refused for a credential is kept redacted; the operator's retry refuses it again, never applying the redacted text", async () => {
    const token = "ghp_R4nd0mL00k1ngT0k3nAbCdEfGhIjKlMnOpQ";
    // The fix, and a credential: redacted, it would be a fix that applies and turns green.
    const WITH_TOKEN = FIX.replace("@@ -1,6 +1,6 @@\n", `@@ -1,6 +1,7 @@\n+export const TOKEN = "${token}";\n`);
    gateway.script(answer(WITH_TOKEN), answer(FIX));
    const s = await setup();
    await s.run();
    const failed = await s.get();
    expect(failed.error).toMatchObject({ code: "patch_refused", details: expect.objectContaining({ rule: "secret" }) });
    const stored = (failed.results["propose-patch"] as { proposal: { diff: string; refusedAndRedacted?: unknown } }).proposal;
    expect(stored.diff).not.toContain(token);
    expect(stored.diff).toContain('export const TOKEN = "[REDACTED]";');
    expect(stored.refusedAndRedacted).toMatchObject({ rule: "secret" });

    await retryJob(s.deps, failed.id);
    await s.run();
    const job = await s.get();
    expect(job.error).toMatchObject({ code: "patch_refused", details: expect.objectContaining({ rule: "secret" }) });
    expect(job.error!.message).toContain("the refused patch is kept redacted, and is not applied again");
    expect(readFileSync(join(s.repo.dir, "src/math.js"), "utf8")).toContain("return a - b;");
    expect(s.gh.pulls).toEqual([]);
    expect(gateway.inferences).toHaveLength(1);
  });

  test("a refused patch holding no secret is kept as it was: a retry judges that patch again", async () => {
    gateway.script(answer(WORKFLOW_EDIT), answer(WORKFLOW_EDIT.replace("+on: [push]", "+on: [workflow_dispatch]")));
    const s = await setup();
    await s.run();
    const failed = await s.get();
    expect(failed.error).toMatchObject({ code: "patch_refused", details: expect.objectContaining({ rule: "workflow_edits" }) });
    const stored = (failed.results["propose-patch"] as { proposal: { diff: string; refusedAndRedacted?: unknown } }).proposal;
    expect(stored).not.toHaveProperty("refusedAndRedacted");
    expect(stored.diff).toBe(WORKFLOW_EDIT.replace("+on: [push]", "+on: [workflow_dispatch]"));
  });

  test("stopped while the second proposal is asked for → the next process asks once, without judging the first patch again", async () => {
    gateway.script(answer(WRONG, "guess"), { hang: true }, answer(FIX));
    const asked = inferenceRequests();
    const s = await setup();
    const running = s.run();
    // Once the first patch is judged and the second inference is at the gateway (a fixed 200 ms after the
    // judging could stop the job before it was asked, on a loaded machine).
    await eventually("the second inference to reach the gateway", () => inferenceRequests() - asked === 2);
    await s.runner.stop();
    await running;
    const stopped = await s.get();
    expect(stopped.state).toBe("patching");
    expect(gateway.inferences).toHaveLength(1); // the hung one was never answered
    // A new process: the stage runs again from the recorded retry.
    await s.run(new Runner(s.deps, s.stages));
    const job = await s.get();
    expect(job.error).toBeUndefined();
    expect(job).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    expect(gateway.inferences).toHaveLength(2);
    expect(inputOf(1).previous_attempt?.patch).toBe(WRONG);
    // The first patch was judged once: one series of verdicts for it, one note.
    expect(await s.feedback()).toEqual([["patch_applied", true, 0], ["validation_passed", false, 0], ["patch_applied", true, 1], ["validation_passed", true, 1]]);
    expect(job.history.filter((h) => h.note?.startsWith("patch retry")).length).toBe(1);
  });

  test("the process dies right after the second proposal is stored → the next one validates it and asks nothing more", async () => {
    gateway.script(answer(WORKFLOW_EDIT), answer(FIX), answer(WRONG, "a third answer nobody should ask for"));
    const s = await setup();
    // The first process's store write that stores the second proposal lands, and then that process is gone:
    // from then on, its store writes and its workspace never answer (it must not validate or write beside the next).
    const update = s.store.updateJob.bind(s.store);
    const workspace = s.deps.workspace;
    let dead = false;
    const never = () => new Promise<never>(() => undefined);
    s.store.updateJob = async (id, fn) => {
      if (dead) return never();
      const j = await update(id, fn);
      if (gateway.inferences.length === 2 && (j.results["propose-patch"] as { inferenceId?: string }).inferenceId === gateway.inferences[1]!.inferenceId) dead = true;
      return j;
    };
    s.deps.workspace = { ...workspace, get: async (jobId) => (dead ? never() : workspace.get(jobId)) };
    void s.run();
    for (let i = 0; i < 600 && !dead; i++) await new Promise((r) => setTimeout(r, 20));
    expect(dead).toBe(true);
    // The next process finds the job where the dead one left it, with a store and workspace of its own.
    const store = new Proxy(s.store, { get: (t, k) => (k === "updateJob" ? update : typeof t[k as keyof typeof t] === "function" ? (t[k as keyof typeof t] as (...a: unknown[]) => unknown).bind(t) : t[k as keyof typeof t]) });
    await s.run(new Runner({ ...s.deps, store, workspace }, s.stages));
    const job = await s.get();
    expect(job).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    expect(gateway.inferences).toHaveLength(2);
    expect(job.results["open-pull-request"]).toMatchObject({ inferenceId: gateway.inferences[1]!.inferenceId });
    expect(await s.feedback()).toEqual([["patch_applied", false, 0], ["patch_applied", true, 1], ["validation_passed", true, 1]]);
  });

  test("the job stopped from outside while the second proposal is asked for → that proposal is kept, not validated", async () => {
    const second = held();
    gateway.script(answer(WRONG, "guess"), { until: second.until, then: answer(FIX) });
    const asked = inferenceRequests();
    const s = await setup();
    const running = s.run();
    await eventually("the second inference to reach the gateway", () => inferenceRequests() - asked === 2);
    await s.store.updateJob((await s.get()).id, (j) => void stopJob(j, { code: "installation_removed", message: "the app was uninstalled" }, new Date().toISOString()));
    second.release();
    await running;
    const job = await s.get();
    expect(job.error).toMatchObject({ code: "installation_removed" });
    expect(job.results["propose-patch"]).toMatchObject({ inferenceId: gateway.inferences[1]!.inferenceId });
    // The second inference was never validated.
    expect(await s.feedback()).toEqual([["patch_applied", true, 0], ["validation_passed", false, 0]]);
  });
});

describe("a fix that edits a workflow, on GitHub as app.yml registers the app (no workflows: write)", () => {
  /** The fix plus a workflow edit the policy lets through once `allow.workflow_edits` is on. */
  const FIX_AND_WORKFLOW = `${FIX}diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -8,7 +8,7 @@ jobs:\n       matrix:\n         node: [20, 22]\n     steps:\n-      - uses: actions/checkout@v4\n+      - uses: actions/checkout@v5\n       - uses: actions/setup-node@v4\n         with:\n           node-version: \${{ matrix.node }}\n`;

  test("GitHub refuses to move the fix branch onto the commit: the job fails github_workflows_permission, and no PR opens", async () => {
    gateway.script(answer(FIX_AND_WORKFLOW));
    const s = await setup({ allow: { workflow_edits: true } });
    await s.run();
    const job = await s.get();
    expect(job.state).toBe("failed");
    expect(job.error).toMatchObject({ code: "github_workflows_permission", retryable: false, stage: "open-pull-request" });
    expect(s.gh.pulls).toHaveLength(0);
    expect([...s.gh.branches.keys()]).toEqual([]);
  });

  test("granted workflows: write, the same fix opens its PR", async () => {
    gateway.script(answer(FIX_AND_WORKFLOW));
    const s = await setup({ allow: { workflow_edits: true } });
    s.gh.workflowsPermission = true;
    await s.run();
    expect((await s.get()).error).toBeUndefined();
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.filesAt(s.gh.pulls[0]!.headRef)[".github/workflows/ci.yml"]).toContain("actions/checkout@v5");
  });
});
