import { describe, expect, test } from "@jest/globals";
import { MemoryJobStore } from "../adapters/store/memory-store.js";
import { AppError, JOB_TAKEN_OVER, jobTakenOver, permanent, transient } from "../core/errors.js";
import { FencedJobStore } from "../pipeline/fenced-job-store.js";
import { silentLogger } from "../core/logger.js";
import type { FeedbackRequest } from "../core/ports/model-port.js";
import { createMetrics } from "../admin/metrics.js";
import { gatewayError } from "../adapters/tensorzero/gateway-errors.js";
import { TAG_KEYS } from "../adapters/tensorzero/metric-names.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { CONFIG_MISMATCH_GRACE_MS, FEEDBACK_BACKOFF_BASE_MS, FEEDBACK_BACKOFF_MAX_MS, feedbackBackoffMs, flushFeedback, MISSING_TARGET_MAX_ATTEMPTS, recordFeedback, startFeedbackOutbox } from "./outbox.js";

async function setup(answer: (r: FeedbackRequest) => void) {
  const store = new MemoryJobStore();
  const clock = new FakeClock();
  const sent: FeedbackRequest[] = [];
  const model = {
    proposePatch: async () => { throw new Error("unused"); },
    status: async () => ({ status: "ok" }),
    feedback: async (r: FeedbackRequest) => (answer(r), sent.push(r), { feedbackId: "x" }),
  };
  const job = makeJob();
  await store.recordIntake(makeDelivery(job), "{}", job);
  const metrics = createMetrics();
  return { deps: { store, clock, logger: silentLogger(), model, metrics }, sent, job, store, clock, metrics };
}

const item = (id: string, metric = "pr_merged") => ({ id, metric, value: true, target: { episodeId: "0192f5a0-0000-7000-8000-000000000001" }, tags: { repo: "o/r" } });

