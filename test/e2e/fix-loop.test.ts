import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { logsDirOf } from "../../src/adapters/workspace/logs-dir.js";
import { permanent, transient } from "../../src/core/errors.js";
import type { Job } from "../../src/core/job.js";
import type { FailureContext } from "../../src/core/failure-context.js";
import { countTokens } from "../../src/logs/count-tokens.js";
import type { ModelPort } from "../../src/core/ports/model-port.js";
import { reconcileParked } from "../../src/pipeline/reconcile-parked.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { CHECK_REPO_CONFIG, type CheckRepoConfigResult, repoConfigOf } from "../../src/pipeline/stages/check-repo-config.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { proposePatchStage } from "../../src/pipeline/stages/propose-patch.js";
import { makeDelivery } from "../helpers/make-job.js";
import { EPISODE, INFERENCE, slugPatch, validatedResults } from "./fix-loop-fixtures.js";
import { createRepairFix } from "../../src/pipeline/stages/repair-fix.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { withValidationFeedback } from "../../src/feedback/with-validation-feedback.js";
import { EPISODE2, INFERENCE2, PRIOR, RecordingModel, fixLoopSuite, laterCommitOfPr, sharedOntoFixPr } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/** A fix run's failed pytest job log: `lines` assertion lines (the excerpts' size), then `last` if given. */
function pytestRunLog(lines: number, last?: string): string {
  return [
    "2026-11-23T12:00:01.0000000Z ##[group]Run python -m pytest -q",
    "2026-11-23T12:00:01.0000000Z ##[endgroup]",
    ...Array.from({ length: lines }, (_, i) => `2026-11-23T12:00:02.0000000Z E   AssertionError: case ${i}: assert 'hello-${i}' == 'hello_${i}' in tests/test_slug.py:${i}`),
    ...(last ? [last] : []),
    "2026-11-23T12:00:02.1000000Z ##[error]Process completed with exit code 1.",
  ].join("\n") + "\n";
}

const PYTEST_RUN_STEPS = [
  { number: 1, name: "Set up job", status: "completed", conclusion: "success", startedAt: "2026-11-23T12:00:00Z", completedAt: "2026-11-23T12:00:01Z" },
  { number: 2, name: "Run tests", status: "completed", conclusion: "failure", startedAt: "2026-11-23T12:00:01Z", completedAt: "2026-11-23T12:00:03Z" },
];

