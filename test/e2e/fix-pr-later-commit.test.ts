import { describe, expect, test } from "@jest/globals";
import { transient } from "../../src/core/errors.js";
import { reconcileParked } from "../../src/pipeline/reconcile-parked.js";
import { EPISODE } from "./fix-loop-fixtures.js";
import { EPISODE2 } from "./fix-loop-setup.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { fixLoopSuite, laterCommitOfPr, type FixLoop } from "./fix-loop-setup.js";
import type { Job } from "../../src/core/job.js";

const setup = fixLoopSuite();
const openPr = (s: FixLoop, job: Job) => new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));

/**
 * A later commit's job whose branch move lands at GitHub but answers 502, then retried a minute later: one
 * merge commit of [first, the later commit] on the branch, made once (two createCommit in all, the first fix's).
 */
async function retriedAfterLostMove(s: FixLoop, first: string, later?: Parameters<typeof laterCommitOfPr>[1]) {
  const move = s.gh.updateBranch.bind(s.gh);
  let fails = 1;
  s.gh.updateBranch = async (...a) => {
    await move(...a);
    if (fails-- > 0) throw transient("http_502", "Bad Gateway");
  };
  const { job, sha } = await laterCommitOfPr(s, later);
  await openPr(s, job);
  expect(fails).toBe(0);
  const head = s.gh.branches.get("ci-bot/fix-555")!;
  await s.clock.advance(60_000);
  await openPr(s, job);
  expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
  expect(s.gh.commits.get(head)!.parents).toEqual([first, sha]);
  expect(s.gh.calls.filter((c) => c === "createCommit")).toHaveLength(2);
  return { job, sha, head };
}

/** People's PR #7 failed on its commit a (run 555), whose fix PR #100 is open on ci-bot/fix-555. */
async function fixPrOpen(): Promise<{ s: FixLoop; first: string }> {
  const s = await setup({ pullRequests: [7] });
  await s.run();
  return { s, first: s.gh.branches.get("ci-bot/fix-555")! };
}

