import { describe, expect, jest, test } from "@jest/globals";
import { permanent } from "../../src/core/errors.js";
import { stopJob, type Job } from "../../src/core/job.js";
import { prEventsOf } from "../../src/feedback/pr-events.js";
import { retryJob } from "../../src/pipeline/job-control.js";
import { EPISODE, INFERENCE, slugPatch } from "./fix-loop-fixtures.js";
import { EPISODE2, fixLoopSuite, INFERENCE2 } from "./fix-loop-setup.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";

const setup = fixLoopSuite();

type Loop = Awaited<ReturnType<typeof setup>>;

/**
 * The fix PR opened and the job parked on it; then the app was uninstalled (the job stopped, parked stage
 * given back) and, with no webhook reaching the app, people closed or merged the PR. `jobs retry` runs
 * open-pull-request again, which finds the PR closed.
 */
async function closedWhileAway(merged: boolean, edit: boolean) {
  const s = await setup({ pullRequests: [] });
  await s.run();
  expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
  await s.store.updateJob(s.job.id, (j) => void stopJob(j, { code: "installation_deleted", message: "uninstalled" }, new Date(s.clock.now()).toISOString()));
  const commit = s.gh.branches.get("ci-bot/fix-555")!;
  let head = commit;
  if (edit) {
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(commit)!.tree, [{ path: "slug.py", content: "# theirs\n" }]);
    head = (await s.gh.createCommit(undefined, { message: "alice: tidy", tree, parents: [commit] })).sha;
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", head);
    s.gh.pullRequestDiff = async () => slugPatch();
  }
  await s.clock.advance(3 * 86_400_000);
  const closedAt = new Date(s.clock.now()).toISOString();
  Object.assign(s.gh.pulls[0]!, { state: "closed", merged, closedAt, headSha: head });
  await s.clock.advance(86_400_000);
  await retryJob(s.deps, s.job.id);
  await s.run();
  // The close it recorded woke the job, which the queue runs again: watch-pr takes the close, and
  // open-pull-request, done with the PR, does not read GitHub again.
  expect(await s.get()).toMatchObject({ state: "pr", waitingFor: undefined });
  const finds = jest.spyOn(s.gh, "findPullRequest");
  await s.run();
  expect(finds).not.toHaveBeenCalled();
  return { s, commit, head, closedAt };
}

const prMerged = (s: Loop) => s.model.received.filter((r) => r.metric === "pr_merged").map((r) => ({ episodeId: r.episodeId, value: r.value }));

describe("a job retried after its fix PR was closed while no webhook reached the app", () => {
  test("merged with people's edits: the close is recorded as the webhook would have, pr_merged and the demonstration are sent", async () => {
    const { s, head, closedAt } = await closedWhileAway(true, true);
    const j = await s.get();
    expect(j.state).toBe("completed");
    // The close webhook's own id: a late delivery of it is a duplicate.
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: `closed:100:${closedAt}`, kind: "closed", merged: true, headSha: head, ghAt: closedAt })]);
    expect(await s.deliver("pull_request", { ...s.prClosed(true, head), pull_request: { ...s.prClosed(true, head).pull_request, closed_at: closedAt } })).toMatchObject({ reason: expect.stringContaining("already recorded") });
    expect(prMerged(s)).toEqual([{ episodeId: EPISODE, value: true }]);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "demonstration", inferenceId: INFERENCE }));
    expect(j.feedback.every((f) => f.status === "sent")).toBe(true);
    // Nothing written onto the closed PR.
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
  });

  test("closed without merging: pr_merged=false, and a later reopening brings the job back to watch the PR", async () => {
    const { s, commit } = await closedWhileAway(false, false);
    expect(await s.get()).toMatchObject({ state: "completed" });
    expect(prMerged(s)).toEqual([{ episodeId: EPISODE, value: false }]);

    await s.clock.advance(60_000);
    Object.assign(s.gh.pulls[0]!, { state: "open", closedAt: null });
    const reopened = await s.deliver("pull_request", s.prReopened(commit));
    expect(reopened).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("watching it again") });
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome", stage: "watch-pr" });

    await s.clock.advance(60_000);
    expect(await s.deliver("pull_request", s.prClosed(true, commit))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(prMerged(s).map((r) => r.value)).toEqual([false, true]);
  });
});

/**
 * The fix PR's CI passed and the job parked in watch-pr; then the installation was suspended (the job
 * stopped, watch-pr given back), and GitHub sent no webhook of what happened meanwhile. `jobs retry` runs
 * watch-pr again, which asks GitHub first rather than waiting for the parked-job reconciliation.
 */
