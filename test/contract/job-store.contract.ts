import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { JobStore } from "../../src/core/ports/job-store.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";

/**
 * The behaviour every JobStore adapter must have. Run by memory, lowdb and Redis suites alike, unchanged.
 * `reopen` (optional) closes the store and opens it again on the same data, for durability checks.
 * `now` is the store's clock (for retention), with the default 30-day window.
 */
export function jobStoreContract(
  name: string,
  factory: (opts: { now: () => number }) => Promise<{ store: JobStore; reopen?: () => Promise<JobStore>; cleanup?: () => Promise<void> }>,
): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    let reopen: (() => Promise<JobStore>) | undefined;
    let cleanup: (() => Promise<void>) | undefined;
    let now = Date.parse("2026-11-23T12:00:00.000Z");

    beforeEach(async () => {
      now = Date.parse("2026-11-23T12:00:00.000Z");
      ({ store, reopen, cleanup } = await factory({ now: () => now }));
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    test("ping answers while open", async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    test("records a job once per key, whatever the redeliveries", async () => {
      const job = makeJob({ runId: 42 });
      const first = await store.recordIntake(makeDelivery(job), "{}", job);
      expect(first.created).toBe(true);
      const again = { ...makeJob({ runId: 42 }) };
      const second = await store.recordIntake(makeDelivery(again), "{}", again);
      expect(second.created).toBe(false);
      expect(second.job?.id).toBe(job.id);
      expect((await store.listJobs()).length).toBe(1);
      const deliveries = await store.listDeliveries();
      expect(deliveries.map((d) => d.outcome)).toEqual(["duplicate", "job_created"]);
      expect(deliveries[0]!.jobId).toBe(job.id);
    });

    test("concurrent deliveries of the same runs create exactly one job per run", async () => {
      const runs = Array.from({ length: 20 }, (_, i) => 1000 + i);
      const results = await Promise.all(
        runs.flatMap((runId) =>
          Array.from({ length: 5 }, () => {
            const job = makeJob({ runId });
            return store.recordIntake(makeDelivery(job), `{"run":${runId}}`, job);
          }),
        ),
      );
      const jobs = await store.listJobs({ limit: 1000 });
      expect(jobs.length).toBe(20);
      // Every duplicate names the job it duplicates (its log line carries the jobId), also one that came
      // while the first delivery's record was still being written.
      const ids = new Set(jobs.map((j) => j.id));
      expect(results.filter((r) => !r.created).every((r) => r.job && ids.has(r.job.id))).toBe(true);
      expect(new Set(jobs.map((j) => j.key)).size).toBe(20);
      expect((await store.listDeliveries({ limit: 1000 })).length).toBe(100);
    });

    test("the fix-loop cap holds under a burst: concurrent failures of one kind create at most the cap", async () => {
      const cap = (job: ReturnType<typeof makeJob>) => ({ max: 3, delivery: makeDelivery(job, { outcome: "ignored", reason: "attempted 3 times" }) });
      const jobs = Array.from({ length: 10 }, (_, i) => makeJob({ runId: 500 + i, fingerprint: "burst" }));
      const results = await Promise.all(jobs.map((job) => store.recordIntake(makeDelivery(job), "{}", job, cap(job))));
      expect(results.filter((r) => r.created)).toHaveLength(3);
      expect(results.filter((r) => r.capped)).toHaveLength(7);
      expect(results.filter((r) => r.capped).every((r) => r.job === undefined)).toBe(true);
      expect(await store.countByFingerprint(jobs[0]!.repo.id, "burst")).toBe(3);
      const outcomes = (await store.listDeliveries({ limit: 100 })).map((d) => d.outcome);
      expect(outcomes.filter((o) => o === "ignored")).toHaveLength(7);
      expect(outcomes.filter((o) => o === "job_created")).toHaveLength(3);
      // A redelivery of a run that got a job is a duplicate, not refused by the cap.
      const createdJob = jobs[results.findIndex((r) => r.created)]!;
      const again = makeJob({ runId: createdJob.run.id, fingerprint: "burst" });
      const dup = await store.recordIntake(makeDelivery(again), "{}", again, cap(again));
      expect(dup).toMatchObject({ created: false, job: { id: createdJob.id } });
      expect(dup.capped).toBeFalsy();
      // Another kind of failure is not affected.
      const other = makeJob({ runId: 900, fingerprint: "other-kind" });
      expect((await store.recordIntake(makeDelivery(other), "{}", other, cap(other))).created).toBe(true);
    });

    test("keeps ignored deliveries and raw payloads", async () => {
      const d = makeDelivery(undefined, { outcome: "ignored", reason: "conclusion success" });
      await store.recordIntake(d, '{"hello":"world"}');
      expect((await store.listDeliveries())[0]).toMatchObject({ id: d.id, outcome: "ignored", reason: "conclusion success" });
      expect(await store.getDeliveryPayload(d.id)).toBe('{"hello":"world"}');
      expect(await store.getDeliveryPayload("nope")).toBeUndefined();
    });

    test("updateJob is a read-modify-write that lookups see", async () => {
      const job = makeJob();
      await store.recordIntake(makeDelivery(job), "{}", job);
      const updated = await store.updateJob(job.id, (j) => {
        j.state = "cloning";
        j.results["x"] = { n: 1 };
      });
      expect(updated.state).toBe("cloning");
      expect((await store.getJob(job.id))?.results).toEqual({ x: { n: 1 } });
      expect((await store.findJobByKey(job.key))?.state).toBe("cloning");
      await Promise.all(Array.from({ length: 25 }, () => store.updateJob(job.id, (j) => void j.attempts.total++)));
      expect((await store.getJob(job.id))?.attempts.total).toBe(25);
    });

    test("updateJob of an unknown id fails with job_not_found", async () => {
      await expect(store.updateJob("missing", () => undefined)).rejects.toMatchObject({ code: "job_not_found" });
    });

    test("returned jobs are copies", async () => {
      const job = makeJob();
      await store.recordIntake(makeDelivery(job), "{}", job);
      const a = await store.getJob(job.id);
      a!.state = "failed";
      expect((await store.getJob(job.id))?.state).toBe("pending");
    });

    test("lists by state, counts by state and by fingerprint, and lists unfinished oldest first", async () => {
      const a = makeJob({ runId: 1, at: "2026-11-01T00:00:00.000Z", fingerprint: "same" });
      const b = makeJob({ runId: 2, at: "2026-11-02T00:00:00.000Z", fingerprint: "same" });
      const c = makeJob({ runId: 3, at: "2026-11-03T00:00:00.000Z", fingerprint: "other" });
      for (const j of [a, b, c]) await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(b.id, (j) => void (j.state = "completed"));
      expect((await store.listJobs({ state: "pending" })).map((j) => j.id)).toEqual([c.id, a.id]);
      expect((await store.countByState()).pending).toBe(2);
      expect((await store.countByState()).completed).toBe(1);
      expect(await store.countByFingerprint(a.repo.id, "same")).toBe(2);
      expect(await store.countByFingerprint(a.repo.id, "none")).toBe(0);
      expect(await store.countByFingerprint(999, "same")).toBe(0);
      expect(await store.listUnfinishedJobIds()).toEqual([a.id, c.id]);
      expect((await store.listJobs({ repo: "OCTO-ORG/octo-repo", limit: 2 })).length).toBe(2);
    });

    test("lists a repository's jobs by its id across a rename and a transfer (jobs keep the name they were made under), also after a reopen", async () => {
      const at = (d: number) => `2026-11-0${d}T00:00:00.000Z`;
      const before = makeJob({ runId: 1, repoId: 10, repo: "acme/old-name", at: at(1) });
      const parked = makeJob({ runId: 2, repoId: 10, repo: "acme/old-name", at: at(2) });
      const after = makeJob({ runId: 3, repoId: 10, repo: "acme/new-name", at: at(3) });
      const transferred = makeJob({ runId: 4, repoId: 10, repo: "other-org/new-name", at: at(4) });
      const another = makeJob({ runId: 5, repoId: 11, repo: "acme/new-name", at: at(5) });
      for (const j of [another, transferred, after, parked, before]) await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(parked.id, (j) => void Object.assign(j, { state: "pr", waitingFor: "the fix PR to be merged or closed" }));
      await store.updateJob(transferred.id, (j) => void Object.assign(j, { state: "pr", waitingFor: "the fix PR to be merged or closed" }));
      const ids = async (s: JobStore, q: Parameters<JobStore["listJobs"]>[0]) => (await s.listJobs(q)).map((j) => j.id);
      const check = async (s: JobStore) => {
        expect(await ids(s, { repoId: 10 })).toEqual([transferred.id, after.id, parked.id, before.id]);
        expect(await ids(s, { repoId: 10, limit: 2 })).toEqual([transferred.id, after.id]);
        expect(await ids(s, { repoId: 10, state: "pr" })).toEqual([transferred.id, parked.id]);
        expect(await ids(s, { repoId: 11 })).toEqual([another.id]);
        expect(await ids(s, { repoId: 12 })).toEqual([]);
        // The name still selects what it names, as people type it; with both, a job matches both.
        expect(await ids(s, { repo: "ACME/new-name" })).toEqual([another.id, after.id]);
        expect(await ids(s, { repo: "acme/new-name", repoId: 10 })).toEqual([after.id]);
      };
      await check(store);
      if (!reopen) return;
      await store.close();
      store = await reopen();
      await check(store);
    });

    test("a job renamed by updateJob is listed by its new name, not its old one, also after a reopen", async () => {
      const at = (d: number) => `2026-11-0${d}T00:00:00.000Z`;
      const renamed = makeJob({ runId: 1, repoId: 10, repo: "acme/Old-Name", at: at(1) });
      const stays = makeJob({ runId: 2, repoId: 10, repo: "acme/old-name", at: at(2) });
      const already = makeJob({ runId: 3, repoId: 10, repo: "acme/new-name", at: at(3) });
      for (const j of [renamed, stays, already]) await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(renamed.id, (j) => void Object.assign(j, { repo: { ...j.repo, name: "New-Name", fullName: "acme/New-Name" } }));
      // A later update that leaves the name alone leaves the listing alone.
      await store.updateJob(renamed.id, (j) => void Object.assign(j, { state: "failed" }));
      const ids = async (s: JobStore, q: Parameters<JobStore["listJobs"]>[0]) => (await s.listJobs(q)).map((j) => j.id);
      const check = async (s: JobStore) => {
        expect(await ids(s, { repo: "acme/new-name" })).toEqual([already.id, renamed.id]);
        expect(await ids(s, { repo: "ACME/NEW-NAME", limit: 1 })).toEqual([already.id]);
        expect(await ids(s, { repo: "acme/new-name", state: "failed" })).toEqual([renamed.id]);
        expect(await ids(s, { repo: "acme/old-name" })).toEqual([stays.id]);
        expect((await s.listJobs({ repo: "acme/new-name" })).map((j) => j.repo.fullName)).toEqual(["acme/new-name", "acme/New-Name"]);
      };
      await check(store);
      if (!reopen) return;
      await store.close();
      store = await reopen();
      await check(store);
    });

    test("lists the unfinished jobs of an installation, or of some of its repositories, oldest first, also after a reopen", async () => {
      const at = (d: number) => `2026-11-0${d}T00:00:00.000Z`;
      const queued = makeJob({ runId: 1, installationId: 7, repoId: 10, repo: "acme/one", at: at(1) });
      const parked = makeJob({ runId: 2, installationId: 7, repoId: 11, repo: "acme/two", at: at(2) });
      const done = makeJob({ runId: 3, installationId: 7, repoId: 10, repo: "acme/one", at: at(3) });
      const failed = makeJob({ runId: 4, installationId: 7, repoId: 11, repo: "acme/two", at: at(4) });
      const elsewhere = makeJob({ runId: 5, installationId: 8, repoId: 12, repo: "other/x", at: at(5) });
      const running = makeJob({ runId: 6, installationId: 7, repoId: 10, repo: "acme/one", at: at(6) });
      // Created newest first: the order listed is the jobs' age, not the order they were recorded in.
      for (const j of [running, elsewhere, failed, done, parked, queued]) await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(parked.id, (j) => void Object.assign(j, { state: "pr", waitingFor: "the fix PR to be merged or closed" }));
      await store.updateJob(done.id, (j) => void (j.state = "completed"));
      await store.updateJob(failed.id, (j) => void (j.state = "failed"));
      await store.updateJob(running.id, (j) => void (j.state = "testing"));
      const ids = async (s: JobStore, scope: Parameters<JobStore["listUnfinishedJobs"]>[0]) => (await s.listUnfinishedJobs(scope)).map((j) => j.id);
      expect(await ids(store, { installationId: 7 })).toEqual([queued.id, parked.id, running.id]);
      expect(await ids(store, { installationId: 7, repoIds: [11] })).toEqual([parked.id]);
      expect(await ids(store, { installationId: 7, repoIds: [10, 12] })).toEqual([queued.id, running.id]);
      expect(await ids(store, { installationId: 7, repoIds: [] })).toEqual([]);
      expect(await ids(store, { installationId: 9 })).toEqual([]);
      // Whole jobs, as getJob returns them: the caller changes them through updateJob.
      expect((await store.listUnfinishedJobs({ installationId: 7, repoIds: [11] }))[0]).toEqual(await store.getJob(parked.id));
      if (!reopen) return;
      await store.close();
      store = await reopen();
      expect(await ids(store, { installationId: 7 })).toEqual([queued.id, parked.id, running.id]);
    });

    test("clearing a fingerprint counts it from zero: only jobs created after the clear count, also after a reopen", async () => {
      const at = (m: number) => `2026-11-23T12:${String(m).padStart(2, "0")}:00.000Z`;
      for (const [runId, m] of [[1, 0], [2, 1]] as const) {
        const j = makeJob({ runId, fingerprint: "green", at: at(m) });
        await store.recordIntake(makeDelivery(j), "{}", j);
      }
      const repoId = makeJob().repo.id;
      expect(await store.countByFingerprint(repoId, "green")).toBe(2);
      await store.clearFingerprints(repoId, ["green", "never-seen"], at(2));
      expect(await store.countByFingerprint(repoId, "green")).toBe(0);
      const later = makeJob({ runId: 3, fingerprint: "green", at: at(3) });
      await store.recordIntake(makeDelivery(later), "{}", later);
      expect(await store.countByFingerprint(repoId, "green")).toBe(1);
      // The cap sees the new count: two more fit under a cap of 3, not one.
      const cap = (j: ReturnType<typeof makeJob>) => ({ max: 3, delivery: makeDelivery(undefined, { reason: "capped" }) });
      for (const runId of [4, 5]) {
        const j = makeJob({ runId, fingerprint: "green", at: at(4) });
        expect((await store.recordIntake(makeDelivery(j), "{}", j, cap(j))).created).toBe(true);
      }
      const over = makeJob({ runId: 6, fingerprint: "green", at: at(5) });
      expect((await store.recordIntake(makeDelivery(over), "{}", over, cap(over))).capped).toBe(true);
      if (!reopen) return;
      await store.close();
      store = await reopen();
      expect(await store.countByFingerprint(repoId, "green")).toBe(3);
    });

    // The outbox's sweep resends from this list: a job with feedback waiting must be on it however many jobs
    // came after it (listJobs stops at 50), and gone from it once nothing waits.
    test("lists the jobs with pending feedback, however old, also after a reopen", async () => {
      const item = (id: string, status: "pending" | "sent" | "failed") => ({ id, metric: "pr_merged", value: true, target: { episodeId: "e" }, status, attempts: 0, createdAt: "2026-11-23T12:00:00.000Z" });
      const old = makeJob({ runId: 1, at: "2026-11-01T00:00:00.000Z" });
      await store.recordIntake(makeDelivery(old), "{}", old);
      for (let i = 0; i < 60; i++) {
        const j = makeJob({ runId: 100 + i, at: "2026-11-20T00:00:00.000Z" });
        await store.recordIntake(makeDelivery(j), "{}", j);
      }
      expect(await store.listJobIdsWithPendingFeedback()).toEqual([]);
      await store.updateJob(old.id, (j) => {
        j.state = "failed";
        j.feedback = [item("f1", "sent"), item("f2", "pending")];
      });
      expect(await store.listJobIdsWithPendingFeedback()).toEqual([old.id]);
      if (reopen) {
        await store.close();
        store = await reopen();
        expect(await store.listJobIdsWithPendingFeedback()).toEqual([old.id]);
      }
      await store.updateJob(old.id, (j) => void (j.feedback = j.feedback.map((f) => ({ ...f, status: "failed" as const }))));
      expect(await store.listJobIdsWithPendingFeedback()).toEqual([]);
    });

    test("a clear stops the jobs created up to its time from counting, not one created after it and recorded before it", async () => {
      const repoId = makeJob().repo.id;
      const before = makeJob({ runId: 1, fingerprint: "flaky", at: "2026-11-23T12:00:00.000Z" });
      const after = makeJob({ runId: 2, fingerprint: "flaky", at: "2026-11-23T12:05:00.000Z" });
      for (const j of [before, after]) await store.recordIntake(makeDelivery(j), "{}", j);
      await store.clearFingerprints(repoId, ["flaky"], "2026-11-23T12:01:00.000Z");
      expect(await store.countByFingerprint(repoId, "flaky")).toBe(1);
    });

    test("data survives closing and reopening", async () => {
      if (!reopen) return;
      const job = makeJob();
      const d = makeDelivery(job);
      await store.recordIntake(d, '{"p":1}', job);
      await store.updateJob(job.id, (j) => void (j.state = "analysis"));
      await store.close();
      store = await reopen();
      expect((await store.getJob(job.id))?.state).toBe("analysis");
      expect((await store.findJobByKey(job.key))?.id).toBe(job.id);
      expect((await store.listDeliveries())[0]?.id).toBe(d.id);
      expect(await store.getDeliveryPayload(d.id)).toBe('{"p":1}');
      const dup = makeJob({ runId: job.run.id });
      expect((await store.recordIntake(makeDelivery(dup), "{}", dup)).created).toBe(false);
    });

    test("compaction keeps every job of the retention window: its run stays a duplicate and its attempt counts", async () => {
      const compact = (store as JobStore & { compact?: () => Promise<unknown> }).compact?.bind(store);
      if (!compact) return; // a store without retention (memory)
      const day = 86_400_000;
      const iso = (ms: number) => new Date(ms).toISOString();
      // Created long ago, finished 29 days ago; created long ago and still open; finished 31 days ago.
      const recent = makeJob({ runId: 11, fingerprint: "window", at: iso(now - 60 * day) });
      const open = makeJob({ runId: 12, fingerprint: "window", at: iso(now - 60 * day) });
      const past = makeJob({ runId: 13, fingerprint: "past", at: iso(now - 60 * day) });
      for (const j of [recent, open, past]) await store.recordIntake(makeDelivery(j), "{}", j);
      await store.updateJob(recent.id, (j) => Object.assign(j, { state: "completed", updatedAt: iso(now - 29 * day) }));
      await store.updateJob(past.id, (j) => Object.assign(j, { state: "failed", updatedAt: iso(now - 31 * day) }));
      await compact();
      for (const j of [recent, open]) {
        expect((await store.findJobByKey(j.key))?.id).toBe(j.id);
        const again = makeJob({ runId: j.run.id, fingerprint: "window" });
        expect(await store.recordIntake(makeDelivery(again), "{}", again)).toMatchObject({ created: false, job: { id: j.id } });
      }
      expect(await store.countByFingerprint(recent.repo.id, "window")).toBe(2);
      const next = makeJob({ runId: 14, fingerprint: "window", at: iso(now) });
      const cap = { max: 2, delivery: makeDelivery(next, { outcome: "ignored", reason: "attempted 2 times" }) };
      expect(await store.recordIntake(makeDelivery(next), "{}", next, cap)).toEqual({ created: false, capped: true });
      expect(await store.listUnfinishedJobIds()).toEqual([open.id]);
    });

    test("compaction leaves a job whose feedback still waits: once gone, it could never be sent", async () => {
      const compact = (store as JobStore & { compact?: () => Promise<unknown> }).compact?.bind(store);
      if (!compact) return;
      const old = new Date(now - 40 * 86_400_000).toISOString();
      const job = makeJob({ runId: 21, at: old });
      await store.recordIntake(makeDelivery(job), "{}", job);
      const pending = { id: "f", metric: "pr_merged", value: false, target: { episodeId: "e" }, status: "pending" as const, attempts: 3, createdAt: old };
      await store.updateJob(job.id, (j) => Object.assign(j, { state: "failed", updatedAt: old, feedback: [pending] }));
      await compact();
      expect(await store.listJobIdsWithPendingFeedback()).toEqual([job.id]);
      await store.updateJob(job.id, (j) => Object.assign(j, { updatedAt: old, feedback: [{ ...pending, status: "sent" }] }));
      await compact();
      expect(await store.listJobIdsWithPendingFeedback()).toEqual([]);
    });
  });
}
