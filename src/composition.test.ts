import { describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryJobStore } from "./adapters/store/memory-store.js";
import { buildDeps, closeDeps, startWorkers } from "./composition.js";
import { loadAppConfig } from "./config/app-config.js";
import { transient } from "./core/errors.js";
import { silentLogger } from "./core/logger.js";
import type { JobQueue, QueueHandler } from "./core/ports/job-queue.js";
import type { StageOutcome } from "./pipeline/stage.js";
import { queueItemFor } from "./pipeline/runner.js";
import { makeDelivery, makeJob } from "../test/helpers/make-job.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import { eventually } from "../test/helpers/eventually.js";
import { idleQueue } from "../test/helpers/idle-queue.js";

describe("startWorkers", () => {
  test("a start whose resume of unfinished jobs fails takes no job: the caller reports it could not start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-composition-"));
    let started = false;
    const queue: JobQueue = {
      kind: "test",
      ping: async () => undefined,
      // The shared queue's Redis refuses the resume's enqueues (READONLY in a failover, say).
      enqueue: async () => { throw transient("queue_unavailable", "Redis (queue) does not answer"); },
      start: async () => void (started = true),
      stop: async () => undefined,
      stats: async () => ({ waiting: 0, active: 0, delayed: 0 }),
    };
    const store = new MemoryJobStore();
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    const config = loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), T0_WORKERS: "1" });
    const deps = await buildDeps(config, { logger: silentLogger(), overrides: { store, queue } });
    try {
      await expect(startWorkers(deps, { stages: [], probeSandbox: async () => ({ available: true }) })).rejects.toMatchObject({ code: "queue_unavailable" });
      // Consuming already, it would run jobs in a process about to exit (or, embedded, left running after "could not start").
      expect(started).toBe(false);
    } finally {
      await closeDeps(deps);
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Raw logs can hold secrets GitHub did not mask: a job waiting days for CI on its fix PR must not keep them
  // because an older version (or a process that died before removing them) left them there.
  test("the start-up sweep removes the raw logs of unfinished jobs past build-context, and the workspaces of ended jobs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-composition-"));
    const root = join(dir, "ws");
    const queue = idleQueue();
    const store = new MemoryJobStore();
    const watching = { ...makeJob(), state: "pr" as const, stage: "watch-pr", waitingFor: "pr_outcome", completedStages: ["check-repo-config", "clone-repo", "fetch-logs", "build-context", "rerun-flaky", "propose-patch", "apply-and-validate", "open-pull-request"] };
    const fetched = { ...makeJob(), state: "analysis" as const, stage: "build-context", completedStages: ["check-repo-config", "clone-repo", "fetch-logs"] };
    const ended = { ...makeJob(), state: "failed" as const };
    for (const job of [watching, fetched, ended]) {
      await store.recordIntake(makeDelivery(job), "{}", job);
      await mkdir(join(root, job.id, ".git"), { recursive: true });
      await mkdir(join(root, `${job.id}.logs`, "fix-run-900"), { recursive: true });
      for (const f of ["2320994299.log", "2320994299.json", "context.json", "workflow.yml", "fix-run-900/31.log"]) await writeFile(join(root, `${job.id}.logs`, f), "raw");
    }
    const config = loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: root, T0_WORKERS: "1" });
    const deps = await buildDeps(config, { logger: silentLogger(), overrides: { store, queue } });
    const runner = await startWorkers(deps, { stages: [], probeSandbox: async () => ({ available: true }) });
    try {
      expect((await readdir(join(root, `${watching.id}.logs`))).sort()).toEqual(["context.json", "workflow.yml"]);
      // build-context has yet to read them.
      expect((await readdir(join(root, `${fetched.id}.logs`))).sort()).toEqual(["2320994299.json", "2320994299.log", "context.json", "fix-run-900", "workflow.yml"]);
      expect((await readdir(root)).filter((n) => n.startsWith(ended.id))).toEqual([]);
      expect(await readdir(join(root, watching.id))).toEqual([".git"]);
    } finally {
      await runner?.stop();
      await closeDeps(deps);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("hands the queue's run context to the runner: a run whose job another worker took over stops", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-composition-"));
    let handler: QueueHandler | undefined;
    // The shared queue's part, by hand: it hands each run a signal, aborted when another worker owns the job.
    const queue: JobQueue = {
      kind: "test",
      ping: async () => undefined,
      enqueue: async () => undefined,
      start: async (h) => void (handler = h),
      stop: async () => undefined,
      stats: async () => ({ waiting: 0, active: 0, delayed: 0 }),
    };
    const store = new MemoryJobStore();
    const config = loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), T0_WORKERS: "1" });
    const deps = await buildDeps(config, { logger: silentLogger(), overrides: { store, queue } });
    const stages = [{ name: "validate", state: "testing" as const, sideEffects: false, run: () => new Promise<StageOutcome>(() => undefined) }];
    const runner = await startWorkers(deps, { stages, probeSandbox: async () => ({ available: true }) });
    try {
      const job = makeJob();
      await store.recordIntake(makeDelivery(job), "{}", job);
      const lost = new AbortController();
      const run = handler!(queueItemFor(job), { signal: lost.signal });
      // Polled up to 15 s, not 100 x 5 ms: a loaded CI machine may take longer to reach the stage.
      await eventually("the job to reach its stage", async () => (await store.getJob(job.id))?.state === "testing");
      lost.abort(transient("job_taken_over", "another worker runs it now"));
      // A run deaf to the abort never ends (its stage never settles); 15 s leaves a loaded machine room.
      const ended = await Promise.race([run.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000).unref())]);
      expect(ended).toBe(true);
      expect((await store.getJob(job.id))!).toMatchObject({ state: "testing", attempts: { byStage: { validate: 0 } } });
    } finally {
      await runner?.stop();
      await closeDeps(deps);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("starts the reconciliation of parked jobs with the workers: a job parked for a day is asked about; one lease per fleet", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-composition-"));
    const queue = idleQueue();
    const leases: string[] = [];
    const run = async (leased: boolean) => {
      const store = Object.assign(new MemoryJobStore(), { tryLease: async (name: string) => (leases.push(name), leased) });
      const job = { ...makeJob({ at: "2026-11-22T12:00:00.000Z" }), state: "pr" as const, stage: "watch-pr", waitingFor: "pr_outcome" };
      await store.recordIntake(makeDelivery(job), "{}", job);
      const asked: number[] = [];
      // GitHub answers nothing here: the pass logs it and leaves the job for the next one.
      const github = { forInstallation: async (id: number) => (asked.push(id), Promise.reject(transient("github_unavailable", "down"))) };
      const config = loadAppConfig({ DATA_DIR: dir, WORKSPACE_ROOT: join(dir, "ws"), T0_WORKERS: "1" });
      const deps = await buildDeps(config, { logger: silentLogger(), overrides: { store, queue, github, clock: new FakeClock() } });
      const before = leases.length;
      const runner = await startWorkers(deps, { stages: [], probeSandbox: async () => ({ available: true }) });
      // Until the pass has asked GitHub (leased) or been refused the lease: 100 x 5 ms was too short on a loaded machine.
      await eventually("the reconciliation pass", () => (leased ? asked.length > 0 : leases.length > before));
      await runner?.stop();
      await closeDeps(deps);
      return asked;
    };
    try {
      expect(await run(true)).toEqual([2]);
      // Another worker of the fleet holds the lease: this one asks nothing.
      expect(await run(false)).toEqual([]);
      expect(leases).toEqual(["reconcile-parked", "reconcile-parked"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
