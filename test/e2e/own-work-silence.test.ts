import { describe, expect, test } from "@jest/globals";
import { fixLoopSuite } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/** Writes other than comments, which `commentWrites` counts as GitHub would see them. */
const WRITES = ["createTree", "createCommit", "deleteBranch", "createBranch", "updateBranch", "createPullRequest", "updatePullRequest", "addLabels", "markReadyForReview", "rerunFailedJobs"];

describe("the bot's own work on its fix PR", () => {
  test("never a fix of the fix past max_repair_attempts, nor a job or a write from the bot's own PR events, check suites and redeliveries", async () => {
    let repairs = 0;
    const s = await setup({ pullRequests: [7], repair: async () => (repairs++, { ok: false, reason: "the model found no other fix" }) });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const writesAfterOpen = s.gh.calls.filter((c) => WRITES.includes(c)).length;
    const commentsAfterOpen = s.gh.commentWrites.length;
    const bot = { login: "t0-ci-bot[bot]", type: "Bot" };
    const pull_request = { number: 100, state: "open", draft: true, merged: false, head: { ref: "ci-bot/fix-555", sha: commit }, user: bot };
    const prEvent = (action: string) => ({ action, installation: { id: 2 }, repository: s.repository, sender: bot, pull_request });
    const suite = (slug: string) => ({
      action: "completed", installation: { id: 2 }, repository: s.repository, sender: bot,
      check_suite: { id: 7000 + slug.length, head_sha: commit, head_branch: "ci-bot/fix-555", conclusion: "failure", app: { slug, name: slug }, pull_requests: [{ number: 100 }] },
    });
    const red = s.fixRun("failure", commit, 900, 1);
    // What GitHub sends about the bot's own push and PR, its CI going red, GitHub's retries of all of it, and
    // people re-running the red run (attempt 2), which fails the same way.
    const events: Array<[string, unknown]> = [
      ["pull_request", prEvent("opened")], ["pull_request", prEvent("labeled")], ["pull_request", prEvent("synchronize")], ["pull_request", prEvent("edited")],
      ["check_suite", suite("github-actions")], ["check_suite", suite("circleci")],
      ["workflow_run", red], ["pull_request", prEvent("opened")], ["workflow_run", red], ["check_suite", suite("github-actions")],
      ["workflow_run", s.fixRun("failure", commit, 900, 2)], ["workflow_run", s.fixRun("failure", commit, 900, 2)],
    ];
    const decisions = [];
    for (const [event, payload] of events) {
      decisions.push(await s.deliver(event, payload));
      await s.run();
    }
    expect(decisions.filter((d) => d.outcome === "job_created")).toEqual([]);
    // Only the red run's first delivery, and people's re-run, wake the job.
    expect(decisions.filter((d) => "resumeJobId" in d && d.resumeJobId).length).toBe(2);
    // max_repair_attempts (1): one repair, for the fix commit's first red run; it found nothing to push.
    expect(repairs).toBe(1);
    const writes = s.gh.calls.filter((c) => WRITES.includes(c)).slice(writesAfterOpen);
    expect(writes).toEqual([]);
    expect(s.gh.commentWrites.slice(commentsAfterOpen)).toEqual(["create #100"]);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.comments.get(100)).toHaveLength(1);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect(s.gh.pulls[0]!.labels).toEqual(["ci-bot"]);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });
});
