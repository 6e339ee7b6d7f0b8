/**
 * The one redaction function for everything that leaves the process: prompts, logs, PR bodies, comments.
 * It favours false positives: a redacted hash in a prompt costs little, a leaked token costs a lot.
 */
const MASK = "[REDACTED]";

interface Rule {
  name: string;
  re: RegExp;
  /** Replacement; `$1` etc. keep a non-secret prefix (a header or a key name). */
  to: string;
}

const SECRET_NAMES =
  "SECRET|TOKEN|PASSWORD|PASSWD|PWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH|SIGNATURE|SESSION_?KEY|" +
  "ENCRYPTION_?KEY|CONN(?:ECTION)?_?STR(?:ING)?|DSN|SALT";

const RULES: Rule[] = [
  // PEM/OpenSSH/PGP private keys, also inside JSON strings (`\n` escapes) and timestamped log lines.
  { name: "private-key", re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)/g, to: MASK },
  { name: "github-token", re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})\b/g, to: MASK },
  { name: "github-legacy-token", re: /\bv1\.[0-9a-f]{40}\b/g, to: MASK },
  { name: "gitlab-token", re: /\bglpat-[A-Za-z0-9_-]{20,}/g, to: MASK },
  { name: "tensorzero-key", re: /\bsk-t0-[A-Za-z0-9_-]{8,}/g, to: MASK },
  { name: "openai-key", re: /\bsk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{20,}/g, to: MASK },
  { name: "aws-access-key", re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}\b/g, to: MASK },
  { name: "google-api-key", re: /\bAIza[0-9A-Za-z_-]{35}\b/g, to: MASK },
  { name: "google-oauth-token", re: /\bya29\.[0-9A-Za-z_-]{20,}/g, to: MASK },
  { name: "google-client-secret", re: /\bGOCSPX-[0-9A-Za-z_-]{20,}/g, to: MASK },
  { name: "slack-token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, to: MASK },
  { name: "slack-webhook", re: /(hooks\.slack\.com\/services\/)[A-Za-z0-9/_-]+/g, to: `$1${MASK}` },
  { name: "stripe-key", re: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, to: MASK },
  { name: "npm-token", re: /\bnpm_[A-Za-z0-9]{36}\b/g, to: MASK },
  { name: "jwt", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, to: MASK },
  // Azure storage/service-bus connection strings, SAS signatures, ADO.NET passwords: `Key=value;`.
  {
    name: "connection-string-key",
    re: /\b((?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=)(?!\[REDACTED\])[^;&\s"'<>]+/gi,
    to: `$1${MASK}`,
  },
  { name: "url-signature", re: /([?&](?:sig|signature|X-Amz-Signature|X-Goog-Signature|token|access_token)=)(?!\[REDACTED\])[^&\s"'<>#]+/gi, to: `$1${MASK}` },
  {
    name: "bearer",
    re: /\b(authorization:\s*(?:bearer|basic|token|digest)?\s*|bearer\s+|basic\s+|token\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{12,}/gi,
    to: `$1${MASK}`,
  },
  { name: "url-credentials", re: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/:@]+:[^\s/@]+@/gi, to: `$1${MASK}@` },
  { name: "npmrc-auth", re: /(:_(?:authToken|auth|password)=)(?!\[REDACTED\])[^\s"']+/g, to: `$1${MASK}` },
  {
    name: "secret-assignment",
    re: new RegExp(
      // Quotes may be JSON-escaped (a log line holding JSON); a value that is a call is code, not a secret.
      `\\b([A-Za-z0-9_.-]*(?:${SECRET_NAMES})[A-Za-z0-9_.-]*(?:\\\\?["'])?\\s*[:=]\\s*(?:\\\\?["'])?)(?!\\[REDACTED\\])(?![^\\s"'\`,;\\\\]*\\()([^\\s"'\`,;\\\\]{6,})`,
      "gi",
    ),
    to: `$1${MASK}`,
  },
];

/** Long runs of base64/hex-ish characters with high entropy: keys we do not know the shape of. */
const CANDIDATE = /[A-Za-z0-9+/_=-]{32,}/g;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

function looksLikeSecret(s: string): boolean {
  if (/^[0-9a-f]{40}$/i.test(s) || /^[0-9a-f]{64}$/i.test(s)) return false; // git SHAs and content hashes
  if (/^[A-Za-z]+$/.test(s) || /^\d+$/.test(s)) return false;
  if (/^[a-z0-9_/-]+$/.test(s) && s.includes("/")) return false; // paths
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(s)).length;
  return classes >= 3 && entropy(s) >= 4.2;
}

export function redact(text: string): string {
  if (!text) return text;
  let out = text;
  for (const rule of RULES) out = out.replace(rule.re, rule.to);
  return out.replace(CANDIDATE, (m) => (looksLikeSecret(m) ? MASK : m));
}

/** Redacts every string inside a JSON-like value (used on prompt inputs and job records before export). */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}
