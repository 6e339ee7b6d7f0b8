import { TAG_KEYS } from "../adapters/tensorzero/metric-names.js";
import type { Deps } from "../core/deps.js";
import { toAppError, type AppError } from "../core/errors.js";
import type { FeedbackItem, Job } from "../core/job.js";
import type { Logger } from "../core/ports/logger.js";
import { redact } from "../core/redact.js";

export interface NewFeedback {
  /** Stable id: the same outcome recorded twice (redelivered webhook, retried stage) is one item. */
  id: string;
  metric: string;
  value: unknown;
  target: FeedbackItem["target"];
  tags?: Record<string, string>;
}

export type OutboxDeps = Pick<Deps, "store" | "clock" | "logger"> & { model?: Deps["model"]; metrics?: Deps["metrics"] };

/** Adds items to the job's outbox (the durable record) unless an item with the same id is there. */
export function addFeedback(job: Job, items: NewFeedback[], at: string): number {
  let added = 0;
  for (const i of items) {
    if (job.feedback.some((f) => f.id === i.id)) continue;
    job.feedback.push({ ...i, status: "pending", attempts: 0, createdAt: at });
    added++;
  }
  return added;
}

export async function recordFeedback(deps: Pick<Deps, "store" | "clock">, jobId: string, items: NewFeedback[]): Promise<Job> {
  const at = new Date(deps.clock.now()).toISOString();
  return deps.store.updateJob(jobId, (j) => void addFeedback(j, items, at));
}

/**
 * A stage's verdict as feedback: written to the job's outbox before anything is sent (nothing for a
 * dry-run job), then sent best-effort; the outbox sweep resends what could not go now.
 */
export async function recordAndSend(deps: OutboxDeps, job: Job, items: NewFeedback[], ctx: { log: Logger; signal?: AbortSignal; dryRun?: boolean }): Promise<void> {
  if (!items.length || job.dryRun || ctx.dryRun) return;
  await recordFeedback(deps, job.id, items);
  const r = await flushFeedback(deps, job.id, ctx.signal).catch(() => undefined);
  if (r?.pending) ctx.log.info({ pending: r.pending }, "feedback queued; the outbox sends it later");
}

/**
 * Tries for feedback whose inference or episode the gateway has no record of. The gateway stores
 * inferences a moment after answering, so a few misses are normal; one that never shows up (a gateway
 * without its database, a TENSORZERO_URL pointed elsewhere) was resent every minute for ever.
 */
export const MISSING_TARGET_MAX_ATTEMPTS = 10;

/**
 * How long a flush holds an item it is sending. The gateway does not de-duplicate feedback, and several
 * flushes run at once (each worker's sweep, the job's own stage), so an item is claimed before it is
 * sent. Longer than one feedback call can take (retries and the gateway's ~6 s lookups included); if
 * the sender dies, the item is sent again after this.
 */
const SEND_LEASE_MS = 5 * 60_000;

/**
 * A 404 from /feedback (`Unknown metric`, `Route not found`) means the gateway runs a config or version
 * other than this app's: a deploy done in the wrong order. A 400 "Feedback requires observability to be
 * enabled" is the gateway's setup too, not the item, and so is an answer no gateway sends (a 200 without
 * feedback_id, or not JSON: TENSORZERO_URL pointing at a login page or another service). Items are kept
 * this long, time to fix the deployment, instead of being lost at the first answer.
 */
export const CONFIG_MISMATCH_GRACE_MS = 24 * 3600_000;

/** Codes that describe the gateway's config, with why an item was given up once the grace ran out. */
const CONFIG_MISMATCH: Readonly<Record<string, string>> = {
  model_not_found: " (still unknown to the gateway a day after it was recorded)",
  model_observability_off: " (the gateway still had observability off a day after it was recorded)",
  model_bad_response: " (TENSORZERO_URL still did not answer like a TensorZero gateway a day after it was recorded)",
};