describe("fix PR and feedback loop (runner + stages + webhook handlers)", () => {
  test("opens one verified draft PR, marks it ready when CI passes, and sends every outcome as feedback on merge", async () => {
    const s = await setup();
    await s.run();
    let j = await s.get();
    expect(j.state).toBe("pr");
    expect(j.waitingFor).toBe("pr_outcome");
    expect(s.gh.pulls).toHaveLength(1);
    const pr = s.gh.pulls[0]!;
    expect(pr).toMatchObject({ draft: true, headRef: "ci-bot/fix-555", base: "feature/slug", labels: ["ci-bot"] });
    expect(pr.body).toContain("🔴 red");
    expect(pr.body).toContain(EPISODE);
    expect(s.gh.filesAt("ci-bot/fix-555")["slug.py"]).toContain('return "-".join(words)');
    expect(s.gh.comments.get(7)).toHaveLength(1);
    // The workspace is back at the failing commit (ready for a repair attempt).
    expect(readFileSync(join(s.repo.dir, "slug.py"), "utf8")).toContain('return "_".join(words)');

    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const ci = await s.deliver("workflow_run", s.fixRun("success", commit));
    expect(ci).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    // Redelivery of the same event changes nothing and resumes nothing.
    expect(await s.deliver("workflow_run", s.fixRun("success", commit))).not.toHaveProperty("resumeJobId");
    await s.run();
    j = await s.get();
    expect(j.state).toBe("pr");
    expect(j.waitingFor).toBe("pr_outcome");
    expect(pr.draft).toBe(false);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: INFERENCE }));

    const review = await s.deliver("pull_request_review", {
      action: "submitted", installation: { id: 2 }, repository: s.repository,
      pull_request: { number: 100, state: "open", head: { ref: "ci-bot/fix-555", sha: commit } },
      review: { id: 31, state: "commented", body: "Good catch, but add a test for empty titles.", user: { login: "alice" } },
    });
    expect(review).toMatchObject({ resumeJobId: s.job.id });
    await s.run();

    expect(await s.deliver("pull_request", s.prClosed(true, commit))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.history.map((h) => h.state)).toEqual(expect.arrayContaining(["pr", "feedback", "completed"]));
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "pr_merged", value: true, episodeId: EPISODE, tags: expect.objectContaining({ repo: "octo/slug", reason: "merged" }) }));
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "comment", episodeId: EPISODE, value: "Good catch, but add a test for empty titles." }));
    expect(j.feedback.every((f) => f.status === "sent")).toBe(true);
    expect(s.gh.pulls).toHaveLength(1);
  });

  test("a repository turned off (enabled: false) after the job checked its config gets no PR, no comment", async () => {
    const s = await setup();
    s.repoConfig.now = { enabled: false };
    await s.run();
    expect(s.gh.calls).toEqual([]);
    expect(s.gh.pulls).toHaveLength(0);
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toMatch(/enabled: false/);
  });

  test("a retried open-pull-request (crash after the commit) finds its branch and PR: still one commit, one PR", async () => {
    const s = await setup();
    await s.run();
    const commitsBefore = s.gh.commits.size;
    // Simulate the crash: the stage's completion was never recorded.
    await s.store.updateJob(s.job.id, (j) => {
      j.completedStages = j.completedStages.filter((x) => x !== "open-pull-request");
      j.waitingFor = undefined;
    });
    await s.run();
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.commits.size).toBe(commitsBefore);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  test("a job that died between opening its PR and labelling it labels the PR when it resumes", async () => {
    const s = await setup();
    await s.run();
    // What the process left when it died at the label request: the PR open without its labels, and the
    // stage's completion never recorded.
    s.gh.pulls[0]!.labels.length = 0;
    await s.store.updateJob(s.job.id, (j) => {
      j.completedStages = j.completedStages.filter((x) => x !== "open-pull-request");
      delete j.results["open-pull-request"];
      j.waitingFor = undefined;
    });
    await s.run();
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.pulls[0]!.labels).toEqual(["ci-bot"]);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  test("CI failing on the fix branch with no repairs left: false feedback, PR stays draft with a comment", async () => {
    const s = await setup({ pullRequests: [] });
    s.repoConfig.now = { max_repair_attempts: 0 };
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(s.gh.comments.get(100)?.[0]?.body).toMatch(/CI failure on this fix branch.*no repair attempts left/s);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: false }));
    // A CI result for some other commit on the branch is not this fix's result.
    expect(await s.deliver("workflow_run", s.fixRun("success", "f".repeat(40), 901))).toMatchObject({ outcome: "ignored" });
  });

  test("CI failing with a repair left runs the repair with the failed attempt in the context", async () => {
    let seen: Job | undefined;
    const s = await setup({ repair: async (job) => ((seen = job), { ok: true }) });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    await s.run();
    const ctx = (seen!.results["repair-context"] as { context: { previous_attempt?: { patch: string; outcome: string } } }).context;
    expect(ctx.previous_attempt?.patch).toContain('+    return "-".join(words)');
    expect(ctx.previous_attempt?.outcome).toContain("run 900");
    expect(seen!.results["repair"]).toEqual({ attempt: 2, previousFiles: ["slug.py"] });
  });

  /** `.github/ci-bot.yml` from now on: `enabled: false` (and `rest`); the count is of the reads of it. */
  const turnOff = (s: Awaited<ReturnType<typeof setup>>, rest: Record<string, unknown> = {}) => {
    const reads = { n: 0 };
    Object.defineProperty(s.repoConfig, "now", { get: () => (reads.n++, { enabled: false, ...rest }) });
    return reads;
  };
  const WRITES = ["createTree", "createCommit", "deleteBranch", "createBranch", "updateBranch", "createPullRequest", "updatePullRequest", "addLabels", "upsertComment", "markReadyForReview", "rerunFailedJobs"];

  /**
   * CI `conclusion` on the fix commit after people turned the bot off: no write, no comment, one config read,
   * the verdict still sent, the job still watching. Returns the job and watch-pr's last note.
   */
  const ciWithBotOff = async (s: Awaited<ReturnType<typeof setup>>, commit: string, conclusion: "success" | "failure", rest: Record<string, unknown> = {}) => {
    const reads = turnOff(s, rest);
    const callsBefore = s.gh.calls.length;
    await s.deliver("workflow_run", s.fixRun(conclusion, commit));
    await s.run();
    expect(s.gh.calls.slice(callsBefore).filter((c) => WRITES.includes(c))).toEqual([]);
    expect(s.gh.comments.get(100)).toBeUndefined();
    expect(reads.n).toBe(1);
    const j = await s.get();
    expect(j.waitingFor).toBe("pr_outcome");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: conclusion === "success" }));
    return { j, note: (j.results["watch-pr"] as { notes: string[] }).notes.at(-1) };
  };

  test("CI failing after people turned the bot off (enabled: false) since the PR opened: no repair, no comment, feedback still sent", async () => {
    let repaired = false;
    const s = await setup({ pullRequests: [], repair: async () => ((repaired = true), { ok: true }) });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const { j, note } = await ciWithBotOff(s, commit, "failure");
    expect(repaired).toBe(false);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(commit);
    expect(j.results["repair"]).toBeUndefined();
    expect(note).toMatch(/no repair.*enabled: false.*PR left as is/);
  });

  test("CI passing after people turned the bot off (enabled: false): PR left draft, no comment, feedback sent, still watching", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const { note } = await ciWithBotOff(s, commit, "success");
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(note).toMatch(/CI passed.*enabled: false.*PR left as is/);
  });

  test("CI failing after people turned the bot off with max_repair_attempts: 0: the file's limit (not the start's) in the note, no comment, config read once", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const { note } = await ciWithBotOff(s, commit, "failure", { max_repair_attempts: 0 });
    expect(note).toMatch(/no repair attempts left \(max_repair_attempts: 0\): disabled by .*enabled: false.*PR left as is/);
  });

  test("the repair limit is the file's when CI fails: lowered to 0 since the job started, no repair", async () => {
    let repaired = false;
    const s = await setup({ pullRequests: [], repair: async () => ((repaired = true), { ok: true }) });
    await s.run();
    s.repoConfig.now = { max_repair_attempts: 0 };
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    expect(repaired).toBe(false);
    expect(s.gh.comments.get(100)?.[0]?.body).toMatch(/no repair attempts left \(max_repair_attempts: 0\)/s);
  });

  test("the repair limit is the file's when CI fails: raised from 0 since the job started, the repair runs", async () => {
    let repaired = false;
    const s = await setup({ pullRequests: [], repair: async () => ((repaired = true), { ok: true }) });
    // As check-repo-config read the file when the job started.
    await s.store.updateJob(s.job.id, (j) => void ((j.results[CHECK_REPO_CONFIG] as CheckRepoConfigResult).config.max_repair_attempts = 0));
    await s.run();
    s.repoConfig.now = { max_repair_attempts: 2 };
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    expect(repaired).toBe(true);
  });

  test("CI passing on a PR already ready with no comment to edit writes nothing, so reads no config", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.store.updateJob(s.job.id, (j) => void ((j.results["open-pull-request"] as { pr: { draft: boolean } }).pr.draft = false));
    const reads = turnOff(s);
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    expect(reads.n).toBe(0);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  /** The fix PR opened with no repair attempts allowed, then run 900 (attempt 1) of its commit failed. */
  const redWithNoRepairLeft = async (s: Awaited<ReturnType<typeof setup>>) => {
    s.repoConfig.now = { max_repair_attempts: 0 };
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", commit, 900, 1));
    await s.run();
    return commit;
  };

  test("CI passing after people deleted the bot's 'CI failed' comment posts no 'CI passed' one in its place", async () => {
    const s = await setup({ pullRequests: [] });
    const commit = await redWithNoRepairLeft(s);
    expect(s.gh.comments.get(100)).toHaveLength(1);
    s.gh.comments.set(100, []);
    await s.deliver("workflow_run", s.fixRun("success", commit, 900, 2));
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(s.gh.comments.get(100)).toEqual([]);
  });

  // GitHub keeps the run id on a re-run and counts up run_attempt: the green attempt is a new verdict.
  test("a re-run of a red fix-branch run that passes marks the PR ready", async () => {
    const s = await setup({ pullRequests: [] });
    const commit = await redWithNoRepairLeft(s);
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(await s.deliver("workflow_run", s.fixRun("success", commit, 900, 2))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    // Redelivery of the re-run's event is still one event.
    expect(await s.deliver("workflow_run", s.fixRun("success", commit, 900, 2))).not.toHaveProperty("resumeJobId");
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    // The comment that said CI failed is edited in place, not left to contradict the ready PR.
    expect(s.gh.comments.get(100)).toHaveLength(1);
    expect(s.gh.comments.get(100)![0]!.body).toContain("CI passed on this fix branch");
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  const TESTS_YML = ".github/workflows/tests.yml";
  const ciSent = (s: Awaited<ReturnType<typeof setup>>) => s.model.received.filter((r) => r.metric === "ci_passed_on_fix_branch");
  const notes = async (s: Awaited<ReturnType<typeof setup>>) => ((await s.get()).results["watch-pr"] as { notes: string[] }).notes;

  /** The fix PR opened, then run 900 of its commit passed while run 901 still runs. */
  const greenWhile901Runs = async (s: Awaited<ReturnType<typeof setup>>) => {
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    s.gh.putRun(commit, { id: 901, attempt: 1, workflow: TESTS_YML, status: "in_progress", conclusion: null });
    await s.deliver("workflow_run", s.fixRun("success", commit, 900));
    await s.run();
    return commit;
  };

  // A workflow on [push, pull_request] runs twice on the fix commit: the first to finish is not the verdict.
  test("a green run while another run of the fix commit still runs: PR stays draft, nothing sent, until that one passes too", async () => {
    const s = await setup({ pullRequests: [] });
    const commit = await greenWhile901Runs(s);
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(s.gh.comments.get(100)).toBeUndefined();
    expect(ciSent(s)).toEqual([]);
    expect((await notes(s)).at(-1)).toContain("waiting for run 901");
    await s.deliver("workflow_run", s.fixRun("success", commit, 901));
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(ciSent(s)).toEqual([expect.objectContaining({ value: true, inferenceId: INFERENCE, tags: expect.objectContaining({ fix_run_id: "901" }) })]);
  });

  // Non-Actions CI failed (check_suite): the job has no workflow path, and every Actions workflow on its fix commit counts.
  test("a check_suite job: lint passing while tests still run is no verdict; ready only once tests pass too", async () => {
    const s = await setup({ pullRequests: [] });
    await s.store.updateJob(s.job.id, (j) => void (j.run = { ...j.run, source: "check_suite", checkSuiteId: 555 }));
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const lint = s.fixRun("success", commit, 901);
    s.gh.putRun(commit, { id: 900, attempt: 1, workflow: TESTS_YML, status: "in_progress", conclusion: null });
    expect(await s.deliver("workflow_run", { ...lint, workflow_run: { ...lint.workflow_run, name: "lint", path: ".github/workflows/lint.yml" } })).toMatchObject({ outcome: "event_routed" });
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(ciSent(s)).toEqual([]);
    await s.deliver("workflow_run", s.fixRun("success", commit, 900));
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(ciSent(s)).toEqual([expect.objectContaining({ value: true, tags: expect.objectContaining({ fix_run_id: "900" }) })]);
  });

  // Superseded in its concurrency group, or cancelled by a person: it says nothing, and nothing else will come.
  test("a run the verdict waits for ends cancelled: it wakes the job, and the others having passed, the PR is ready", async () => {
    const s = await setup({ pullRequests: [] });
    const commit = await greenWhile901Runs(s);
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(await s.deliver("workflow_run", s.fixRun("cancelled", commit, 901))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(ciSent(s)).toEqual([expect.objectContaining({ value: true, tags: expect.objectContaining({ fix_run_id: "900" }) })]);
  });

  test("a green run, then another run of the fix commit fails: never marked ready, false sent, the red run starts the repair", async () => {
    let repairs = 0;
    const s = await setup({ pullRequests: [], repair: async () => ((repairs++), { ok: false, reason: "the patch did not validate" }) });
    const commit = await greenWhile901Runs(s);
    await s.deliver("workflow_run", s.fixRun("failure", commit, 901));
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(repairs).toBe(1);
    expect(s.gh.comments.get(100)![0]!.body).toContain("repair attempt 2 failed: the patch did not validate");
    expect(ciSent(s)).toEqual([expect.objectContaining({ value: false, tags: expect.objectContaining({ fix_run_id: "901" }) })]);
  });

  // TensorZero keeps every value and reads the latest per inference: each change corrects the one before.
  test("the fix commit's CI verdict is sent again each time it changes, never twice the same in a row", async () => {
    const s = await setup({ pullRequests: [] });
    s.repoConfig.now = { max_repair_attempts: 0 };
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    for (const [conclusion, id, attempt] of [["failure", 900, 1], ["failure", 901, 1], ["success", 900, 2], ["success", 901, 2]] as const) {
      await s.deliver("workflow_run", s.fixRun(conclusion, commit, id, attempt));
      await s.run();
      // Still red while one of the two runs is red.
      if (id === 900 && attempt === 2) expect(s.gh.pulls[0]!.draft).toBe(true);
    }
    expect(s.gh.pulls[0]!.draft).toBe(false);
    // A later run of the same commit (the workflow started again) fails: the verdict goes back to red.
    await s.deliver("workflow_run", s.fixRun("failure", commit, 902));
    await s.run();
    expect(ciSent(s).map((r) => [r.value, r.inferenceId, r.tags?.["fix_run_id"], r.tags?.["fix_run_attempt"]])).toEqual([
      [false, INFERENCE, "900", "1"],
      [true, INFERENCE, "901", "2"],
      [false, INFERENCE, "902", "1"],
    ]);
    // Each change is its own outbox item: the outbox keeps one item per id.
    const ids = (await s.get()).feedback.filter((f) => f.metric === "ci_passed_on_fix_branch").map((f) => f.id);
    expect(ids).toEqual([`ci_passed_on_fix_branch:${INFERENCE}`, `ci_passed_on_fix_branch:${INFERENCE}:2`, `ci_passed_on_fix_branch:${INFERENCE}:3`]);
    expect(s.gh.comments.get(100)![0]!.body).toContain("CI failure on this fix branch");
  });

  test("a later failure's fix committed onto the fix PR: each change of its verdict goes to that commit's inference", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    await s.deliver("workflow_run", s.fixRun("failure", shared, 901));
    await s.run();
    await s.deliver("workflow_run", s.fixRun("success", shared, 901, 2));
    await s.run();
    expect(ciSent(s).map((r) => [r.value, r.inferenceId, r.tags?.["run_id"]])).toEqual([[false, INFERENCE2, "556"], [true, INFERENCE2, "556"]]);
    expect(s.gh.pulls[0]!.draft).toBe(false);
  });

  // A run cancelled (by a person, or superseded by a newer run of its concurrency group), skipped or waiting for
  // approval says nothing of the fix: no repair round, no "CI failed" comment, no feedback to the model.
  test.each(["cancelled", "skipped", "neutral", "stale", "action_required"])("a fix-branch run that ends %s is not a verdict on the fix", async (conclusion) => {
    let repairs = 0;
    const s = await setup({ pullRequests: [], repair: async () => ((repairs++), { ok: false, reason: "unreachable" }) });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    expect(await s.deliver("workflow_run", s.fixRun(conclusion, commit))).toMatchObject({ outcome: "ignored", reason: expect.stringContaining(`${conclusion}: not a verdict on the fix`) });
    await s.run();
    expect(repairs).toBe(0);
    expect(s.gh.comments.get(100)).toBeUndefined();
    expect(s.model.received).not.toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch" }));
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  /** The fix PR opens, then two runs of its CI fail on the bot's commit (runs 900 and 901). */
  async function twoRedRunsOfTheFix(s: Awaited<ReturnType<typeof setup>>) {
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", commit, 900));
    await s.run();
    await s.deliver("workflow_run", s.fixRun("failure", commit, 901));
    await s.run();
  }

  // A workflow on [push, pull_request] runs twice on the fix commit: two red runs are one verdict on it.
  test("a repair that failed is not tried again for another red run of the same fix commit", async () => {
    let repairs = 0;
    const s = await setup({ pullRequests: [], repair: async () => ((repairs++), { ok: false, reason: "the patch did not validate" }) });
    s.repoConfig.now = { max_repair_attempts: 2 };
    await twoRedRunsOfTheFix(s);
    expect(repairs).toBe(1);
    expect(s.gh.comments.get(100)).toHaveLength(1);
    expect(s.gh.comments.get(100)![0]!.body).toContain("repair attempt 2 failed: the patch did not validate");
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  // The base context was sized to CONTEXT_BUDGET_TOKENS; the repair adds the fix run's excerpts (up to a
  // quarter of it) and the previous patch. What the model is sent must still fit the budget, counted with
  // the tokenizer the budget is measured in.
  test("the repair context, fix-run excerpts and previous patch included, stays within CONTEXT_BUDGET_TOKENS", async () => {
    let seen: Job | undefined;
    const s = await setup({ repair: async (job) => ((seen = job), { ok: true }) });
    const BUDGET = 2000;
    s.deps.config = { ...s.deps.config, CONTEXT_BUDGET_TOKENS: BUDGET };
    // A base context that fills its budget, as build-context leaves it when the logs are long.
    await s.store.updateJob(s.job.id, (j) => {
      const ctx = (j.results["build-context"] as { context: FailureContext }).context;
      const line = (i: number) => `    at Object.<anonymous> (src/module${i}.py:${i}) frame ${i} ${"detail ".repeat(4)}`;
      let n = 0;
      while (countTokens(JSON.stringify(ctx)) < BUDGET * 0.97) {
        if (n % 4 === 0) ctx.excerpts.unshift({ job: "pytest", startLine: n * 10, endLine: n * 10 + 5, reason: "traceback", text: [0, 1, 2, 3, 4].map((k) => line(n * 10 + k)).join("\n") });
        else if (n % 4 === 1) ctx.snippets.push({ path: `src/module${n}.py`, startLine: 1, endLine: 4, text: [0, 1, 2, 3].map((k) => `def f${n}_${k}(x):  # ${"comment ".repeat(3)}`).join("\n") });
        else if (n % 4 === 2) ctx.manifests.push({ path: `pkg${n}/pyproject.toml`, excerpt: `[project]\nname = "pkg${n}"\ndependencies = ["requests>=2", "pytest>=8"]` });
        else (ctx.test_config ??= []).push({ path: `pkg${n}/pytest.ini`, excerpt: "[pytest]\naddopts = -q --strict-markers" });
        n++;
      }
      ctx.budget = { tokens: BUDGET, used: countTokens(JSON.stringify(ctx)), dropped: [] };
    });
    // The fix branch's failed run, with a long log whose excerpts take their quarter of the budget.
    const log = pytestRunLog(300, "2026-11-23T12:00:02.0000000Z FAILED tests/test_slug.py::test_slug - AssertionError");
    const steps = PYTEST_RUN_STEPS;
    const reads = {
      writes: s.gh,
      listCommitRuns: s.gh.listCommitRuns.bind(s.gh),
      listRunJobs: async () => [{ id: 31, name: "pytest", status: "completed", conclusion: "failure", steps }],
      downloadJobLog: async () => (async function* () { yield Buffer.from(log); })(),
      listAnnotations: async () => [],
      getFileContent: async () => null,
      getRepoConfig: async () => null,
    };
    s.deps.github = { forInstallation: async () => reads as never };
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    await s.run();
    const ctx = (seen!.results["repair-context"] as { context: FailureContext }).context;
    // The repair got what it is for: the failed patch and what CI said about it.
    expect(ctx.previous_attempt?.patch).toContain('+    return "-".join(words)');
    expect(ctx.previous_attempt?.excerpts?.length).toBeGreaterThan(0);
    expect(countTokens(JSON.stringify(ctx))).toBeLessThanOrEqual(BUDGET);
    expect(ctx.budget.tokens).toBe(BUDGET);
    expect(Math.abs(ctx.budget.used - countTokens(JSON.stringify(ctx)))).toBeLessThanOrEqual(1);
    // The least useful parts of the base went first; its own log excerpts are kept.
    expect(ctx.test_config).toBeUndefined();
    expect(ctx.excerpts.length).toBeGreaterThan(0);
    expect(ctx.budget.dropped.join("\n")).toMatch(/test_config/);
  });

  // Raw and unredacted, they would otherwise sit beside the workspace while the repaired PR waits for CI.
  test("the fix branch's run logs are read for the repair's excerpts, then removed", async () => {
    let seen: Job | undefined;
    const s = await setup({ repair: async (job) => ((seen = job), { ok: true }) });
    const reads = {
      writes: s.gh,
      listCommitRuns: s.gh.listCommitRuns.bind(s.gh),
      listRunJobs: async () => [{ id: 31, name: "pytest", status: "completed", conclusion: "failure", steps: PYTEST_RUN_STEPS }],
      downloadJobLog: async () => (async function* () { yield Buffer.from(pytestRunLog(3)); })(),
      listAnnotations: async () => [],
      getFileContent: async () => null,
      getRepoConfig: async () => null,
    };
    s.deps.github = { forInstallation: async () => reads as never };
    await s.run();
    const logsDir = logsDirOf((await s.deps.workspace.get(s.job.id))!);
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const ctx = (seen!.results["repair-context"] as { context: FailureContext }).context;
    expect(ctx.previous_attempt?.excerpts?.map((e) => e.text).join("\n")).toContain("AssertionError: case 0");
    expect(await readdir(logsDir).catch(() => [])).not.toContain("fix-run-900");
  });

  // Each attempt is fitted from the job's own context: were the fitted one stored over it, the next attempt
  // would start from what the last one cut, and parts it dropped would never come back.
  test("two repairs in a row: each is fitted from the job's original context, which stays as build-context made it", async () => {
    const sent: FailureContext[] = [];
    const capture = { ...new RecordingModel(), proposePatch: async (input: FailureContext) => ((sent.push(structuredClone(input))), Promise.reject(permanent("no_fix_proposed", "captured"))) } as unknown as ModelPort;
    const s = await setup({ repair: async (job, deps, ctx) => (await proposePatchStage.run(job, { ...deps, model: capture }, ctx).catch(() => undefined), { ok: true }) });
    const BUDGET = 2000;
    s.deps.config = { ...s.deps.config, CONTEXT_BUDGET_TOKENS: BUDGET };
    await s.store.updateJob(s.job.id, (j) => {
      const ctx = (j.results["build-context"] as { context: FailureContext }).context;
      let n = 0;
      while (countTokens(JSON.stringify(ctx)) < BUDGET * 0.97) {
        if (n % 3 === 0) ctx.snippets.push({ path: `src/module${n}.py`, startLine: 1, endLine: 4, text: [0, 1, 2, 3].map((k) => `def f${n}_${k}(x):  # ${"comment ".repeat(3)}`).join("\n") });
        else if (n % 3 === 1) ctx.manifests.push({ path: `pkg${n}/pyproject.toml`, excerpt: `[project]\nname = "pkg${n}"\ndependencies = ["requests>=2", "pytest>=8"]` });
        else (ctx.test_config ??= []).push({ path: `pkg${n}/pytest.ini`, excerpt: "[pytest]\naddopts = -q --strict-markers" });
        n++;
      }
      ctx.budget = { tokens: BUDGET, used: countTokens(JSON.stringify(ctx)), dropped: [] };
    });
    const original = structuredClone(((await s.get()).results["build-context"] as { context: FailureContext }).context);
    // The first fix run fails with a long log, the second with a short one: the second attempt needs less room.
    const logOf = (lines: number) => pytestRunLog(lines);
    const steps = PYTEST_RUN_STEPS;
    const reads = {
      writes: s.gh,
      listCommitRuns: s.gh.listCommitRuns.bind(s.gh),
      listRunJobs: async (_r: unknown, runId: number) => [{ id: runId === 900 ? 31 : 32, name: "pytest", status: "completed", conclusion: "failure", steps }],
      downloadJobLog: async (_r: unknown, jobId: number) => (async function* () { yield Buffer.from(logOf(jobId === 31 ? 300 : 1)); })(),
      listAnnotations: async () => [],
      getFileContent: async () => null,
      getRepoConfig: async () => null,
    };
    s.deps.github = { forInstallation: async () => reads as never };
    await twoRedRunsOfTheFix(s);

    expect(sent).toHaveLength(2);
    expect(sent[1]!.previous_attempt?.outcome).toContain("run 901");
    // The job keeps the context build-context made, not the first attempt's cut of it.
    expect(((await s.get()).results["build-context"] as { context: FailureContext }).context).toEqual(original);
    for (const c of sent) expect(countTokens(JSON.stringify(c))).toBeLessThanOrEqual(BUDGET);
    // The first attempt made room by cutting the base; the second, smaller, gets back what it has room for.
    const size = (c: FailureContext) => (c.test_config?.length ?? 0) + c.manifests.length + c.snippets.length;
    expect(size(sent[0]!)).toBeLessThan(size(original));
    expect(size(sent[1]!)).toBeGreaterThan(size(sent[0]!));
    expect(sent[1]!.languages).toEqual(original.languages);
  });

  test("CI failing on the bot's commit after people pushed onto the fix branch: no repair over their work, no comment", async () => {
    let repaired = false;
    const s = await setup({ pullRequests: [], repair: async () => ((repaired = true), { ok: true }) });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const tree = s.gh.commits.get(commit)!.tree;
    const theirs = await s.gh.createCommit(undefined, { message: "alice: handle empty titles", tree, parents: [commit] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    await s.run();
    expect(repaired).toBe(false);
    expect(s.gh.comments.get(100)).toBeUndefined();
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs.sha);
    const j = await s.get();
    expect(j.waitingFor).toBe("pr_outcome");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: false }));
  });

  test("CI passing on the bot's commit after people pushed onto the fix branch: their PR is not marked ready for them", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(commit)!.tree, [{ path: "slug.py", content: "# work in progress\n" }]);
    const theirs = await s.gh.createCommit(undefined, { message: "alice: WIP", tree, parents: [commit] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    // The green run says nothing about their commit: ready for review would ask reviewers to look at their WIP.
    expect(s.gh.calls).not.toContain("markReadyForReview");
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true }));
  });

  // GitHub keeps a repository's id through a rename or a transfer, and its events carry the new name: the
  // job follows it, so REPO_ALLOWLIST updated to the new name (as it must be, for the repository's new runs)
  // does not stop the job that watches the fix PR, and the feedback is tagged with the name people know.
  test("the repository renamed while its fix PR is open: the job follows the new name, allowed as such", async () => {
    const s = await setup();
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    s.deps.config = { ...s.deps.config, REPO_ALLOWLIST: ["acme/slugify"] };
    const renamed = { ...s.repository, name: "slugify", full_name: "acme/slugify", owner: { login: "acme" } };
    expect(await s.deliver("workflow_run", { ...s.fixRun("success", commit), repository: renamed })).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    const j = await s.get();
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome", repo: { id: s.job.repo.id, owner: "acme", name: "slugify", fullName: "acme/slugify" } });
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", tags: expect.objectContaining({ repo: "acme/slugify" }) }));
    await s.deliver("pull_request", { ...s.prClosed(true, commit), repository: renamed });
    await s.run();
    expect((await s.get()).state).toBe("completed");
  });

  test("CI of another workflow on the fix branch neither marks the PR ready nor starts a repair", async () => {
    let repaired = false;
    const s = await setup({ repair: async () => ((repaired = true), { ok: true }) });
    await s.store.updateJob(s.job.id, (j) => void (j.run.workflowPath = ".github/workflows/tests.yml"));
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const other = (conclusion: string, id: number) => {
      const p = s.fixRun(conclusion, commit, id);
      return { ...p, workflow_run: { ...p.workflow_run, name: "lint", path: ".github/workflows/lint.yml" } };
    };
    expect(await s.deliver("workflow_run", other("success", 901))).toMatchObject({ outcome: "ignored", reason: expect.stringContaining("lint.yml") });
    expect(await s.deliver("workflow_run", other("failure", 902))).toMatchObject({ outcome: "ignored" });
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(repaired).toBe(false);
    // The failing workflow's own run on the fix commit is the verdict.
    expect(await s.deliver("workflow_run", s.fixRun("success", commit))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(s.model.received.filter((r) => r.metric === "ci_passed_on_fix_branch")).toEqual([expect.objectContaining({ value: true })]);
  });

  test("a workflow path with a ref suffix (`tests.yml@refs/heads/…`) is still the workflow the fix is for", async () => {
    const s = await setup();
    await s.store.updateJob(s.job.id, (j) => void (j.run.workflowPath = ".github/workflows/tests.yml@refs/heads/feature/slug"));
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const p = s.fixRun("success", commit);
    const suffixed = { ...p, workflow_run: { ...p.workflow_run, path: ".github/workflows/tests.yml@refs/heads/ci-bot/fix-555" } };
    expect(await s.deliver("workflow_run", suffixed)).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
  });

  test("a repair refused with the model's diagnosis: the comment cannot ping people, leak a token or outgrow GitHub's limit", async () => {
    const token = "ghp_" + "B".repeat(36);
    const diagnosis = `Ask @octocat and @octo/security; the log printed ${token}. ${"x".repeat(70_000)}`;
    const s = await setup({ pullRequests: [], repair: async () => { throw permanent("no_fix_proposed", `The model found no safe fix (confidence 0.1). Its diagnosis: ${diagnosis}`); } });
    await s.run();
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const body = s.gh.comments.get(100)![0]!.body;
    expect(body).toContain("repair attempt 2 failed: The model found no safe fix");
    expect(body).not.toMatch(/@octocat|@octo\/security/);
    expect(body).not.toContain(token);
    expect(body.length).toBeLessThan(2_000);
  });

  /** The fix PR open, with a repair that only notes it was asked for. */
  const openFixPr = async () => {
    let repaired = false;
    const s = await setup({ pullRequests: [], repair: async () => ((repaired = true), { ok: true }) });
    await s.run();
    return { s, commit: s.gh.branches.get("ci-bot/fix-555")!, repaired: () => repaired };
  };

  /** Red CI of a closed fix PR: its verdict and the close are sent, nothing is repaired or commented, the job completes. */
  const expectFeedbackOnly = async (s: Awaited<ReturnType<typeof setup>>, repaired: () => boolean) => {
    expect(repaired()).toBe(false);
    expect(s.gh.comments.get(100)).toBeUndefined();
    expect((await s.get()).state).toBe("completed");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: false }));
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "pr_merged", value: false }));
  };

  test("CI that failed around the PR's close is feedback only: no repair, no comment on the closed PR", async () => {
    const { s, commit, repaired } = await openFixPr();
    // Both arrive while the job waits in the queue (behind another job of the repository).
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    await s.run();
    await expectFeedbackOnly(s, repaired);
  });

  test("CI that failed after the close was handled (its feedback waiting for the gateway): feedback only, no repair, no comment", async () => {
    const { s, commit, repaired } = await openFixPr();
    s.model.down = true;
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.run();
    expect((await s.get()).state).toBe("feedback");
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    s.model.down = false;
    await s.clock.advance(60_000);
    await s.run();
    await expectFeedbackOnly(s, repaired);
  });

  /** The first fix open, and a repair that proposes another hyphen fix (validated as the first was). */
  async function withScriptedRepair(pullRequests: number[] = [], opts: ScriptedRepairOptions = {}) {
    const s = await setup({ pullRequests, repair: scriptedRepair([INFERENCE2], opts).repair });
    await s.run();
    return { s, first: s.gh.branches.get("ci-bot/fix-555")! };
  }

  /** The retry a minute later: the repair is recorded as attempt 2 on the commit the branch holds. */
  async function retriedRepair(s: Awaited<ReturnType<typeof withScriptedRepair>>["s"]) {
    await s.clock.advance(60_000);
    await s.run();
    const j = await s.get();
    const open = j.results["open-pull-request"] as { commitSha: string; repairAttempt: number; inferenceId: string };
    expect(open).toMatchObject({ commitSha: s.gh.branches.get("ci-bot/fix-555"), repairAttempt: 2, inferenceId: INFERENCE2 });
    return j;
  }

  /** A repair whose commit moved the branch, then GitHub's secondary rate limit hit the PR update after it. */
  async function repairPushedThenUpdateFailed() {
    const { s, first } = await withScriptedRepair();
    const pushed = await repairWithFailingPrUpdate(s, first);
    expect(pushed).not.toBe(first);
    return { s, pushed };
  }

  test("a repair runs under .github/ci-bot.yml as read for its red verdict (limits, commands), not as the job started, read once", async () => {
    const seen: Job[] = [];
    const { s, first } = await withScriptedRepair([], { during: async (j) => seen.push(j) });
    // People tightened the file since the job started: the repair's 2-line patch is over the new limit.
    const reads = { n: 0 };
    const now = { limits: { max_lines: 1 }, validate: ["make check"] };
    Object.defineProperty(s.repoConfig, "now", { get: () => (reads.n++, now) });
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    // What every stage of the repair reads the repository's settings from.
    expect(repoConfigOf(seen[0]!)).toMatchObject({ limits: { max_lines: 1 }, validate: ["make check"] });
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(first);
    expect(((await s.get()).results["watch-pr"] as { notes: string[] }).notes.at(-1)).toMatch(/repair attempt 2 failed: .*limits\.max_lines \(1\)/);
    expect(reads.n).toBe(1);
  });

  test("a repair does not post its comment on the failing PR again once people deleted it", async () => {
    const { s, first } = await withScriptedRepair([7]);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    s.gh.comments.set(7, []);
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    expect(s.gh.branches.get("ci-bot/fix-555")).not.toBe(first); // the repair was pushed
    expect(s.gh.comments.get(7)).toEqual([]);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ repairAttempt: 2, commentedOn: [7] });
  });

  test("a repair whose PR update failed after its push is finished on retry, not taken for people's push", async () => {
    const { s } = await repairPushedThenUpdateFailed();
    const j = await retriedRepair(s);
    expect(s.gh.filesAt("ci-bot/fix-555")["slug.py"]).toContain("w for w in words");
    expect(s.gh.pulls[0]!.body).toContain("repair attempt 2");
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("CI of a repair commit that finished while the PR update was being retried is its verdict", async () => {
    const { s, pushed } = await repairPushedThenUpdateFailed();
    // The push triggered CI, which passes before the job's retry has recorded the repair's commit.
    expect(await s.deliver("workflow_run", s.fixRun("success", pushed, 901))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await retriedRepair(s);
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: INFERENCE2 }));
  });

  test("a repair whose PR update failed after its push, merged as it is before the retry: no demonstration of the bot's own commit", async () => {
    const { s, pushed } = await repairPushedThenUpdateFailed();
    s.gh.pullRequestDiff = async () => slugPatch();
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: true, closedAt: new Date(s.clock.now()).toISOString(), headSha: pushed });
    await s.deliver("pull_request", s.prClosed(true, pushed));
    await s.clock.advance(60_000);
    await s.run();
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "pr_merged", value: true }));
    expect(s.model.received.filter((r) => r.metric === "demonstration")).toEqual([]);
  });

  const fixCiVerdicts = (s: Awaited<ReturnType<typeof setup>>) =>
    s.model.received.filter((r) => r.metric === "ci_passed_on_fix_branch").map((r) => ({ inferenceId: r.inferenceId, value: r.value }));

  test.each([
    ["success", true],
    ["failure", false],
  ] as const)("CI (%s) of a repair commit whose PR update failed, merged at it before the retry: the verdict is the repair's", async (conclusion, passed) => {
    const { s, pushed } = await repairPushedThenUpdateFailed();
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: true, closedAt: new Date(s.clock.now()).toISOString(), headSha: pushed });
    await s.deliver("pull_request", s.prClosed(true, pushed));
    expect(await s.deliver("workflow_run", s.fixRun(conclusion, pushed, 901))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await s.clock.advance(60_000);
    await s.run();
    await s.run();
    expect((await s.get()).state).toBe("completed");
    // The first fix keeps the red verdict that started the repair; the repair's commit gets its own.
    expect(fixCiVerdicts(s)).toEqual([{ inferenceId: INFERENCE, value: false }, { inferenceId: INFERENCE2, value: passed }]);
    expect(s.gh.comments.get(100)).toBeUndefined();
  });

  test("a repair whose PR update failed, then people pushed onto its commit: no retry over their work, the commit's CI is still its verdict", async () => {
    const { s, pushed } = await repairPushedThenUpdateFailed();
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(pushed)!.tree, [{ path: "slug.py", content: "# theirs\n" }]);
    const theirs = await s.gh.createCommit(undefined, { message: "alice: take it from here", tree, parents: [pushed] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    await s.deliver("workflow_run", s.fixRun("success", pushed, 901));
    await s.clock.advance(60_000);
    await s.run();
    const j = await s.get();
    const notes = (j.results["watch-pr"] as { notes: string[] }).notes;
    expect(notes[0]).toMatch(/branch has moved to .*PR left as is/);
    expect(j.waitingFor).toBe("pr_outcome");
    expect(fixCiVerdicts(s)).toEqual([{ inferenceId: INFERENCE, value: false }, { inferenceId: INFERENCE2, value: true }]);
    // The PR's record is of the first fix, and the branch is people's: not marked ready on the bot's run.
    expect(notes.at(-1)).toMatch(/repair attempt 2's commit .* verdict recorded, PR left as is/);
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs.sha);
  });

  test("a repair whose PR update failed after its push is finished on retry with that commit: the model is not asked again", async () => {
    const scripted = scriptedRepair([INFERENCE2, "0192f5a0-0000-7000-8000-000000000009"]);
    const s = await setup({ pullRequests: [], repair: scripted.repair });
    await s.run();
    const first = s.gh.branches.get("ci-bot/fix-555")!;
    const pushed = await repairWithFailingPrUpdate(s, first);
    await s.deliver("workflow_run", s.fixRun("success", pushed, 901));
    await retriedRepair(s);
    expect(scripted.asked()).toBe(1);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(pushed);
    expect(fixCiVerdicts(s)).toEqual([{ inferenceId: INFERENCE, value: false }, { inferenceId: INFERENCE2, value: true }]);
    expect(s.gh.pulls[0]!.draft).toBe(false);
  });

  test("a repair retried after its commit landed does not fetch the fix run's logs again: they are for a proposal it does not make", async () => {
    const scripted = scriptedRepair([INFERENCE2, "0192f5a0-0000-7000-8000-000000000009"]);
    const s = await setup({ pullRequests: [], repair: scripted.repair });
    const fetches = countFixRunLogFetches(s);
    await s.run();
    const first = s.gh.branches.get("ci-bot/fix-555")!;
    await repairWithFailingPrUpdate(s, first);
    expect(fetches()).toEqual({ listRunJobs: 1, downloadJobLog: 1 });
    const context = (await s.get()).results["repair-context"];
    expect((context as { context: FailureContext }).context.previous_attempt?.excerpts?.length).toBeGreaterThan(0);
    await retriedRepair(s);
    expect(scripted.asked()).toBe(1);
    expect(fetches()).toEqual({ listRunJobs: 1, downloadJobLog: 1 });
    // The context the committed proposal was answered from stays as it was, excerpts and all.
    expect((await s.get()).results["repair-context"]).toEqual(context);
  });

  test("CI of repair attempt 2's commit that finishes after attempt 3 was pushed is attempt 2's verdict, and only that", async () => {
    const { scripted, s, first, second, third } = await threeAttempts();
    expect(new Set([first, second, third]).size).toBe(3);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ commitSha: third, repairAttempt: 3 });
    const commentsBefore = s.gh.comments.get(100)?.length ?? 0;
    // Attempt 2's red run, re-run, passes (it was flaky) after attempt 3 replaced it on the branch.
    expect(await s.deliver("workflow_run", s.fixRun("success", second, 901, 2))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await s.run();
    expect(fixCiVerdicts(s)).toEqual([{ inferenceId: INFERENCE, value: false }, { inferenceId: INFERENCE2, value: false }, { inferenceId: INFERENCE2, value: true }]);
    // Feedback only: the PR is attempt 3's, which CI has not spoken on yet.
    expect(scripted.asked()).toBe(2);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(third);
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(s.gh.comments.get(100)?.length ?? 0).toBe(commentsBefore);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  test("a re-run of a replaced attempt's commit whose webhook never came: the reconciliation records its verdict for that attempt's inference, and asks of it once", async () => {
    const { s, first, second, third } = await threeAttempts();
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ commitSha: third, supersededCommits: [{ sha: first }, { sha: second }] });
    // Attempt 2's red run, re-run, passes after attempt 3 replaced it; its webhook is lost.
    s.gh.putRun(second, { id: 901, attempt: 2, workflow: ".github/workflows/tests.yml", status: "completed", conclusion: "success", htmlUrl: "https://github.com/octo/slug/actions/runs/901" });
    const asked: string[] = [];
    const list = s.gh.listCommitRuns.bind(s.gh);
    s.gh.listCommitRuns = async (r, sha) => (asked.push(sha), list(r, sha));
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([s.job.id]);
    expect(asked).toEqual([first, second, third]);
    await s.run();
    expect(fixCiVerdicts(s)).toEqual([{ inferenceId: INFERENCE, value: false }, { inferenceId: INFERENCE2, value: false }, { inferenceId: INFERENCE2, value: true }]);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(third);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
    // Parked again: the next pass asks of the PR's commit only, and nothing is recorded or sent twice.
    asked.length = 0;
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([]);
    expect(asked).toEqual([third]);
    expect(fixCiVerdicts(s)).toHaveLength(3);
  });

  test("a repair whose branch move landed but whose answer was lost is finished on retry, not taken for people's push", async () => {
    const { s, first } = await withScriptedRepair();
    // GitHub moves the ref, then the answer is lost (a 502 from its edge, a timeout).
    const move = s.gh.updateBranch.bind(s.gh);
    let fails = 1;
    s.gh.updateBranch = async (...a) => {
      await move(...a);
      if (fails-- > 0) throw transient("http_502", "Bad Gateway");
    };
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    expect(s.gh.branches.get("ci-bot/fix-555")).not.toBe(first);
    const j = await retriedRepair(s);
    expect(s.gh.pulls[0]!.body).toContain("repair attempt 2");
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("a repair during which people closed the fix PR pushes nothing and says so; the close is recorded and sent", async () => {
    const { s, first } = await withScriptedRepair();
    await s.deliver("workflow_run", s.fixRun("failure", first));
    // Closed while the job waited in the queue and its repair ran: the close webhook has not come yet.
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: false, closedAt: new Date(s.clock.now()).toISOString() });
    await s.run();
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(first);
    const note = ((await s.get()).results["watch-pr"] as { notes: string[] }).notes.at(-1);
    expect(note).not.toContain("repair attempt 2 pushed");
    expect(note).toMatch(/repair attempt 2 not pushed: PR #100 was closed/);
    // No "CI failed" comment on the PR people closed.
    expect(s.gh.comments.get(100)).toBeUndefined();
    // The close the repair found woke the job: watch-pr takes it as the webhook's.
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "pr_merged", value: false }));
  });

  /** People push their own edit onto the fix branch and merge the PR; GitHub's diff of it is `diff`. */
  const mergeWithEdits = async (s: Awaited<ReturnType<typeof setup>>, from: string, diff: string) => {
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(from)!.tree, [{ path: "slug.py", content: "# theirs\n" }]);
    const theirs = (await s.gh.createCommit(undefined, { message: "alice: tidy", tree, parents: [from] })).sha;
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs);
    s.gh.pullRequestDiff = async () => diff;
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: true, closedAt: new Date(s.clock.now()).toISOString(), headSha: theirs });
    return theirs;
  };
  const FIRST_DIAGNOSIS = "slugify joins words with underscores; the tests expect hyphens.\nThe separator was changed in the last commit.";
  const demonstrations = (s: Awaited<ReturnType<typeof setup>>) =>
    s.model.received.filter((r) => r.metric === "demonstration").map((r) => ({ inferenceId: r.inferenceId, diagnosis: (r.value as { diagnosis: string }).diagnosis }));

  test("a repair not pushed as people merged the PR with their edits: the demonstration is the PR's fix's (its inference, its diagnosis)", async () => {
    // Merged with people's edit while the repair was being proposed: no webhook yet.
    const during = { merge: async () => undefined as unknown };
    const { s, first } = await withScriptedRepair([], { during: () => during.merge() });
    during.merge = () => mergeWithEdits(s, first, slugPatch());
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    expect(((await s.get()).results["watch-pr"] as { notes: string[] }).notes.at(-1)).toMatch(/repair attempt 2 not pushed/);
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(demonstrations(s)).toEqual([{ inferenceId: INFERENCE, diagnosis: FIRST_DIAGNOSIS }]);
  });

  // "Update branch" (required when branches must be up to date to merge) merges the base into the fix branch:
  // the head is people's merge commit, and from the failing commit it carries every change the base got since.
  test("a merge after people updated the fix branch from its base: the demonstration is the PR's diff, not the base's new commits", async () => {
    const s = await setup();
    await s.run();
    const fix = s.gh.branches.get("ci-bot/fix-555")!;
    const baseTip = (await s.gh.createCommit(undefined, { message: "bob: add docs", tree: await s.gh.createTree(undefined, s.gh.commits.get(s.job.run.headSha)!.tree, [{ path: "README.md", content: "# slug\n" }]), parents: [s.job.run.headSha] })).sha;
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(fix)!.tree, [{ path: "README.md", content: "# slug\n" }]);
    const merge = (await s.gh.createCommit(undefined, { message: "Merge branch 'feature/slug' into ci-bot/fix-555", tree, parents: [fix, baseTip] })).sha;
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", merge);
    // GitHub's PR diff starts at the merge base of head and base, which the merge moved to the base's tip.
    s.gh.pullRequestDiff = async () => slugPatch();
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: true, closedAt: new Date(s.clock.now()).toISOString(), headSha: merge });
    await s.deliver("pull_request", s.prClosed(true, merge));
    await s.run();
    expect((await s.get()).state).toBe("completed");
    const demos = s.model.received.filter((r) => r.metric === "demonstration");
    expect(demos.map((r) => r.value)).toEqual([expect.objectContaining({ patch: slugPatch(), files: ["slug.py"] })]);
  });

  const proposedPatch = (j: Job) => (j.results["propose-patch"] as { proposal: { diff: string } }).proposal.diff;

  test("the PR's patch is kept once: read from the proposal, copied onto the PR's record only as a repair's proposal replaces it", async () => {
    const { s, first } = await withScriptedRepair([], { refuse: "patch_refused" });
    let j = await s.get();
    const onPr = proposedPatch(j);
    expect(onPr).toContain('+    return "-".join(words)');
    expect(j.results["open-pull-request"]).toMatchObject({ inferenceId: INFERENCE, diagnosis: FIRST_DIAGNOSIS });
    expect(j.results["open-pull-request"]).not.toHaveProperty("patch");
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    j = await s.get();
    expect(proposedPatch(j)).toContain("w for w in words");
    expect(j.results["open-pull-request"]).toMatchObject({ inferenceId: INFERENCE, patch: onPr });
  });

  test("a repair refused for a credential: its patch is kept redacted on the job, the PR's own patch as it was", async () => {
    const token = "ghp_R4nd0mL00k1ngT0k3nAbCdEfGhIjKlMnOpQ";
    const { s, first } = await withScriptedRepair([], { refuse: "patch_refused", refusal: { rule: "secret", file: "slug.py", reason: "the patch adds what looks like a credential (github-token)" }, addedLine: `TOKEN = "${token}"` });
    const onPr = proposedPatch(await s.get());
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    const j = await s.get();
    expect((j.results["watch-pr"] as { notes: string[] }).notes.at(-1)).toMatch(/repair attempt 2 failed: patch_refused/);
    expect(proposedPatch(j)).toContain('+TOKEN = "[REDACTED]"');
    expect(JSON.stringify(j)).not.toContain(token);
    expect(j.results["propose-patch"]).toMatchObject({ proposal: { refusedAndRedacted: { rule: "secret", file: "slug.py" } } });
    expect(j.results["open-pull-request"]).toMatchObject({ inferenceId: INFERENCE, patch: onPr });
  });

  test("why a repair failed is kept redacted on the job (a gateway's error can quote what it read)", async () => {
    const token = "ghp_R4nd0mL00k1ngT0k3nAbCdEfGhIjKlMnOpQ";
    const s = await setup({ repair: async () => ({ ok: false, reason: `model_bad_request: the gateway refused "Authorization: token ${token}"` }) });
    await s.run();
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const j = await s.get();
    expect((j.results["watch-pr"] as { notes: string[] }).notes.at(-1)).toContain('repair attempt 2 failed: model_bad_request: the gateway refused "Authorization: token [REDACTED]"');
    expect(JSON.stringify(j)).not.toContain(token);
  });

  // A job stored by the previous version has the patch on the PR's record from the start: read as before.
  test.each([
    ["as stored now", false],
    ["stored by the previous version, the patch on the PR's record from the start", true],
  ])("a repair not pushed as people closed the PR, which they reopen: the next repair starts from the PR's patch, not the unpushed one (%s)", async (_, previousVersion) => {
    const seen: Job[] = [];
    const during = { act: async (j: Job): Promise<unknown> => seen.push(j) };
    const { s, first } = await withScriptedRepair([], { during: (j) => during.act(j) });
    if (previousVersion) await s.store.updateJob(s.job.id, (j) => void ((j.results["open-pull-request"] as { patch?: string }).patch = proposedPatch(j)));
    during.act = async (j) => {
      seen.push(j);
      if (seen.length === 1) Object.assign(s.gh.pulls[0]!, { state: "closed", merged: false, closedAt: new Date(s.clock.now()).toISOString() });
    };
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    await s.run();
    expect((await s.get()).state).toBe("completed");
    await s.clock.advance(60_000);
    Object.assign(s.gh.pulls[0]!, { state: "open", closedAt: null });
    await s.deliver("pull_request", s.prReopened(first));
    await s.deliver("workflow_run", s.fixRun("failure", first, 901));
    await s.run();
    expect(seen).toHaveLength(2);
    const previous = (seen[1]!.results["repair-context"] as { context: { previous_attempt?: { patch: string } } }).context.previous_attempt;
    expect(previous?.patch).toContain('+    return "-".join(words)');
    expect(previous?.patch).not.toContain("w for w in words");
  });

  test("a repair refused by the policy, then the PR merged with people's edits: the demonstration is the PR's fix's; the refusal stays the repair's", async () => {
    const { s, first } = await withScriptedRepair([], { refuse: "patch_refused" });
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    expect(((await s.get()).results["watch-pr"] as { notes: string[] }).notes.at(-1)).toMatch(/repair attempt 2 failed: patch_refused/);
    const head = await mergeWithEdits(s, first, slugPatch());
    await s.deliver("pull_request", s.prClosed(true, head));
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(demonstrations(s)).toEqual([{ inferenceId: INFERENCE, diagnosis: FIRST_DIAGNOSIS }]);
    // The refused attempt's own verdict went to its own inference.
    expect(s.model.received.filter((r) => r.metric === "patch_applied")).toEqual([expect.objectContaining({ inferenceId: INFERENCE2, value: false })]);
  });

  test("gateway down at the end: the job waits in feedback with the items kept, and completes when it is back", async () => {
    const s = await setup();
    await s.run();
    s.model.down = true;
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    let j = await s.get();
    expect(j.state).toBe("feedback");
    expect(j.feedback.find((f) => f.metric === "pr_merged")).toMatchObject({ status: "pending", value: false });
    s.model.down = false;
    await s.clock.advance(60_000);
    await s.run();
    j = await s.get();
    expect(j.state).toBe("completed");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "pr_merged", value: false, tags: expect.objectContaining({ reason: "closed_without_merge" }) }));
  });

  test("a later main-branch failure with the same fingerprint updates the open fix PR instead of opening another", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const second: Job = { ...(await s.get()), id: "second-job", key: "1296269:556", run: { ...s.job.run, id: 556, pullRequests: [] }, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [] };
    second.results = validatedResults(second, undefined, ["test_later_failure"]);
    delete second.results["open-pull-request"];
    await s.store.recordIntake(makeDelivery(second), "{}", second);
    const runner = new Runner(s.deps, [openPullRequestStage]);
    await runner.runJob(queueItemFor(second));
    const j = (await s.store.getJob("second-job"))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`PR #100 of job ${s.job.id}`);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
  });

  test("the same commit failing in a second run (push and pull_request of one PR): one fix PR, one comment, nothing written again", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    expect(s.gh.comments.get(7)).toHaveLength(1);
    const calls = s.gh.calls.length;
    const prRun: Job = { ...(await s.get()), id: "pr-run-job", key: "1296269:556", run: { ...s.job.run, id: 556, event: "pull_request", pullRequests: [7] }, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [] };
    prRun.results = validatedResults(prRun);
    delete prRun.results["open-pull-request"];
    await s.store.recordIntake(makeDelivery(prRun), "{}", prRun);
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(prRun));
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    const j = (await s.store.getJob("pr-run-job"))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`PR #100 of job ${s.job.id}`);
  });

  test("a new commit of the PR failing the same way updates its open fix PR: brought to that commit with the new fix, one PR, one comment", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const first = s.gh.branches.get("ci-bot/fix-555")!;
    const { job: next, sha } = await laterCommitOfPr(s);
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(next));
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
    // A merge of the later commit into the fix branch (a fast-forward of it): people's new file and this job's fix.
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    expect(s.gh.commits.get(head)!.parents).toEqual([first, sha]);
    expect(s.gh.filesAt("ci-bot/fix-555")).toMatchObject({ "NOTES.md": "alice's next commit\n", "slug.py": expect.stringContaining('return "-".join(w for w in words)') });
    expect(s.gh.pulls[0]!.body).toContain(`updated for [run 556 (attempt 1)]`);
    expect(s.gh.pulls[0]!.body).toContain(sha.slice(0, 12));
    expect(s.gh.pulls[0]!.body).toContain(INFERENCE2);
    // The comment on people's PR says it once, edited in place: #100's line is now the later commit's.
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect(s.gh.comments.get(7)![0]!.body).toContain(`- #100 updated for commit ${sha.slice(0, 7)}: a fix for the failed run`);
    expect(s.gh.comments.get(7)![0]!.body).not.toContain("runs/555");
    const j = (await s.store.getJob(next.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`fix PR #100 of job ${s.job.id} updated for commit ${sha.slice(0, 7)}`);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ sharedCommits: [{ sha: head, jobId: next.id, inferenceId: INFERENCE2, episodeId: EPISODE2, runId: 556 }] });
    // Each job's inference gets its own outcomes: CI on the new head is the later fix's, the merge is both episodes'.
    await s.deliver("workflow_run", s.fixRun("success", head, 901));
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: INFERENCE2, tags: expect.objectContaining({ run_id: "556" }) }));
    await s.deliver("pull_request", s.prClosed(true, head));
    await s.run();
    expect(s.model.received.filter((r) => r.metric === "pr_merged").map((r) => [r.episodeId, r.value])).toEqual([[EPISODE, true], [EPISODE2, true]]);
    expect(s.model.received.filter((r) => r.metric === "demonstration")).toEqual([]);
  });

  test("CI of a later failure's fix committed onto the open fix PR is heard by the PR's job", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const first = s.gh.branches.get("ci-bot/fix-555")!;
    const shared = await sharedOntoFixPr(s);
    expect(shared).not.toBe(first);
    expect(await s.deliver("workflow_run", s.fixRun("success", shared, 901))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    // The verdict is on the patch that commit carries: the later job's inference, tagged with that job's run.
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: INFERENCE2, tags: expect.objectContaining({ run_id: "556", fix_run_id: "901" }) }));
    // A third failure of the same kind finds the branch at a bot commit, not taken over by people.
    const third = await sharedOntoFixPr(s, "third-job", 557, "0192f5a0-0000-7000-8000-000000000004", '"-".join(list(words))', "0192f5a0-0000-7000-8000-000000000006");
    expect(third).not.toBe(shared);
  });

  test("CI of a later failure's fix noted by an earlier version (no run id on it): tagged with that job's run", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    await s.store.updateJob(s.job.id, (j) => void delete (j.results["open-pull-request"] as { sharedCommits: Array<{ runId?: number }> }).sharedCommits[0]!.runId);
    await s.deliver("workflow_run", s.fixRun("success", shared, 901));
    await s.run();
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", inferenceId: INFERENCE2, tags: expect.objectContaining({ run_id: "556" }) }));
  });

  test.each([true, false])("merge (%s) of a fix PR carrying a later failure's fix: pr_merged for each episode once, on the PR job's outbox", async (merged) => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    expect((await s.store.getJob("second-job"))!.state).toBe("completed");
    await s.deliver("pull_request", s.prClosed(merged, shared));
    await s.run();
    // Redelivered, or the job's stage run again after a crash: still one item per episode.
    await s.deliver("pull_request", s.prClosed(merged, shared));
    await s.run();
    const j = await s.get();
    expect(j.state).toBe("completed");
    const sent = s.model.received.filter((r) => r.metric === "pr_merged");
    expect(sent).toEqual([
      expect.objectContaining({ episodeId: EPISODE, value: merged, tags: expect.objectContaining({ run_id: "555" }) }),
      expect.objectContaining({ episodeId: EPISODE2, value: merged, tags: expect.objectContaining({ run_id: "556" }) }),
    ]);
    // Kept with the PR's job, which waits in send-feedback until the gateway has them: the later job is done.
    expect(j.feedback.filter((f) => f.metric === "pr_merged").map((f) => [f.target, f.status])).toEqual([[{ episodeId: EPISODE }, "sent"], [{ episodeId: EPISODE2 }, "sent"]]);
  });

  test("a person marking ready a fix PR carrying a later failure's fix: pr_marked_ready for each episode once, on the PR job's outbox", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    const draftChange = (action: string, updatedAt: string) => ({
      action, installation: { id: 2 }, repository: s.repository, sender: { login: "alice", type: "User" },
      pull_request: { number: 100, state: "open", draft: action === "converted_to_draft", updated_at: updatedAt, head: { ref: "ci-bot/fix-555", sha: shared } },
    });
    expect(await s.deliver("pull_request", draftChange("ready_for_review", "2026-11-23T13:00:00Z"))).toMatchObject({ resumeJobId: s.job.id });
    // Redelivered: nothing new for either episode.
    expect(await s.deliver("pull_request", draftChange("ready_for_review", "2026-11-23T13:00:00Z"))).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(await s.deliver("pull_request", draftChange("converted_to_draft", "2026-11-23T14:00:00Z"))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    const sent = s.model.received.filter((r) => r.metric === "pr_marked_ready").map((r) => ({ episodeId: r.episodeId, value: r.value, item: r.tags?.["outbox_item_id"], run: r.tags?.["run_id"], author: r.tags?.["author"] }));
    expect(sent).toEqual([
      { episodeId: EPISODE, value: true, item: `pr_marked_ready:${EPISODE}`, run: "555", author: "alice" },
      { episodeId: EPISODE2, value: true, item: `pr_marked_ready:${EPISODE2}`, run: "556", author: "alice" },
      { episodeId: EPISODE, value: false, item: `pr_marked_ready:${EPISODE}:2`, run: "555", author: "alice" },
      { episodeId: EPISODE2, value: false, item: `pr_marked_ready:${EPISODE2}:2`, run: "556", author: "alice" },
    ]);
    // Kept with the PR's job: the later job is done.
    expect((await s.store.getJob("second-job"))!.feedback.filter((f) => f.metric === "pr_marked_ready")).toEqual([]);
  });

  test("merge of a fix PR whose head is a later failure's fix (the bot's commit): no demonstration of people's edits", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    // GitHub has a diff of the PR (the fake has none of its own): the later job's patch.
    s.gh.pullRequestDiff = async () => slugPatch();
    await s.deliver("pull_request", s.prClosed(true, shared));
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(s.model.received.filter((r) => r.metric === "demonstration")).toEqual([]);
  });

  test("merge of a fix PR: a later job whose commit was noted but never got onto the branch gets no pr_merged", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    // As if the branch move had failed for good: that job failed with its commit only noted on this PR.
    await s.store.updateJob("second-job", (j) => void delete j.results["open-pull-request"]);
    await s.deliver("pull_request", s.prClosed(true, shared));
    await s.run();
    expect(s.model.received.filter((r) => r.metric === "pr_merged").map((r) => r.episodeId)).toEqual([EPISODE]);
  });

  test("merge of a fix PR: a later job's commit noted by an earlier version (no episode on it) gets its episode's pr_merged", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    await s.store.updateJob(s.job.id, (j) => {
      const c = (j.results["open-pull-request"] as { sharedCommits: Array<{ runId?: number; episodeId?: string }> }).sharedCommits[0]!;
      delete c.runId;
      delete c.episodeId;
    });
    await s.deliver("pull_request", s.prClosed(true, shared));
    await s.run();
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "pr_merged", episodeId: EPISODE2, value: true, tags: expect.objectContaining({ run_id: "556" }) }));
  });

  test("CI failing on a later failure's fix committed onto the fix PR: a comment, and no repair over it", async () => {
    let repaired = false;
    const s = await setup({ pullRequests: [], repair: async () => ((repaired = true), { ok: true }) });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    expect(await s.deliver("workflow_run", s.fixRun("failure", shared, 901))).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    await s.run();
    // This job's context is the earlier failing commit's: its whole files would undo the later fix.
    expect(repaired).toBe(false);
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(s.gh.comments.get(100)?.[0]?.body).toContain("CI failure on this fix branch");
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: false, inferenceId: INFERENCE2, tags: expect.objectContaining({ run_id: "556" }) }));
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });

  test("a repair keeps the later jobs' commits noted on the PR: their CI is still their inference's verdict", async () => {
    const LATER = "0192f5a0-0000-7000-8000-000000000007";
    let noted = "";
    const { s, first } = await withScriptedRepair([], {
      // A later job with the same failure, which found the PR while this job was parked, notes its commit on
      // the bot's head (as it does before moving the branch) while the repair is proposed.
      during: async () => {
        if (noted) return;
        noted = (await s.gh.createCommit(undefined, { message: "the later job's fix", tree: s.gh.commits.get(first)!.tree, parents: [first] })).sha;
        await s.store.updateJob(s.job.id, (j) => {
          const open = j.results["open-pull-request"] as { sharedCommits?: unknown[] };
          open.sharedCommits = [{ sha: noted, jobId: "second-job", inferenceId: LATER, files: ["slug.py"], runId: 556, episodeId: EPISODE2 }];
        });
      },
    });
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ repairAttempt: 2, sharedCommits: [expect.objectContaining({ sha: noted, inferenceId: LATER })] });
    await s.deliver("workflow_run", s.fixRun("success", noted, 902));
    await s.run();
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: LATER, tags: expect.objectContaining({ run_id: "556" }) }));
  });

  test("a repair after the 'CI failed' comment (the limit raised since) keeps it: the repair's green CI edits it", async () => {
    const { s, first } = await withScriptedRepair();
    s.repoConfig.now = { max_repair_attempts: 0 };
    await s.deliver("workflow_run", s.fixRun("failure", first, 900, 1));
    await s.run();
    expect(s.gh.comments.get(100)).toHaveLength(1);
    // People allow a repair and re-run the red run, which fails again: the repair runs.
    s.repoConfig.now = { max_repair_attempts: 1 };
    await s.deliver("workflow_run", s.fixRun("failure", first, 900, 2));
    await s.run();
    const repaired = s.gh.branches.get("ci-bot/fix-555")!;
    expect(repaired).not.toBe(first);
    await s.deliver("workflow_run", s.fixRun("success", repaired, 901));
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    // The comment that said CI failed is edited, not left to contradict the ready PR.
    expect(s.gh.comments.get(100)).toHaveLength(1);
    expect(s.gh.comments.get(100)![0]!.body).toContain("CI passed on this fix branch");
  });

  const laterPatch = slugPatch('"-".join(w for w in words)');

  test("a later failure whose sibling fix PR was closed a moment ago does not say its fix went onto it", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const before = s.gh.branches.get("ci-bot/fix-555")!;
    // Closed on GitHub; the PR's job has not handled the webhook yet, so it still waits on an open PR.
    Object.assign(s.gh.pulls[0]!, { state: "closed" });
    const second: Job = { ...(await s.get()), id: "second-job", key: "1296269:556", run: { ...s.job.run, id: 556, pullRequests: [] }, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [] };
    second.results = validatedResults(second, laterPatch, ["test_later_failure"]);
    await s.store.recordIntake(makeDelivery(second), "{}", second);
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(second));
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(before);
    const j = (await s.store.getJob("second-job"))!;
    expect(j.history.at(-1)?.note).toContain("PR #100 was closed meanwhile; this fix was not committed");
    // Nor does its record claim the PR's head as its commit (the PR's job would take it for its fix's).
    expect(j.results["open-pull-request"]).not.toHaveProperty("commitSha");
  });

  test("a later failure whose commit got onto the sibling PR before it was closed still says its fix went there", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const move = s.gh.updateBranch.bind(s.gh);
    let fails = 1;
    s.gh.updateBranch = async (...a) => {
      await move(...a);
      if (fails-- > 0) throw transient("http_502", "Bad Gateway");
    };
    const second: Job = { ...(await s.get()), id: "second-job", key: "1296269:556", run: { ...s.job.run, id: 556, pullRequests: [] }, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [] };
    second.results = validatedResults(second, laterPatch, ["test_later_failure"]);
    await s.store.recordIntake(makeDelivery(second), "{}", second);
    const runner = new Runner(s.deps, [openPullRequestStage]);
    await runner.runJob(queueItemFor(second));
    expect(fails).toBe(0);
    const ours = s.gh.branches.get("ci-bot/fix-555")!;
    Object.assign(s.gh.pulls[0]!, { state: "closed", headSha: ours });
    await s.clock.advance(60_000);
    await runner.runJob(queueItemFor(second));
    const j = (await s.store.getJob("second-job"))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain("fix went onto PR #100");
  });

  test("a later main-branch failure with the same fingerprint leaves the fix PR alone once people pushed onto it", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(commit)!.tree, [{ path: "slug.py", mode: "100644", content: "# alice's version\n" }]);
    const theirs = await s.gh.createCommit(undefined, { message: "alice: take the fix over", tree, parents: [commit] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    const calls = s.gh.calls.length;
    const second: Job = { ...(await s.get()), id: "second-job", key: "1296269:556", run: { ...s.job.run, id: 556, pullRequests: [] }, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [] };
    second.results = validatedResults(second, undefined, ["test_later_failure"]);
    delete second.results["open-pull-request"];
    await s.store.recordIntake(makeDelivery(second), "{}", second);
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(second));
    expect((await s.store.getJob("second-job"))!.history.at(-1)?.note).toContain("people have taken over");
    // Their branch is theirs: no commit on top of it, no PR text rewritten, and no second PR either.
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs.sha);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.pulls).toHaveLength(1);
    const j = (await s.store.getJob("second-job"))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain("PR #100");
  });

  test("review comments on a line become comment feedback with the location; the bot's own are ignored", async () => {
    const s = await setup();
    await s.run();
    const comment = (login: string, id: number) => ({
      action: "created", installation: { id: 2 }, repository: s.repository,
      pull_request: { number: 100, state: "open", head: { ref: "ci-bot/fix-555", sha: "x" } },
      comment: { id, body: "Use a regex here instead.", path: "slug.py", line: 7, user: { login } },
    });
    expect(await s.deliver("pull_request_review_comment", comment("t0-ci-bot[bot]", 1))).not.toHaveProperty("resumeJobId");
    expect(await s.deliver("pull_request_review_comment", comment("bob", 2))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "comment", episodeId: EPISODE, value: "Use a regex here instead. (on slug.py:7)", tags: expect.objectContaining({ author: "bob" }) }));
    expect(s.model.received.filter((r) => r.metric === "comment")).toHaveLength(1);
  });

  // Copilot's code review, CodeRabbit, a linter posting through github-actions: apps review every PR, the fix
  // PR too. What they say is not a person's judgement of the fix, and is not sent as one.
  test("reviews and review comments by other apps are not comment feedback", async () => {
    const s = await setup();
    await s.run();
    const pull_request = { number: 100, state: "open", head: { ref: "ci-bot/fix-555", sha: "x" } };
    const review = await s.deliver("pull_request_review", {
      action: "submitted", installation: { id: 2 }, repository: s.repository, pull_request,
      review: { id: 51, state: "commented", body: "Copilot reviewed 1 out of 1 changed files in this pull request.", user: { login: "copilot-pull-request-reviewer[bot]", type: "Bot" } },
    });
    const comment = await s.deliver("pull_request_review_comment", {
      action: "created", installation: { id: 2 }, repository: s.repository, pull_request,
      comment: { id: 52, body: "eslint: 'x' is assigned a value but never used.", path: "slug.py", line: 7, user: { login: "github-actions[bot]", type: "Bot" } },
    });
    expect([review, comment]).toEqual([expect.objectContaining({ reason: expect.stringMatching(/nothing to record$/) }), expect.objectContaining({ reason: expect.stringMatching(/nothing to record$/) })]);
    expect(review).not.toHaveProperty("resumeJobId");
    expect(comment).not.toHaveProperty("resumeJobId");
    expect((await s.get()).feedback.filter((f) => f.metric === "comment")).toEqual([]);
  });
});