async function stoppedInWatchPr() {
  const s = await setup({ pullRequests: [] });
  await s.run();
  const commit = s.gh.branches.get("ci-bot/fix-555")!;
  await s.deliver("workflow_run", s.fixRun("success", commit));
  await s.run();
  expect(await s.get()).toMatchObject({ state: "pr", stage: "watch-pr", waitingFor: "pr_outcome" });
  expect(s.gh.pulls[0]!.draft).toBe(false);
  await s.store.updateJob(s.job.id, (j) => void stopJob(j, { code: "installation_suspended", message: "suspended" }, new Date(s.clock.now()).toISOString()));
  await s.clock.advance(86_400_000);
  return { s, commit };
}

describe("a job retried after a stop while it watched its fix PR", () => {
  test("merged meanwhile: the retry records the merge at once, and pr_merged is sent", async () => {
    const { s, commit } = await stoppedInWatchPr();
    const closedAt = new Date(s.clock.now()).toISOString();
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: true, closedAt, headSha: commit });
    await s.clock.advance(3_600_000);
    await retryJob(s.deps, s.job.id);
    await s.run();
    expect(prEventsOf(await s.get())).toContainEqual(expect.objectContaining({ id: `closed:100:${closedAt}`, kind: "closed", merged: true }));
    // The merge it recorded woke the job, which the queue runs again: watch-pr is done with the merged PR.
    await s.run();
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.reconcileOnResume).toBeUndefined();
    expect(prMerged(s)).toEqual([{ episodeId: EPISODE, value: true }]);
  });

  test("CI on the fix commit finished meanwhile: its verdict is taken at once; the job then waits for the PR again", async () => {
    const { s, commit } = await stoppedInWatchPr();
    // A re-run of the fix commit's run failed, its webhook never sent.
    s.gh.putRun(commit, { id: 900, attempt: 2, workflow: ".github/workflows/tests.yml", status: "completed", conclusion: "failure" });
    await retryUntilParkedAgain(s);
    expect(s.model.received.filter((r) => r.metric === "ci_passed_on_fix_branch").map((r) => r.value)).toEqual([true, false]);
    // Nothing is asked of GitHub again on the job's later events.
    const reads = jest.spyOn(s.gh, "getPullRequest");
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.run();
    expect(reads).not.toHaveBeenCalled();
    expect((await s.get()).state).toBe("completed");
  });

  test("still suspended: the retry stops again with the reason; GitHub refusing the read for another reason leaves it to the reconciliation", async () => {
    const { s } = await stoppedInWatchPr();
    const read = jest.spyOn(s.gh, "getPullRequest").mockRejectedValue(permanent("installation_suspended", "the installation is suspended"));
    await retryJob(s.deps, s.job.id);
    await s.run();
    expect(await s.get()).toMatchObject({ state: "failed", error: { code: "installation_suspended", stage: "watch-pr" } });

    read.mockRejectedValue(permanent("http_404", "Not Found"));
    await retryJob(s.deps, s.job.id);
    await s.run();
    const j = await s.get();
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    expect(j.reconcileOnResume).toBeUndefined();
  });
});

/** The fix PR opened and the job parked waiting for its CI; then the installation was suspended (the job stopped). */
async function stoppedAfterOpening() {
  const s = await setup({ pullRequests: [] });
  await s.run();
  expect(await s.get()).toMatchObject({ state: "pr", stage: "open-pull-request", waitingFor: "pr_outcome" });
  await s.store.updateJob(s.job.id, (j) => void stopJob(j, { code: "installation_suspended", message: "suspended" }, new Date(s.clock.now()).toISOString()));
  return { s, commit: s.gh.branches.get("ci-bot/fix-555")! };
}

describe("a job retried after a stop while it waited for CI on its new fix PR", () => {
  test("CI on the fix commit finished meanwhile: the retry takes its verdict at once; the job then waits for the PR", async () => {
    const { s, commit } = await stoppedAfterOpening();
    // The fix commit's run passed; its webhook never reached the app.
    s.gh.putRun(commit, { id: 900, attempt: 1, workflow: ".github/workflows/tests.yml", status: "completed", conclusion: "success" });
    await s.clock.advance(86_400_000);
    await retryUntilParkedAgain(s);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: INFERENCE }));
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.pulls[0]!.draft).toBe(false);
  });

  test("the bot turned off (enabled: false) meanwhile: the PR stays on record, untouched, and its merge is still sent", async () => {
    const { s, commit } = await stoppedAfterOpening();
    s.repoConfig.now = { enabled: false };
    await s.clock.advance(86_400_000);
    const callsBefore = s.gh.calls.length;
    await retryJob(s.deps, s.job.id);
    await s.run();
    let j = await s.get();
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome", results: { "open-pull-request": { pr: { number: 100 }, commitSha: commit } } });
    expect(s.gh.calls.slice(callsBefore).filter((c) => ["createCommit", "updateBranch", "updatePullRequest", "addLabels", "upsertComment", "markReadyForReview"].includes(c))).toEqual([]);
    expect(await s.deliver("pull_request", s.prClosed(true, commit))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    j = await s.get();
    expect(j.state).toBe("completed");
    expect(prMerged(s)).toEqual([{ episodeId: EPISODE, value: true }]);
  });
});