/**
 * An item's wait after its first send the gateway failed (an outage, or a config mismatch during its grace):
 * the sweep's period. It doubles with each such failure in a row, up to FEEDBACK_BACKOFF_MAX_MS.
 */
export const FEEDBACK_BACKOFF_BASE_MS = 60_000;

/**
 * An hour: TensorZero reads feedback for later optimisation, not at once, so an hour late costs nothing,
 * while an item the gateway always fails (a value it chokes on) is sent 24 times a day instead of 1,440,
 * too rarely to keep the shared circuit breaker open. It is also the longest an item waits after an outage
 * ends; `t0-ci-bot jobs retry <id> --feedback` makes a job's items due at once.
 */
export const FEEDBACK_BACKOFF_MAX_MS = 3600_000;

/** The wait after an item's `backoffs`-th failure in a row; a longer Retry-After (up to the cap) wins. */
export function feedbackBackoffMs(backoffs: number, retryAfterMs = 0): number {
  const doubled = FEEDBACK_BACKOFF_BASE_MS * 2 ** Math.min(Math.max(0, backoffs - 1), 30);
  return Math.min(FEEDBACK_BACKOFF_MAX_MS, Math.max(doubled, retryAfterMs));
}

/**
 * Errors that refuse the app rather than the item: a 401 (the key), and the circuit breaker open, which
 * answers for the gateway without asking it. Every other item would get the same answer, so a flush sends
 * no more once it has one, and the sweep stops there (the next one asks again).
 */
const REFUSES_THE_APP = new Set(["model_auth", "model_unavailable"]);

export interface FlushResult {
  sent: number;
  pending: number;
  failed: number;
  /**
   * Of `pending`: items the gateway answered about but has no record of their target yet (not an outage),
   * and those held behind one of them (same metric and target).
   */
  unknownTarget: number;
  /** Set when the gateway refused the app (see REFUSES_THE_APP): the code; what followed was not sent. */
  refused?: string;
}

/**
 * Sends the job's pending feedback, one item at a time, recording each result on the job. Retryable
 * errors leave the item pending (sent again by the next flush: start-up, the periodic sweep or the
 * job's own send-feedback stage), backed off when the gateway failed it (nextAttemptAt; flushes until then
 * leave it, and what waits behind it, alone); an error the gateway will never accept marks it failed with
 * the reason.
 */
