import { expect, test } from "@jest/globals";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Deps } from "../../src/core/deps.js";
import { silentLogger } from "../../src/core/logger.js";
import { addPrEvent, prEventsOf } from "../../src/feedback/pr-events.js";
import { updateParkedJob } from "../../src/feedback/update-parked-job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { createWatchPrStage } from "../../src/pipeline/stages/watch-pr.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";

// A PR event recorded while watch-pr handles an earlier one: watch-pr asks to wait when it is done, and
// parked then, the job would wait for an event it already has (nothing would wake it again).
test("a PR closed while watch-pr is running is handled, not lost behind a re-park", async () => {
  const clock = new FakeClock();
  const logger = silentLogger();
  const store = new MemoryJobStore();
  const queue = new InProcessQueue({ concurrency: 2, perRepo: 1, clock, logger });
  let release!: () => void;
  let entered!: () => void;
  const inStage = new Promise<void>((r) => (entered = r));
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  const deps: Deps = {
    config: loadAppConfig({ RETRY_BASE_MS: "1000", RETRY_MAX_MS: "60000", JOB_MAX_RETRIES: "2" }),
    store,
    queue,
    // watch-pr's first await after reading the pending events: stands for a slow repair / GitHub call.
    github: { forInstallation: async () => { if (++calls === 1) { entered(); await gate; } return {} as never; } },
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
    clock, logger, metrics: createMetrics(), identity: new AppIdentity(),
  };
  const runner = new Runner(deps, [createWatchPrStage(async () => ({ ok: false, reason: "unused" }))]);

  // A job parked in `pr` after open-pull-request.
  const job = { ...makeJob(), state: "pr" as const, completedStages: ["open-pull-request"], waitingFor: "pr_outcome" };
  job.results["open-pull-request"] = {
    branch: "ci-bot/fix-1", commitSha: "b".repeat(40), verified: true, pr: { number: 7, htmlUrl: "", nodeId: "", state: "open", draft: true },
    createdPr: true, commentedOn: [], files: [], inferenceId: "inf", episodeId: "ep", repairAttempt: 1,
  };
  await store.recordIntake(makeDelivery(job), "{}", job);
  await queue.start((i) => runner.runJob(i));

  // Webhook 1: CI finished on the fix branch -> un-park + enqueue (exactly what webhook-route does).
  await updateParkedJob({ ...deps } as never, job.id, (j) => addPrEvent(j, { id: "ci:1:x", kind: "ci", runId: 1, conclusion: "failure", headSha: "c".repeat(40), at: "t" }));
  await queue.enqueue(queueItemFor(job));
  await inStage; // watch-pr is running, handling ci:1

  // Webhook 2, while watch-pr runs: the PR is closed.
  const changed = await updateParkedJob({ ...deps } as never, job.id, (j) => addPrEvent(j, { id: "closed:7", kind: "closed", merged: false, headSha: "b".repeat(40), at: "t" }));
  expect(changed).toBe(true);
  await queue.enqueue(queueItemFor(job));

  release();
  await clock.advance(10_000);
  const j = (await store.getJob(job.id))!;
  expect(prEventsOf(j).map((e) => e.id)).toEqual(["ci:1:x", "closed:7"]);
  expect((j.results["watch-pr"] as { handled: string[] }).handled).toContain("closed:7");
  expect(j.state).toBe("completed");
  expect(j.waitingFor).toBeUndefined();
});
