import { transient } from "../../core/errors.js";
import { flushFeedback, MISSING_TARGET_MAX_ATTEMPTS } from "../../feedback/outbox.js";
import { SEND_FEEDBACK } from "../../feedback/pr-events.js";
import type { Stage } from "../stage.js";

/**
 * Last stage: the PR's outcome is known and recorded; every pending feedback item must reach TensorZero
 * before the job completes. A gateway outage keeps the job here with backoff (the items stay on the job).
 */
export const sendFeedbackStage: Stage = {
  name: SEND_FEEDBACK,
  state: "feedback",
  sideEffects: true,
  async run(job, deps, ctx) {
    const r = await flushFeedback(deps, job.id, ctx.signal);
    if (r.pending && r.unknownTarget === r.pending) {
      // The gateway answers: not an outage to wait out. Each item gives up after MISSING_TARGET_MAX_ATTEMPTS.
      throw transient("feedback_target_missing", `TensorZero has no record yet of what ${r.pending} feedback item(s) are about; they are sent again, up to ${MISSING_TARGET_MAX_ATTEMPTS} times each.`);
    }
    if (r.pending) {
      // model_unavailable: the runner waits for the gateway without spending the retry budget. The reason
      // is shown, as it may need a person (a refused API key keeps items pending too).
      const pending = (await deps.store.getJob(job.id))?.feedback.filter((f) => f.status === "pending") ?? [];
      const last = pending.find((f) => f.lastError)?.lastError;
      // Items backed off after the gateway failed them are not sent before their time: the job is not woken
      // for a flush that would send nothing (the runner caps the wait at RETRY_MAX_MS).
      const now = deps.clock.now();
      const dueIn = Math.min(...pending.map((f) => (f.nextAttemptAt ? Math.max(0, Date.parse(f.nextAttemptAt) - now) : 0)));
      throw transient("model_unavailable", `${r.pending} feedback item(s) could not reach TensorZero yet; they stay on the job and are sent again.${last ? ` Last error: ${last}` : ""}`, dueIn > 0 && Number.isFinite(dueIn) ? { retryAfterMs: dueIn } : {});
    }
    return { result: { sent: r.sent, failed: r.failed, total: (await deps.store.getJob(job.id))?.feedback.length ?? 0 } };
  },
  async dryRun(job) {
    return { result: { dryRun: true, wouldSend: job.feedback.filter((f) => f.status === "pending").map((f) => f.metric) } };
  },
};