describe("a job retried after a stop while it waited for CI on its new fix PR, its branch moved meanwhile", () => {
  test("people pushed onto it: the retry commits nothing over their work and keeps its own commit on record", async () => {
    const { s, commit } = await stoppedAfterOpening();
    const theirs = await pushOnFixBranch(s, "alice: my own take", "# theirs\n");
    await s.clock.advance(86_400_000);
    const callsBefore = s.gh.calls.length;
    await retryUntilParkedAgain(s);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs);
    expect(s.gh.calls.slice(callsBefore).filter((c) => ["createCommit", "updateBranch", "updatePullRequest"].includes(c))).toEqual([]);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ commitSha: commit, pr: { number: 100, state: "open" } });
  });

  test("a later job's fix went onto it: the retry does not take that commit as its own", async () => {
    const { s, commit } = await stoppedAfterOpening();
    const later = await pushOnFixBranch(s, "ci-bot: a later job's fix", "# a later job's fix\n");
    await s.store.updateJob(s.job.id, (j) => {
      (j.results["open-pull-request"] as { sharedCommits?: unknown[] }).sharedCommits = [{ sha: later, jobId: "second-job", inferenceId: "0192f3c4-0000-7000-8000-0000000000ff", files: ["slug.py"], runId: 556, episodeId: EPISODE }];
    });
    await retryUntilParkedAgain(s);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(later);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ commitSha: commit, inferenceId: INFERENCE, sharedCommits: [expect.objectContaining({ sha: later, jobId: "second-job" })] });
  });
});

/** A commit on `branch` on top of its head (or of `from`, creating it), with slug.py as its author wrote it. */
async function pushOnBranch(s: Loop, branch: string, message: string, content: string, from?: string): Promise<string> {
  const at = s.gh.branches.get(branch) ?? from!;
  const tree = await s.gh.createTree(undefined, s.gh.commits.get(at)!.tree, [{ path: "slug.py", content }]);
  const head = (await s.gh.createCommit(undefined, { message, tree, parents: [at] })).sha;
  if (s.gh.branches.has(branch)) await s.gh.updateBranch(undefined, branch, head);
  else await s.gh.createBranch(undefined, branch, head);
  return head;
}
const pushOnFixBranch = (s: Loop, message: string, content: string) => pushOnBranch(s, "ci-bot/fix-555", message, content);

describe("a job retried after a stop while parked on its own fix PR, another job's fix PR open for the same failure", () => {
  test("the retry keeps to its own PR and commits nothing onto the other", async () => {
    const { s, commit } = await stoppedAfterOpening();
    const otherHead = await otherFixPrOpen(s, commit);
    await retryUntilParkedAgain(s);
    await expectOwnPrKept(s, commit, otherHead);
  });

  test("the same for a job that failed after opening its PR, before its record was written", async () => {
    const { s, ours } = await failedAfterOpening();
    const otherHead = await otherFixPrOpen(s, ours);
    await retryUntilParkedAgain(s);
    await expectOwnPrKept(s, ours, otherHead);
  });

  /** A later failure with the same fingerprint, on a pull request's run, which opened a fix PR of its own (#101). */
  async function otherFixPrOpen(s: Loop, from: string): Promise<string> {
    const other = makeJob({ runId: 777, repo: "octo/slug" });
    const head = await pushOnBranch(s, "ci-bot/fix-777", "ci-bot: the other job's fix", "# the other job's fix\n", from);
    const parked: Job = {
      ...other,
      id: "other-job",
      fingerprint: s.job.fingerprint,
      run: { ...other.run, pullRequests: [8] },
      state: "pr",
      waitingFor: "pr_outcome",
      results: { "open-pull-request": { branch: "ci-bot/fix-777", commitSha: head, verified: true, pr: { number: 101, htmlUrl: "https://github.com/octo/slug/pull/101", nodeId: "PR_101", state: "open", draft: true }, createdPr: true, commentedOn: [8], files: ["slug.py"], inferenceId: INFERENCE2, episodeId: EPISODE2, repairAttempt: 1 } },
    };
    await s.store.recordIntake(makeDelivery(parked), "{}", parked);
    return head;
  }

  async function expectOwnPrKept(s: Loop, own: string, otherHead: string) {
    expect(s.gh.branches.get("ci-bot/fix-777")).toBe(otherHead);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(own);
    const record = (await s.get()).results["open-pull-request"];
    expect(record).toMatchObject({ branch: "ci-bot/fix-555", commitSha: own, pr: { number: 100 } });
    expect(record).not.toHaveProperty("sharedWithJob");
    expect((await s.store.getJob("other-job"))!.results["open-pull-request"]).not.toHaveProperty("sharedCommits");
  }
});

