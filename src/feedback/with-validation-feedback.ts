import { toAppError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { Stage } from "../pipeline/stage.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import { noPrFeedback, proposalIds, validationFeedback } from "./outcome-feedback.js";
import { recordAndSend, type NewFeedback } from "./outbox.js";

const REFUSED = new Set(["patch_refused", "no_diff"]);
const NOT_VALIDATED = new Set(["validation_failed"]);
// Thrown after the patch passed the policy and applied cleanly (apply-and-validate's dry-run apply), but
// before any verdict on it: patch_applied is known, validation_passed is not.
const APPLIED_UNVALIDATED = new Set(["no_validation_command", "validation_setup_failed"]);

/**
 * Wraps apply-and-validate so its verdict reaches TensorZero as inference-level feedback ("patch applied",
 * "validation passed"), success or failure. A patch refused or failing validation also ends a first
 * attempt without a PR, so its episode gets pr_merged=false, as one with no usable answer does
 * (with-proposal-feedback). The items are written to the job's outbox before anything is sent, then sent
 * best-effort; the outbox sweep resends what could not go now.
 */
export function withValidationFeedback(stage: Stage): Stage {
  return {
    ...stage,
    async run(job, deps, ctx) {
      let items: NewFeedback[] = [];
      try {
        const out = await stage.run(job, deps, ctx);
        items = validationFeedback(job, true, true);
        await recordAndSend(deps, job, items, ctx);
        return out;
      } catch (raw) {
        const err = toAppError(raw);
        if (REFUSED.has(err.code)) items = [...validationFeedback(job, false, undefined, err.code), ...noPr(job, err.code)];
        else if (NOT_VALIDATED.has(err.code)) items = [...validationFeedback(job, true, false, err.code), ...noPr(job, err.code)];
        else if (APPLIED_UNVALIDATED.has(err.code)) items = validationFeedback(job, true, undefined, err.code);
        if (items.length) await recordAndSend(deps, job, items, ctx).catch((e) => ctx.log.warn({ err: e }, "could not record validation feedback"));
        throw raw;
      }
    },
  };
}

/**
 * pr_merged=false on the episode of a first attempt that ends here, the patch judged and no PR opened: an
 * adaptive experiment on pr_merged otherwise never counts the episodes whose patches did not hold up, and
 * the variants giving them look better than they are. Nothing on a repair attempt (the open PR's close
 * decides) nor on a patch that could not be judged (no command, setup failed: the repository's setup).
 */
function noPr(job: Job, reason: string): NewFeedback[] {
  const ids = proposalIds(job);
  return ids && !prRecordOf(job) ? [noPrFeedback(job, ids.episodeId, reason)] : [];
}