/** The fix and two repairs, each after CI went red on the commit before it (runs 900 and 901): three commits. */
async function threeAttempts() {
  const scripted = scriptedRepair([INFERENCE2, "0192f5a0-0000-7000-8000-000000000009"]);
  const s = await setup({ pullRequests: [], repair: scripted.repair });
  s.repoConfig.now = { max_repair_attempts: 2 };
  await s.run();
  const first = s.gh.branches.get("ci-bot/fix-555")!;
  await s.deliver("workflow_run", s.fixRun("failure", first, 900));
  await s.run();
  const second = s.gh.branches.get("ci-bot/fix-555")!;
  await s.deliver("workflow_run", s.fixRun("failure", second, 901));
  await s.run();
  const third = s.gh.branches.get("ci-bot/fix-555")!;
  return { scripted, s, first, second, third };
}

/**
 * CI on the fix commit went red and the repair's commit moved the branch, then GitHub's secondary rate limit
 * hit the PR update after it (retried later). Returns the repair's commit.
 */
async function repairWithFailingPrUpdate(s: Awaited<ReturnType<typeof setup>>, first: string): Promise<string> {
  const update = s.gh.updatePullRequest.bind(s.gh);
  let fails = 1;
  s.gh.updatePullRequest = async (...a) => (fails-- > 0 ? Promise.reject(transient("http_403", "You have exceeded a secondary rate limit")) : update(...a));
  await s.deliver("workflow_run", s.fixRun("failure", first));
  await s.run();
  return s.gh.branches.get("ci-bot/fix-555")!;
}

