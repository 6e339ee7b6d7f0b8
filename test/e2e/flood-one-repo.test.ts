import { describe, expect, test } from "@jest/globals";
import { intakeDelivery } from "../../src/handlers/intake.js";
import { retryJob } from "../../src/pipeline/job-control.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { checkRepoConfigStage } from "../../src/pipeline/stages/check-repo-config.js";
import { cloneRepoStage } from "../../src/pipeline/stages/clone-repo.js";
import { fetchLogsStage } from "../../src/pipeline/stages/fetch-logs.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { validatedResults } from "./fix-loop-fixtures.js";
import { fixLoopSuite, PRIOR, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/** Run `id` of tests.yml failing on branch `feature/f<i>`, whose PR is #(200+i), all on the fixture's commit. */
const failedRun = (s: FixLoop, id: number, i: number) => ({
  action: "completed", installation: { id: 2 }, repository: s.repository, sender: { login: "alice", type: "User" },
  workflow_run: {
    id, name: "tests", path: ".github/workflows/tests.yml", head_sha: s.job.run.headSha, head_branch: `feature/f${i}`, conclusion: "failure", status: "completed", event: "pull_request",
    run_attempt: 1, html_url: `https://github.com/octo/slug/actions/runs/${id}`, pull_requests: [{ number: 200 + i }], head_repository: { id: 1296269, full_name: "octo/slug" },
    actor: { login: "alice", type: "User" }, triggering_actor: { login: "alice", type: "User" },
  },
});

describe("a flood: 100 distinct failing runs in one repository within a minute", () => {
  test("MAX_OPEN_FIX_PRS_PER_REPO (3) bounds the writes: three fix PRs and three comments in all; the other 97 jobs fail open_fix_prs_capped before cloning, having written nothing; one retried after a PR closed opens its PR", async () => {
    const s = await setup({ pullRequests: [] });
    // The clone and the log fetch, counted: each is GitHub requests, disk and CPU a held-back job must not spend.
    const cloned: string[] = [];
    const fetched: string[] = [];
    const counted = (stage: Stage, calls: string[]): Stage => ({ ...stage, run: async (job) => (calls.push(job.id), { result: job.results[stage.name] }) });
    const runner = new Runner(s.deps, [checkRepoConfigStage, counted(cloneRepoStage, cloned), counted(fetchLogsStage, fetched), openPullRequestStage]);
    const created = [];
    for (let i = 0; i < 100; i++) {
      await s.clock.advance(500);
      s.gh.branches.set(`feature/f${i}`, s.job.run.headSha);
      const r = await intakeDelivery(s.deps, { id: `d-${i}`, event: "workflow_run", rawBody: JSON.stringify(failedRun(s, 1000 + i, i)) });
      if (r.ok && r.job) created.push(r.job);
    }
    // Each branch is its own failure: nothing at intake holds them back.
    expect(created).toHaveLength(100);
    for (const c of created) {
      // What the model and validation would have left: the stages in between are not this test's.
      const job = await s.store.updateJob(c.id, (j) => {
        j.results = validatedResults(j);
        j.completedStages = PRIOR.filter((st) => !["check-repo-config", "clone-repo", "fetch-logs"].includes(st));
      });
      await runner.runJob(queueItemFor(job));
    }
    const flood = await Promise.all(created.map(async (c) => (await s.store.getJob(c.id))!));
    expect(flood.filter((j) => j.state === "pr")).toHaveLength(3);
    const capped = flood.filter((j) => j.state === "failed");
    expect(capped).toHaveLength(97);
    for (const j of capped) expect(j.error).toMatchObject({ code: "open_fix_prs_capped", retryable: false, stage: "check-repo-config" });
    const opened = flood.filter((j) => j.state === "pr").map((j) => j.id);
    expect([cloned, fetched]).toEqual([opened, opened]);
    const count = (kind: string) => s.gh.calls.filter((c) => c === kind).length;
    expect([count("createPullRequest"), count("createBranch"), count("createCommit"), count("addLabels")]).toEqual([3, 3, 3, 3]);
    expect([count("updateBranch"), count("updatePullRequest"), count("markReadyForReview"), count("rerunFailedJobs")]).toEqual([0, 0, 0, 0]);
    expect(s.gh.commentWrites).toEqual(["create #200", "create #201", "create #202"]);

    // People close one fix PR: a held-back job retried then starts again where it failed, clones, and opens its PR.
    const first = s.gh.pulls[0]!;
    await s.deliver("pull_request", {
      action: "closed", installation: { id: 2 }, repository: s.repository, sender: { login: "alice" },
      pull_request: { number: first.number, state: "closed", merged: false, merged_by: null, closed_at: new Date(s.clock.now()).toISOString(), head: { ref: first.headRef, sha: first.headSha } },
    });
    const retried = await retryJob(s.deps, capped[0]!.id);
    await runner.runJob(queueItemFor(retried));
    expect((await s.store.getJob(retried.id))!.state).toBe("pr");
    expect([cloned.at(-1), fetched.at(-1)]).toEqual([retried.id, retried.id]);
    expect(count("createPullRequest")).toBe(4);
  });
});
