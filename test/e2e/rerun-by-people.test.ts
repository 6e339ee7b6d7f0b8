import { describe, expect, test } from "@jest/globals";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { AppError } from "../../src/core/errors.js";
import { retryJob } from "../../src/pipeline/job-control.js";
import { fixLoopSuite, laterJob, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/** People pressing "Re-run failed jobs" on the run the job answers (run 555 of feature/slug): attempt `attempt` ends `conclusion`. */
const peoplesRerun = (s: FixLoop, conclusion: string, attempt = 2) => ({
  action: "completed", installation: { id: 2 }, repository: s.repository, sender: { login: "alice", type: "User" },
  workflow_run: {
    id: 555, name: "tests", path: ".github/workflows/tests.yml", head_sha: s.job.run.headSha, head_branch: "feature/slug", conclusion, status: "completed", event: "pull_request",
    run_attempt: attempt, html_url: "https://github.com/octo/slug/actions/runs/555", pull_requests: [{ number: 7 }], head_repository: { id: s.job.repo.id, full_name: "octo/slug" },
    actor: { login: "alice", type: "User" }, triggering_actor: { login: "alice", type: "User" },
  },
});

describe("people re-running the failed run while its job is under way (rerun_flaky off)", () => {
  test("a re-run that passed before the fix PR opens: no PR, no comment, no write at all; redelivered, still none", async () => {
    const s = await setup({ pullRequests: [7] });
    const green = peoplesRerun(s, "success");
    for (const d of [green, green]) expect(await s.deliver("workflow_run", d)).toMatchObject({ jobId: s.job.id });
    await s.run();
    expect(s.gh.calls).toEqual([]);
    expect(s.gh.pulls).toHaveLength(0);
    expect(s.gh.comments.size).toBe(0);
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe("attempt 2 of run 555 passed since it failed (re-run by people): no fix PR for a failure already green");
  });

  test("a re-run that passed while the job was failed (held back by MAX_OPEN_FIX_PRS_PER_REPO): the operator's retry opens no PR", async () => {
    const s = await setup({ pullRequests: [7] });
    s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO = 1;
    // Another branch's fix PR fills the cap: the job fails open_fix_prs_capped, waiting for `jobs retry`.
    s.gh.commits.set("b".repeat(40), s.gh.commits.get(s.job.run.headSha)!);
    await new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(await laterJob(s, 601, { branch: "feature/other", fingerprint: "fp-other", headSha: "b".repeat(40) })));
    expect(s.gh.pulls).toHaveLength(1);
    await s.run();
    expect((await s.get()).error).toMatchObject({ code: "open_fix_prs_capped" });
    await s.deliver("workflow_run", peoplesRerun(s, "success"));
    // People close the other PR, and the operator retries the held-back job as the error says.
    const other = s.gh.branches.get("ci-bot/fix-601")!;
    const closed = s.prClosed(false, other);
    expect(await s.deliver("pull_request", { ...closed, pull_request: { ...closed.pull_request, head: { ref: "ci-bot/fix-601", sha: other } } })).toMatchObject({ reason: expect.stringContaining("recorded close") });
    const calls = s.gh.calls.length;
    await retryJob(s.deps, s.job.id);
    await s.run();
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.pulls).toHaveLength(1);
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe("attempt 2 of run 555 passed since it failed (re-run by people): no fix PR for a failure already green");
  });

  test("a re-run that passed, its failed job archived (read-only past RETENTION_DAYS): the pass is taken as any other, not refused", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.store.updateJob(s.job.id, (j) => void (j.state = "failed"));
    s.store.updateJob = async () => {
      throw new AppError("job_archived", "archived and read-only");
    };
    expect(await s.deliver("workflow_run", peoplesRerun(s, "success"))).toMatchObject({ outcome: "ignored", green: { repoId: s.job.repo.id } });
  });

  test("re-run green, then red again (attempt 3, a flaky test) before the PR: the latest attempt counts, one PR, one comment", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.deliver("workflow_run", peoplesRerun(s, "success", 2));
    await s.deliver("workflow_run", peoplesRerun(s, "failure", 3));
    await s.deliver("workflow_run", peoplesRerun(s, "success", 2));
    await s.run();
    expect(s.gh.calls.filter((c) => c === "createPullRequest")).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "upsertComment")).toHaveLength(1);
    expect((await s.get()).state).toBe("pr");
  });

  test("a re-run that failed again, redelivered: the one job opens one PR and one comment", async () => {
    const s = await setup({ pullRequests: [7] });
    const red = peoplesRerun(s, "failure");
    for (const d of [red, red]) expect(await s.deliver("workflow_run", d)).toMatchObject({ outcome: "duplicate", jobId: s.job.id });
    await s.run();
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "createPullRequest")).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "upsertComment")).toHaveLength(1);
    expect((await s.get()).state).toBe("pr");
  });

  test("a re-run that passed after the fix PR opened leaves that PR to people: no write, no second PR", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const calls = s.gh.calls.length;
    await s.deliver("workflow_run", peoplesRerun(s, "success"));
    await s.run();
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.pulls).toHaveLength(1);
    expect((await s.get()).state).toBe("pr");
  });
});