/** The fix run's failed pytest job, served to the repair's log fetch; the calls of that fetch, counted. */
function countFixRunLogFetches(s: Awaited<ReturnType<typeof setup>>): () => { listRunJobs: number; downloadJobLog: number } {
  const n = { listRunJobs: 0, downloadJobLog: 0 };
  const github = s.deps.github;
  s.deps.github = {
    forInstallation: async (id: number) => ({
      ...(await github.forInstallation(id)),
      listRunJobs: async () => (n.listRunJobs++, [{ id: 31, name: "pytest", status: "completed", conclusion: "failure", steps: PYTEST_RUN_STEPS }]),
      downloadJobLog: async () => (n.downloadJobLog++, (async function* () { yield Buffer.from(pytestRunLog(3)); })()),
      listAnnotations: async () => [],
      getFileContent: async () => null,
    }) as never,
  };
  return () => ({ ...n });
}

/** `refuse`: the repair's validation fails with that code; `during`: what happens while it is proposed. */
interface ScriptedRepairOptions {
  refuse?: string;
  /** The refusal's details (refusalError's: the rule, the file, the reason). */
  refusal?: Record<string, unknown>;
  /** A line the repair's patch adds after its fix. */
  addedLine?: string;
  during?: (job: Job) => Promise<unknown>;
}

