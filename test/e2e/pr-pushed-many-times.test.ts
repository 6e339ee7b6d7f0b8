import { describe, expect, test } from "@jest/globals";
import { failureFingerprint } from "../../src/handlers/fingerprint.js";
import { intakeDelivery } from "../../src/handlers/intake.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { slugPatch, validatedResults } from "./fix-loop-fixtures.js";
import { fixLoopSuite, PRIOR, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

const TESTS_YML = ".github/workflows/tests.yml";

/** GitHub's workflow_run.completed for PR #7's push `sha` (run `id`) failing tests.yml. */
const failedPush = (s: FixLoop, id: number, sha: string) => ({
  action: "completed", installation: { id: 2 }, repository: s.repository, sender: { login: "alice", type: "User" },
  workflow_run: {
    id, name: "tests", path: TESTS_YML, head_sha: sha, head_branch: "feature/slug", conclusion: "failure", status: "completed", event: "pull_request",
    run_attempt: 1, html_url: `https://github.com/octo/slug/actions/runs/${id}`, pull_requests: [{ number: 7 }], head_repository: { id: 1296269, full_name: "octo/slug" },
    actor: { login: "alice", type: "User" }, triggering_actor: { login: "alice", type: "User" },
  },
});

describe("people's PR pushed 10 times, each push failing the same test the same way", () => {
  test("bounded by MAX_ATTEMPTS_PER_FINGERPRINT (3): one fix PR brought to the next two commits, one comment edited in place, the other pushes write nothing", async () => {
    const fingerprint = failureFingerprint({ repoId: 1296269, source: "workflow_run", workflow: TESTS_YML, branch: "feature/slug", conclusion: "failure" });
    const s = await setup({ pullRequests: [7], fingerprint });
    expect(s.deps.config.MAX_ATTEMPTS_PER_FINGERPRINT).toBe(3);
    // Push 1 (commit a, run 555) is the fixture's job: its fix PR #100 opens.
    await s.run();
    let parent = s.job.run.headSha;
    const outcomes: string[] = [];
    for (let i = 2; i <= 10; i++) {
      const sha = i.toString(16).repeat(40).slice(0, 40);
      const tree = await s.gh.createTree(undefined, s.gh.commits.get(parent)!.tree, [{ path: "NOTES.md", content: `alice's push ${i}\n`, mode: "100644" }]);
      s.gh.commits.set(sha, { tree, parents: [parent], message: `alice: push ${i}` });
      parent = sha;
      const r = await intakeDelivery(s.deps, { id: `d-${i}`, event: "workflow_run", rawBody: JSON.stringify(failedPush(s, 554 + i, sha)) });
      outcomes.push(r.delivery.outcome);
      if (!r.ok || !r.job) continue;
      // The job reads the logs, asks the model and validates its fix on that commit (another answer than push 1's).
      const job = await s.store.updateJob(r.job.id, (j) => {
        j.state = "testing";
        j.completedStages = [...PRIOR];
        j.results = validatedResults(j, slugPatch('"-".join(w for w in words)'));
      });
      await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));
    }
    expect(outcomes).toEqual(["job_created", "job_created", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored", "ignored"]);
    expect(s.gh.calls.filter((c) => c === "createPullRequest")).toHaveLength(1);
    // The fix commit, then a merge of each later commit with its fix; the branch only fast-forwarded.
    expect(s.gh.calls.filter((c) => c === "createCommit")).toHaveLength(3);
    expect(s.gh.calls.filter((c) => c === "createBranch")).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "updateBranch")).toHaveLength(2);
    expect(s.gh.calls.filter((c) => c === "updatePullRequest")).toHaveLength(2);
    expect(s.gh.calls.filter((c) => c === "addLabels")).toHaveLength(1);
    expect(s.gh.commentWrites).toEqual(["create #7", "edit #7", "edit #7"]);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect(s.gh.comments.get(7)![0]!.body).toContain(`#100 updated for commit ${"3".repeat(7)}: a fix for the failed run [557]`);
  });
});
