import type { Job } from "../core/job.js";

export interface StoredProposal {
  diagnosis: string;
  patch: string;
  confidence: number;
  files: string[];
  episodeId: string;
  inferenceId: string;
  variantName: string;
}

/**
 * The proposal propose-patch stored (`ProposePatchResult`: `proposal.diff`), read tolerantly (`patch` as in
 * the model's own output), or undefined when there is none.
 */
export function proposalOf(job: Job): StoredProposal | undefined {
  const r = job.results["propose-patch"] as
    | { episodeId?: string; inferenceId?: string; variantName?: string; proposal?: { diagnosis?: string; diff?: string; patch?: string; confidence?: number; files?: string[] } }
    | undefined;
  const p = r?.proposal;
  const patch = p?.diff ?? p?.patch;
  if (!r || !p || typeof patch !== "string" || !r.episodeId || !r.inferenceId) return undefined;
  return {
    diagnosis: p.diagnosis ?? "",
    patch,
    confidence: typeof p.confidence === "number" ? p.confidence : 0,
    files: p.files ?? [],
    episodeId: r.episodeId,
    inferenceId: r.inferenceId,
    variantName: r.variantName ?? "unknown",
  };
}