export async function flushFeedback(deps: OutboxDeps, jobId: string, signal?: AbortSignal): Promise<FlushResult> {
  const job = await deps.store.getJob(jobId);
  const result: FlushResult = { sent: 0, pending: 0, failed: 0, unknownTarget: 0 };
  if (!job) return result;
  // Metric and target of items left pending in this flush. TensorZero keeps every value and reads the
  // latest per target (argMax(value, timestamp)): a later value (a changed CI verdict) sent before the one it
  // replaces would be overtaken when that one is resent, so it waits for it.
  const held = new Set<string>();
  // Of those, the ones held by the gateway's "no record of the target yet": what waits behind it waits on that too.
  const heldByMissing = new Set<string>();
  for (const item of job.feedback) {
    if (item.status !== "pending") continue;
    const key = `${item.metric} ${JSON.stringify(item.target)}`;
    // Backing off holds what comes after it like a failure does: a later value must not overtake it.
    const due = !item.nextAttemptAt || Date.parse(item.nextAttemptAt) <= deps.clock.now();
    if (!deps.model || signal?.aborted || held.has(key) || !due || result.refused) {
      held.add(key);
      result.pending++;
      if (heldByMissing.has(key)) result.unknownTarget++;
      continue;
    }
    const claimed = await claim(deps, jobId, item.id);
    // Settled by another flush since this one read the job: not pending, nor anything to wait for.
    if (claimed === "settled") continue;
    if (claimed === "busy") {
      // Another flush is sending it: it ends up sent or failed there.
      held.add(key);
      result.pending++;
      continue;
    }
    const lease = claimed.lease;
    const target = "inferenceId" in item.target ? { inferenceId: item.target.inferenceId } : { episodeId: item.target.episodeId };
    let outcome: Partial<FeedbackItem>;
    let missedTarget = false;
    let backOff: { retryAfterMs?: number } | undefined;
    try {
      // The gateway does not de-duplicate feedback, and a send that timed out or lost its connection may
      // have been stored all the same before it is sent again: the item's id, the same on every send,
      // lets the copies be told apart from two real outcomes (filter on the tag).
      const tags = { ...item.tags, [TAG_KEYS.outboxItemId]: item.id };
      await deps.model.feedback({ metric: item.metric, value: item.value, tags, ...target }, { signal });
      outcome = { status: "sent", sentAt: new Date(deps.clock.now()).toISOString(), lastError: undefined };
      result.sent++;
    } catch (raw) {
      const err = toAppError(raw);
      missedTarget = err.code === "feedback_target_missing";
      const stopped = signal?.aborted === true;
      const { retry, gaveUp } = afterFailure(err, item, deps.clock.now(), stopped);
      // Kept on the job: redacted, as the gateway's error can quote what it was sent or the URL it was reached at.
      outcome = { status: retry ? "pending" : "failed", lastError: redact(`${err.code}: ${err.message}${gaveUp}`) };
      if (retry && !stopped && REFUSES_THE_APP.has(err.code)) result.refused = err.code;
      // The gateway (or the way to it) failed this send: not a stop, not the app refused. A target not stored
      // yet is left out: the gateway answered, nothing counted toward the breaker, and it has its own give-up.
      // A config mismatch backs off too: the deployment is fixed by a person, seldom within minutes, and each of
      // its items was otherwise sent every sweep for its whole day of grace.
      else if (retry && !stopped && (err.retryable || Object.hasOwn(CONFIG_MISMATCH, err.code)) && !missedTarget) backOff = { retryAfterMs: err.retryAfterMs };
      if (retry) {
        result.pending++;
        held.add(key);
      } else result.failed++;
      if (retry && missedTarget) {
        result.unknownTarget++;
        heldByMissing.add(key);
      }
      deps.logger.warn({ jobId, feedbackId: item.id, metric: item.metric, err: { code: err.code, message: err.message } }, retry ? "feedback not sent yet; will retry" : gaveUp ? `feedback given up${gaveUp}` : "feedback rejected by the gateway");
    }
    deps.metrics?.feedback.inc({ metric: item.metric, outcome: outcome.status === "sent" ? "sent" : outcome.status === "failed" ? "rejected" : "retry" });
    // Unfenced: a send the gateway answered is a fact whoever holds the job now (a run whose queue lease
    // lapsed mid-call); refused, the item stayed pending and the job's new owner sent it again.
    await deps.store.updateJob(
      jobId,
      (j) => {
        const f = j.feedback.find((x) => x.id === item.id);
        if (!f || f.status !== "pending") return;
        Object.assign(f, outcome);
        f.attempts++;
        if (missedTarget) f.missingTargetAttempts = (f.missingTargetAttempts ?? 0) + 1;
        if (backOff) {
          f.backoffs = (f.backoffs ?? 0) + 1;
          f.nextAttemptAt = new Date(deps.clock.now() + feedbackBackoffMs(f.backoffs, backOff.retryAfterMs)).toISOString();
        } else if (f.status !== "pending") delete f.nextAttemptAt;
        // Only our own lease: a call that outlived it may have a flush that claimed the item since sending it.
        if (f.sendingUntil === lease) delete f.sendingUntil;
      },
      { unfenced: true },
    );
  }
  return result;
}

/**
 * Whether an item whose send failed stays pending, and when it does not because it was tried long
 * enough, why it was given up (for its lastError). Anything else not retryable is the gateway's refusal.
 */
