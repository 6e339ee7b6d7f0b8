import { describe, expect, test } from "@jest/globals";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { fixLoopSuite, laterCommitOfPr, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/** Job `job` run through open-pull-request in dry run: what it recorded and said, and GitHub's writes meanwhile. */
async function dryRun(s: FixLoop, job: Job) {
  await s.store.updateJob(job.id, (j) => void (j.dryRun = true));
  const calls = s.gh.calls.length;
  const heads = new Map(s.gh.branches);
  const owner = (await s.get()).results["open-pull-request"];
  await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor({ ...job, dryRun: true }));
  const j = (await s.store.getJob(job.id))!;
  expect(s.gh.calls.slice(calls)).toEqual([]);
  expect(s.gh.branches).toEqual(heads);
  expect(s.gh.pulls).toHaveLength(1);
  expect((await s.get()).results["open-pull-request"]).toEqual(owner);
  return { result: j.results["open-pull-request"] as Record<string, unknown>, note: j.history.at(-1)?.note, state: j.state };
}

describe("the dry run says what the real run would do with an open sibling fix PR", () => {
  test("a later commit of people's PR: it would update that PR for the commit, not open a new one", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const { job, sha } = await laterCommitOfPr(s);
    const { result, note, state } = await dryRun(s, job);
    expect(state).toBe("completed");
    expect(result).toMatchObject({ dryRun: true, action: "update_pr_for_later_commit", branch: "ci-bot/fix-555", pr: 100, sharedWithJob: s.job.id, base: { sha } });
    expect(result["body"]).toContain(`on its later commit \`${sha.slice(0, 12)}\``);
    expect(result).not.toHaveProperty("labels");
    expect(note).toBe(`dry run: would update fix PR #100 of job ${s.job.id} for commit ${sha.slice(0, 7)} (same failure on a later commit): its branch brought to that commit with this fix, in place of the earlier commit's`);
  });

  test("a branch push failing other tests on the PR's commit: it would commit onto that PR", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const { job } = await laterCommitOfPr(s, { sha: s.job.run.headSha, tests: ["test_something_else"], pullRequests: [] });
    const { result, note } = await dryRun(s, job);
    expect(result).toMatchObject({ dryRun: true, action: "commit_onto_pr", branch: "ci-bot/fix-555", pr: 100 });
    expect(note).toBe(`dry run: would commit this fix onto PR #100 of job ${s.job.id} (same failure)`);
  });

  test("a second run of a commit whose fix is on the PR already: it would write nothing", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const one = await laterCommitOfPr(s, { runId: 556 });
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(one.job));
    const two = await laterCommitOfPr(s, { runId: 557 });
    const { result, note } = await dryRun(s, two.job);
    expect(result).toMatchObject({ dryRun: true, action: "none", branch: "ci-bot/fix-555", sharedWithJob: s.job.id });
    expect(note).toBe(`dry run: same failure on commit bbbbbbb, whose fix another run's job put on PR #100 of job ${s.job.id}: that PR answers it; nothing written`);
  });

  test("people pushed onto the sibling's branch: it would write nothing", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const first = s.gh.branches.get("ci-bot/fix-555")!;
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(first)!.tree, [{ path: "slug.py", mode: "100644", content: "# alice's version\n" }]);
    const theirs = await s.gh.createCommit(undefined, { message: "alice: take the fix over", tree, parents: [first] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    const { job } = await laterCommitOfPr(s);
    const { result, note } = await dryRun(s, job);
    expect(result).toMatchObject({ dryRun: true, action: "none" });
    expect(note).toContain("whose fix PR #100 people have taken over");
  });
});
