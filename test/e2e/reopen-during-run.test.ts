import { expect, test } from "@jest/globals";
import { InProcessQueue } from "../../src/adapters/queue/in-process-queue.js";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { createMetrics } from "../../src/admin/metrics.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Deps } from "../../src/core/deps.js";
import { silentLogger } from "../../src/core/logger.js";
import { prEventsOf } from "../../src/feedback/pr-events.js";
import { routeDelivery } from "../../src/handlers/route-delivery.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { createWatchPrStage } from "../../src/pipeline/stages/watch-pr.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";

const gate = () => {
  let release!: () => void;
  let entered!: () => void;
  const inside = new Promise<void>((r) => (entered = r));
  const open = new Promise<void>((r) => (release = r));
  return { inside, release, enter: async () => (entered(), open) };
};

/**
 * A job parked in `pr` after open-pull-request, run by the real queue and runner; `gateAt` holds the run
 * inside watch-pr (its GitHub client) or inside send-feedback, where a reopen webhook then comes in.
 */
async function setup(gateAt: "watch-pr" | "send-feedback" | "none", store = new MemoryJobStore()) {
  const clock = new FakeClock();
  const logger = silentLogger();
  const queue = new InProcessQueue({ concurrency: 2, perRepo: 1, clock, logger });
  const g = gate();
  let held = false;
  const hold = async (where: string) => {
    if (where !== gateAt || held) return;
    held = true;
    await g.enter();
  };
  const deps: Deps = {
    config: loadAppConfig({ RETRY_BASE_MS: "1000", RETRY_MAX_MS: "60000", JOB_MAX_RETRIES: "2" }),
    store,
    queue,
    github: { forInstallation: async () => (await hold("watch-pr"), {}) as never },
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
    clock, logger, metrics: createMetrics(), identity: new AppIdentity(),
  };
  const sendFeedback: Stage = { name: "send-feedback", state: "feedback", sideEffects: false, run: async () => (await hold("send-feedback"), { result: { sent: 0 } }) };
  const runner = new Runner(deps, [createWatchPrStage(async () => ({ ok: false, reason: "unused" })), sendFeedback]);
  const job = { ...makeJob({ runId: 1 }), state: "pr" as const, completedStages: ["open-pull-request"], waitingFor: "pr_outcome" };
  job.results["open-pull-request"] = {
    branch: "ci-bot/fix-1", commitSha: "b".repeat(40), verified: true, pr: { number: 7, htmlUrl: "", nodeId: "", state: "open", draft: true },
    createdPr: true, commentedOn: [], files: [], inferenceId: "inf", episodeId: "ep", repairAttempt: 1,
  };
  await store.recordIntake(makeDelivery(job), "{}", job);
  await queue.start((i) => runner.runJob(i));
  const hdeps = { config: deps.config, store, clock, identity: deps.identity };
  const repository = { id: job.repo.id, name: job.repo.name, full_name: job.repo.fullName, owner: { login: job.repo.owner } };
  /** Routes the webhook and enqueues a job it resumes, as the webhook route does. */
  const deliver = async (action: "closed" | "reopened") => {
    const at = new Date(clock.now()).toISOString();
    const pull_request = { number: 7, state: action === "closed" ? "closed" : "open", merged: false, closed_at: action === "closed" ? at : null, updated_at: at, head: { ref: "ci-bot/fix-1", sha: "b".repeat(40) } };
    const d = await routeDelivery({ action, installation: { id: job.installationId }, repository, sender: { login: "alice" }, pull_request }, { id: `d-${action}`, event: "pull_request", receivedAt: at }, hdeps);
    if ("resumeJobId" in d && d.resumeJobId) await queue.enqueue(queueItemFor(job));
    return d;
  };
  return { store, clock, job, gate: g, deliver, get: async () => (await store.getJob(job.id))! };
}

test.each(["watch-pr", "send-feedback"] as const)("a PR reopened while %s handles its close: the job ends watching the PR, not completed", async (where) => {
  const s = await setup(where);
  await s.deliver("closed");
  await s.gate.inside;
  await s.clock.advance(1_000);
  const routed = await s.deliver("reopened");
  expect(routed).toMatchObject({ resumeJobId: s.job.id });
  s.gate.release();
  await s.clock.advance(10_000);
  const j = await s.get();
  expect(prEventsOf(j).map((e) => e.kind)).toEqual(["closed", "reopened"]);
  expect((j.results["watch-pr"] as { handled: string[] }).handled).toHaveLength(2);
  expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
  expect(j.completedStages).not.toContain("send-feedback");
  expect(j.history.some((h) => h.state === "completed")).toBe(false);
});

/** Runs `hook` once, right after the write that records send-feedback completed (before the job's last write). */
class HookedStore extends MemoryJobStore {
  hook?: () => Promise<unknown>;
  override async updateJob(id: string, mutate: Parameters<MemoryJobStore["updateJob"]>[1]) {
    const j = await super.updateJob(id, mutate);
    const hook = this.hook;
    if (hook && j.completedStages.includes("send-feedback")) {
      this.hook = undefined;
      await hook();
    }
    return j;
  }
}

test("a PR reopened between send-feedback's completion and the job's completion: the job runs again, not completed", async () => {
  const store = new HookedStore();
  const s = await setup("none", store);
  store.hook = () => s.deliver("reopened");
  await s.deliver("closed");
  await s.clock.advance(10_000);
  const j = await s.get();
  expect(prEventsOf(j).map((e) => e.kind)).toEqual(["closed", "reopened"]);
  expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
  expect(j.completedStages).not.toContain("send-feedback");
  expect(j.history.some((h) => h.state === "completed")).toBe(false);
});