function afterFailure(err: AppError, item: FeedbackItem, now: number, stopped: boolean): { retry: boolean; gaveUp: string } {
  // Stopped by this process (a deploy, a job interrupted): the gateway said nothing about the item.
  if (stopped) return { retry: true, gaveUp: "" };
  // A 401 refuses the app, not this item (a key expired, rotated or not yet created): failing the item
  // would lose it for good, as nothing resends failed feedback once the key is fixed.
  if (err.code === "model_auth") return { retry: true, gaveUp: "" };
  const mismatch = CONFIG_MISMATCH[err.code];
  if (mismatch) {
    return now - Date.parse(item.createdAt) < CONFIG_MISMATCH_GRACE_MS ? { retry: true, gaveUp: "" } : { retry: false, gaveUp: mismatch };
  }
  // Only the gateway's own "does not exist" answers count: an item that waited out an outage or a refused
  // key has as many tries behind it, and would otherwise be dropped at the first answer once it is back.
  if (err.code === "feedback_target_missing" && (item.missingTargetAttempts ?? 0) + 1 >= MISSING_TARGET_MAX_ATTEMPTS) {
    return { retry: false, gaveUp: ` (gave up after ${MISSING_TARGET_MAX_ATTEMPTS} attempts)` };
  }
  return { retry: err.retryable, gaveUp: "" };
}

/**
 * Takes the send lease of a pending item (`lease`: as written on the item); `busy` when another flush holds
 * it, `settled` when it is no longer pending. Fenced like any write of a run: a run that lost its job starts no send.
 */
async function claim(deps: OutboxDeps, jobId: string, itemId: string): Promise<{ lease: string } | "busy" | "settled"> {
  const now = deps.clock.now();
  let claimed: { lease: string } | "busy" | "settled" = "settled";
  await deps.store.updateJob(jobId, (j) => {
    // The store may run this again after a write conflict (Redis): decide from this copy only.
    claimed = "settled";
    const f = j.feedback.find((x) => x.id === itemId);
    if (!f || f.status !== "pending") return;
    if (f.sendingUntil && Date.parse(f.sendingUntil) > now) return void (claimed = "busy");
    f.sendingUntil = new Date(now + SEND_LEASE_MS).toISOString();
    claimed = { lease: f.sendingUntil };
  });
  return claimed;
}

/**
 * Resends every job's pending feedback now and then every `everyMs` (start-up after a crash included).
 * Returns a function that stops it: a send in flight is cut (its item stays pending, free for the next
 * process at once), and the promise it returns settles once the sweep has written that item back, which
 * must happen before the store closes.
 */
export function startFeedbackOutbox(deps: OutboxDeps, everyMs = 60_000): () => Promise<void> {
  let sweeping: Promise<void> | undefined;
  let stopped = false;
  const stopping = new AbortController();
  const sweep = (): Promise<void> =>
    (sweeping ??= (async () => {
      try {
        // Every job with feedback waiting, however old: listJobs() would stop at the 50 newest.
        for (const id of await deps.store.listJobIdsWithPendingFeedback()) {
          if (stopped) break;
          // Refused for the app: every other job's items would be too, one request (or store write) each.
          if ((await flushFeedback(deps, id, stopping.signal)).refused) break;
        }
      } catch (err) {
        deps.logger.warn({ err }, "feedback sweep failed; will try again");
      }
    })().finally(() => (sweeping = undefined)));
  void sweep();
  let timer = deps.clock.setTimeout(function again() {
    void sweep().finally(() => {
      // Stopped while this sweep ran: cancelling the timer that fired it did nothing, so arming the
      // next one here would keep sending feedback after shutdown.
      if (!stopped) timer = deps.clock.setTimeout(again, everyMs);
    });
  }, everyMs);
  return () => {
    stopped = true;
    timer.cancel();
    // Not cut and not waited for, a send went on while the process closed its store: its answer could not
    // be written, and the item waited out its send lease, then went again though the gateway had it.
    stopping.abort(new Error("t0-ci-bot is shutting down"));
    return sweeping ?? Promise.resolve();
  };
}