describe("feedback outbox", () => {
  test("records once per id, sends, and keeps the result on the job", async () => {
    const s = await setup(() => undefined);
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b", "comment")]);
    expect((await s.store.getJob(s.job.id))!.feedback.map((f) => f.id)).toEqual(["a", "b"]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 2, pending: 0, failed: 0, unknownTarget: 0 });
    expect(s.sent.map((r) => [r.metric, r.episodeId])).toEqual([["pr_merged", "0192f5a0-0000-7000-8000-000000000001"], ["comment", "0192f5a0-0000-7000-8000-000000000001"]]);
    const j = (await s.store.getJob(s.job.id))!;
    expect(j.feedback.every((f) => f.status === "sent" && f.attempts === 1 && f.sentAt)).toBe(true);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 0, failed: 0, unknownTarget: 0 });
  });

  test("retryable errors keep the item pending; a rejection marks it failed with the gateway's reason", async () => {
    let down = true;
    const s = await setup((r) => {
      if (r.metric === "comment") throw permanent("model_bad_request", "Unknown metric");
      if (down) throw gatewayError(502, "gateway down", { path: "/feedback" });
    });
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b", "comment")]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 1, unknownTarget: 0 });
    let j = (await s.store.getJob(s.job.id))!;
    expect(j.feedback.map((f) => [f.id, f.status, f.attempts])).toEqual([["a", "pending", 1], ["b", "failed", 1]]);
    expect(j.feedback[1]!.lastError).toContain("Unknown metric");
    const counted = (await s.metrics.feedback.get()).values.map((v) => [v.labels.metric, v.labels.outcome, v.value]);
    expect(counted).toEqual(expect.arrayContaining([["pr_merged", "retry", 1], ["comment", "rejected", 1]]));
    down = false;
    // The periodic sweep (as after a restart) sends what is still pending, once its backoff is over.
    const stop = startFeedbackOutbox(s.deps, 60_000);
    await s.clock.advance(0);
    expect((await s.store.getJob(s.job.id))!.feedback[0]!.status).toBe("pending");
    await s.clock.advance(60_000);
    stop();
    j = (await s.store.getJob(s.job.id))!;
    expect(j.feedback.map((f) => [f.id, f.status])).toEqual([["a", "sent"], ["b", "failed"]]);
  });

  // TensorZero reads a metric's latest value per target: a change sent before the value it replaces would
  // leave the old one standing once that is resent.
  // Kept on the job (DATA_DIR): a gateway's error can quote what it was sent, or the URL it was reached at.
  test("the reason a send failed is kept redacted", async () => {
    const s = await setup(() => {
      throw transient("model_unavailable", "connect ECONNREFUSED https://t0user:hunter2-Pa55word@tensorzero.internal:3000/feedback (Authorization: Bearer s3cr3t)");
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    await flushFeedback(s.deps, s.job.id);
    const f = (await s.store.getJob(s.job.id))!.feedback[0]!;
    expect(f.lastError).toBe("model_unavailable: connect ECONNREFUSED https://[REDACTED]@tensorzero.internal:3000/feedback (Authorization: Bearer [REDACTED])");
  });

  test("values of one metric for one target go in the order recorded: a later one waits for the one before", async () => {
    let fails = 1;
    const s = await setup((r) => {
      if (r.value === false && fails-- > 0) throw gatewayError(503, "gateway down", { path: "/feedback" });
    });
    const ci = (id: string, value: boolean, inferenceId = "0192f5a0-0000-7000-8000-000000000002") => ({ id, metric: "ci_passed_on_fix_branch", value, target: { inferenceId } });
    await recordFeedback(s.deps, s.job.id, [ci("ci:1", false), ci("ci:2", true), ci("other", true, "0192f5a0-0000-7000-8000-000000000003"), item("a")]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 2, pending: 2, failed: 0, unknownTarget: 0 });
    expect(s.sent.map((r) => r.tags?.[TAG_KEYS.outboxItemId])).toEqual(["other", "a"]);
    await s.clock.advance(60_000);
    await flushFeedback(s.deps, s.job.id);
    expect(s.sent.map((r) => [r.tags?.[TAG_KEYS.outboxItemId], r.value])).toEqual([["other", true], ["a", true], ["ci:1", false], ["ci:2", true]]);
  });

  // listJobs() stops at the 50 newest: after an outage spanning more jobs, older ones' feedback waited for ever.
  test("the sweep resends pending feedback of a job older than the 50 newest", async () => {
    let down = true;
    const s = await setup(() => {
      if (down) throw transient("model_unavailable", "gateway down");
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    await flushFeedback(s.deps, s.job.id);
    for (let i = 0; i < 60; i++) {
      const newer = makeJob({ at: "2026-12-01T00:00:00.000Z" });
      await s.store.recordIntake(makeDelivery(newer), "{}", newer);
    }
    down = false;
    const stop = startFeedbackOutbox(s.deps, 60_000);
    await s.clock.advance(0);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    stop();
    expect((await s.store.getJob(s.job.id))!.feedback.map((f) => f.status)).toEqual(["sent"]);
  });

  // Each failure also counted toward the client's circuit breaker, shared with inference: one bad item
  // resent every minute could keep it open for every job.
  test("an item the gateway keeps failing backs off, doubling from the sweep period up to an hour, while other items go", async () => {
    const s = await setup((r) => {
      if (r.tags?.[TAG_KEYS.outboxItemId] === "bad") throw gatewayError(500, "ClickHouse rejected the row", { path: "/feedback" });
    });
    const tries: number[] = [];
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => (r.tags?.[TAG_KEYS.outboxItemId] === "bad" && tries.push(s.clock.now()), s.deps.model.feedback(r)) };
    const start = s.clock.now();
    await recordFeedback(s.deps, s.job.id, [item("bad")]);
    const stop = startFeedbackOutbox({ ...s.deps, model }, 60_000);
    await s.clock.advance(0);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", attempts: 1, backoffs: 1, nextAttemptAt: new Date(start + 60_000).toISOString() });
    // Another job's feedback, recorded meanwhile, goes at the next sweep.
    const other = makeJob();
    await s.store.recordIntake(makeDelivery(other), "{}", other);
    await recordFeedback(s.deps, other.id, [item("good")]);
    await s.clock.advance(60_000);
    expect((await s.store.getJob(other.id))!.feedback[0]!.status).toBe("sent");
    await s.clock.advance(4 * 3600_000);
    await stop();
    expect(tries.map((t) => (t - start) / 60_000)).toEqual([0, 1, 3, 7, 15, 31, 63, 123, 183]);
    expect(FEEDBACK_BACKOFF_MAX_MS).toBe(3600_000);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", attempts: 9, backoffs: 9, nextAttemptAt: new Date(start + 243 * 60_000).toISOString(), lastError: expect.stringMatching(/^model_gateway_error: .*ClickHouse/) });
  });

  test("a later value of a metric for a target waits while the one before it backs off, then both go in order", async () => {
    let fails = 1;
    const s = await setup((r) => {
      if (r.value === false && fails-- > 0) throw gatewayError(503, "gateway overloaded", { path: "/feedback" });
    });
    const ci = (id: string, value: boolean) => ({ id, metric: "ci_passed_on_fix_branch", value, target: { inferenceId: "0192f5a0-0000-7000-8000-000000000002" } });
    await recordFeedback(s.deps, s.job.id, [ci("ci:1", false)]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 0 });
    // The changed verdict arrives while the first one is not due yet: its own flush must not send it ahead.
    await s.clock.advance(30_000);
    await recordFeedback(s.deps, s.job.id, [ci("ci:2", true)]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 2, failed: 0, unknownTarget: 0 });
    expect(s.sent).toEqual([]);
    expect((await s.store.getJob(s.job.id))!.feedback.map((f) => [f.id, f.attempts])).toEqual([["ci:1", 1], ["ci:2", 0]]);
    await s.clock.advance(30_000);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 2, pending: 0, failed: 0, unknownTarget: 0 });
    expect(s.sent.map((r) => [r.tags?.[TAG_KEYS.outboxItemId], r.value])).toEqual([["ci:1", false], ["ci:2", true]]);
    expect((await s.store.getJob(s.job.id))!.feedback[0]!.nextAttemptAt).toBeUndefined();
  });

  test("a rate limit's Retry-After longer than the backoff is waited out (up to the cap)", async () => {
    const s = await setup(() => {
      throw gatewayError(429, "rate limited", { path: "/feedback", retryAfterMs: 300_000 });
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    await flushFeedback(s.deps, s.job.id);
    expect((await s.store.getJob(s.job.id))!.feedback[0]!.nextAttemptAt).toBe(new Date(s.clock.now() + 300_000).toISOString());
    expect(feedbackBackoffMs(1, 10 * 3600_000)).toBe(FEEDBACK_BACKOFF_MAX_MS);
    expect(feedbackBackoffMs(3)).toBe(4 * FEEDBACK_BACKOFF_BASE_MS);
  });

  // A refused key, or the breaker answering for the gateway, says nothing about the item, and every other
  // item would get the same answer: one request per sweep, not one per item of every job.
  test.each([
    ["a refused API key", "model_auth", () => gatewayError(401, "TensorZero authentication error: API key expired", { path: "/feedback" })],
    ["the circuit breaker open", "model_unavailable", () => transient("model_unavailable", "TensorZero is failing repeatedly, so calls are paused (circuit breaker open)", { retryAfterMs: 30_000 })],
  ])("%s neither backs the item off nor is asked of every item: the sweep stops at the first refusal", async (_what, code, refusal) => {
    let refusing = true;
    const s = await setup(() => {
      if (refusing) throw refusal();
    });
    const other = makeJob();
    await s.store.recordIntake(makeDelivery(other), "{}", other);
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b", "comment")]);
    await recordFeedback(s.deps, other.id, [item("c")]);
    const calls: string[] = [];
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => (calls.push(r.tags![TAG_KEYS.outboxItemId]!), s.deps.model.feedback(r)) };
    const stop = startFeedbackOutbox({ ...s.deps, model }, 60_000);
    await s.clock.advance(0);
    expect(calls).toHaveLength(1);
    const items = [...(await s.store.getJob(s.job.id))!.feedback, ...(await s.store.getJob(other.id))!.feedback];
    const tried = items.find((f) => f.id === calls[0])!;
    expect(tried).toMatchObject({ status: "pending", attempts: 1, lastError: expect.stringMatching(new RegExp(`^${code}: `)) });
    expect(tried.nextAttemptAt).toBeUndefined();
    expect(tried.backoffs).toBeUndefined();
    expect(items.filter((f) => f !== tried).map((f) => f.attempts)).toEqual([0, 0]);
    // Still refused a sweep later: again one request.
    await s.clock.advance(60_000);
    expect(calls).toHaveLength(2);
    refusing = false;
    await s.clock.advance(60_000);
    await stop();
    expect(calls).toHaveLength(5);
    expect([...(await s.store.getJob(s.job.id))!.feedback, ...(await s.store.getJob(other.id))!.feedback].map((f) => f.status)).toEqual(["sent", "sent", "sent"]);
  });

  test("feedback the gateway never has a record of is given up after MISSING_TARGET_MAX_ATTEMPTS, not resent every minute for ever", async () => {
    const s = await setup(() => {
      throw new AppError("feedback_target_missing", "TensorZero has no record of episode 0192f5a0-0000-7000-8000-000000000001", { retryable: true });
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    for (let i = 1; i < MISSING_TARGET_MAX_ATTEMPTS; i++) expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 1 });
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 0, failed: 1, unknownTarget: 0 });
    const [f] = (await s.store.getJob(s.job.id))!.feedback;
    expect(f).toMatchObject({ status: "failed", attempts: MISSING_TARGET_MAX_ATTEMPTS, lastError: `feedback_target_missing: TensorZero has no record of episode 0192f5a0-0000-7000-8000-000000000001 (gave up after ${MISSING_TARGET_MAX_ATTEMPTS} attempts)` });
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 0, failed: 0, unknownTarget: 0 });
  });

  test("an item held behind one whose target the gateway has no record of yet waits on the same thing: not an outage", async () => {
    // send-feedback tells "the gateway answered, its database lags" (retry budget) from an outage (a wait)
    // by unknownTarget === pending: the later value of the same metric and target waits only on that answer.
    const s = await setup(() => {
      throw new AppError("feedback_target_missing", "TensorZero has no record of episode 0192f5a0-0000-7000-8000-000000000001", { retryable: true });
    });
    await recordFeedback(s.deps, s.job.id, [{ ...item("a"), value: false }, item("b")]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 2, failed: 0, unknownTarget: 2 });
    expect(s.sent).toEqual([]);
  });

  test("failures that were not 'does not exist' (an outage, a refused key) do not count toward the missing-target give-up", async () => {
    let answer: "down" | "auth" | "missing" | "ok" = "down";
    const s = await setup(() => {
      if (answer === "down") throw transient("model_unavailable", "gateway down");
      if (answer === "auth") throw gatewayError(401, "TensorZero authentication error: Error performing authentication: API key expired at: 2026-11-23T00:00:00Z", { path: "/feedback" });
      if (answer === "missing") throw new AppError("feedback_target_missing", "TensorZero has no record of episode 0192f5a0-0000-7000-8000-000000000001", { retryable: true });
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    for (let i = 0; i < MISSING_TARGET_MAX_ATTEMPTS; i++) {
      answer = i % 2 ? "auth" : "down";
      expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ pending: 1, failed: 0 });
    }
    // The gateway is back; its database lags behind, so the first answers are "does not exist".
    answer = "missing";
    for (let i = 1; i < MISSING_TARGET_MAX_ATTEMPTS; i++) expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 1 });
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", attempts: 2 * MISSING_TARGET_MAX_ATTEMPTS - 1, missingTargetAttempts: MISSING_TARGET_MAX_ATTEMPTS - 1 });
    answer = "ok";
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 1, pending: 0, failed: 0, unknownTarget: 0 });
  });

  test("a job stored before misses were counted apart (no missingTargetAttempts) still gives up, counting from then", async () => {
    const s = await setup(() => {
      throw new AppError("feedback_target_missing", "TensorZero has no record of episode 0192f5a0-0000-7000-8000-000000000001", { retryable: true });
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    await s.store.updateJob(s.job.id, (j) => void (j.feedback[0]!.attempts = 50));
    for (let i = 1; i < MISSING_TARGET_MAX_ATTEMPTS; i++) expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ pending: 1, failed: 0 });
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ pending: 0, failed: 1 });
  });

  test("every send carries the item's id as a tag, the same on a resend, so a duplicate the gateway stored can be filtered", async () => {
    let timeouts = 1;
    const s = await setup(() => {
      // The gateway may have stored this one before the connection dropped: the next send duplicates it.
      if (timeouts-- > 0) throw transient("model_timeout", "TensorZero did not answer /feedback in time");
    });
    const timedOut: FeedbackRequest[] = [];
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => (timedOut.push(r), s.deps.model.feedback(r)) };
    await recordFeedback(s.deps, s.job.id, [item("pr_merged:ep1"), { ...item("comment:review:7", "comment"), tags: undefined }]);
    expect(await flushFeedback({ ...s.deps, model }, s.job.id)).toMatchObject({ sent: 1, pending: 1 });
    await s.clock.advance(60_000);
    expect(await flushFeedback({ ...s.deps, model }, s.job.id)).toMatchObject({ sent: 1, pending: 0 });
    expect(timedOut.map((r) => r.tags)).toEqual([
      { repo: "o/r", [TAG_KEYS.outboxItemId]: "pr_merged:ep1" },
      { [TAG_KEYS.outboxItemId]: "comment:review:7" },
      { repo: "o/r", [TAG_KEYS.outboxItemId]: "pr_merged:ep1" },
    ]);
    expect(TAG_KEYS.outboxItemId).not.toMatch(/^tensorzero::/); // reserved for the gateway (reference §2)
  });

  test("two flushes at once (the sweep beside the job's own stage, or two workers) send an item once", async () => {
    const s = await setup(() => undefined);
    const calls: FeedbackRequest[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // The gateway holds a feedback call for seconds while it looks for the target (reference §2).
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => (calls.push(r) === 1 && (await held), { feedbackId: "x" }) };
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    const first = flushFeedback({ ...s.deps, model }, s.job.id);
    while (!calls.length) await new Promise((r) => setImmediate(r));
    expect(await flushFeedback({ ...s.deps, model }, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 0 });
    release();
    expect(await first).toEqual({ sent: 1, pending: 0, failed: 0, unknownTarget: 0 });
    expect(calls).toHaveLength(1);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "sent", attempts: 1 });
  });

  test("an item whose sender died mid-call is sent again once its lease has run out", async () => {
    const s = await setup(() => undefined);
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    // A process that claimed the item and crashed before recording the answer.
    let started = 0;
    void flushFeedback({ ...s.deps, model: { ...s.deps.model, feedback: () => (started++, new Promise<never>(() => undefined)) } }, s.job.id);
    while (!started) await new Promise((r) => setImmediate(r));
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 0, pending: 1 });
    await s.clock.advance(60 * 60_000); // well past the send lease
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 1, pending: 0 });
    expect(s.sent).toHaveLength(1);
  });

  test("a call that outlived its send lease leaves alone the lease of the flush that took the item since: no third send", async () => {
    const s = await setup(() => undefined);
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    const calls: FeedbackRequest[] = [];
    let timeOut!: () => void;
    let answer!: () => void;
    const model = {
      ...s.deps.model,
      feedback: (r: FeedbackRequest) => {
        const n = calls.push(r);
        if (n === 1) return new Promise<never>((_, reject) => (timeOut = () => reject(transient("model_timeout", "TensorZero did not answer /feedback in time"))));
        if (n === 2) return new Promise<{ feedbackId: string }>((resolve) => (answer = () => resolve({ feedbackId: "x" })));
        return Promise.resolve({ feedbackId: "y" });
      },
    };
    const first = flushFeedback({ ...s.deps, model }, s.job.id);
    while (calls.length < 1) await new Promise((r) => setImmediate(r));
    await s.clock.advance(10 * 60_000); // past the first call's lease: another flush takes the item
    const second = flushFeedback({ ...s.deps, model }, s.job.id);
    while (calls.length < 2) await new Promise((r) => setImmediate(r));
    timeOut();
    expect(await first).toMatchObject({ sent: 0, pending: 1 });
    // The second send is still out: a third flush must wait for it, not send the item once more.
    expect(await flushFeedback({ ...s.deps, model }, s.job.id)).toMatchObject({ sent: 0, pending: 1 });
    answer();
    expect(await second).toMatchObject({ sent: 1, pending: 0 });
    expect(calls).toHaveLength(2);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  // A shared queue fences a run's writes to its job with the run's lease (FencedJobStore): the lease can
  // lapse while a feedback call is out. The gateway took the item all the same, and that is a fact whoever
  // holds the job now; refused, the write left the item pending and the new owner sent it a second time.
  test("a send answered after the run lost its job (its writes fenced) is recorded as sent: the new owner does not send it again", async () => {
    const s = await setup(() => undefined);
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b", "comment")]);
    let lost = false;
    const update = s.store.updateJob.bind(s.store);
    s.store.updateJob = async (id, mutate, opts) => {
      if (opts?.fence && lost) throw jobTakenOver("this worker's lease on the job lapsed; another worker holds it");
      return update(id, mutate, opts);
    };
    const fenced = new FencedJobStore(s.store, s.job.id, { key: "t0:sem:job", holder: "worker-a" });
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => ((lost = true), s.deps.model.feedback(r)) };
    // Nothing more is started once the job is another worker's: the next item's claim is refused.
    await expect(flushFeedback({ ...s.deps, store: fenced, model }, s.job.id)).rejects.toMatchObject({ code: JOB_TAKEN_OVER });
    expect((await s.store.getJob(s.job.id))!.feedback.map((f) => [f.id, f.status])).toEqual([["a", "sent"], ["b", "pending"]]);
    // The worker holding the job now, past any send lease: only what was not sent goes.
    await s.clock.advance(60 * 60_000);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 1, pending: 0 });
    expect(s.sent.map((r) => r.tags?.[TAG_KEYS.outboxItemId])).toEqual(["a", "b"]);
  });

  // A deploy stops the worker mid-call: the abort is ours, not the gateway's answer about the item.
  test("a send cut short by shutdown keeps the item pending, free for the next process at once", async () => {
    const s = await setup(() => undefined);
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    const stopping = new AbortController();
    const cut = {
      ...s.deps.model,
      feedback: async (_r: FeedbackRequest, opts?: { signal?: AbortSignal }) => {
        // As the runner stops its jobs; the client rethrows the signal's reason.
        stopping.abort(new Error("t0-ci-bot is shutting down"));
        throw opts?.signal?.reason ?? new Error("no signal");
      },
    };
    expect(await flushFeedback({ ...s.deps, model: cut }, s.job.id, stopping.signal)).toMatchObject({ sent: 0, pending: 1, failed: 0 });
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending" });
    expect((await s.store.getJob(s.job.id))!.feedback[0]!.sendingUntil).toBeUndefined();
    // The next process, without waiting out a lease.
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 1, pending: 0 });
  });

  test("a metric the gateway does not know yet (its config deployed after the app) is kept for a day, then given up", async () => {
    let deployed = false;
    const s = await setup((r) => {
      if (r.metric === "comment" || !deployed) throw gatewayError(404, `Unknown metric: ${r.metric}`, { path: "/feedback" });
    });
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b", "comment")]);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 0, pending: 2, failed: 0 });
    await s.clock.advance(2 * 3600_000);
    deployed = true; // the config with pr_merged, but still without comment
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 1, pending: 1, failed: 0 });
    await s.clock.advance(CONFIG_MISMATCH_GRACE_MS);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 0, pending: 0, failed: 1 });
    const j = (await s.store.getJob(s.job.id))!;
    expect(j.feedback.map((f) => [f.id, f.status])).toEqual([["a", "sent"], ["b", "failed"]]);
    expect(j.feedback[1]!.lastError).toMatch(/^model_not_found: .*Unknown metric: comment.*a day after it was recorded/);
  });

  // Fixing the deployment takes a person: resent every sweep, an item made 1,440 calls over its day of grace.
  test("an item refused for a config mismatch backs off like an outage, and is given up only at the first try past its day of grace", async () => {
    const s = await setup((r) => {
      throw gatewayError(404, `Unknown metric: ${r.metric}`, { path: "/feedback" });
    });
    const tries: number[] = [];
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => (tries.push(s.clock.now()), s.deps.model.feedback(r)) };
    const start = s.clock.now();
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    const stop = startFeedbackOutbox({ ...s.deps, model }, 60_000);
    await s.clock.advance(0);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", attempts: 1, backoffs: 1, nextAttemptAt: new Date(start + 60_000).toISOString() });
    // The last try within the grace: 63 minutes in, then every hour.
    await s.clock.advance(1383 * 60_000);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", nextAttemptAt: new Date(start + 1443 * 60_000).toISOString() });
    await s.clock.advance(CONFIG_MISMATCH_GRACE_MS - 1383 * 60_000 + 3 * 60_000 - 1);
    expect((await s.store.getJob(s.job.id))!.feedback[0]!.status).toBe("pending");
    await s.clock.advance(1);
    await s.clock.advance(2 * 3600_000);
    await stop();
    const minutes = tries.map((t) => (t - start) / 60_000);
    expect(minutes.slice(0, 9)).toEqual([0, 1, 3, 7, 15, 31, 63, 123, 183]);
    expect(minutes.length).toBe(30);
    expect(minutes.at(-2)).toBe(1383);
    expect(minutes.at(-1)).toBe(1443);
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "failed", attempts: 30, lastError: expect.stringMatching(/^model_not_found: .*Unknown metric: pr_merged.*a day after it was recorded/) });
    expect((await s.store.getJob(s.job.id))!.feedback[0]!.nextAttemptAt).toBeUndefined();
  });

  test("a gateway with observability off (its setup, not the item) gets the same day of grace as a config mismatch", async () => {
    let enabled = false;
    const s = await setup(() => {
      if (!enabled) throw gatewayError(400, "Feedback requires observability to be enabled. Set `gateway.observability.enabled = true` in your configuration.", { path: "/feedback" });
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 0 });
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", lastError: expect.stringMatching(/observability/) });
    await s.clock.advance(3600_000);
    enabled = true; // the operator fixed the gateway's config
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 1, pending: 0, failed: 0, unknownTarget: 0 });
    // Never fixed: given up a day after it was recorded, saying why.
    enabled = false;
    await recordFeedback(s.deps, s.job.id, [item("b")]);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ pending: 1, failed: 0 });
    await s.clock.advance(CONFIG_MISMATCH_GRACE_MS);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ pending: 0, failed: 1 });
    expect((await s.store.getJob(s.job.id))!.feedback[1]!.lastError).toMatch(/observability.*a day after it was recorded/s);
  });

  test("TENSORZERO_URL answered by something that is not a gateway (a 200 without feedback_id) gets the same day of grace", async () => {
    // What the client throws for a login page or another service behind the URL: the deployment's setup,
    // true of every item alike until someone fixes the URL, not a refusal of this item.
    let fixed = false;
    const s = await setup(() => {
      if (!fixed) throw new AppError("model_bad_response", "http://lb/feedback answered 200 without a feedback_id; check that TENSORZERO_URL points at a TensorZero gateway.", { retryable: false });
    });
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b")]);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 0, pending: 2, failed: 0 });
    await s.clock.advance(3600_000);
    fixed = true;
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 2, pending: 0, failed: 0 });
    fixed = false;
    await recordFeedback(s.deps, s.job.id, [item("c")]);
    await s.clock.advance(CONFIG_MISMATCH_GRACE_MS);
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ pending: 0, failed: 1 });
    expect((await s.store.getJob(s.job.id))!.feedback[2]!.lastError).toMatch(/^model_bad_response: .*TENSORZERO_URL.*a day after it was recorded/);
  });

  test("a gateway refusing the app's API key keeps the feedback for when the key is fixed", async () => {
    let keyOk = false;
    const s = await setup(() => {
      if (!keyOk) throw gatewayError(401, "TensorZero authentication error: Error performing authentication: API key expired at: 2026-11-23T00:00:00Z", { path: "/feedback" });
    });
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 0, refused: "model_auth" });
    expect((await s.store.getJob(s.job.id))!.feedback[0]).toMatchObject({ status: "pending", lastError: expect.stringMatching(/^model_auth: .*TENSORZERO_API_KEY/) });
    keyOk = true;
    expect(await flushFeedback(s.deps, s.job.id)).toEqual({ sent: 1, pending: 0, failed: 0, unknownTarget: 0 });
  });

  test("stopping the outbox while a sweep is sending ends it: no later sweep is scheduled", async () => {
    let hold = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const s = await setup(() => undefined);
    const calls: string[] = [];
    const model = { ...s.deps.model, feedback: async (r: FeedbackRequest) => (calls.push(r.metric), hold && (await held), { feedbackId: "x" }) };
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    const stop = startFeedbackOutbox({ ...s.deps, model }, 60_000);
    await s.clock.advance(0);
    expect(calls).toEqual(["pr_merged"]);
    // The next sweep is mid-call (the gateway holds feedback for seconds) when shutdown stops the outbox.
    hold = true;
    await recordFeedback(s.deps, s.job.id, [item("b", "comment")]);
    // Another job's feedback, next in the same sweep.
    const other = makeJob();
    await s.store.recordIntake(makeDelivery(other), "{}", other);
    await recordFeedback(s.deps, other.id, [item("d", "patch_applied")]);
    await s.clock.advance(60_000);
    // One of the two jobs (the store's order) is being sent.
    expect(calls).toHaveLength(2);
    const sentBeforeStop = [...calls];
    stop();
    release();
    await s.clock.advance(0);
    await recordFeedback(s.deps, s.job.id, [item("c", "validation_passed")]);
    await s.clock.advance(10 * 60_000);
    expect(calls).toEqual(sentBeforeStop);
    expect(s.clock.pending()).toEqual([]);
  });

  // Shutdown closes the store right after stopping the outbox: a send left running could not write its answer back.
  test("stopping the outbox cuts the sweep's send in flight and settles once its item is written back, free for the next process", async () => {
    const s = await setup(() => undefined);
    const calls: FeedbackRequest[] = [];
    const model = {
      ...s.deps.model,
      // As the client does: the caller's abort ends the call with the signal's reason.
      feedback: (r: FeedbackRequest, opts?: { signal?: AbortSignal }) =>
        (calls.push(r), new Promise<never>((_, reject) => opts?.signal?.addEventListener("abort", () => reject(opts.signal!.reason)))),
    };
    await recordFeedback(s.deps, s.job.id, [item("a"), item("b", "comment")]);
    const stop = startFeedbackOutbox({ ...s.deps, model }, 60_000);
    while (!calls.length) await new Promise((r) => setImmediate(r));
    await stop();
    expect(calls).toHaveLength(1);
    const [a, b] = (await s.store.getJob(s.job.id))!.feedback;
    expect([a!.status, a!.sendingUntil, b!.status]).toEqual(["pending", undefined, "pending"]);
    // The next process, without waiting out a lease.
    expect(await flushFeedback(s.deps, s.job.id)).toMatchObject({ sent: 2, pending: 0 });
  });

  test("without a gateway configured nothing is lost: items wait", async () => {
    const s = await setup(() => undefined);
    await recordFeedback(s.deps, s.job.id, [item("a")]);
    expect(await flushFeedback({ ...s.deps, model: undefined }, s.job.id)).toEqual({ sent: 0, pending: 1, failed: 0, unknownTarget: 0 });
  });
});
