import { toAppError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { Stage } from "../pipeline/stage.js";
import { validationFeedback } from "./outcome-feedback.js";
import { recordAndSend, type NewFeedback } from "./outbox.js";

const REFUSED = new Set(["patch_refused", "no_diff"]);
const NOT_VALIDATED = new Set(["validation_failed"]);
// Thrown after the patch passed the policy and applied cleanly (apply-and-validate's dry-run apply), but
// before any verdict on it: patch_applied is known, validation_passed is not.
const APPLIED_UNVALIDATED = new Set(["no_validation_command", "validation_setup_failed"]);

/**
 * The inference-level feedback a failure of apply-and-validate with this code means for the job's proposal;
 * nothing for trouble that says nothing about the patch. with-patch-retry gives a repeated patch the verdict
 * of the try it repeats through this, so both say the same.
 */
export function verdictFeedback(job: Job, code: string): NewFeedback[] {
  if (REFUSED.has(code)) return validationFeedback(job, false, undefined, code);
  if (NOT_VALIDATED.has(code)) return validationFeedback(job, true, false, code);
  if (APPLIED_UNVALIDATED.has(code)) return validationFeedback(job, true, undefined, code);
  return [];
}

/**
 * Wraps apply-and-validate so its verdict reaches TensorZero as inference-level feedback ("patch applied",
 * "validation passed"), success or failure, on the inference whose patch it judged. Whether the job then
 * ends without a PR (pr_merged=false on the episode) is for the caller to say: a first attempt's patch may
 * be answered by another proposal (with-patch-retry). The items are written to the job's outbox before
 * anything is sent, then sent best-effort; the outbox sweep resends what could not go now.
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
        items = verdictFeedback(job, toAppError(raw).code);
        if (items.length) await recordAndSend(deps, job, items, ctx).catch((e) => ctx.log.warn({ err: e }, "could not record validation feedback"));
        throw raw;
      }
    },
  };
}
