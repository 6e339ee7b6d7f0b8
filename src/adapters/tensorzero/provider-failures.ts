/**
 * What each model provider said inside a gateway error that wraps several, read from the gateway's own
 * wording (`ErrorDetails` Display in tensorzero-error/src/lib.rs, 2026.4.1):
 *
 *   All variants failed with errors: <variant>: <error>\n<variant>: <error>...
 *   All retries failed with errors: <error>, <error>...          (a variant with `retries.num_retries`)
 *   All model providers failed to infer with errors: <provider>: <error>, <provider>: <error>...
 *
 * and at the leaves a provider's answer: `Error 401 Unauthorized from anthropic client: <body>` (a status the
 * provider module calls the caller's fault), `Error from openai server: <body>` (any other status: openai's
 * 404 for an unknown model lands here, with no status), `Error from openai client: Error sending request...`
 * (no answer at all), or a gateway timeout / rate limit.
 */
export type ProviderFailureKind =
  | "context_too_large"
  | "provider_auth"
  | "unknown_model"
  | "content_refused"
  | "transient"
  /** A leaf this module does not recognise: the whole answer is then treated as before (retryable). */
  | "unknown";

export interface ProviderFailure {
  kind: ProviderFailureKind;
  /** Variant, then provider name, as the gateway listed them (only names, never error text). */
  where: string[];
  /** The provider type from `Error ... from <type> client|server`, or the provider named by the gateway. */
  provider?: string;
  status?: number;
}

// Variant, model and provider names as tensorzero.toml allows them, with `openai::gpt-5-mini` shorthands.
const NAME = String.raw`[\w.\-/]+(?:::[\w.\-/]+)*`;

interface Wrapper {
  prefix: string;
  sep: string;
  named: boolean;
}

const WRAPPERS: Wrapper[] = [
  { prefix: "All variants failed with errors: ", sep: "\n", named: true },
  { prefix: "All candidates failed with errors: ", sep: "\n", named: true },
  { prefix: "All model providers failed to infer with errors: ", sep: ", ", named: true },
  { prefix: "All retries failed with errors: ", sep: ", ", named: false },
];

// Bounded (a status's reason phrase, a provider type): these are tried at every separator of up to 64 KiB.
const LEAF_START = String.raw`Error(?: \d{3}[^\n]{0,40}?)? from \S{1,64} (?:client|server): |Model provider \S+ timed out |Model \S+ timed out |Variant \x60[^\x60\n]*\x60 timed out |TensorZero rate limits? exceeded|API key missing for provider |Inference stream closed due to error from |Model not found: |Provider not found: `;
const KNOWN_START = `(?:${WRAPPERS.map((w) => escape(w.prefix)).join("|")}|${LEAF_START})`;
// Sticky: matched where a separator ends, without copying the rest of the message for each one.
const NAMED_ENTRY = new RegExp(`(${NAME}): (?=${KNOWN_START})`, "y");
const ANY_NAMED = new RegExp(`${NAME}: `, "y");
const UNNAMED_ENTRY = new RegExp(`(?=${KNOWN_START})`, "y");
const KNOWN_LEAF = new RegExp(`^(?:${LEAF_START})`);

const RATE_LIMITED = /rate_limit_error|overloaded_error|rate limit|RESOURCE_EXHAUSTED/i;
const CONTEXT_TOO_LARGE =
  /context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long|too many (?:input )?tokens|input is too long|request too large|payload too large|request_too_large/i;
const AUTH =
  /authentication_error|permission_error|invalid_api_key|invalid x-api-key|incorrect api key|api key not valid|API_KEY_INVALID|PERMISSION_DENIED|UNAUTHENTICATED/i;
const UNKNOWN_MODEL = /model_not_found|"type"\s*:\s*"not_found_error"|model \x60[^\x60]*\x60 does not exist/i;
const CONTENT_REFUSED = /content_policy_violation|content_filter|ResponsibleAIPolicyViolation/i;

