import { describe, expect, test } from "@jest/globals";
import type { CommitRun } from "../../src/core/ports/github-port.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { fixLoopSuite, laterCommitOfPr, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();
const TESTS = ".github/workflows/tests.yml";
const NEWER = "c".repeat(40);
const GREEN_NOTE = `${TESTS} passed on feature/slug's newer commit ccccccc (run 600) since run 555 failed: no fix PR for a failure already green`;

/** The failed run 555 of tests.yml on feature/slug, whose job is at open-pull-request; people pushed NEWER since. */
async function pushedSince(pullRequests = [7]) {
  const s = await setup({ pullRequests });
  await s.store.updateJob(s.job.id, (j) => void (j.run.workflowPath = TESTS));
  s.gh.branches.set("feature/slug", NEWER);
  return s;
}

/** A run of a workflow on NEWER, as GitHub lists it. */
const runOnNewer = (s: FixLoop, over: Partial<CommitRun> = {}) => s.gh.putRun(NEWER, { id: 600, attempt: 1, workflow: TESTS, status: "completed", conclusion: "success", ...over });

describe("people pushed a newer commit to the branch while the job was under way", () => {
  test("the same workflow passed on it: no PR, no comment, no write; the job completes saying why", async () => {
    const s = await pushedSince();
    runOnNewer(s);
    await s.run();
    expect(s.gh.calls).toEqual(["listBranchWorkflowRuns"]);
    expect(s.gh.pulls).toHaveLength(0);
    expect(s.gh.comments.size).toBe(0);
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe(GREEN_NOTE);
    expect(j.results["open-pull-request"]).toEqual({ left: GREEN_NOTE });
  });

  test("the dry run says the same, and writes nothing", async () => {
    const s = await pushedSince();
    runOnNewer(s);
    await s.store.updateJob(s.job.id, (j) => void (j.dryRun = true));
    await s.run();
    expect(s.gh.calls).toEqual(["listBranchWorkflowRuns"]);
    const j = await s.get();
    expect(j.results["open-pull-request"]).toEqual({ dryRun: true, action: "none", left: GREEN_NOTE });
    expect(j.history.at(-1)?.note).toBe(`dry run: ${GREEN_NOTE}`);
  });

  const fixedAsToday: Array<[string, (s: FixLoop) => void]> = [
    ["its run is still going", (s) => runOnNewer(s, { status: "in_progress", conclusion: null })],
    ["its run failed", (s) => runOnNewer(s, { conclusion: "failure" })],
    ["one of its runs passed, another failed", (s) => (runOnNewer(s), runOnNewer(s, { id: 601, conclusion: "failure" }))],
    ["no run of the workflow on it yet (another workflow passed)", (s) => runOnNewer(s, { workflow: ".github/workflows/lint.yml" })],
    ["its only pass is older than the failed run (the branch reset to a commit that passed before)", (s) => runOnNewer(s, { id: 500 })],
    ["GitHub fails to list its runs", (s) => (runOnNewer(s), (s.gh.workflowRunsDown = true))],
  ];
  test.each(fixedAsToday)("%s: one PR and one comment, as before", async (_name, arrange) => {
    const s = await pushedSince();
    arrange(s);
    await s.run();
    expect(s.gh.calls.filter((c) => c === "listBranchWorkflowRuns")).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "createPullRequest")).toHaveLength(1);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect((await s.get()).state).toBe("pr");
  });

  test("the branch still at the failed commit: no runs listed, the PR opens", async () => {
    const s = await pushedSince();
    s.gh.branches.set("feature/slug", s.job.run.headSha);
    await s.run();
    expect(s.gh.calls).not.toContain("listBranchWorkflowRuns");
    expect(s.gh.pulls).toHaveLength(1);
  });

  test("a job whose fix goes onto the open sibling PR for its later commit is not stopped: that PR is brought to the commit", async () => {
    const s = await pushedSince();
    s.gh.branches.delete("feature/slug");
    await s.run();
    const { job, sha } = await laterCommitOfPr(s);
    await s.store.updateJob(job.id, (j) => void (j.run.workflowPath = TESTS));
    s.gh.branches.set("feature/slug", NEWER);
    runOnNewer(s);
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));
    expect(s.gh.calls).not.toContain("listBranchWorkflowRuns");
    expect(s.gh.pulls).toHaveLength(1);
    expect((await s.store.getJob(job.id))!.history.at(-1)?.note).toContain("PR #100");
    expect(s.gh.commits.get(s.gh.branches.get("ci-bot/fix-555")!)!.parents).toContain(sha);
  });
});
