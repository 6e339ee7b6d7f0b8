import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "@jest/globals";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { stopJob, transition, type Job, type JobState } from "../../src/core/job.js";
import type { JobStore } from "../../src/core/ports/job-store.js";
import { retryJob } from "../../src/pipeline/job-control.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";
import { fixture, startHarness, type Harness } from "./harness.js";

/**
 * GitHub sends `installation` and `installation_repositories` to every app. When the app loses access
 * (uninstalled, suspended, a repository taken out), the jobs it can no longer finish stop at once, with
 * the reason, instead of failing later on a refused token or waiting for a PR event that never comes.
 */
describe("installation events", () => {
  let h: Harness;
  let dir: string | undefined;
  afterEach(async () => {
    expect(h.outbound).toEqual([]);
    await h.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Jobs of installation 2 (octocat) in each unfinished condition, plus ones the event must leave alone. */
  async function seed(store: JobStore, installationId = 2) {
    const add = async (over: Parameters<typeof makeJob>[0], change?: (j: Job) => void) => {
      const job = makeJob({ installationId, ...over });
      await store.recordIntake(makeDelivery(job), "{}", job);
      return change ? store.updateJob(job.id, change) : job;
    };
    const queued = await add({ runId: 1 });
    /** Where the runner would have put the job: its state, with the history entry, in `stage`. */
    const at = (j: Job, state: JobState, stage: string) => (transition(j, state, j.createdAt, { stage }), (j.stage = stage));
    const running = await add({ runId: 2 }, (j) => (at(j, "testing", "apply-and-validate"), (j.completedStages = ["check-repo-config", "clone-repo"])));
    const parked = await add({ runId: 3 }, (j) => {
      at(j, "pr", "watch-pr");
      Object.assign(j, { completedStages: ["open-pull-request", "watch-pr"], waitingFor: "the fix PR #7 to be merged or closed" });
      j.feedback.push({ id: "validation", metric: "validation_passed", value: true, target: { inferenceId: "0192f1c2-0000-7000-8000-000000000001" }, status: "pending", attempts: 1, createdAt: j.createdAt });
    });
    const backingOff = await add({ runId: 4 }, (j) => (at(j, "analysis", "fetch-logs"), Object.assign(j, { nextAttemptAt: "2026-11-23T12:05:00.000Z", error: { code: "http_502", message: "bad gateway", retryable: true, stage: "fetch-logs", at: j.createdAt } })));
    const done = await add({ runId: 5 }, (j) => void (j.state = "completed"));
    const otherRepo = await add({ runId: 6, repoId: 42, repo: `${installationId === 2 ? "octocat" : "Codertocat"}/other` });
    const otherInstallation = await add({ runId: 7, installationId: 99, repoId: 43, repo: "someone/else" });
    return { queued, running, parked, backingOff, done, otherRepo, otherInstallation };
  }

  const lastDelivery = async () => (await h.store.listDeliveries({ limit: 1 }))[0]!;
  const get = async (job: Job) => (await h.store.getJob(job.id))!;

  test.each<[string, () => Promise<JobStore | undefined>]>([
    ["memory", async () => undefined],
    ["lowdb", async () => LowdbJobStore.open((dir = await mkdtemp(join(tmpdir(), "t0-installation-"))), { fsync: false })],
  ])("installation.deleted stops every unfinished job of the installation, with the reason (%s store)", async (_kind, store) => {
    h = await startHarness({ store: await store() });
    const jobs = await seed(h.store);
    const res = await h.send("installation", fixture("installation.deleted"));
    expect(res.status).toBe(202);
    const stopped = [jobs.queued, jobs.running, jobs.parked, jobs.backingOff, jobs.otherRepo];
    expect(await lastDelivery()).toMatchObject({
      id: res.id, event: "installation", action: "deleted", outcome: "event_routed", installationId: 2,
      reason: `installation.deleted (octocat, installation 2): the app was uninstalled; stopped 5 unfinished job(s): ${stopped.map((j) => j.id).join(", ")}`,
    });
    for (const job of stopped) {
      const j = await get(job);
      expect(j.state).toBe("failed");
      expect(j.error).toMatchObject({ code: "installation_deleted", retryable: false, message: `The app was uninstalled from octocat (installation 2): the job was stopped and writes nothing more to GitHub. Once the app is installed again on octocat, the job belongs to the new installation and \`t0-ci-bot jobs retry ${job.id}\` runs it again.` });
      expect(j.history.at(-1)).toMatchObject({ state: "failed", note: "installation_deleted" });
      expect(j.waitingFor).toBeUndefined();
      expect(j.nextAttemptAt).toBeUndefined();
    }
    // The parked job gives back the stage it waited in (a retry runs it again) and keeps its feedback to send.
    expect(await get(jobs.parked)).toMatchObject({ completedStages: ["open-pull-request"], error: { stage: "watch-pr" }, feedback: [{ id: "validation", status: "pending" }] });
    expect(await h.store.listJobIdsWithPendingFeedback()).toEqual([jobs.parked.id]);
    expect((await get(jobs.done)).state).toBe("completed");
    expect((await get(jobs.otherInstallation)).state).toBe("pending");
    expect(h.queue.items).toEqual([]);
    const metrics = await h.deps.metrics.registry.metrics();
    expect(metrics).toContain('t0_webhook_deliveries_total{event="installation",outcome="event_routed"} 1');

    // GitHub sends it again (or the app asks for it again): nothing more is changed.
    const before = await get(jobs.queued);
    await h.send("installation", fixture("installation.deleted"), { id: res.id });
    expect((await lastDelivery()).reason).toBe("installation.deleted (octocat, installation 2): the app was uninstalled; no unfinished job to stop");
    expect(await get(jobs.queued)).toEqual(before);
  });

  test("installation.suspend stops them too, says who suspended it and how to run a job again; unsuspend resumes nothing and says so", async () => {
    h = await startHarness();
    const jobs = await seed(h.store, 16598467);
    await h.send("installation", fixture("installation.suspend"));
    expect(await lastDelivery()).toMatchObject({
      outcome: "event_routed", installationId: 16598467,
      reason: expect.stringMatching(/^installation\.suspend \(Codertocat, installation 16598467\): the app was suspended by Codertocat; stopped 5 unfinished job\(s\): /),
    });
    const j = await get(jobs.running);
    expect(j).toMatchObject({ state: "failed", error: { code: "installation_suspended", retryable: false, stage: "apply-and-validate" } });
    expect(j.error!.message).toBe(`The app's installation on Codertocat (installation 16598467) was suspended by Codertocat: the job was stopped and writes nothing more to GitHub. Once it is unsuspended, \`t0-ci-bot jobs retry ${jobs.running.id}\` runs it again.`);

    await h.send("installation", fixture("installation.unsuspend"));
    expect(await lastDelivery()).toMatchObject({
      action: "unsuspend", outcome: "event_routed", installationId: 16598467,
      reason: "installation.unsuspend (Codertocat, installation 16598467): nothing is resumed: jobs stopped when it was suspended stay failed (`t0-ci-bot jobs retry <id>` runs one again), and new failures create new jobs",
    });
    expect((await get(jobs.running)).state).toBe("failed");
    expect(h.queue.items).toEqual([]);

    // What the message says works: the operator's retry puts the job back where it was stopped.
    const retried = await retryJob(h.deps, jobs.running.id);
    expect(retried).toMatchObject({ state: "testing", stage: "apply-and-validate", error: undefined });
    expect(h.queue.items.map((i) => i.jobId)).toEqual([jobs.running.id]);
  });

  test("installation_repositories.removed stops the unfinished jobs of the repositories removed, only those", async () => {
    h = await startHarness();
    const jobs = await seed(h.store);
    await h.send("installation_repositories", fixture("installation_repositories.removed"));
    const stopped = [jobs.queued, jobs.running, jobs.parked, jobs.backingOff];
    expect(await lastDelivery()).toMatchObject({
      event: "installation_repositories", action: "removed", outcome: "event_routed", installationId: 2, repoFullName: "octocat/Hello-World",
      reason: `installation_repositories.removed (octocat, installation 2): octocat/Hello-World removed from the installation; stopped 4 unfinished job(s): ${stopped.map((j) => j.id).join(", ")}`,
    });
    for (const job of stopped) {
      expect(await get(job)).toMatchObject({
        state: "failed",
        error: { code: "repository_removed", retryable: false, message: `octo-org/octo-repo was removed from the app's installation on octocat (installation 2): the job was stopped and writes nothing more to GitHub. Add the repository back to the installation, then \`t0-ci-bot jobs retry ${job.id}\` runs it again.` },
      });
    }
    expect((await get(jobs.otherRepo)).state).toBe("pending");
    expect((await get(jobs.otherInstallation)).state).toBe("pending");
    const metrics = await h.deps.metrics.registry.metrics();
    expect(metrics).toContain('t0_webhook_deliveries_total{event="installation_repositories",outcome="event_routed"} 1');
  });

  test("installation.created hands the jobs stopped when the app was uninstalled to the new installation, so a retry can run them", async () => {
    h = await startHarness();
    const add = async (over: Parameters<typeof makeJob>[0], code?: string) => {
      const job = makeJob({ installationId: 2, repoId: 186853002, repo: "Codertocat/Hello-World", ...over });
      await h.store.recordIntake(makeDelivery(job), "{}", job);
      if (!code) return job;
      return h.store.updateJob(job.id, (j) => void stopJob(j, { code, message: "stopped" }, "2026-11-23T12:00:00.000Z"));
    };
    const uninstalled = await add({ runId: 1 }, "installation_deleted");
    const otherFailure = await add({ runId: 2 }, "patch_refused");
    const otherRepo = await add({ runId: 3, repoId: 5, repo: "Codertocat/other" }, "installation_deleted");
    const unfinished = await add({ runId: 4 });
    await h.send("installation", fixture("installation.created"));
    expect(await lastDelivery()).toMatchObject({
      outcome: "event_routed", installationId: 957387,
      reason: `installation.created (Codertocat, installation 957387): 1 job(s) stopped when the app was uninstalled now belong to this installation; \`t0-ci-bot jobs retry <id>\` runs one again: ${uninstalled.id}`,
    });
    const moved = (await h.store.getJob(uninstalled.id))!;
    expect(moved).toMatchObject({ state: "failed", installationId: 957387, error: { code: "installation_deleted" } });
    expect(moved.error!.message).toBe(`The app was uninstalled from Codertocat, which stopped the job; it was installed again (installation 957387): \`t0-ci-bot jobs retry ${uninstalled.id}\` runs the job again.`);
    for (const j of [otherFailure, otherRepo, unfinished]) expect((await h.store.getJob(j.id))!.installationId).toBe(2);
    await retryJob(h.deps, uninstalled.id);
    expect(h.queue.items).toEqual([{ jobId: uninstalled.id, installationId: 957387, repo: "Codertocat/Hello-World" }]);
    // Sent again: nothing left to hand over.
    await h.send("installation", fixture("installation.created"));
    expect((await lastDelivery()).reason).toBe("installation.created (Codertocat, installation 957387): nothing to do; failed runs of its repositories create jobs as they come");
  });

  test("installation.created hands over the jobs stopped under the repository's earlier name: renamed while the app was uninstalled", async () => {
    h = await startHarness();
    const job = makeJob({ installationId: 2, repoId: 186853002, repo: "Codertocat/Hello-World-before", runId: 1 });
    await h.store.recordIntake(makeDelivery(job), "{}", job);
    await h.store.updateJob(job.id, (j) => void stopJob(j, { code: "installation_deleted", message: "stopped" }, "2026-11-23T12:00:00.000Z"));
    await h.send("installation", fixture("installation.created"));
    expect((await lastDelivery()).reason).toContain(`1 job(s) stopped when the app was uninstalled now belong to this installation; \`t0-ci-bot jobs retry <id>\` runs one again: ${job.id}`);
    expect((await h.store.getJob(job.id))!.installationId).toBe(957387);
  });

  test("installation.new_permissions_accepted and installation_repositories.added change nothing and are recorded as ignored, with the reason", async () => {
    h = await startHarness();
    const jobs = await seed(h.store);
    const accepted = { ...fixture("installation.deleted"), action: "new_permissions_accepted" };
    await h.send("installation", accepted);
    expect(await lastDelivery()).toMatchObject({ outcome: "ignored", installationId: 2, reason: "installation.new_permissions_accepted (octocat, installation 2): nothing to do; failed runs of its repositories create jobs as they come" });
    await h.send("installation_repositories", { ...fixture("installation_repositories.removed"), action: "added", repositories_added: [], repositories_removed: [] });
    expect(await lastDelivery()).toMatchObject({ outcome: "ignored", reason: expect.stringMatching(/^installation_repositories\.added \(octocat, installation 2\): nothing to do/) });
    expect((await get(jobs.queued)).state).toBe("pending");
  });

  test("the intake log line names the installation and the jobs stopped, as other events name their run", async () => {
    const lines: string[] = [];
    const { createLogger } = await import("../../src/core/logger.js");
    h = await startHarness({ logger: createLogger({ level: "info", destination: { write: (l: string) => void lines.push(l) } as never }) });
    const jobs = await seed(h.store);
    const res = await h.send("installation", fixture("installation.deleted"));
    const recorded = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "webhook recorded");
    expect(recorded).toMatchObject({ deliveryId: res.id, event: "installation", action: "deleted", installationId: 2, outcome: "event_routed", reason: expect.stringContaining(jobs.parked.id) });
  });

  test("an installation event without the installation's id is refused (400) and recorded as invalid, stopping nothing", async () => {
    h = await startHarness();
    const jobs = await seed(h.store);
    const p = fixture("installation.deleted");
    delete p.installation.id;
    const res = await h.send("installation", p);
    expect(res.status).toBe(400);
    expect(await lastDelivery()).toMatchObject({ outcome: "invalid", reason: expect.stringMatching(/installation\.id/) });
    expect((await get(jobs.queued)).state).toBe("pending");
  });
});