describe("a later commit of people's PR failing the same way: the open fix PR is updated, no second PR", () => {
  test("other tests failing on the later commit (same fingerprint): the fix PR is updated for it all the same", async () => {
    const { s, first } = await fixPrOpen();
    const { job, sha } = await laterCommitOfPr(s, { tests: ["test_something_else"] });
    await openPr(s, job);
    expect(s.gh.pulls).toHaveLength(1);
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    expect(s.gh.commits.get(head)!.parents).toEqual([first, sha]);
    expect((await s.store.getJob(job.id))!.history.at(-1)?.note).toContain(`updated for commit ${sha.slice(0, 7)}`);
  });

  test("people pushed onto the fix branch: their commit is kept, nothing is written, no second PR", async () => {
    const { s, first } = await fixPrOpen();
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(first)!.tree, [{ path: "slug.py", mode: "100644", content: "# alice's version\n" }]);
    const theirs = await s.gh.createCommit(undefined, { message: "alice: take the fix over", tree, parents: [first] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    const { job } = await laterCommitOfPr(s);
    const calls = s.gh.calls.length;
    await openPr(s, job);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs.sha);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain("whose fix PR #100 people have taken over");
  });

  test("people pushed onto the fix branch while the fix was being committed: the move is refused, their commit kept, the job says so", async () => {
    const { s, first } = await fixPrOpen();
    const move = s.gh.updateBranch.bind(s.gh);
    let theirs = "";
    s.gh.updateBranch = async (...a) => {
      if (!theirs) {
        const tree = await s.gh.createTree(undefined, s.gh.commits.get(first)!.tree, [{ path: "slug.py", mode: "100644", content: "# alice's version\n" }]);
        theirs = (await s.gh.createCommit(undefined, { message: "alice: take the fix over", tree, parents: [first] })).sha;
        await move(undefined, "ci-bot/fix-555", theirs);
      }
      return move(...a);
    };
    const { job } = await laterCommitOfPr(s);
    await openPr(s, job);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(theirs);
    expect(s.gh.pulls).toHaveLength(1);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe(`same failure on a later commit as job ${s.job.id}, whose fix PR #100 people took over while this fix was being committed; left as is`);
    // Its commit was noted on the PR before the move, and never got there: the merge is not its outcome.
    expect(j.results["open-pull-request"]).not.toHaveProperty("commitSha");
    await s.deliver("pull_request", s.prClosed(true, theirs));
    await s.run();
    expect(s.model.received.filter((r) => r.metric === "pr_merged").map((r) => r.episodeId)).toEqual([EPISODE]);
  });

  test("people edited the fix PR's description: it stays theirs; the branch and the comment on their PR are still updated", async () => {
    const { s, first } = await fixPrOpen();
    Object.assign(s.gh.pulls[0]!, { body: "alice: I rewrote this" });
    const { job, sha } = await laterCommitOfPr(s);
    await openPr(s, job);
    expect(s.gh.pulls[0]!.body).toBe("alice: I rewrote this");
    expect(s.gh.commits.get(s.gh.branches.get("ci-bot/fix-555")!)!.parents).toEqual([first, sha]);
    expect(s.gh.comments.get(7)![0]!.body).toContain(`updated for commit ${sha.slice(0, 7)}`);
  });

  test("a third commit failing the same way: the branch is brought to it on top of the second's merge; still one PR and one line", async () => {
    const { s } = await fixPrOpen();
    const second = await laterCommitOfPr(s);
    await openPr(s, second.job);
    const merged = s.gh.branches.get("ci-bot/fix-555")!;
    const third = await laterCommitOfPr(s, { runId: 557, sha: "c".repeat(40) });
    await openPr(s, third.job);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.commits.get(s.gh.branches.get("ci-bot/fix-555")!)!.parents).toEqual([merged, third.sha]);
    const comment = s.gh.comments.get(7)!;
    expect(comment).toHaveLength(1);
    expect(comment[0]!.body).toContain("updated for commit ccccccc");
    expect(comment[0]!.body.match(/- #100 /g)).toHaveLength(1);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ sharedCommits: [{ jobId: second.job.id, runId: 556 }, { jobId: third.job.id, runId: 557 }] });
  });

  test("an earlier commit's run that ends after a later commit's fix went onto the PR writes nothing", async () => {
    const { s } = await fixPrOpen();
    const later = await laterCommitOfPr(s, { runId: 557, sha: "c".repeat(40) });
    await openPr(s, later.job);
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    const late = await laterCommitOfPr(s, { runId: 556 });
    const calls = s.gh.calls.length;
    await openPr(s, late.job);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
    const j = (await s.store.getJob(late.job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe(`same failure on an earlier commit than the fix on PR #100 of job ${s.job.id}, which answers it; nothing written`);
  });

  test.each([
    ["the push run first, then the pull_request run", 556, 557],
    ["the pull_request run first, then the push run", 557, 556],
  ])("two runs of the same later commit (%s): one update, the second run writes nothing", async (_name, firstRun, secondRun) => {
    const { s } = await fixPrOpen();
    const one = await laterCommitOfPr(s, { runId: firstRun });
    await openPr(s, one.job);
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    const two = await laterCommitOfPr(s, { runId: secondRun });
    const calls = s.gh.calls.length;
    await openPr(s, two.job);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
    const j = (await s.store.getJob(two.job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe(`same failure on commit bbbbbbb, whose fix another run's job put on PR #100 of job ${s.job.id}: that PR answers it; nothing written`);
  });

  test("retried after the branch move landed but its answer was lost: one merge commit, not a second one on top", async () => {
    const { s, first } = await fixPrOpen();
    const { job, head } = await retriedAfterLostMove(s, first);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.results["open-pull-request"]).toMatchObject({ commitSha: head });
  });

  test("what people write on the PR goes to the episode of the fix they wrote it on: the later commit's, or the earlier one's", async () => {
    const { s, first } = await fixPrOpen();
    const { job } = await laterCommitOfPr(s);
    await openPr(s, job);
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    const pull_request = { number: 100, state: "open", head: { ref: "ci-bot/fix-555", sha: head } };
    const review = (id: number, body: string, commitId: string, action = "submitted") => ({
      action, installation: { id: 2 }, repository: s.repository, pull_request, sender: { login: "alice" },
      review: { id, state: "commented", body, user: { login: "alice", type: "User" }, submitted_at: "2026-11-23T12:00:00Z", commit_id: commitId },
    });
    // Reviewed before the update reached GitHub's page, and after.
    await s.deliver("pull_request_review", review(31, "The first fix reads well.", first));
    await s.deliver("pull_request_review", review(32, "Why a generator here?", head));
    await s.deliver("pull_request_review_comment", {
      action: "created", installation: { id: 2 }, repository: s.repository, pull_request, sender: { login: "bob" },
      comment: { id: 77, body: "Name this.", path: "slug.py", line: 3, user: { login: "bob", type: "User" }, commit_id: head, original_commit_id: head },
    });
    await s.run();
    // An edit whose webhook was lost, read by the reconciliation (which names the commit too); comment 77 is
    // gone from GitHub (deleted, its webhook lost too): withdrawn on the episode it went to, and tagged so.
    s.gh.reviews.set(100, [{ id: 32, author: "alice", authorType: "User", body: "Why a generator here? A list is clearer.", state: "COMMENTED", commitId: head }]);
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([s.job.id]);
    await s.run();
    const sent = s.model.received.filter((r) => r.metric === "comment").map((r) => [r.tags?.["source_id"], r.episodeId, r.tags?.["run_id"]]);
    expect(sent).toEqual([
      ["review:31", EPISODE, "555"],
      ["review:32", EPISODE2, "556"],
      ["review_comment:77", EPISODE2, "556"],
      ["review:32", EPISODE2, "556"],
      ["review_comment:77", EPISODE2, "556"],
    ]);
  });
});

describe("a later commit of a branch with no PR (a push to main) failing other tests: the fix PR is brought to it", () => {
  /** Run 555 of the branch at commit a (no PR of its own) failed; its fix PR #100 is open on ci-bot/fix-555. */
  async function pushFixPrOpen(): Promise<{ s: FixLoop; first: string }> {
    const s = await setup({ pullRequests: [] });
    await s.run();
    return { s, first: s.gh.branches.get("ci-bot/fix-555")! };
  }

  test("a merge of that commit: its files and the fix validated on it, none of the older commit's", async () => {
    const { s, first } = await pushFixPrOpen();
    const { job, sha } = await laterCommitOfPr(s, { tests: ["test_something_else"], pullRequests: [] });
    await openPr(s, job);
    expect(s.gh.pulls).toHaveLength(1);
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    expect(s.gh.commits.get(head)!.parents).toEqual([first, sha]);
    // The tree validated: the later commit's (NOTES.md is its) with this job's fix, not the first fix's.
    const files = s.gh.filesAt("ci-bot/fix-555");
    expect(Object.keys(files).sort()).toEqual(["NOTES.md", "slug.py"]);
    expect(files["NOTES.md"]).toBe("alice's next commit\n");
    expect(files["slug.py"]).toContain('return "-".join(w for w in words)');
    expect(s.gh.pulls[0]!.body).toContain(`on its later commit \`${sha.slice(0, 12)}\``);
    const j = (await s.store.getJob(job.id))!;
    expect(j.history.at(-1)?.note).toBe(`fix PR #100 of job ${s.job.id} updated for commit ${sha.slice(0, 7)} (same failure on a later commit): its branch brought to that commit with this fix, in place of the earlier commit's`);
    expect((await s.get()).results["open-pull-request"]).toMatchObject({ sharedCommits: [{ sha: head, jobId: job.id, runId: 556, headSha: sha }] });
  });

  test("a run on the commit the branch was brought to is committed on top of that merge; an earlier commit's late run writes nothing", async () => {
    const { s } = await pushFixPrOpen();
    const later = await laterCommitOfPr(s, { runId: 557, sha: "c".repeat(40), tests: ["test_something_else"], pullRequests: [] });
    await openPr(s, later.job);
    const merged = s.gh.branches.get("ci-bot/fix-555")!;

    const late = await laterCommitOfPr(s, { runId: 556, tests: ["test_something_else"], pullRequests: [] });
    const calls = s.gh.calls.length;
    await openPr(s, late.job);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect((await s.store.getJob(late.job.id))!.history.at(-1)?.note).toBe(`same failure on an earlier commit than the fix on PR #100 of job ${s.job.id}, which answers it; nothing written`);

    const again = await laterCommitOfPr(s, { runId: 558, sha: "c".repeat(40), tests: ["test_third"], pullRequests: [], fix: '"-".join(list(words))' });
    await openPr(s, again.job);
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    expect(s.gh.commits.get(head)!.parents).toEqual([merged]);
    expect(Object.keys(s.gh.filesAt("ci-bot/fix-555")).sort()).toEqual(["NOTES.md", "slug.py"]);
    expect(s.gh.filesAt("ci-bot/fix-555")["slug.py"]).toContain('return "-".join(list(words))');
    expect((await s.store.getJob(again.job.id))!.history.at(-1)?.note).toBe(`fix went onto PR #100 of job ${s.job.id} (same failure)`);
  });

  test("retried after the merge landed but its answer was lost: still the later commit's update, no second commit", async () => {
    const { s, first } = await pushFixPrOpen();
    const { job, sha } = await retriedAfterLostMove(s, first, { tests: ["test_something_else"], pullRequests: [] });
    // The PR's text (written by the retry: the first try failed before it) says what the commit is.
    expect(s.gh.pulls[0]!.body).toContain(`on its later commit \`${sha.slice(0, 12)}\``);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`updated for commit ${sha.slice(0, 7)}`);
  });
});
