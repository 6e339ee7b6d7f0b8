import type { Deps } from "../../core/deps.js";
import type { AppError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import type { Refusal } from "../../patch/types.js";
import { PROPOSE_PATCH } from "./propose-patch.js";

interface StoredProposal {
  inferenceId?: string;
  proposal?: { diff?: string; patch?: string; refusedAndRedacted?: Refusal };
}

/**
 * A refused patch stays on the job for people to read (jobs show, GET /jobs/:id), so it is kept redacted, as
 * everything else on DATA_DIR: the model may have written a credential into it, which is often why it was
 * refused. The refusal is kept beside it: the redacted text is not the patch that was judged, so it is never
 * applied (refusedPatchAtRest), and an operator's retry gets the same refusal, which asks for a new proposal
 * when the rule allows one. Nothing changes when redaction finds nothing in the patch (it can be judged again).
 * Only the proposal `inferenceId` names: a later one stored meanwhile is not touched.
 */
export async function keepRefusedPatchRedacted(deps: Pick<Deps, "store">, jobId: string, inferenceId: string, refusal: Refusal): Promise<void> {
  await deps.store.updateJob(jobId, (j) => {
    const r = j.results[PROPOSE_PATCH] as StoredProposal | undefined;
    const p = r?.proposal;
    if (!p || r.inferenceId !== inferenceId) return;
    const diff = p.diff ?? p.patch;
    if (typeof diff !== "string") return;
    const clean = redact(diff);
    if (clean === diff) return;
    p.diff = clean;
    delete p.patch;
    p.refusedAndRedacted = refusal;
  });
}

/** The policy's refusal an error carries (refusalError's details), if it is one. */
export function refusalOf(err: Pick<AppError, "code" | "message" | "details">): Refusal | undefined {
  const d = err.details as Partial<Refusal> | undefined;
  if (err.code !== "patch_refused" || typeof d?.rule !== "string") return undefined;
  return { rule: d.rule, ...(typeof d.file === "string" ? { file: d.file } : {}), ...(typeof d.hunk === "string" ? { hunk: d.hunk } : {}), reason: typeof d.reason === "string" ? d.reason : err.message };
}

/** The refusal a stored proposal was redacted after (keepRefusedPatchRedacted), if it was. */
export function refusedPatchAtRest(proposal: unknown): Refusal | undefined {
  const r = (proposal as StoredProposal["proposal"] | undefined)?.refusedAndRedacted;
  return r && typeof r.rule === "string" ? r : undefined;
}
