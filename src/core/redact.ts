/**
 * The one redaction function for everything that leaves the process: prompts, logs, PR bodies, comments.
 * It favours false positives: a redacted hash in a prompt costs little, a leaked token costs a lot.
 */
export const MASK = "[REDACTED]";

/**
 * How far past a cut text is redacted: a secret the cut goes through is seen whole if it is shorter, and
 * every rule needs less of a secret to know it (url-credentials, the longest, some 800 characters).
 */
export const REDACT_PAST_CUT = 1024;

interface Rule {
  name: string;
  /**
   * A literal every match contains: tested first, because most text holds no secret and one cheap scan
   * is faster than the full pattern (this runs on every log line, on the webhook path too).
   */
  hint: RegExp;
  re: RegExp;
  /** Replacement; `$1` etc. keep a non-secret prefix (a header or a key name). */
  to: string;
}

// `[_-]`: HTTP headers name keys with hyphens (`X-Api-Key`, Azure OpenAI's `api-key`, APIM's `Ocp-Apim-Subscription-Key`).
// The kinds of KEY are those the patch policy reads as a secret's name (KEY_KINDS in src/patch/secret-env-reads.ts),
// and Laravel's APP_KEY; a CACHE_KEY or PRIMARY_KEY is not one.
const SECRET_NAMES =
  "SECRET|TOKEN|PASS(?:WORD|WD)?|PWD|CREDENTIALS?|CREDS(?![A-Za-z])|AUTH|SIGNATURE|CONN(?:ECTION)?_?STR(?:ING)?|DSN|SALT|" +
  "(?:API|ACCESS|PRIVATE|SUBSCRIPTION|SESSION|ENCRYPTION|SIGNING|MASTER|JWT|HMAC|SSH|GPG|PGP|DEPLOY|LICENSE|CLIENT|APP)[_-]?KEY";

