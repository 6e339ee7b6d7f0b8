import { describe, expect, test } from "@jest/globals";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { RedisKeyedLock } from "../../src/adapters/lock/redis-keyed-lock.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { silentLogger } from "../../src/core/logger.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { intakeDelivery } from "../../src/handlers/intake.js";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { validatedResults } from "./fix-loop-fixtures.js";
import { fixLoopSuite, PRIOR, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/** GitHub's workflow_run.completed for run `id` of `workflow` failing on PR #7's commit (the fixture job's). */
const failedRun = (s: FixLoop, id: number, workflow: string) => ({
  action: "completed", installation: { id: 2 }, repository: s.repository, sender: { login: "alice", type: "User" },
  workflow_run: {
    id, name: workflow, path: `.github/workflows/${workflow}.yml`, head_sha: s.job.run.headSha, head_branch: "feature/slug", conclusion: "failure", status: "completed", event: "pull_request",
    run_attempt: 1, html_url: `https://github.com/octo/slug/actions/runs/${id}`, pull_requests: [{ number: 7 }], head_repository: { id: s.job.repo.id, full_name: "octo/slug" },
    actor: { login: "alice", type: "User" }, triggering_actor: { login: "alice", type: "User" }, check_suite_id: 5000,
  },
});
const actionsSuite = (s: FixLoop) => ({
  action: "completed", installation: { id: 2 }, repository: s.repository, sender: { login: "alice", type: "User" },
  check_suite: { id: 5000, head_sha: s.job.run.headSha, head_branch: "feature/slug", conclusion: "failure", app: { slug: "github-actions", name: "GitHub Actions" }, pull_requests: [{ number: 7 }] },
});

/** Runs `jobs` through open-pull-request on two workers at once: one process's queue, or two processes sharing Redis's locks. */
type Workers = { name: string; run(s: FixLoop, jobs: Job[]): Promise<void> };

const embedded: Workers = {
  name: "one process, T0_PER_REPO_CONCURRENCY=2",
  async run(s, jobs) {
    const config = { ...s.deps.config, T0_PER_REPO_CONCURRENCY: 2 };
    const queue = new InProcessQueue({ concurrency: 2, perRepo: 2, clock: s.clock, logger: s.deps.logger });
    const runner = new Runner({ ...s.deps, config, queue }, [openPullRequestStage]);
    let ran = 0;
    let allRan!: () => void;
    const done = new Promise<void>((r) => (allRan = r));
    await queue.start(async (item, ctx) => {
      await runner.runJob(item, ctx);
      if (++ran === jobs.length) allRan();
    });
    for (const j of jobs) await queue.enqueue(queueItemFor(j));
    await done;
    await queue.stop();
  },
};

const url = await redisUrlIfAvailable();
const fleet: Workers = {
  name: "two workers sharing Redis",
  async run(s, jobs) {
    const prefix = uniquePrefix("many-workflows");
    const locks = await Promise.all([0, 1].map(() => RedisKeyedLock.open(url!, { prefix, ttlMs: 2_000, pollMs: 20, clock: systemClock(), logger: silentLogger() })));
    try {
      await Promise.all(jobs.map((j, i) => new Runner({ ...s.deps, locks: locks[i % 2]! }, [openPullRequestStage]).runJob(queueItemFor(j))));
    } finally {
      for (const l of locks) await l.close();
    }
  },
};
if (!url) skipWithoutRedis("one commit failing in several workflows, two workers");

describe.each(url ? [embedded, fleet] : [embedded])("one commit of people's PR failing in several workflows, every event redelivered: $name", (workers) => {
  test("three workflows' runs, the Actions check suite and GitHub's redeliveries of all of them: two more jobs, one fix PR, one comment", async () => {
    const s = await setup({ pullRequests: [7] });
    // Run 555 (tests.yml) is the fixture's job, recorded already; lint.yml (556) and types.yml (557) fail on the same commit.
    const intake = (id: string, event: string, payload: unknown) => intakeDelivery(s.deps, { id, event, rawBody: JSON.stringify(payload) });
    const sends: Array<[string, string, unknown]> = [
      ["d-556", "workflow_run", failedRun(s, 556, "lint")],
      ["d-suite", "check_suite", actionsSuite(s)],
      ["d-555", "workflow_run", failedRun(s, 555, "tests")],
      ["d-556", "workflow_run", failedRun(s, 556, "lint")], // GitHub's retry: the same GUID
      ["d-557", "workflow_run", failedRun(s, 557, "types")],
      ["d-556-redelivered", "workflow_run", failedRun(s, 556, "lint")], // redelivered from the app's delivery log: a new GUID
      ["d-suite", "check_suite", actionsSuite(s)],
      ["d-557", "workflow_run", failedRun(s, 557, "types")],
      ["d-555", "workflow_run", failedRun(s, 555, "tests")],
    ];
    const outcomes: string[] = [];
    for (const [id, event, payload] of sends) {
      const r = await intake(id, event, payload);
      expect(r.ok).toBe(true);
      outcomes.push(r.delivery.outcome);
    }
    expect(outcomes).toEqual(["job_created", "duplicate", "duplicate", "duplicate", "job_created", "duplicate", "duplicate", "duplicate", "duplicate"]);
    const jobs = await s.store.listJobs();
    expect(jobs).toHaveLength(3);
    // Both new jobs validated the same fix on that commit; lint and types name no failing test.
    for (const j of jobs.filter((x) => x.id !== s.job.id)) {
      await s.store.updateJob(j.id, (x) => {
        x.state = "testing";
        x.completedStages = [...PRIOR];
        x.results = validatedResults(x, undefined, []);
      });
    }

    await workers.run(s, await Promise.all(jobs.map(async (j) => (await s.store.getJob(j.id))!)));

    expect(s.gh.calls.filter((c) => c === "createPullRequest")).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "createCommit")).toHaveLength(1);
    expect(s.gh.calls.filter((c) => c === "updateBranch" || c === "updatePullRequest")).toEqual([]);
    expect(s.gh.commentWrites).toEqual(["create #7"]);
    const after = await s.store.listJobs();
    expect(after.map((j) => j.state).sort()).toEqual(["completed", "completed", "pr"]);
    const opener = after.find((j) => j.state === "pr")!;
    for (const j of after.filter((x) => x.state === "completed")) {
      expect(j.history.at(-1)?.note).toBe(`same commit, another workflow as job ${opener.id}: the same fix is on its PR #100 already; nothing written`);
    }
  });
});
