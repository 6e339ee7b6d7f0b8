import { AppError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import type { ProviderFailure, ProviderFailureKind } from "./provider-failures.js";

/** Enough to tell every variant and provider of a real config apart. */
const MAX_DETAILED = 20;

type PermanentKind = Exclude<ProviderFailureKind, "transient" | "unknown">;

const WHAT: Record<PermanentKind, string> = {
  context_too_large: "context too large",
  provider_auth: "credentials refused",
  unknown_model: "unknown model",
  content_refused: "content policy",
};

/**
 * The AppError for a gateway answer in which every provider failed for a reason a retry cannot change, or
 * undefined when any failure is transient or not recognised (then the answer is handled by its status, as
 * before). Messages name variants, providers and statuses only: the providers' own text can quote keys.
 */
export function providerFailureError(failures: ProviderFailure[], details: Record<string, unknown>): AppError | undefined {
  if (failures.length === 0) return undefined;
  const kinds = new Set<ProviderFailureKind>(failures.map((f) => f.kind));
  if (kinds.has("transient") || kinds.has("unknown")) return undefined;
  const permanentKinds = [...kinds] as PermanentKind[];
  const who = (only?: PermanentKind) => list(failures.filter((f) => !only || f.kind === only), permanentKinds.length > 1 && !only);
  // Distinct and capped: a variant's retries repeat one failure, and the job keeps its error for good.
  const distinct = [...new Map(failures.map(({ kind, where, provider, status }) => [JSON.stringify([kind, where, provider, status]), { kind, where, provider, status }])).values()];
  const opts = { retryable: false, details: { ...details, providerFailures: distinct.slice(0, MAX_DETAILED) } };
  // Shrinking the context is the app's own way out: one variant too small is reason enough to try it, even
  // when the others are misconfigured (the smaller context may fit the one that is not).
  if (kinds.has("context_too_large")) {
    return new AppError("context_too_large", `The failure context is too large for the model (${who("context_too_large")}). Retry with a smaller context budget.`, opts);
  }
  if (permanentKinds.length > 1) {
    return new AppError("model_provider_rejected", `Every model provider TensorZero tried rejected the request for a reason a retry cannot fix (${who()}). Fix the gateway's provider setup (API keys in the gateway's environment, model names in its tensorzero.toml); not retried, as each retry is a paid call that fails the same way.`, opts);
  }
  switch (permanentKinds[0]!) {
    case "provider_auth":
      return new AppError("model_provider_auth", `The model provider refused the gateway's credentials (${who()}). Fix that provider's API key in the TensorZero gateway's environment (the variable its tensorzero.toml names in api_key_location, e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY) and restart the gateway; TENSORZERO_API_KEY is the gateway's own key and not the one refused. Not retried until then.`, opts);
    case "unknown_model":
      return new AppError("model_provider_unknown_model", `The model provider does not know the model the gateway asked for (${who()}). Fix model_name under [models.*.providers.*] in the gateway's tensorzero.toml, or the provider account's access to that model, and restart the gateway. Not retried until then.`, opts);
    case "content_refused":
      return new AppError("model_content_refused", `The model provider refused the request under its content policy (${who()}). The failure context (CI logs, diff) tripped the provider's filter; the same input is refused again, so it is not retried. See the job's context, or add a variant whose provider accepts it.`, opts);
    default:
      return undefined;
  }
}

/** `variant/provider 401` for each distinct failure (a variant's retries repeat the same one). */
function list(failures: ProviderFailure[], withKind: boolean): string {
  const items = [...new Set(failures.map((f) => {
    const at = [...f.where, ...(f.provider && f.where.at(-1) !== f.provider ? [f.provider] : [])].join("/") || "the gateway";
    const status = f.status ? ` ${f.status}` : "";
    return `${at}${status}${withKind ? `: ${WHAT[f.kind as PermanentKind]}` : ""}`;
  }))];
  const shown = items.length > 6 ? `${items.slice(0, 6).join("; ")}; and ${items.length - 6} more` : items.join("; ");
  // Names are read out of text that quotes providers' answers: one that is really a token stays masked.
  return redact(shown);
}
