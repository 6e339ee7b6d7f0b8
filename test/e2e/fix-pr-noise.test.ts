import { describe, expect, test } from "@jest/globals";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { makeDelivery } from "../helpers/make-job.js";
import { validatedResults } from "./fix-loop-fixtures.js";
import { PRIOR, fixLoopSuite, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/**
 * Another job at open-pull-request, its patch validated: run `runId` on `branch` (the first job's branch and
 * failure fingerprint unless told), failing `tests` when given. Not run yet.
 */
async function laterJob(s: FixLoop, runId: number, over: { branch?: string; fingerprint?: string; headSha?: string } = {}): Promise<Job> {
  const first = await s.get();
  const job: Job = {
    ...first,
    id: `job-${runId}`,
    key: `1296269:${runId}`,
    fingerprint: over.fingerprint ?? first.fingerprint,
    run: { ...s.job.run, id: runId, headBranch: over.branch ?? s.job.run.headBranch, headSha: over.headSha ?? s.job.run.headSha, pullRequests: [] },
    state: "testing",
    completedStages: [...PRIOR],
    waitingFor: undefined,
    history: [],
    feedback: [],
  };
  job.results = validatedResults(job);
  await s.store.recordIntake(makeDelivery(job), "{}", job);
  return job;
}

const openPr = (s: FixLoop, job: Job) => new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));

describe("fix PRs people see: bounded, and a closure respected", () => {
  test("many branches failing at once: at most MAX_OPEN_FIX_PRS_PER_REPO (3) fix PRs open; the next fails saying so, retried once one closes", async () => {
    const s = await setup({ pullRequests: [] });
    expect(s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO).toBe(3);
    await s.run();
    for (const [i, runId] of [601, 602].entries()) await openPr(s, await laterJob(s, runId, { branch: `feature/b${i}`, fingerprint: `fp-b${i}` }));
    expect(s.gh.pulls).toHaveLength(3);
    const calls = s.gh.calls.length;
    const fourth = await laterJob(s, 603, { branch: "feature/b3", fingerprint: "fp-b3" });
    await openPr(s, fourth);
    let j = (await s.store.getJob(fourth.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "open_fix_prs_capped", retryable: false, stage: "open-pull-request" });
    expect(j.error?.message).toContain("#100, #101, #102");
    expect(j.error?.message).toContain(`t0-ci-bot jobs retry ${fourth.id}`);
    expect(s.gh.pulls).toHaveLength(3);
    expect(s.gh.calls.slice(calls)).toEqual([]);

    // People close one: the cap has room again for the held-back fix.
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    await s.store.updateJob(fourth.id, (x) => {
      x.state = "testing";
      delete x.error;
    });
    await openPr(s, (await s.store.getJob(fourth.id))!);
    j = (await s.store.getJob(fourth.id))!;
    expect(j.state).toBe("pr");
    expect(s.gh.pulls).toHaveLength(4);
  });

  test("MAX_OPEN_FIX_PRS_PER_REPO=0 sets no cap", async () => {
    const s = await setup({ pullRequests: [] });
    s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO = 0;
    await s.run();
    for (const [i, runId] of [601, 602, 603].entries()) await openPr(s, await laterJob(s, runId, { branch: `feature/b${i}`, fingerprint: `fp-b${i}` }));
    expect(s.gh.pulls).toHaveLength(4);
  });
});
