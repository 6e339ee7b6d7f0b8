import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { jsonSyntaxError } from "../core/json-syntax-error.js";
import type { Delivery } from "../core/ports/job-store.js";
import type { IntakeDecision } from "./decision.js";
import { InvalidPayloadError } from "./payload-schemas.js";
import { HANDLERS, routeDelivery } from "./route-delivery.js";

export type IntakeDeps = Pick<Deps, "config" | "store" | "clock" | "logger" | "metrics" | "identity">;

/** A delivery whose signature has been checked. */
export interface VerifiedDelivery {
  id: string;
  event: string;
  rawBody: string;
  /** The body as received, when the caller has it: stored as is, without encoding `rawBody` again. */
  bytes?: Buffer;
}

export type IntakeResult =
  | { ok: true; delivery: Delivery; job?: Job; created: boolean; resumeJobId?: string }
  | { ok: false; delivery: Delivery; message: string };

/**
 * Parse → decide → record, for a delivery whose signature is valid. Resolves only after the store has made
 * the delivery (and the new job, if any) durable, so the caller may acknowledge it. Never calls GitHub.
 * An unusable payload is recorded as `invalid` and returned as `ok: false` with a message for the sender.
 */
export async function intakeDelivery(deps: IntakeDeps, d: VerifiedDelivery): Promise<IntakeResult> {
  const receivedAt = new Date(deps.clock.now()).toISOString();
  const base: Delivery = { id: d.id, event: d.event, receivedAt, outcome: "invalid" };
  const decided = await decide(deps, d, base);
  if ("invalid" in decided) return rejectInvalid(deps, base, d, decided.invalid);
  const { decision } = decided;
  const delivery: Delivery = {
    ...base,
    installationId: decision.installationId,
    repoFullName: decision.repoFullName,
    outcome: decision.outcome,
    ...(decision.outcome === "job_created" ? {} : { reason: decision.reason, jobId: decision.jobId }),
  };
  const candidate = decision.outcome === "job_created" ? decision.job : undefined;
  // The fix-loop cap is checked by the store in the step that creates the job, so that a burst of
  // failures of one kind (several web processes on Redis) cannot pass it; a run that already has a job
  // stays a duplicate whatever the cap says.
  const max = deps.config.MAX_ATTEMPTS_PER_FINGERPRINT;
  const cap = candidate && { max, delivery: { ...delivery, outcome: "ignored" as const, reason: repeatedFailureReason(max) } };
  // A passing run resets the fix-loop count beside the record, not after it: on Redis that is one round trip
  // before the 202 instead of two, for the most common delivery there is. A green decision creates no job,
  // so the two cannot race; a clear that fails refuses the delivery (below), and one done for a delivery whose
  // record then fails is done again when GitHub resends it.
  const green = decision.outcome === "job_created" ? undefined : decision.green;
  // Settled into its error, not rejected: if the record below fails first, this must not be an unhandled rejection.
  const clearing = green ? deps.store.clearFingerprints(green.repoId, green.fingerprints, receivedAt).then(() => undefined, (err: unknown) => err) : undefined;
  const { job, created, capped } = await deps.store.recordIntake(delivery, d.bytes ?? d.rawBody, candidate, cap);
  if (cap && capped) {
    // Concurrent failures of the same kind: the store's atomic check refused the one over the cap.
    delivery.outcome = "ignored";
    delivery.reason = cap.delivery.reason;
  } else if (candidate && !created) {
    // Lost a race with a concurrent delivery of the same run: the store recorded it as a duplicate.
    delivery.outcome = "duplicate";
    delivery.reason = "a job for this run exists";
  }
  if (job) delivery.jobId = job.id;
  const notCleared = await clearing;
  if (notCleared !== undefined) {
    // Acknowledged without it, the pass would be forgotten at the next start (a full disk, Redis refusing the
    // write) and later failures of this workflow capped as repeats. Refused, GitHub's redelivery brings it back.
    deps.logger.warn({ err: notCleared, deliveryId: d.id, repo: delivery.repoFullName }, "could not reset the fix-loop count of a workflow that passed; the webhook is refused so that GitHub sends it again");
    throw notCleared;
  }
  deps.metrics.deliveries.inc({ event: metricEvent(d.event), outcome: delivery.outcome });
  deps.logger.info(
    {
      deliveryId: d.id,
      event: d.event,
      action: base.action,
      installationId: delivery.installationId,
      repo: delivery.repoFullName,
      runId: decision.runId,
      outcome: delivery.outcome,
      reason: delivery.reason,
      jobId: delivery.jobId,
    },
    "webhook recorded",
  );
  const resumeJobId = decision.outcome === "job_created" ? undefined : decision.resumeJobId;
  return { ok: true, delivery, job: created ? job : undefined, created, ...(resumeJobId ? { resumeJobId } : {}) };
}

/**
 * Parse and route, in a frame of its own: a suspended async function keeps its locals, so the parsed
 * payload held in intakeDelivery stayed alive through the durable record's fsync. That is a 20 KB body's
 * object tree per delivery in flight (up to GitHub's 25 MB ones), copied by every young-generation GC.
 */
async function decide(deps: IntakeDeps, d: VerifiedDelivery, base: Delivery): Promise<{ decision: IntakeDecision } | { invalid: string }> {
  let payload: unknown;
  try {
    payload = JSON.parse(d.rawBody);
  } catch {
    return { invalid: notJsonReason(d.rawBody) };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return { invalid: "body must be a JSON object" };
  const action = (payload as { action?: unknown }).action;
  if (typeof action === "string" && action) base.action = action;
  try {
    return { decision: await routeDelivery(payload, { id: d.id, event: d.event, receivedAt: base.receivedAt }, deps) };
  } catch (err) {
    if (err instanceof InvalidPayloadError) return { invalid: err.message };
    throw err;
  }
}

/** Where the body broke, quoting none of it: JSON.parse's own message quotes it (a signed body may hold a secret). */
function notJsonReason(body: string): string {
  const at = jsonSyntaxError(body);
  if (!at) return "body is not valid JSON";
  const where = `at position ${at.position} (of ${body.length} characters)`;
  if (at.expected === undefined) return `body is not valid JSON: the body should end after its JSON value ${where}`;
  return `body is not valid JSON: ${at.expected} was expected ${where}${at.position >= body.length ? ": the body ends there" : ""}`;
}

async function rejectInvalid(deps: IntakeDeps, base: Delivery, d: VerifiedDelivery, message: string): Promise<IntakeResult> {
  const delivery: Delivery = { ...base, outcome: "invalid", reason: message };
  await deps.store.recordIntake(delivery, d.bytes ?? d.rawBody);
  deps.metrics.deliveries.inc({ event: metricEvent(d.event), outcome: "invalid" });
  deps.logger.warn({ deliveryId: d.id, event: d.event, action: base.action, reason: message }, "webhook rejected: invalid payload");
  return { ok: false, delivery, message };
}

/** Events GitHub sends an app that are worth a series of their own. */
const COUNTED_EVENTS = new Set([...Object.keys(HANDLERS), "ping"]);

/**
 * X-GitHub-Event is not covered by the signature (only the body is): a replayed body with made-up event
 * names must not create a metric series per name.
 */
function metricEvent(event: string): string {
  return COUNTED_EVENTS.has(event) ? event : "other";
}

function repeatedFailureReason(cap: number): string {
  return `the same failure was already attempted ${cap} times (MAX_ATTEMPTS_PER_FINGERPRINT=${cap}); fix it by hand or raise the cap`;
}
