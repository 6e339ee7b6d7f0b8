import { STATUS_CODES } from "node:http";
import type { GatewayConfig, GatewayFunction } from "../../src/adapters/tensorzero/gateway-config.js";

/**
 * How one model provider fails, by provider type (`openai`, `anthropic`...): an HTTP answer with the
 * provider's own body, or the gateway's per-provider timeout.
 */
export type FakeProviderError = { status: number; body: string } | { timeoutMs: number };

/**
 * The gateway's answer when providers fail (2026.4.1, tensorzero-error/src/lib.rs Display and
 * status_code(); variant/mod.rs retries; endpoints/inference.rs sampling): every variant tried in turn
 * (sampled first, then the other candidates, then the fallbacks), each `retries.num_retries + 1` times,
 * each try every provider in its model's `routing`. The first variant with a provider not in `errors`
 * answers. Otherwise: a pinned (or the only) variant's own error (500), or `All variants failed with errors:` (502).
 */
export function providerFailureAnswer(
  config: GatewayConfig,
  fn: GatewayFunction,
  first: string,
  pinned: boolean,
  errors: Record<string, FakeProviderError>,
): { variant: string } | { status: number; error: string } {
  const order = pinned ? [first] : [...new Set([first, ...fn.candidates.map((c) => c.name), ...fn.fallbacks])];
  const failed: Array<[string, string]> = [];
  for (const name of order) {
    const variant = fn.variants[name]!;
    const providers = modelProviders(config, variant.model);
    if (providers.some((p) => !errors[p.type])) return { variant: name };
    // Each try fails alike: every error is retryable to the gateway (only its own rate limit is not).
    const once = `All model providers failed to infer with errors: ${providers.map((p) => `${p.name}: ${display(p, errors[p.type]!)}`).join(", ")}`;
    const retries = Number((variant.raw.retries as { num_retries?: number } | undefined)?.num_retries ?? 0);
    failed.push([name, retries > 0 ? `All retries failed with errors: ${Array.from({ length: retries + 1 }, () => once).join(", ")}` : once]);
  }
  // Nothing to sample (a pinned variant, or the function's only one): the variant's own error, unwrapped.
  if (order.length === 1) return { status: 500, error: failed[0]![1] };
  return { status: 502, error: `All variants failed with errors: ${failed.map(([v, e]) => `${v}: ${e}`).join("\n")}` };
}

// The statuses each provider module reports as the caller's fault (`InferenceClient`, shown with the status);
// any other is `InferenceServer`, shown without it (providers/openai/mod.rs handle_openai_error,
// providers/anthropic.rs handle_anthropic_error). Most other provider types reuse OpenAI's.
const CLIENT_STATUSES: Record<string, number[]> = { openai: [400, 401, 403, 429], anthropic: [400, 401, 413, 429] };

function display(p: { name: string; type: string }, e: FakeProviderError): string {
  if ("timeoutMs" in e) return `Model provider ${p.name} timed out due to configured \`non_streaming.total_ms\` timeout (${rustDuration(e.timeoutMs)})`;
  if ((CLIENT_STATUSES[p.type] ?? CLIENT_STATUSES.openai!).includes(e.status)) {
    return `Error ${e.status} ${STATUS_CODES[e.status] ?? "<unknown status code>"} from ${p.type} client: ${e.body}`;
  }
  return `Error from ${p.type} server: ${e.body}`;
}

/** Rust's `Duration` Debug: `180s`, `1.5s`, `500ms`. */
const rustDuration = (ms: number) => (ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`);

function modelProviders(config: GatewayConfig, model: string | undefined): Array<{ name: string; type: string }> {
  const models = (config.raw.models ?? {}) as Record<string, { routing?: string[]; providers?: Record<string, { type?: string }> }>;
  const m = model ? models[model] : undefined;
  if (!m?.routing || !m.providers) throw new Error(`fake gateway: model ${model} has no routing/providers in the config; providerErrors needs them`);
  return m.routing.map((name) => ({ name, type: String(m.providers![name]?.type) }));
}