/**
 * The provider failures inside a wrapped gateway error, or undefined when `message` is not one of the
 * wrappers above. Entries that cannot be told apart from their neighbours come back as `unknown`.
 */
export function providerFailures(message: string): ProviderFailure[] | undefined {
  if (!WRAPPERS.some((w) => message.startsWith(w.prefix))) return undefined;
  return parse(message, []);
}

function parse(text: string, where: string[]): ProviderFailure[] {
  const wrapper = WRAPPERS.find((w) => text.startsWith(w.prefix));
  if (!wrapper) return [leaf(text, where)];
  const out: ProviderFailure[] = [];
  for (const entry of entries(text.slice(wrapper.prefix.length), wrapper)) {
    if (!wrapper.named) {
      out.push(...parse(entry, where));
      continue;
    }
    const m = matchAt(NAMED_ENTRY, entry, 0);
    if (!m) {
      out.push({ kind: "unknown", where });
      continue;
    }
    const inner = entry.slice(m[0].length);
    // A further `<sep><name>: ` inside this entry is a sibling whose error starts in a way not known here:
    // it could be anything, so the entry says nothing for sure.
    if (hidesSibling(inner, wrapper.sep)) out.push({ kind: "unknown", where: [...where, m[1]!] });
    out.push(...parse(inner, [...where, m[1]!]));
  }
  return out;
}

/** Splits at each separator that is followed by a recognised entry; other separators belong to the text. */
function entries(body: string, w: Wrapper): string[] {
  const starts = w.named ? NAMED_ENTRY : UNNAMED_ENTRY;
  const out: string[] = [];
  let from = 0;
  let at = body.indexOf(w.sep);
  while (at !== -1) {
    const next = at + w.sep.length;
    if (matchAt(starts, body, next)) {
      out.push(body.slice(from, at));
      from = next;
    }
    at = body.indexOf(w.sep, next);
  }
  out.push(body.slice(from));
  return out;
}

function hidesSibling(text: string, sep: string): boolean {
  for (let at = text.indexOf(sep); at !== -1; at = text.indexOf(sep, at + sep.length)) {
    if (matchAt(ANY_NAMED, text, at + sep.length)) return true;
  }
  return false;
}

function leaf(text: string, where: string[]): ProviderFailure {
  const provider = /^Error(?: (\d{3})[^\n]{0,40}?)? from (\S{1,64}) (client|server): ([\s\S]*)$/.exec(text);
  if (provider) {
    const status = provider[1] ? Number(provider[1]) : undefined;
    const base = { where, provider: provider[2], ...(status ? { status } : {}) };
    // With `gateway.debug = true` the request follows (and the status is left out): that is the prompt, CI
    // logs and all, whose words say nothing about why the provider refused it.
    const [side, body] = [provider[3], provider[4]!.split("\nRaw request: ")[0]!];
    if (status === 429 || (status !== undefined && status >= 500) || RATE_LIMITED.test(body)) return { kind: "transient", ...base };
    if (status === 413 || CONTEXT_TOO_LARGE.test(body)) return { kind: "context_too_large", ...base };
    if (status === 401 || status === 403 || AUTH.test(body)) return { kind: "provider_auth", ...base };
    if (UNKNOWN_MODEL.test(body)) return { kind: "unknown_model", ...base };
    if (CONTENT_REFUSED.test(body)) return { kind: "content_refused", ...base };
    // `server` is every status the provider module does not blame on the request: 5xx, 529 overloaded...;
    // a `client` error without a status never reached the provider (connection refused, DNS, TLS).
    return { kind: side === "server" || status === undefined ? "transient" : "unknown", ...base };
  }
  const missingKey = /^API key missing for provider (\S+?):/.exec(text);
  if (missingKey) return { kind: "provider_auth", where, provider: missingKey[1] };
  if (/^(?:Model not found|Provider not found): /.test(text)) return { kind: "unknown_model", where };
  if (KNOWN_LEAF.test(text)) return { kind: "transient", where };
  return { kind: "unknown", where };
}

function matchAt(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