const RULES: Rule[] = [
  // PEM/OpenSSH/PGP private keys, also inside JSON strings (`\n` escapes) and timestamped log lines. One with
  // no END line (cut) is masked to the end of the text; inside a JSON string (its lines end in `\n`), to the
  // end of that string: masked to the end, a log line lost its closing brace and newline, and the next line
  // was glued to it. Read escape by escape, the JSON form stops at the string's end without looking past it.
  {
    name: "private-key",
    hint: /PRIVATE KEY/,
    re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:(?=\\[nr])(?:(?!-----END [A-Z0-9 ]*PRIVATE KEY)(?:[^"\\]|\\[\s\S]))*(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?|[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$))/g,
    to: MASK,
  },
  { name: "github-token", hint: /gh[pousr]_|github_pat_/, re: /\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})\b/g, to: MASK },
  { name: "github-legacy-token", hint: /v1\./, re: /\bv1\.[0-9a-f]{40}\b/g, to: MASK },
  // Personal, pipeline-trigger, runner, deploy, CI/CD-job, feed, OAuth-app and incoming-mail tokens.
  { name: "gitlab-token", hint: /gl(?:pat|ptt|rt|dt|cbt|ft|oas|imt)-/, re: /\bgl(?:pat|ptt|rt|dt|cbt|ft|oas|imt)-[A-Za-z0-9_-]{20,}/g, to: MASK },
  { name: "sonarqube-token", hint: /sq[pua]_/, re: /\bsq[pua]_[a-f0-9]{40}\b/g, to: MASK },
  { name: "terraform-cloud-token", hint: /\.atlasv1\./, re: /\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,}/g, to: MASK },
  { name: "tensorzero-key", hint: /sk-t0-/, re: /\bsk-t0-[A-Za-z0-9_-]{8,}/g, to: MASK },
  { name: "openai-key", hint: /sk-/, re: /\bsk-(?:proj-|ant-[a-z0-9]+-)?[A-Za-z0-9_-]{20,}/g, to: MASK },
  { name: "aws-access-key", hint: /A(?:KIA|SIA|GPA|IDA|ROA|NPA|NVA)/, re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA)[A-Z0-9]{16}\b/g, to: MASK },
  { name: "google-api-key", hint: /AIza/, re: /\bAIza[0-9A-Za-z_-]{35}\b/g, to: MASK },
  { name: "google-oauth-token", hint: /ya29\./, re: /\bya29\.[0-9A-Za-z_-]{20,}/g, to: MASK },
  { name: "google-client-secret", hint: /GOCSPX-/, re: /\bGOCSPX-[0-9A-Za-z_-]{20,}/g, to: MASK },
  { name: "slack-token", hint: /xox|xapp-/, re: /\b(?:xox[abeposr]|xapp)-[A-Za-z0-9-]{10,}/g, to: MASK },
  // Incoming webhooks (`services/`) and Workflow Builder's (`workflows/`, `triggers/`): the URL is the credential.
  { name: "slack-webhook", hint: /hooks\.slack\.com/, re: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]+/g, to: `$1${MASK}` },
  // The id is kept (it names the channel's hook, not a secret); the token after it posts as the hook.
  {
    name: "discord-webhook",
    hint: /discord(?:app)?\.com\/api/,
    re: /(discord(?:app)?\.com\/api\/(?:v\d+\/)?webhooks\/\d+\/)[A-Za-z0-9_-]+/g,
    to: `$1${MASK}`,
  },
  { name: "stripe-key", hint: /k_(?:live|test)_/, re: /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, to: MASK },
  { name: "npm-token", hint: /npm_/, re: /\bnpm_[A-Za-z0-9]{36}\b/g, to: MASK },
  { name: "pypi-token", hint: /pypi-AgE/, re: /\bpypi-AgE[A-Za-z0-9_-]{50,}/g, to: MASK },
  { name: "docker-token", hint: /dckr_pat_/, re: /\bdckr_pat_[A-Za-z0-9_-]{20,}/g, to: MASK },
  { name: "huggingface-token", hint: /hf_/, re: /\bhf_[A-Za-z0-9]{30,}\b/g, to: MASK },
  { name: "digitalocean-token", hint: /do[opr]_v1_/, re: /\bdo[opr]_v1_[a-f0-9]{64}\b/g, to: MASK },
  { name: "shopify-token", hint: /shp(?:at|ca|pa|ss)_/, re: /\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b/g, to: MASK },
  { name: "vault-token", hint: /hv[sbr]\./, re: /\bhv[sbr]\.[A-Za-z0-9_-]{24,}/g, to: MASK },
  { name: "databricks-token", hint: /dapi/, re: /\bdapi[a-f0-9]{32}(?:-\d)?\b/g, to: MASK },
  { name: "sendgrid-key", hint: /SG\./, re: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g, to: MASK },
  { name: "age-secret-key", hint: /AGE-SECRET-KEY-/, re: /\bAGE-SECRET-KEY-1[0-9A-Z]{58}\b/g, to: MASK },
  // Microsoft Entra (Azure AD) client secrets: three characters, a digit, `Q~`, then 31 to 34 more.
  { name: "azure-client-secret", hint: /Q~/, re: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g, to: MASK },
  { name: "jwt", hint: /eyJ/, re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, to: MASK },
  // Azure storage/service-bus connection strings, SAS signatures, ADO.NET passwords: `Key=value;`. Here, in
  // url-signature and npmrc-auth, a value's backslash goes with the character after it, and the value ends
  // before a `\"` or `\\`: in a JSON log line, a mask that took the backslash of an escaped quote ended the
  // string there, and the line was no longer JSON.
  {
    name: "connection-string-key",
    hint: /(?:Key|Signature|Password|Pwd)=/i,
    re: /\b((?:AccountKey|SharedAccessKey|SharedAccessSignature|Password|Pwd)=)(?!\[REDACTED\]|\*\*\*(?![^;&\s"'<>\\]))(?:[^;&\s"'<>\\]|\\\\|\\(?!["\\]))+/gi,
    to: `$1${MASK}`,
  },
  { name: "url-signature", hint: /[?&]/, re: /([?&](?:sig|signature|X-Amz-Signature|X-Goog-Signature|token|access_token)=)(?!\[REDACTED\]|\*\*\*(?![^&\s"'<>#\\]))(?:[^&\s"'<>#\\]|\\\\|\\(?!["\\]))+/gi, to: `$1${MASK}` },
  {
    name: "bearer",
    hint: /authorization|bearer|basic|token/i,
    // Blanks, not \s: a line ending in "token" or "Basic" is not followed by its value on the next line.
    re: /\b(authorization:[ \t]*(?:bearer|basic|token|digest)?[ \t]*|bearer[ \t]+|basic[ \t]+|token[ \t]+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]{12,}/gi,
    to: `$1${MASK}`,
  },
  // A short credential is one too: after an Authorization header's scheme, the value whatever its length when
  // it is the header's whole value (it ends the line, a quoted string or a field). A word more words follow is
  // prose ("Authorization: Bearer token is required"); a `$VAR`, `***` or `<token>` is not a value.
  {
    name: "authorization-value",
    hint: /authorization/i,
    re: /\b(authorization(?:\\?["'])?[ \t]*:[ \t]*(?:\\?["'])?(?:bearer|basic|token)[ \t]+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]+(?=[ \t]*(?:[\r\n"'\\,;)}\]]|$))/gi,
    to: `$1${MASK}`,
  },
  // A cookie is a session: the whole header's value, up to a quote or backslash (a JSON log stays valid). It
  // starts with `name=`: `cookie: Cookie` is a type in code, not a header.
  {
    name: "cookie-header",
    hint: /cookie/i,
    re: /\b((?:set-)?cookie(?:\\?["'])?[ \t]*:[ \t]*(?:\\?["'])?)(?![ \t]|\[REDACTED\])(?=[^\s=;,"'\\()]{1,128}=)[^\r\n"'\\]{6,}/gi,
    to: `$1${MASK}`,
  },
  // `curl -u user:password`, `--user user:password`. A uid:gid (`docker run -u 1000:1000`) and a `$VAR` are not secrets.
  {
    name: "cli-user-password",
    hint: /-u\b|--user\b/,
    re: /((?:^|[\s"'`])(?:-u|--user)[ \t]+(?:\\?["'])?(?![$\d]+:)[^\s:"'\\]{1,128}:)(?!\[REDACTED\])(?![$*])(?!\d+(?![^\s"'\\]))(?:[^\s"'\\]|\\\\){1,256}/g,
    to: `$1${MASK}`,
  },
  // A secret given as a command's flag, `--password value` (`--password=value` is a secret-assignment). Not
  // `--password-stdin`, a `$VAR`, what the runner masked (`***`), nor a usage line's `--token TOKEN]`.
  {
    name: "cli-secret-flag",
    hint: /-(?:password|passwd|passphrase|token|secret|api-?key|access-?key|secret-?key)\b/i,
    re: /((?:^|[\s"'`])--?(?:[a-z]{1,32}-){0,4}(?:password|passwd|passphrase|token|client-?secret|api-?key|access-?key|secret-?key)[ \t]+(?:\\?["'])?)(?!\[REDACTED\])(?![-$*<])(?![A-Z][A-Z_]*(?:[\]\s"'\\]|$))(?:[^\s"'\\]|\\\\){6,512}/g,
    to: `$1${MASK}`,
  },
  // Database and SSH clients that take the password as a short flag. The MySQL family's `-p` takes it glued
  // (`-pS3cret`, `-p'S3cret'`; a bare `-p` asks for it, and the next word is the database); `sshpass -p` and
  // `redis-cli -a` take it glued or as the next word. Only after the client's name on the same command: `-p`
  // is a port, a plugin or a Maven project list elsewhere (`-p 8080`, `pytest -p no:cacheprovider`, `-pl`).
  // A value in quotes runs to the closing quote, which is kept (a JSON log stays valid); a `$VAR` and what the
  // runner masked (`***`) are kept, and so is a port mapping (`docker run --name mysql -p3306:3306 mysql:8`
  // names the client before its -p). The gap before the flag is capped, as url-credentials' parts are.
  {
    name: "cli-client-password",
    hint: /mysql|mariadb|sshpass|redis-cli|login/,
    re: new RegExp(
      String.raw`((?:^|[\s"'${"`"};&|(/])(?:` +
        String.raw`(?:mysql(?:admin|dump|import|check|show|pump|slap|binlog|sh)?|mariadb(?:-[a-z]+)?)(?:\.exe)?(?=[ \t])[^\r\n;&|]{0,512}?[ \t]-p` +
        String.raw`|sshpass(?:\.exe)?(?=[ \t])[^\r\n;&|]{0,256}?[ \t]-p[ \t]*` +
        String.raw`|redis-cli(?:\.exe)?(?=[ \t])[^\r\n;&|]{0,512}?[ \t](?:-a|--pass)[ \t]+` +
        // A registry client's login: `docker login -u ci -p S3cret ghcr.io` (its `-p` is a password only there).
        String.raw`|(?:docker|podman|buildah|skopeo|nerdctl|oras|helm[ \t]+registry)(?:\.exe)?[ \t]+login(?=[ \t])[^\r\n;&|]{0,256}?[ \t]-p[ \t]+` +
        String.raw`)(?:\\?["'])?)(?!\[REDACTED\])(?![$*])(?!(?:\d{1,3}(?:\.\d{1,3}){3}:)?\d{1,5}(?:-\d{1,5})?:\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp))?(?![^\s"';&|]))` +
        String.raw`(?:(?<=')[^'\r\n\\]+|(?<=")[^"\r\n\\]+|(?<!["'])(?:[^\s"'\\;&|${"`"})]|\\\\)+)`,
      "g",
    ),
    to: `$1${MASK}`,
  },
  // A .netrc entry, on one line (`machine h login u password p`) or its login and password on lines of their own.
  // A login that ends a clause (`login failed: password incorrect`) is prose, as is one that is a preposition
  // (`login with password authentication`).
  {
    name: "netrc-password",
    hint: /login/,
    re: /(\blogin[ \t]+(?!\S{0,255}[:;,.](?:\s|$))(?!(?:with|using|via|by|without|through|and|or|to|as|for)[ \t])\S{1,256}(?:[ \t]+|[ \t]*\r?\n[ \t]*)password[ \t]+)(?!\[REDACTED\]|\*\*\*(?!\S))(?![$])[^\s"'\\]{1,512}/g,
    to: `$1${MASK}`,
  },
  // An empty user (`redis://:password@host`) is Redis's usual form; a password may hold `@`, so the match
  // runs to the last `@` before the path. Every part has a length cap: unbounded, a long line of `a.a.a.…`
  // or `x://x://…` was tried from each position to its end (minutes for a 1 MB line). The scheme is looked
  // for behind each `://`, not ahead of every word start: one look per `://`, not 32 per position.
  // A password the runner masked (`https://x-access-token:***@github.com`) is left as it is, user and all.
  { name: "url-credentials", hint: /:\/\//, re: /(:\/\/)(?<=\b[a-z][a-z0-9+.-]{0,31}:\/\/)(?![^\s/:@]{0,256}:\*\*\*@(?![^\s/]*@))[^\s/:@]{0,256}:[^\s/]{0,512}@/gi, to: `$1${MASK}@` },
  // A token alone as the user (`https://<PAT>@dev.azure.com/…`, as GitHub, GitLab and Azure DevOps accept),
  // told from a login name (`git@`, `john@`) by its length and a digit.
  { name: "url-token-user", hint: /:\/\//, re: /(:\/\/)(?<=\b[a-z][a-z0-9+.-]{0,31}:\/\/)(?!\[REDACTED\])(?=[^\s/:@]{0,255}\d)[^\s/:@]{20,256}@/gi, to: `$1${MASK}@` },
  // What a workflow masks is a secret by its own say-so, and the runner prints the step's script (with its
  // `${{ }}` expressions already filled in) before it reads the command, so the header shows the value. A
  // `$VAR` is only the variable's name, kept. It stops at a quote or backslash: a JSON log stays valid.
  // What the runner masked (`***`) and an unexpanded `${{ … }}` (a workflow file, a diff of one) are kept too.
  { name: "add-mask", hint: /::add-mask::/, re: /(::add-mask::)(?!\[REDACTED\])(?!(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\*\*\*)(?:["'\s\\]|$))(?!\$\{\{)[^\r\n"'`\\]+/g, to: `$1${MASK}` },
  { name: "npmrc-auth", hint: /:_/, re: /(:_(?:authToken|auth|password)=)(?!\[REDACTED\]|\*\*\*(?![^\s"'\\]))(?:[^\s"'\\]|\\\\|\\(?!["\\]))+/g, to: `$1${MASK}` },
  {
    name: "secret-assignment",
    hint: /SECRET|TOKEN|PASS|PWD|KEY|CREDS|CREDENTIAL|AUTH|SIGNATURE|CONN|DSN|SALT/i,
    re: new RegExp(
      // Quotes may be JSON-escaped (a log line holding JSON); a value that is a call is code, not a secret;
      // `auth_token.go:112:4:` is a compiler's location in a file with a secret-looking name, not a value.
      // The name's parts and the look for a call are capped for the same reason as url-credentials' parts.
      // A version is a dependency's (`"passport": "^0.7.0"`, `tokenizers==0.15.2`), the evidence of a
      // dependency failure, not a secret.
      // The match starts at the secret's name, not at the start of the setting's name: the name's head is
      // kept as it is either way, and a pattern that began there read up to 128 characters back from every
      // word start of a long line (a 1 MB minified file took 0.4 s here, over 10 s on a loaded CI machine).
      `((?:${SECRET_NAMES})[A-Za-z0-9_.-]{0,128}(?:\\\\?["'])?\\s*[:=]\\s*(?:\\\\?["'])?)(?!\\[REDACTED\\])(?![^\\s"'\`,;\\\\]{0,256}\\()` +
        // `Authorization: Bearer ***`: the scheme is no secret, before a value already masked (by the runner, or by
        // the bearer rules), a placeholder or prose; masked, it left the credential after it in the clear.
        `(?!(?:bearer|basic|token|digest)(?![^\\s"'\`,;\\\\]))` +
        // A URL's password the runner masked (`x-access-token:***@github.com`) is no value of the name before it.
        `(?!(?<=:\\/\\/[^\\s/:@]{0,256}:)\\*\\*\\*@)` +
        `(?![=^~<>!]{0,3}v?\\d+(?:\\.\\d+)+(?:[-+.]?[A-Za-z][0-9A-Za-z.-]{0,31})?(?![^\\s"'\`,;\\\\]))` +
        `(?!(?<=\\.[A-Za-z]{1,6}:)\\d+(?::\\d+)*:?(?![^\\s"'\`,;\\\\]))([^\\s"'\`,;\\\\]{6,})`,
      "gi",
    ),
    to: `$1${MASK}`,
  },
  // The same settings in XML: a Maven settings.xml or pom.xml property, phpunit.xml's `<env name= value=>`,
  // .NET's `<add key= value=>`. A `${env.X}` placeholder and a dependency's version are not secrets.
  {
    name: "xml-secret-element",
    hint: /<\//,
    re: new RegExp(
      `(<([A-Za-z0-9_.:-]{0,128}(?:${SECRET_NAMES})[A-Za-z0-9_.:-]{0,128})>\\s*)(?!\\[REDACTED\\])(?!\\$\\{)(?!\\d+(?:\\.\\d+)+)([^\\s<]{6,512})(?=\\s*<\\/\\2>)`,
      "gi",
    ),
    to: `$1${MASK}`,
  },
  {
    name: "xml-secret-attribute",
    hint: /value\s*=/i,
    re: new RegExp(
      `(\\b(?:name|key)\\s*=\\s*(\\\\?["'])[A-Za-z0-9_.:-]{0,128}(?:${SECRET_NAMES})[A-Za-z0-9_.:-]{0,128}\\2\\s+value\\s*=\\s*\\2)(?!\\[REDACTED\\])(?!\\$\\{)([^"'\\\\<>]{6,512})`,
      "gi",
    ),
    to: `$1${MASK}`,
  },
];

/**
 * Long runs of base64/hex-ish characters with high entropy: keys we do not know the shape of. The
 * lookbehind only lets a match start where a run starts, so a line is scanned once, not once per position.
 */
const CANDIDATE = /(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_=-]{32,}/g;

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
  // Lower case, upper case and digits all present: this alone rules out UUIDs, hex hashes, words and paths.
  if (!/[a-z]/.test(s) || !/[A-Z]/.test(s) || !/[0-9]/.test(s)) return false;
  if (/^[0-9a-f]{40}$/i.test(s) || /^[0-9a-f]{64}$/i.test(s)) return false; // git SHAs and content hashes
  if (wordsAndHashes(s)) return false;
  return entropy(s) >= 4.2;
}

/**
 * One part of a name: a word (`test`, `OK`, `Linux`, `MockService`, `JSONReader`, `getURL`), perhaps with a
 * number after it (`x64`, `jdk17`), a number, or a lower-case hex hash. Random letters switch case too often
 * to be read as words (`fjXlZsOhiYjmNxPOWn`).
 */
const NAME_PART = /^(?:(?:[A-Z]+|[A-Z]?[a-z]+)(?:[A-Z][a-z]{2,})*[A-Z]*\d{0,4}|\d+|[0-9a-f]+)$/;

/**
 * A name made of words, numbers and hashes: a parametrised test (`test_metrics_3_grpc_code_OK_grpc_type_UNARY_`),
 * a cache key (`node-cache-Linux-x64-npm-<sha256>`), a toolchain path. It has the three kinds of character and
 * the entropy of a key, and it was masked, when it is the failing test's name the model must read. A random
 * key cut at its `-`, `_` or `/` has parts that mix digits into letters (`Xk3LpQ9z`), so it is not one.
 */
function wordsAndHashes(s: string): boolean {
  const parts = s.split(/[-_./+=]+/).filter(Boolean);
  return parts.length >= 2 && parts.every((p) => NAME_PART.test(p));
}

/** Any rule's hint: one scan tells whether any rule needs to run at all. */
const ANY_HINT = new RegExp(RULES.map((r) => `(?:${r.hint.source})`).join("|"), "i");

/**
 * Rules whose match is a credential by its shape alone (a key block, a token's prefix), not by a name beside
 * it: code and test fixtures hold `password = "x"`, `postgres://user:pass@localhost` and sample JWTs for good
 * reasons, but not these.
 */
const CREDENTIAL_SHAPES = new Set([
  "private-key", "github-token", "gitlab-token", "tensorzero-key", "openai-key", "aws-access-key", "google-api-key",
  "google-oauth-token", "google-client-secret", "slack-token", "slack-webhook", "discord-webhook", "stripe-key", "npm-token", "pypi-token",
  "docker-token", "huggingface-token", "digitalocean-token", "shopify-token", "vault-token", "databricks-token",
  "sendgrid-key", "age-secret-key", "azure-client-secret", "sonarqube-token", "terraform-cloud-token",
]);

/** The kind of the first credential-shaped secret in `text` (a rule name such as "github-token"), if any. */
export function credentialIn(text: string): string | undefined {
  for (const rule of RULES) {
    if (!CREDENTIAL_SHAPES.has(rule.name) || !rule.hint.test(text)) continue;
    rule.re.lastIndex = 0;
    const found = rule.re.test(text);
    rule.re.lastIndex = 0;
    if (found) return rule.name;
  }
  return undefined;
}

export function redact(text: string): string {
  if (!text) return text;
  // Read before the add-mask rule hides them: the same text may show a masked value again elsewhere.
  const masked = text.includes("::add-mask::") ? addMaskValues(text) : [];
  let out = text;
  if (ANY_HINT.test(out)) for (const rule of RULES) if (rule.hint.test(out)) out = out.replace(rule.re, rule.to);
  out = out.replace(CANDIDATE, (m: string, at: number, whole: string) => (looksLikeSecret(m) && !isSourcePath(m, whole, at + m.length) ? MASK : m));
  return masked.length ? maskValues(out, masked) : out;
}

const ADD_MASK = /::add-mask::(?!\[REDACTED\]|\$\{\{)([^\r\n"'`\\]+)/g;
/**
 * Shorter values are not masked wherever they appear: `::add-mask::abc` would take every `abc` out of the
 * log. The add-mask rule still masks the command's own value, whatever its length.
 */
const MIN_MASKED_VALUE = 6;

/**
 * The values a workflow registered with `::add-mask::` in `text` (a `$VAR` is a name, not a value). The runner
 * masks them only in what is printed after the command, and not in the step's header that shows the command
 * itself: the value can stand in the log unmasked before it, in another step's output, or in the app's own run.
 */
export function addMaskValues(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(ADD_MASK)) {
    const v = m[1]!.trim();
    // Unquoted in a script (`echo ::add-mask::$value && deploy`), the value is the first word; printed as a
    // command, the whole rest of the line. Both are taken.
    for (const each of [v, v.split(/\s/)[0]!]) {
      if (each.length >= MIN_MASKED_VALUE && each !== "***" && !each.startsWith("*** ") && !/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(each)) out.add(each);
    }
  }
  return [...out];
}

/**
 * `text` with every value of `values` masked, and the forms the Actions runner also masks it in (actions/runner's
 * value encoders): URL-encoded, JSON-escaped, and base64 at each of the three byte alignments (the value inside a
 * longer encoded string, `user:value` in a Basic header), standard and URL-safe.
 */
export function maskValues(text: string, values: Iterable<string>): string {
  return valueMasker(values)(text);
}

/** `maskValues` for many texts: the encoded forms are worked out once. */
export function valueMasker(values: Iterable<string>): (text: string) => string {
  const forms = new Set<string>();
  for (const v of values) for (const f of encodedForms(v)) forms.add(f);
  if (!forms.size) return (text) => text;
  // Longest first: a value that holds another is masked whole. One alternation, not a scan per form: a job
  // can register thousands of values, each with its ten forms, and the text can be megabytes.
  const any = new RegExp([...forms].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  return (text) => text.replace(any, MASK);
}

function encodedForms(value: string): string[] {
  const uri = encodeURIComponent(value);
  // The runner's Uri.EscapeDataString also escapes `!'()*`, which encodeURIComponent leaves.
  const strict = uri.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const forms = [value, uri, strict, JSON.stringify(value).slice(1, -1)];
  const bytes = Buffer.from(value, "utf8");
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    // Only the characters all of whose six bits come from the value: the others depend on its neighbours.
    const first = Math.ceil((shift * 8) / 6);
    const last = Math.floor(((shift + bytes.length) * 8) / 6);
    const core = b64.slice(first, last);
    if (core.length >= 8) forms.push(core, core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return forms.filter((f) => f.length >= MIN_MASKED_VALUE);
}

/** `redactDeep`'s walk with `maskValues`: the values a log registered, taken out of all that was read from it. */
export function maskValuesDeep<T>(value: T, values: string[]): T {
  if (!values.length) return value;
  const mask = valueMasker(values);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return mask(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * A JSON escape, read left to right so that `\\n` is an escaped backslash and an `n`; the control
 * characters' (`\n`, `\t`, `\u001b` with the rest of an ANSI colour code) are captured.
 */
const JSON_ESCAPE = /\\(?:(u001[bB](?:\[[0-9;?]*[ -/]*[@-~])?|u[0-9a-fA-F]{4}|[bfnrt])|.)/g;
/** Never in JSON text (JSON.stringify escapes every control character): marks where a string's line starts. */
const LINE_START = "\u0001";

/**
 * `redact` for text already serialised as JSON (the logger's lines). A newline in a string is written `\n`,
 * so a secret starting the next line follows an `n`, a word character: no rule that starts at a word
 * boundary saw it, and the high-entropy rule masked the `n` with it, leaving `\[REDACTED]`, which is not
 * JSON. A mark after each escaped control character makes it a boundary, and is taken out again.
 */
export function redactJsonLine(line: string): string {
  if (!line.includes("\\") || line.includes(LINE_START)) return redact(line);
  const marked = line.replace(JSON_ESCAPE, (m, control: string | undefined) => (control ? m + LINE_START : m));
  const out = redact(marked).replaceAll(LINE_START, "");
  return out.includes(NESTED_QUOTE) ? redactNestedJson(out) : out;
}

/** A quote escaped twice: JSON text inside a string logged as JSON (an HTTP error's request body quoting a file). */
const NESTED_QUOTE = '\\\\\\"';

/**
 * The rules read a quote escaped once (`\"password\": \"…\"`), not twice: a file's `"password": "…"` in the
 * body of a request an error carries reached the log as `\\\"password\\\": \\\"…\\\"`, whole. Each string
 * of the line is redacted again as it reads unescaped, and so on down while it is JSON holding such quotes;
 * the line is written again only when that changed something.
 */
function redactNestedJson(line: string): string {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      if (!v.includes('"')) return v;
      const clean = redactJsonLine(v);
      if (clean !== v) changed = true;
      return clean;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  const out = walk(parsed);
  return changed ? JSON.stringify(out) + (line.endsWith("\n") ? "\n" : "") : line;
}

/**
 * The first `max` characters of `text` once redacted, with `…` when cut. Redacted before the cut: the head of
 * a secret the cut went through is too short for its rule (`glpat-xN3k…`, `postgres://u:pass…` without its
 * `@`), so what follows the cut is redacted too. The word that window's own cut goes through is dropped if it
 * starts past `max`: it was seen without its end, and is shown only when redaction shortened what comes before
 * it. One that starts before `max` was seen far enough. The cut does not go through a marker (`[REDAC…` reads
 * as text) or a surrogate pair.
 */
export function redactHead(text: string, max: number): string {
  if (text.length <= max) return redact(text);
  let window = text.slice(0, max + Math.max(max, REDACT_PAST_CUT));
  const whole = window.length === text.length;
  if (!whole) {
    const word = /\S*$/.exec(window)![0].length;
    if (window.length - word >= max) window = window.slice(0, window.length - word);
  }
  const clean = redact(window);
  if (whole && clean.length <= max) return clean;
  let end = Math.min(max, clean.length);
  const marker = clean.lastIndexOf(MASK, end - 1);
  if (marker >= 0 && marker + MASK.length > end) end = marker;
  if (end > 0 && /[\uD800-\uDBFF]/.test(clean[end - 1]!)) end--;
  return `${clean.slice(0, end)}…`;
}

const KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
const KEY_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
/** A line of a key's body: base64, or the headers (and the blank line after them) of PGP and encrypted PEM. */
const KEY_BODY = /^\s*(?:[A-Za-z0-9+/=]+|(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset|MessageID): .*)\s*$/;
/** The runner's timestamp before each line of a raw Actions log (as in src/logs/line-format.ts). */
const RUNNER_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;

/**
 * Masks, in place, the body lines of a private key next to its BEGIN or END line in `lines` (consecutive
 * lines of one text, a raw log's with their timestamps). Text taken line by line (log lines, a window of a
 * file) can hold a key's body without the BEGIN line the private-key rule needs: each body line is masked as
 * high-entropy base64, but the last is often short enough to pass for a word. A window of the text is safe
 * once this ran on all of it.
 */
export function maskKeyBodies(lines: string[]): void {
  // What stands before the BEGIN or END line's marker (a compose service's `web-1  | `, kubectl's `[pod/x/c] `)
  // stands before each line of the body too: read past it, a prefixed body line is base64 like any other.
  const walk = (from: number, step: 1 | -1, prefix: string) => {
    for (let i = from + step; i >= 0 && i < lines.length; i += step) {
      let text = plain(lines[i]!);
      if (prefix && text.startsWith(prefix)) text = text.slice(prefix.length);
      if (!text.trim()) continue;
      if (!KEY_BODY.test(text)) return;
      lines[i] = MASK;
    }
  };
  const prefixOf = (line: string, marker: RegExp) => {
    const text = plain(line);
    return text.slice(0, Math.max(0, text.search(marker)));
  };
  lines.forEach((line, i) => {
    const begins = KEY_BEGIN.test(line);
    const ends = KEY_END.test(line);
    if (begins && !ends) walk(i, 1, prefixOf(line, KEY_BEGIN));
    if (ends && !begins) walk(i, -1, prefixOf(line, KEY_END));
  });
}

/** A raw log line without the runner's timestamp and colour codes. */
const plain = (line: string) => line.replace(RUNNER_TIMESTAMP, "").replace(ANSI_SGR, "");
const ANSI_SGR = /\u001b\[[0-9;]*m/g;

/**
 * `org/apache/commons/lang3/StringUtils` before `.java`: a source path has the mixed case and digits of a
 * key, but it names a file the model must see. Two slashes and a source extension right after it tell it
 * apart; a key is not followed by `.java`.
 */
const SOURCE_EXT = /^\.(?:java|kt|kts|scala|groovy|gradle|cs|fs|vb|go|rs|py|pyi|rb|php|swift|m|mm|c|cc|cpp|cxx|h|hh|hpp|js|jsx|mjs|cjs|ts|tsx|mts|cts|vue|svelte|dart|ex|exs|erl|clj|lua|sh|xml|json|ya?ml|toml|properties|proto|sql|md|html|css|scss)\b/;
function isSourcePath(m: string, whole: string, end: number): boolean {
  return m.indexOf("/") !== m.lastIndexOf("/") && SOURCE_EXT.test(whole.slice(end, end + 12));
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