/**
 * The first attempt opened its PR, then GitHub refused the comment on the failing PR: the job failed with its
 * commit noted and no record of its PR. Returns that commit.
 */
async function failedAfterOpening(): Promise<{ s: Loop; ours: string }> {
  const s = await setup({ pullRequests: [7] });
  const refused = jest.spyOn(s.gh, "upsertComment").mockRejectedValueOnce(permanent("http_422", "Validation Failed"));
  await s.run();
  expect(await s.get()).toMatchObject({ state: "failed", error: { code: "http_422" } });
  expect((await s.get()).results["open-pull-request"]).toBeUndefined();
  refused.mockRestore();
  return { s, ours: s.gh.branches.get("ci-bot/fix-555")! };
}

describe("a job whose first attempt failed after opening its PR, retried after people pushed onto the fix branch", () => {
  test("the retry commits nothing over their work, and says why", async () => {
    const { s } = await failedAfterOpening();
    const theirs = await pushOnFixBranch(s, "alice: my own take", "# theirs\n");
    const callsBefore = s.gh.calls.length;
    await retryJob(s.deps, s.job.id);
    await s.run();
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs);
    expect(s.gh.calls.slice(callsBefore).filter((c) => ["createCommit", "updateBranch"].includes(c))).toEqual([]);
    expect(await s.get()).toMatchObject({ state: "failed", error: { code: "fix_branch_moved", message: expect.stringContaining("does not commit over their work") } });
  });

  test("CI on its commit that finished while it was failed is taken at once by the retry, not a day later", async () => {
    const { s, ours } = await failedAfterOpening();
    // The fix commit's run passed while the job was failed: its webhook found no PR on record to credit.
    await s.deliver("workflow_run", s.fixRun("success", ours));
    await s.clock.advance(3_600_000);
    await retryUntilParkedAgain(s);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "ci_passed_on_fix_branch", value: true, inferenceId: INFERENCE }));
    expect(s.gh.pulls[0]!.draft).toBe(false);
  });
});

describe("a job whose first attempt failed after opening its PR, its PR merged with people's edits while it was failed", () => {
  test("the retry records its own commit, not theirs, so their edits are sent as a demonstration", async () => {
    const { s, ours } = await failedAfterOpening();
    const theirs = await pushOnFixBranch(s, "alice: tidy", "# theirs\n");
    s.gh.pullRequestDiff = async () => slugPatch();
    await s.clock.advance(86_400_000);
    Object.assign(s.gh.pulls[0]!, { state: "closed", merged: true, closedAt: new Date(s.clock.now()).toISOString(), headSha: theirs });
    await s.clock.advance(3_600_000);
    await retryJob(s.deps, s.job.id);
    await s.run();
    await s.run();
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.results["open-pull-request"]).toMatchObject({ commitSha: ours, pr: { number: 100, state: "closed" } });
    expect(prMerged(s)).toEqual([{ episodeId: EPISODE, value: true }]);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "demonstration", inferenceId: INFERENCE }));
  });
});

describe("a job of an earlier version, completed on finding its PR closed", () => {
  test("a reopening says the close was never recorded, and leaves the job as it is", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    // As that version left it: completed in open-pull-request, the PR noted closed, no close event.
    await s.store.updateJob(s.job.id, (j) => {
      Object.assign(j, { state: "completed", waitingFor: undefined });
      j.completedStages.push("open-pull-request");
      Object.assign((j.results["open-pull-request"] as { pr: object }).pr, { state: "closed" });
    });
    const completed = await s.get();
    const routed = await s.deliver("pull_request", s.prReopened(commit));
    expect(routed).toMatchObject({ reason: expect.stringContaining("completed on finding PR #100 already closed") });
    expect(routed).not.toHaveProperty("resumeJobId");
    expect(await s.get()).toEqual(completed);
  });
});

/** Retries the job and runs it until it parks on its fix PR again, the catch-up with GitHub done. */
async function retryUntilParkedAgain(s: Awaited<ReturnType<typeof setup>>): Promise<void> {
  await retryJob(s.deps, s.job.id);
  await s.run();
  await s.run();
  const j = await s.get();
  expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
  expect(j.reconcileOnResume).toBeUndefined();
}