/**
 * A repair whose model answers with python-slug fixes other than the first, as a real model's differ: from
 * each of `inferenceIds` in turn (the last again if asked more). `asked` counts the questions.
 */
function scriptedRepair(inferenceIds: string[], { refuse, refusal, addedLine, during }: ScriptedRepairOptions = {}) {
  const answers = ['"-".join(w for w in words)', '"-".join(list(words))'];
  let asked = 0;
  const stage = (name: string, result: (j: Job) => unknown): Stage => ({ name, state: "patching", sideEffects: false, run: async (j) => ({ result: await result(j) }) });
  const propose = stage("propose-patch", async (j) => {
    const n = Math.min(asked++, inferenceIds.length - 1);
    await during?.(j);
    const diff = addedLine ? slugPatch(answers[n]).replace(/^(\+ .*\n)/m, `$1+${addedLine}\n`) : slugPatch(answers[n]);
    return { ...(validatedResults(j)["propose-patch"] as object), proposal: { diagnosis: "hyphens, lazily", diff, confidence: 0.7, files: ["slug.py"] }, inferenceId: inferenceIds[n] };
  });
  const validate = refuse
    ? withValidationFeedback(stage("apply-and-validate", () => { throw permanent(refuse, "the repair's patch was refused", refusal); }))
    : stage("apply-and-validate", (j) => validatedResults(j)["apply-and-validate"]);
  return { repair: createRepairFix(propose, validate), asked: () => asked };
}
