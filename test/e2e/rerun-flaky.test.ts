import { afterEach, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { createGitHubWrites } from "../../src/adapters/github/github-writes.js";
import { createLocalWritePacer } from "../../src/adapters/queue/write-pacer.js";
import { githubApiMock, type GitHubApiMock } from "../helpers/github-api.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import type { Deps } from "../../src/core/deps.js";
import { silentLogger } from "../../src/core/logger.js";
import { jobKey, stopJob, type Job } from "../../src/core/job.js";
import { retryJob } from "../../src/pipeline/job-control.js";
import { routeDelivery } from "../../src/handlers/route-delivery.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { rerunFlakyStage } from "../../src/pipeline/stages/rerun-flaky.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery } from "../helpers/make-job.js";
import { failedRun, testConfig } from "../intake/harness.js";
import { FakeGitHubWrites } from "./fake-github-writes.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { JobStore } from "../../src/core/ports/job-store.js";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

async function setup(classification: string, rerun_flaky = true, store: JobStore = new MemoryJobStore()) {
  const clock = new FakeClock();
  const logger = silentLogger();
  const writes = new FakeGitHubWrites("a".repeat(40), {});
  /** The abort signal each GitHub client was asked for with (the job's, so a stop ends a write's wait for its turn). */
  const signals: unknown[] = [];
  const deps: Deps = {
    config: testConfig(),
    store,
    queue: new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger }),
    github: { forInstallation: async (_id, o) => (signals.push(o?.signal), { writes }) as never },
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
    clock,
    logger,
    metrics: createMetrics(),
    identity: new AppIdentity(),
  };
  // The job as the real handler makes it from the fixture payload, after the analysis stages.
  const decision = await routeDelivery(failedRun(), { id: "d1", event: "workflow_run", receivedAt: "2026-11-23T12:00:00.000Z" }, deps);
  if (decision.outcome !== "job_created") throw new Error(decision.reason);
  const job: Job = { ...decision.job, state: "analysis", completedStages: ["check-repo-config", "clone-repo", "fetch-logs", "build-context"] };
  job.results = { "check-repo-config": { config: { ...defaultRepoConfig(), rerun_flaky } }, "build-context": { context: { classification } } };
  await store.recordIntake(makeDelivery(job), "{}", job);
  const proposed: string[] = [];
  const runner = new Runner(deps, [rerunFlakyStage, { name: "propose-patch", state: "patching", sideEffects: false, run: async () => (proposed.push("x"), { wait: "stop-here" }) }]);
  return { deps, store, writes, signals, job, proposed, run: () => runner.runJob(queueItemFor(job)), get: async () => (await store.getJob(job.id))! };
}

const attempt2 = (conclusion: string) => {
  const p = failedRun({ attempt: 2, conclusion });
  // The app pressed "re-run": the triggering actor is its bot user, which must not hide this result.
  p.workflow_run.triggering_actor = { ...p.workflow_run.triggering_actor, login: "t0-ci-bot[bot]", type: "Bot" };
  return p;
};

/** GET /actions/runs/{id} of the job's failing run, at its first attempt (the fields the adapter reads). */
const runBody = (job: Job) => ({ id: job.run.id, run_attempt: 1, status: "completed", conclusion: "failure" });

/** The real write adapter, over an Octokit whose requests the test's GitHub API mock answers. */
function useRealWrites(deps: Deps): void {
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: silent });
  const writes = createGitHubWrites(octokit, { installationId: 2, pacer: createLocalWritePacer({ clock: new FakeClock(), minIntervalMs: 0 }), self: { identity: new AppIdentity() } });
  deps.github = { forInstallation: async () => ({ writes }) as never };
}

