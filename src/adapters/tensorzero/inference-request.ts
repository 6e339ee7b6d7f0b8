import type { FailureContext } from "../../core/failure-context.js";
import { FIX_FUNCTION } from "./metric-names.js";
import type { InferenceRequest } from "./wire-types.js";

export interface FixRequestOptions {
  episodeId: string;
  tags: Record<string, string>;
  functionName?: string;
  stream?: boolean;
  /** Pins a variant (no fallback); for evaluations and tests. */
  variantName?: string;
  /** Sent as `dryrun`: the gateway infers but stores nothing (and the inference can take no feedback). */
  dryRun?: boolean;
}

/**
 * The `/inference` body for `fix_ci_failure`: the system template gets the repository's name and
 * languages (system_schema.json), the user template the whole FailureContext (user_schema.json).
 * Pure, so the dry-run path can show exactly what would be sent.
 */
export function buildFixInferenceRequest(context: FailureContext, opts: FixRequestOptions): InferenceRequest {
  const system: Record<string, unknown> = { repo_full_name: context.repo.full_name, languages: context.languages };
  if (context.repo.default_branch) system.default_branch = context.repo.default_branch;
  return {
    function_name: opts.functionName ?? FIX_FUNCTION,
    episode_id: opts.episodeId,
    input: {
      system,
      messages: [{ role: "user", content: [{ type: "template", name: "user", arguments: context as unknown as Record<string, unknown> }] }],
    },
    tags: opts.tags,
    ...(opts.variantName ? { variant_name: opts.variantName } : {}),
    ...(opts.dryRun ? { dryrun: true } : {}),
    stream: opts.stream ?? false,
  };
}
