import { describe, expect, test } from "@jest/globals";
import { permanent, transient } from "../core/errors.js";
import { stopJob, type Job, type JobState } from "../core/job.js";
import { retryJob } from "./job-control.js";
import { runnerHarness } from "../../test/helpers/runner-harness.js";
import type { Stage, StageOutcome } from "./stage.js";

/**
 * A job stopped from outside (the installation was deleted or suspended, its repository removed from it)
 * while a worker runs it: the worker finds out at its next write to the job and goes no further.
 */
function setup(stages: Stage[]) {
  const h = runnerHarness(stages);
  /** What the installation webhook does to the job (store only). */
  const stop = (id: string) => h.store.updateJob(id, (j) => void stopJob(j, REASON, new Date(h.clock.now()).toISOString()));
  return { ...h, stop };
}

const REASON = { code: "installation_suspended", message: "the app's installation on octo-org was suspended" };

const stage = (name: string, state: JobState, run: Stage["run"] = async () => ({ result: { ok: name } })): Stage => ({ name, state, sideEffects: false, run });

describe("Runner: a job stopped from outside", () => {
  test("stopped while its stage runs: the stage's result is kept, the next stage never starts, the stop's reason stays", async () => {
    const ran: string[] = [];
    let s!: ReturnType<typeof setup>;
    s = setup([
      stage("a", "cloning", async (job) => {
        ran.push("a");
        await s.stop(job.id);
        return { result: { cloned: true } };
      }),
      stage("b", "pr", async () => (ran.push("b"), { result: { opened: true } })),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(ran).toEqual(["a"]);
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ ...REASON, retryable: false, stage: "a" });
    expect(j.results).toEqual({ a: { cloned: true } });
    expect(j.completedStages).toEqual(["a"]);
    expect(j.history.map((h) => h.state)).toEqual(["pending", "cloning", "failed"]);
    expect(s.removed).toEqual([job.id]);
  });

  test("stopped between two stages: the next stage does not start", async () => {
    const ran: string[] = [];
    const s = setup([stage("a", "cloning", async () => (ran.push("a"), {})), stage("b", "pr", async () => (ran.push("b"), {}))]);
    // The webhook's write lands right after stage a's completion write, before b's start write.
    const update = s.store.updateJob.bind(s.store);
    s.store.updateJob = async (id, mutate) => {
      const j = await update(id, mutate);
      if (j.completedStages.includes("a") && j.state === "cloning") return update(id, (x) => void stopJob(x, REASON, "2026-11-23T12:00:00.000Z"));
      return j;
    };
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    const j = (await s.store.getJob(job.id))!;
    expect(ran).toEqual(["a"]);
    expect(j).toMatchObject({ state: "failed", error: { code: REASON.code } });
    expect(j.attempts.byStage["b"]).toBeUndefined();
    expect(s.removed).toEqual([job.id]);
  });

  test.each<[string, () => never]>([
    ["a retryable one", () => { throw transient("http_502", "bad gateway"); }],
    ["a permanent one", () => { throw permanent("github_write_forbidden", "GitHub refused creating the branch (HTTP 403)"); }],
  ])("stopped while its stage runs, which then fails with %s: not queued again, the stop's reason stays", async (_what, fail) => {
    let s!: ReturnType<typeof setup>;
    s = setup([stage("a", "pr", async (job) => (await s.stop(job.id), fail()))]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10 * 60_000);
    const j = (await s.store.getJob(job.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ ...REASON, retryable: false });
    expect(j.nextAttemptAt).toBeUndefined();
    expect(j.attempts.byStage["a"]).toBe(1);
    expect(s.enqueued).toEqual([job.id]);
    expect(s.removed).toEqual([job.id]);
  });

  test("stopped while its stage runs, which then asks to wait: not parked, and a retry runs that stage again", async () => {
    let watched = 0;
    let s!: ReturnType<typeof setup>;
    s = setup([
      stage("open", "pr", async () => ({ result: { pr: 7 } })),
      stage("watch", "pr", async (job): Promise<StageOutcome> => {
        watched++;
        if (watched === 1) await s.stop(job.id);
        return watched === 1 ? { wait: "the fix PR to be merged or closed" } : { result: { merged: true } };
      }),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    let j: Job = (await s.store.getJob(job.id))!;
    expect(j).toMatchObject({ state: "failed", completedStages: ["open"] });
    expect(j.waitingFor).toBeUndefined();
    await retryJob(s.deps, job.id);
    await s.clock.advance(10);
    j = (await s.store.getJob(job.id))!;
    expect(watched).toBe(2);
    expect(j.state).toBe("completed");
    expect(j.completedStages).toEqual(["open", "watch"]);
  });

  test("stopped while parked: a retry (the app reinstated) runs the stage it waited in again, not the ones after it", async () => {
    const ran: string[] = [];
    const s = setup([
      stage("open", "pr", async () => (ran.push("open"), { result: { pr: 7 } })),
      stage("watch", "pr", async () => (ran.push("watch"), ran.filter((r) => r === "watch").length === 1 ? { wait: "the fix PR to be merged or closed" } : {})),
      stage("feedback", "feedback", async () => (ran.push("feedback"), {})),
    ]);
    const job = await s.add();
    await s.start();
    await s.clock.advance(10);
    expect((await s.store.getJob(job.id))!.waitingFor).toBe("the fix PR to be merged or closed");
    await s.stop(job.id);
    let j = (await s.store.getJob(job.id))!;
    expect(j).toMatchObject({ state: "failed", error: { ...REASON, stage: "watch" }, completedStages: ["open"] });
    expect(j.waitingFor).toBeUndefined();
    await retryJob(s.deps, job.id);
    await s.clock.advance(10);
    j = (await s.store.getJob(job.id))!;
    expect(ran).toEqual(["open", "watch", "watch", "feedback"]);
    expect(j.state).toBe("completed");
  });
});
