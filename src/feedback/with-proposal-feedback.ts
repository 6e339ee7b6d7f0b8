import { toAppError, type AppError } from "../core/errors.js";
import type { Job } from "../core/job.js";
import type { Stage } from "../pipeline/stage.js";
import type { ProposePatchResult } from "../pipeline/stages/propose-patch.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import { noPrFeedback, unusableAnswerFeedback } from "./outcome-feedback.js";
import { recordAndSend, type NewFeedback } from "./outbox.js";

/** propose-patch failures that are the model's answer itself, with its inference in the error details. */
const UNUSABLE = new Set(["no_fix_proposed", "patch_not_a_diff"]);

/**
 * Wraps propose-patch so answers that lead nowhere reach TensorZero as negative feedback: otherwise only
 * answers good enough to be applied were ever scored, and a variant that often answers with no patch,
 * prose, or JSON off the schema looked no worse than one that fixes things. Each unusable inference gets
 * patch_applied=false; a job that ends here without a PR gets pr_merged=false on its episode (a repair
 * attempt on an open PR does not: that PR's close sends it). Recorded on the job's outbox first, then sent
 * best-effort; the outbox sweep resends what could not go now.
 */
export function withProposalFeedback(stage: Stage): Stage {
  return {
    ...stage,
    async run(job, deps, ctx) {
      let out: Awaited<ReturnType<Stage["run"]>>;
      try {
        out = await stage.run(job, deps, ctx);
      } catch (raw) {
        const items = failureFeedback(job, toAppError(raw));
        if (items.length) await recordAndSend(deps, job, items, ctx).catch((e) => ctx.log.warn({ err: e }, "could not record the feedback on the model's unusable answer"));
        throw raw;
      }
      const discarded = (out.result as Partial<ProposePatchResult> | undefined)?.discardedInferenceIds ?? [];
      await recordAndSend(deps, job, unusableAnswerFeedback(job, discarded, "model_output_invalid"), ctx);
      return out;
    },
  };
}

function failureFeedback(job: Job, err: AppError): NewFeedback[] {
  const d = err.details ?? {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  let inferences: Array<[string, string]> = [];
  if (UNUSABLE.has(err.code) && typeof d.inferenceId === "string") {
    inferences = [...strings(d.discardedInferenceIds).map((id): [string, string] => [id, "model_output_invalid"]), [d.inferenceId, err.code]];
  } else if (err.code === "model_output_invalid") {
    inferences = strings(d.inferenceIds).map((id) => [id, err.code]);
  } else {
    // Any other failure after answers were discarded (the gateway went down before the next try): those
    // answers are scored now, as the stage's retry asks anew. The job may still open a PR: no pr_merged.
    return unusableAnswerFeedback(job, strings(d.discardedInferenceIds), "model_output_invalid");
  }
  if (!inferences.length) return [];
  const items = inferences.flatMap(([id, reason]) => unusableAnswerFeedback(job, [id], reason));
  const noPrYet = !prRecordOf(job);
  if (noPrYet && typeof d.episodeId === "string") items.push(noPrFeedback(job, d.episodeId, err.code));
  return items;
}
