import { describe, expect, test } from "@jest/globals";
import { jobTakenOver, permanent, transient } from "../core/errors.js";
import type { JobState } from "../core/job.js";
import type { GitHubClient } from "../core/ports/github-port.js";
import type { WriteFence } from "../core/ports/job-store.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { jsonLogLines } from "../../test/helpers/recording-logger.js";
import { runnerHarness } from "../../test/helpers/runner-harness.js";
import { queueItemFor } from "./runner.js";
import type { Stage } from "./stage.js";

/**
 * A shared queue hands each run its lease on the job as a write fence. The lease can be lost (and the job
 * handed to another worker) in the instant before the queue notices and aborts the run: the store then
 * refuses the run's writes, and the run must stop there without writing anything more.
 */
const FENCE: WriteFence = { key: "t0:t0-jobs:t0:sem:job:j", holder: "worker-a" };

const stage = (name: string, state: JobState, run: Stage["run"] = async () => ({ result: { ok: name } })): Stage => ({ name, state, sideEffects: false, run });

/** The harness's memory store, refusing writes fenced by FENCE once the lease is `lost`, as the Redis store does. */
function setup(stages: Stage[]) {
  const h = runnerHarness(stages);
  const { logger, lines } = jsonLogLines();
  h.deps.logger = logger;
  const lease = { lost: false, fenced: 0, unfenced: [] as string[] };
  const update = h.store.updateJob.bind(h.store);
  h.store.updateJob = async (id, mutate, opts) => {
    if (!opts?.fence) lease.unfenced.push(id);
    else {
      expect(opts.fence).toEqual(FENCE);
      lease.fenced++;
      if (lease.lost) throw jobTakenOver("this worker's lease on the job lapsed; another worker holds it");
    }
    return update(id, mutate, opts);
  };
  const run = async () => {
    const job = makeJob();
    await h.store.recordIntake(makeDelivery(job), "{}", job);
    await h.runner.runJob(queueItemFor(job), { fence: FENCE });
    await h.clock.advance(60 * 60_000); // any backoff the run queued would come due
    return (await h.store.getJob(job.id))!;
  };
  return { ...h, lease, lines, run };
}

describe("Runner: a run whose queue lease is lost (its writes are fenced)", () => {
  test("lost as its stage finishes: the stage's result is not recorded, the job is not failed nor queued again, and the next stage never starts", async () => {
    const ran: string[] = [];
    let s!: ReturnType<typeof setup>;
    s = setup([
      stage("a", "cloning", async () => (ran.push("a"), (s.lease.lost = true), { result: { cloned: true } })),
      stage("b", "analysis", async () => (ran.push("b"), {})),
    ]);
    const j = await s.run();
    expect(ran).toEqual(["a"]);
    // As the start write left it: the new owner's writes are not overwritten by this run's.
    expect(j).toMatchObject({ state: "cloning", stage: "a", completedStages: [], results: {}, attempts: { byStage: { a: 1 } } });
    expect([j.error, j.nextAttemptAt, j.waitingFor]).toEqual([undefined, undefined, undefined]);
    expect(s.enqueued).toEqual([]);
    expect(s.lease).toMatchObject({ fenced: 2, unfenced: [] });
    expect(s.lines.filter((l) => l["level"] === 50)).toEqual([]);
    expect(s.lines.find((l) => String(l["msg"]).includes("the store refused the run's write"))).toMatchObject({ jobId: j.id, stage: "a", err: { code: "job_taken_over" } });
  });

  test.each<[string, () => never]>([
    ["a retryable error: no backoff is recorded", () => { throw transient("http_502", "bad gateway"); }],
    ["a permanent error: the job is not failed", () => { throw permanent("validation_failed", "the fix did not pass"); }],
  ])("lost while its stage fails with %s, and nothing is queued again", async (_what, fail) => {
    let s!: ReturnType<typeof setup>;
    s = setup([stage("a", "testing", async () => ((s.lease.lost = true), fail()))]);
    const j = await s.run();
    expect(j).toMatchObject({ state: "testing", completedStages: [], attempts: { byStage: { a: 1 } } });
    expect([j.error, j.nextAttemptAt]).toEqual([undefined, undefined]);
    expect(s.enqueued).toEqual([]);
    expect(s.clock.pending()).toEqual([]);
  });

  test("a stage's own writes to its job carry the fence and stop the run once refused; its writes to another job do not", async () => {
    const sibling = makeJob({ runId: 2 });
    let s!: ReturnType<typeof setup>;
    s = setup([
      stage("open", "pr", async (job, deps) => {
        await deps.store.updateJob(job.id, (j) => void (j.results["open"] = { pr: 7 }));
        await deps.store.updateJob(sibling.id, (j) => void (j.results["sibling"] = { fixedBy: 7 }));
        s.lease.lost = true;
        await deps.store.updateJob(job.id, (j) => void (j.results["open"] = { pr: 7, labelled: true }));
        return { result: { pr: 7 } };
      }),
    ]);
    await s.store.recordIntake(makeDelivery(sibling), "{}", sibling);
    const j = await s.run();
    expect(j).toMatchObject({ state: "pr", completedStages: [], results: { open: { pr: 7 } } });
    expect([j.error, j.nextAttemptAt]).toEqual([undefined, undefined]);
    expect((await s.store.getJob(sibling.id))!.results).toEqual({ sibling: { fixedBy: 7 } });
    expect(s.lease.unfenced).toEqual([sibling.id]);
    expect(s.enqueued).toEqual([]);
  });

  test("a stage's GitHub writes are refused once the lease is lost, before the store is written: nothing reaches GitHub and the run stops", async () => {
    const comments: number[] = [];
    let s!: ReturnType<typeof setup>;
    s = setup([
      stage("open", "pr", async (job, deps) => {
        const gh = await deps.github.forInstallation(job.installationId);
        await gh.writes!.upsertComment(job.repo, 7, "<!-- t0 -->", "first");
        // The worker stalled past its lease and another took the job; the queue has not noticed yet.
        s.lease.lost = true;
        await gh.writes!.upsertComment(job.repo, 7, "<!-- t0 -->", "second");
        return { result: { pr: 7 } };
      }),
    ]);
    Object.assign(s.store, { holdsFence: async (fence: WriteFence) => (expect(fence).toEqual(FENCE), !s.lease.lost) });
    const writes = { upsertComment: async (_r: unknown, n: number) => (comments.push(n), { id: 1, created: true }) };
    s.deps.github = { forInstallation: async () => ({ writes }) as unknown as GitHubClient };
    const j = await s.run();
    expect(comments).toEqual([7]);
    expect(j).toMatchObject({ state: "pr", completedStages: [], results: {} });
    expect([j.error, j.nextAttemptAt]).toEqual([undefined, undefined]);
    expect(s.enqueued).toEqual([]);
  });

  test("while the lease holds, every write of the run carries it and the job completes", async () => {
    const s = setup([stage("a", "cloning"), stage("b", "analysis")]);
    const j = await s.run();
    expect(j).toMatchObject({ state: "completed", completedStages: ["a", "b"] });
    // Two per stage (start, completion) and the last one.
    expect(s.lease).toMatchObject({ fenced: 5, unfenced: [] });
  });
});