describe("rerun_flaky", () => {
  test("flaky-suspect → re-runs failed jobs and waits; red again → resumes from fetch-logs with attempt 2", async () => {
    const s = await setup("flaky-suspect");
    await s.run();
    let j = await s.get();
    expect(s.writes.calls).toEqual(["rerunFailedJobs"]);
    expect(s.signals).toEqual([expect.any(AbortSignal)]);
    expect(j.waitingFor).toBe("rerun");
    expect(s.proposed).toEqual([]);
    const d = await routeDelivery(attempt2("failure"), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps);
    expect(d).toMatchObject({ outcome: "event_routed", resumeJobId: j.id });
    j = await s.get();
    expect(j.run.attempt).toBe(2);
    expect(j.waitingFor).toBeUndefined();
    expect(j.completedStages).toEqual(["check-repo-config", "clone-repo", "rerun-flaky"]);
    expect(await s.store.findJobByKey(jobKey(j.repo.id, j.run.id))).toMatchObject({ id: j.id });
  });

  test("green re-run → the job completes without a patch", async () => {
    const s = await setup("infra");
    await s.run();
    const d = await routeDelivery(attempt2("success"), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps);
    expect(d).toMatchObject({ outcome: "event_routed" });
    expect(d).not.toHaveProperty("resumeJobId");
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain("flaky, no patch");
  });

  test.each(["cancelled", "skipped", "neutral", "stale", "action_required"])("a re-run that ended %s → the job completes with a note and is not patched", async (conclusion) => {
    const s = await setup("flaky-suspect");
    await s.run();
    const d = await routeDelivery(attempt2(conclusion), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps);
    expect(d).toMatchObject({ outcome: "event_routed" });
    expect(d).not.toHaveProperty("resumeJobId");
    let j = await s.get();
    expect(j).toMatchObject({ state: "completed", waitingFor: undefined, run: { attempt: 1 } });
    expect(j.history.at(-1)).toMatchObject({ state: "completed", stage: "rerun-flaky", note: `re-run attempt 2 ended ${conclusion}; not repairing` });
    await s.run(); // a stray enqueue (resume at start-up, an operator) finds nothing to do
    j = await s.get();
    expect(s.proposed).toEqual([]);
    expect(j.completedStages).toContain("fetch-logs");
  });

  test("two concurrent deliveries of the re-run's completion resume the job once", async () => {
    const s = await setup("flaky-suspect");
    await s.run();
    const meta = (id: string) => ({ id, event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" });
    // The original and a redelivery (or a manual one) race: both read the job while it still waits.
    const ds = await Promise.all([routeDelivery(attempt2("failure"), meta("d2"), s.deps), routeDelivery(attempt2("failure"), meta("d2-again"), s.deps)]);
    expect(ds.filter((d) => "resumeJobId" in d && d.resumeJobId)).toHaveLength(1);
    expect(ds.map((d) => d.outcome).sort()).toEqual(["duplicate", "event_routed"]);
    // A green completion raced the same way completes the job once.
    const g = await setup("infra");
    await g.run();
    await Promise.all([routeDelivery(attempt2("success"), meta("d3"), g.deps), routeDelivery(attempt2("success"), meta("d3-again"), g.deps)]);
    expect((await g.get()).history.filter((h) => h.state === "completed")).toHaveLength(1);
  });

  // The process dies right after GitHub accepted the re-run and before the job recorded it. The re-run
  // finishes while nothing waits for it (its completion is ignored: triggered by the app itself), then the
  // next process resumes the job at rerun-flaky. A second re-run of the same attempt would cost a whole CI
  // run more and wait for it; the attempt that already ran is the one the job asked for.
  describe.each([
    ["memory", async () => ({ store: new MemoryJobStore() as JobStore, done: async () => {} })],
    ["lowdb", async () => {
      const dir = await mkdtemp(join(tmpdir(), "t0-rerun-crash-"));
      const store = await LowdbJobStore.open(dir, { fsync: false });
      return { store: store as JobStore, done: async () => { await store.close(); await rm(dir, { recursive: true, force: true }); } };
    }],
  ])("a crash after the re-run request, before the job recorded it (%s store)", (_name, openStore) => {
    async function crashAfterRerun(classification = "flaky-suspect") {
      const { store, done } = await openStore();
      const s = await setup(classification, true, store);
      // Every write of the store fails once GitHub has the re-run: the process is gone.
      const dead = new Proxy(store, {
        get: (t, k) => {
          if (k === "updateJob" && s.writes.calls.includes("rerunFailedJobs")) return async () => { throw new Error("process killed"); };
          const v = Reflect.get(t, k, t);
          return typeof v === "function" ? v.bind(t) : v;
        },
      });
      await new Runner({ ...s.deps, store: dead }, [rerunFlakyStage]).runJob(queueItemFor(s.job));
      expect(s.writes.calls).toEqual(["rerunFailedJobs"]);
      const j = await s.get();
      expect(j.state).toBe("analysis");
      expect(j.waitingFor).toBeUndefined();
      expect(j.completedStages).not.toContain("rerun-flaky");
      return { ...s, done };
    }

    test("the re-run still running: the resumed job waits for it, no second request", async () => {
      const s = await crashAfterRerun();
      try {
        await s.run();
        expect(s.writes.run.attempt).toBe(2);
        const j = await s.get();
        expect(j).toMatchObject({ waitingFor: "rerun", results: { "rerun-flaky": { rerun: true, awaitingAttempt: 2 } } });
        const d = await routeDelivery(attempt2("failure"), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps);
        expect(d).toMatchObject({ outcome: "event_routed", resumeJobId: j.id });
      } finally {
        await s.done();
      }
    });

    test("the re-run failed meanwhile: the resumed job goes on with its logs, no second request", async () => {
      const s = await crashAfterRerun();
      try {
        s.writes.finishRun("failure");
        // Its completion came while the job waited for nothing: not routed to it.
        expect(await routeDelivery(attempt2("failure"), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps)).not.toHaveProperty("resumeJobId");
        await s.run();
        expect(s.writes.run.attempt).toBe(2);
        const j = await s.get();
        expect(j.run.attempt).toBe(2);
        expect(j.waitingFor).toBeUndefined();
        expect(j.completedStages).toEqual(["check-repo-config", "clone-repo", "rerun-flaky"]);
      } finally {
        await s.done();
      }
    });

    test("the re-run passed meanwhile: the resumed job completes without a patch, no second request", async () => {
      const s = await crashAfterRerun("infra");
      try {
        s.writes.finishRun("success");
        await s.run();
        expect(s.writes.run.attempt).toBe(2);
        const j = await s.get();
        expect(j.state).toBe("completed");
        expect(j.history.at(-1)?.note).toContain("flaky, no patch");
        expect(s.proposed).toEqual([]);
      } finally {
        await s.done();
      }
    });
  });

  // Parked for its re-run, the job was stopped (installation suspended, allowlist) and retried by an
  // operator; the re-run's completion came while it waited for nothing, so it was not routed to it.
  describe("retried after a stop while it waited for its re-run", () => {
    async function stoppedWhileRerunning(classification = "flaky-suspect") {
      const s = await setup(classification);
      await s.run();
      expect(await s.get()).toMatchObject({ waitingFor: "rerun", stage: "rerun-flaky" });
      await s.store.updateJob(s.job.id, (j) => void stopJob(j, { code: "installation_suspended", message: "suspended" }, "2026-11-23T12:05:00.000Z"));
      return s;
    }

    test("the re-run passed meanwhile: the retry completes the job without a patch, no second request", async () => {
      const s = await stoppedWhileRerunning("infra");
      s.writes.finishRun("success");
      await retryJob(s.deps, s.job.id);
      await s.run();
      const j = await s.get();
      expect(j.state).toBe("completed");
      expect(j.history.at(-1)?.note).toContain("flaky, no patch");
      expect(s.proposed).toEqual([]);
      expect(s.writes.calls.filter((c) => c === "rerunFailedJobs")).toHaveLength(1);
    });

    test("the re-run failed meanwhile: the retry goes on from fetch-logs with its attempt, no second request", async () => {
      const s = await stoppedWhileRerunning();
      s.writes.finishRun("failure");
      await retryJob(s.deps, s.job.id);
      await s.run();
      const j = await s.get();
      expect(j.run.attempt).toBe(2);
      expect(j.completedStages).toEqual(["check-repo-config", "clone-repo", "rerun-flaky"]);
      expect(s.writes.calls.filter((c) => c === "rerunFailedJobs")).toHaveLength(1);
    });

    test("the re-run still running: the retry waits for it again, and its completion resumes the job", async () => {
      const s = await stoppedWhileRerunning();
      await retryJob(s.deps, s.job.id);
      await s.run();
      const j = await s.get();
      expect(j).toMatchObject({ state: "analysis", waitingFor: "rerun" });
      expect(s.proposed).toEqual([]);
      expect(s.writes.calls.filter((c) => c === "rerunFailedJobs")).toHaveLength(1);
      const d = await routeDelivery(attempt2("failure"), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps);
      expect(d).toMatchObject({ outcome: "event_routed", resumeJobId: j.id });
    });
  });

  describe("against the real write adapter", () => {
    let gh: GitHubApiMock | undefined;
    afterEach(() => gh?.cleanup());

    // The first POST reached GitHub but its answer did not reach us (a 502 from a proxy, a reset): the stage
    // is retried, and GitHub refuses a second re-run of a run that is re-running. That refusal is the re-run
    // we asked for, under way: the job waits for it. It was taken for a missing workflows permission.
    test("a retried re-run that GitHub says is already running waits for it instead of failing the job", async () => {
      const s = await setup("flaky-suspect");
      useRealWrites(s.deps);
      const path = `/repos/${s.job.repo.fullName}/actions/runs/${s.job.run.id}/rerun-failed-jobs`;
      gh = (await githubApiMock())
        // Still attempt 1 when the stage reads it again: the re-run GitHub refuses is one starting meanwhile.
        .on("GET", `/repos/${s.job.repo.fullName}/actions/runs/${s.job.run.id}`, { body: runBody(s.job) }, { times: 2 })
        .on("POST", path, { status: 502, body: { message: "Server Error" } })
        .on("POST", path, { status: 403, body: { message: "This workflow is already running", documentation_url: "https://docs.github.com/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run" } });
      await s.run();
      let j = await s.get();
      expect(j).toMatchObject({ state: "analysis", error: { code: "http_502", retryable: true } });
      await s.run(); // the backoff is over
      gh.done();
      j = await s.get();
      expect(j.state).toBe("analysis");
      expect(j.error).toBeUndefined();
      expect(j.waitingFor).toBe("rerun");
      expect(j.results["rerun-flaky"]).toMatchObject({ rerun: true, awaitingAttempt: 2 });
      expect(s.proposed).toEqual([]);
      // Its completion resumes the job as for a re-run it started itself.
      const d = await routeDelivery(attempt2("failure"), { id: "d2", event: "workflow_run", receivedAt: "2026-11-23T12:10:00.000Z" }, s.deps);
      expect(d).toMatchObject({ outcome: "event_routed", resumeJobId: j.id });
    });

    test("any other refusal still fails the job with GitHub's reason", async () => {
      const s = await setup("flaky-suspect");
      useRealWrites(s.deps);
      gh = (await githubApiMock())
        .on("GET", `/repos/${s.job.repo.fullName}/actions/runs/${s.job.run.id}`, { body: runBody(s.job) })
        .on("POST", `/repos/${s.job.repo.fullName}/actions/runs/${s.job.run.id}/rerun-failed-jobs`, { status: 403, body: { message: "Resource not accessible by integration" } });
      await s.run();
      gh.done();
      const j = await s.get();
      expect(j).toMatchObject({ state: "failed", error: { code: "github_write_forbidden", retryable: false } });
      expect(j.waitingFor).toBeUndefined();
    });
  });

  test("off by default, and a real test failure is patched at once", async () => {
    for (const s of [await setup("flaky-suspect", false), await setup("test")]) {
      await s.run();
      expect(s.writes.calls).toEqual([]);
      expect(s.proposed).toEqual(["x"]);
    }
  });
});
