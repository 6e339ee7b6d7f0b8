import { tensorzeroConfigInvalid as bad } from "./tensorzero-config-invalid.js";

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);

/** Provider types of the published gateway image (reference §5); `dummy` exists only in its test builds. */
export const PROVIDER_TYPES = [
  "anthropic", "aws_bedrock", "aws_sagemaker", "azure", "deepseek", "fireworks", "gcp_vertex_anthropic", "gcp_vertex_gemini",
  "google_ai_studio_gemini", "groq", "hyperbolic", "mistral", "openai", "openrouter", "sglang", "tgi", "together", "vllm", "xai",
];

/** `[gateway] global_outbound_http_timeout_ms` when the config does not set it: 15 minutes. */
const DEFAULT_GLOBAL_TIMEOUT_MS = 900_000;

const KEY_LOCATION = /^(?:env|dynamic)::\S+$/;
const keyLocationOk = (v: unknown): boolean =>
  typeof v === "string"
    ? v === "none" || KEY_LOCATION.test(v)
    : isTable(v) && Object.keys(v).sort().join() === "default,fallback" && keyLocationOk(v.default) && keyLocationOk(v.fallback);

/**
 * What the gateway checks of models, timeouts and observability writes when it loads its config, and
 * refuses to start on (reference §5): the fake loads the config through here, so a config the real gateway
 * would not start with fails the tests instead of the deployment.
 */
export function checkGatewayStartup(raw: Table, variants: Array<{ where: string; model: unknown; raw: Table }>): void {
  const models = isTable(raw.models) ? raw.models : {};
  for (const [name, m] of Object.entries(models)) {
    const where = `models.${name}`;
    if (!isTable(m)) throw bad(where, "must be a table");
    const providers = isTable(m.providers) ? m.providers : {};
    if (!Array.isArray(m.routing) || !m.routing.length) throw bad(`${where}.routing`, "is required: the providers to try, in order");
    for (const p of m.routing) {
      if (typeof p !== "string" || !isTable(providers[p])) throw bad(`${where}.routing`, `names provider ${JSON.stringify(p)}, which is not declared under [${where}.providers]`);
    }
    for (const [pname, p] of Object.entries(providers)) {
      const at = `${where}.providers.${pname}`;
      if (!isTable(p)) throw bad(at, "must be a table");
      if (!PROVIDER_TYPES.includes(String(p.type))) throw bad(`${at}.type`, `${JSON.stringify(p.type)} is not a provider type of the published gateway; use one of ${PROVIDER_TYPES.join(", ")}`);
      if (p.api_key_location !== undefined && !keyLocationOk(p.api_key_location)) {
        throw bad(`${at}.api_key_location`, 'must be "env::NAME", "dynamic::name", "none" or { default = ..., fallback = ... }');
      }
    }
  }
  for (const v of variants) {
    if (v.raw.type !== "chat_completion") continue;
    if (typeof v.model !== "string" || !v.model) throw bad(`${v.where}.model`, "is required");
    const shorthand = /^([a-z_]+)::./.exec(v.model);
    if (shorthand ? !PROVIDER_TYPES.includes(shorthand[1]!) : !isTable(models[v.model])) {
      throw bad(`${v.where}.model`, `names model ${JSON.stringify(v.model)}, which is not declared under [models] (nor a provider::model shorthand)`);
    }
  }
  const gateway = isTable(raw.gateway) ? raw.gateway : {};
  const observability = isTable(gateway.observability) ? gateway.observability : {};
  if (isTable(observability.batch_writes) && observability.batch_writes.enabled === true && observability.async_writes !== false) {
    throw bad("gateway.observability.batch_writes", "cannot be enabled while async_writes is on (its default); set observability.async_writes = false with it");
  }
  const global = typeof gateway.global_outbound_http_timeout_ms === "number" ? gateway.global_outbound_http_timeout_ms : DEFAULT_GLOBAL_TIMEOUT_MS;
  const timed: Array<[string, unknown]> = [
    ...variants.map((v): [string, unknown] => [`${v.where}.timeouts`, v.raw.timeouts]),
    ...Object.entries(models).flatMap(([name, m]): Array<[string, unknown]> => [
      [`models.${name}.timeouts`, (m as Table).timeouts],
      ...Object.entries(isTable((m as Table).providers) ? ((m as Table).providers as Table) : {}).map(([p, pv]): [string, unknown] => [`models.${name}.providers.${p}.timeouts`, isTable(pv) ? pv.timeouts : undefined]),
    ]),
  ];
  for (const [where, t] of timed) {
    if (!isTable(t)) continue;
    for (const [kind, limits] of Object.entries(t)) {
      for (const [key, ms] of Object.entries(isTable(limits) ? limits : {})) {
        if (typeof ms === "number" && ms > global) throw bad(`${where}.${kind}.${key}`, `${ms} is more than global_outbound_http_timeout_ms (${global}), which bounds every timeout`);
      }
    }
  }
}
