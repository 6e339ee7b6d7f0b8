import { createPrivateKey } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";
import { AppError } from "../core/errors.js";
import { REPO_FULL_NAME } from "../core/list-query.js";

const bool = (def: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return def;
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      ctx.addIssue({ code: "custom", message: `must be true or false, got "${v}"` });
      return z.NEVER;
    });
/** GITHUB_REQUEST_TIMEOUT_MS when unset, and the GitHub adapter's limit when it is given none (tests, scripts). */
export const GITHUB_REQUEST_TIMEOUT_DEFAULT_MS = 30_000;

const int = (def: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === "") return def;
      const n = Number(v);
      // Digits only: Number() reads "  " as 0 (PORT="  " would listen on a random port, T0_WORKERS="  " run
      // no jobs), and "0x10" or "1e3" as numbers nobody meant to write.
      if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) {
        ctx.addIssue({ code: "custom", message: `must be a whole number ≥ ${min}, got "${v}"` });
        return z.NEVER;
      }
      return n;
    });
const port = (def: number) => int(def, 0).pipe(z.number().max(65_535, "must be a TCP port from 0 to 65535 (e.g. 3000)"));
/**
 * Comma-separated owner/name. Empty or unset: every repository the installation grants ([]). A value with
 * no entries at all (",", " , ", or only spaces) is refused: reading it as "allow everything" would silently
 * widen access. (An unquoted `REPO_ALLOWLIST=   ` line in .env arrives empty: .env loading trims it.)
 */
const repoList = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === "") return [];
    const entries = v.split(",").map((s) => s.trim()).filter(Boolean);
    const hint = "list repositories as owner/name separated by commas (e.g. octo-org/api,octo-org/web), or leave it empty to allow every repository the installation grants";
    if (entries.length === 0) ctx.addIssue({ code: "custom", message: `"${v}" names no repository; ${hint}` });
    for (const e of entries) {
      if (!REPO_FULL_NAME.test(e)) ctx.addIssue({ code: "custom", message: `"${e}" is not owner/name; ${hint}` });
    }
    return entries.map((e) => e.toLowerCase());
  });
/**
 * `NAME=` (empty) means unset, as for every other setting: a string setting given "" was used as "", so
 * HOST= listened on every interface, DATA_DIR= put the store in the working directory and WEBHOOK_SECRET=
 * made every signature check fail. Only spaces is refused: set, but to nothing anyone meant.
 */
const blankIsUnset = z.string().optional().transform((v) => (v === "" ? undefined : v));
const text = (def: string) =>
  blankIsUnset.pipe(z.string().refine((v) => v.trim() !== "", `is only spaces; leave it empty for the default (${def}) or put a value there`).default(def));
/** zod's own message quotes the choices as a union type and leaves out the value it refused. */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: (issue) => `must be one of ${values.join(", ")}, got ${JSON.stringify(issue.input)}` });
const choice = <const T extends readonly [string, ...string[]]>(values: T, def: T[number]) => blankIsUnset.pipe(oneOf(values).default(def));
/**
 * An optional http(s) URL with a host. z.url() alone took ftp://x and a bare `gateway:3000` (a URL of scheme
 * "gateway:"), which fetch and undici then refused on every call; `credentials`, when given, is the message for
 * a URL carrying user:password (the value, a password, is not echoed).
 */
const httpUrl = (example: string, credentials?: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const u = URL.canParse(v) ? new URL(v) : undefined;
      if (!u || !/^https?:$/.test(u.protocol) || !u.hostname) {
        ctx.addIssue({ code: "custom", message: `must be an http:// or https:// URL with a host, e.g. ${example}` });
        return z.NEVER;
      }
      if (credentials && (u.username || u.password)) {
        ctx.addIssue({ code: "custom", message: credentials });
        return z.NEVER;
      }
      return v;
    });
/**
 * The gateway's base URL, without user:password: undici drops URL credentials without a word, so a URL
 * meant for basic auth in front of the gateway sent none and every call came back 401; and the gateway
 * itself only knows bearer keys (reference §4).
 */
const tensorZeroUrl = httpUrl("http://gateway:3000", "must not contain user:password (they would not be sent; the gateway only accepts bearer keys): put the gateway's sk-t0-... key in TENSORZERO_API_KEY and leave the URL as e.g. http://gateway:3000");
/**
 * The clone host, without user:password: fetch refuses a URL with credentials, so every clone failed while
 * start-up had accepted it; and clones authenticate with the installation token anyway.
 */
const gitBaseUrl = httpUrl("https://git.example.com", "must not contain user:password (clones authenticate with the app's installation token; fetch refuses URLs with credentials): leave it as the host alone, e.g. https://git.example.com, or empty to clone from the GitHub host");
/**
 * Read by ioredis (and Probot's throttling): a value it cannot parse loaded here and then failed inside
 * Probot ("Failed to initialize Probot", TypeError: Invalid URL). The only path ioredis reads is a database
 * number (/2).
 */
const redisUrl = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const u = URL.canParse(v) ? new URL(v) : undefined;
    if (!u || !/^rediss?:$/.test(u.protocol) || !/^(\/\d*)?$/.test(u.pathname)) {
      ctx.addIssue({ code: "custom", message: "must be a URL such as redis://host:6379 (rediss:// for TLS, redis://:password@host:6379/2 for a password and database 2)" });
      return z.NEVER;
    }
    return v;
  });
/**
 * A host name with an optional port, as Probot reads GHE_HOST: a scheme or a path made every API call go
 * to a host named "https" (or fail to parse), which then looked like GitHub being down.
 */
const hostAndPort = z
  .string()
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined))
  .pipe(
    z
      .string()
      .refine((v) => {
        try {
          const u = new URL(`https://${v}`);
          return u.host === v.toLowerCase() && u.pathname === "/" && !u.username && !u.search && !u.hash;
        } catch {
          return false;
        }
      }, "must be the host name of your GitHub Enterprise Server alone, e.g. ghe.example.com or ghe.example.com:8443 (no https://, no path; the scheme goes in GHE_PROTOCOL)")
      .optional(),
  );

/** Every setting, with Probot's own names where they exist. `.env.example` documents each one. */
const envSchema = z.object({
  APP_ID: z.string().optional().transform((v) => (v ? v : undefined)).pipe(z.string().regex(/^\d+$/, "must be the numeric App ID from the app's settings page").optional()),
  PRIVATE_KEY: z.string().optional(),
  PRIVATE_KEY_PATH: z.string().optional(),
  WEBHOOK_SECRET: blankIsUnset,
  WEBHOOK_PROXY_URL: httpUrl("https://smee.io/your-channel"),
  GHE_HOST: hostAndPort,
  GHE_PROTOCOL: blankIsUnset.pipe(oneOf(["http", "https"]).optional()),
  /**
   * Each GitHub API request must be answered, body included, within this; a log download from its storage
   * host must not go this long without a byte. Past it the request is dropped and the job waits (github_unavailable).
   * Node's own limits were 300 s per stalled read, for which a job's worker and its installation's writes waited.
   */
  GITHUB_REQUEST_TIMEOUT_MS: int(GITHUB_REQUEST_TIMEOUT_DEFAULT_MS, 100),
  /** Clone host when it differs from the GitHub host (tests: a local git server). */
  GIT_BASE_URL: gitBaseUrl,
  PORT: port(3000),
  HOST: text("localhost"),
  LOG_LEVEL: choice(["trace", "debug", "info", "warn", "error", "fatal", "silent"], "info"),
  NODE_ENV: z.string().optional(),
  BOT_LOGIN: blankIsUnset.pipe(
    z
      .string()
      .trim()
      // A URL or an app's display name here never matched any actor: runs the app itself triggered would be repaired.
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?(?:\[bot\])?$/, "must be a GitHub login such as my-app[bot] (the app's slug, letters, digits and hyphens, with or without [bot]); leave it empty to use what GitHub says")
      .optional(),
  ),
  /**
   * Setup wizard only: whether it skips creating a smee.io channel. Probot reads the raw variable and skips only
   * on the exact string "true", so main.ts hands it this value spelled that way; left to Probot, an empty
   * `NO_SMEE_SETUP=` or `yes` made the wizard go online. (With WEBHOOK_PROXY_URL set Probot skips it anyway.)
   */
  NO_SMEE_SETUP: bool(true),

  DATA_DIR: text("./data"),
  /**
   * Bytes of webhook bodies held in memory before their signature is checked, all requests together; a body
   * that does not fit is answered 503 and redelivered later. At least 25 MB, so GitHub's largest delivery
   * always fits when nothing else is in flight. 100 MB: four of those at once, or thousands of the usual
   * tens-of-KB deliveries; the heap they cost is up to about three times that (chunks, joined buffer, string).
   */
  WEBHOOK_UNVERIFIED_MAX_BYTES: int(100 * 1024 * 1024, 25 * 1024 * 1024),
  /** Every HTTP request, headers and body, must arrive within this (GitHub gives up on a delivery after 10 s). */
  HTTP_REQUEST_TIMEOUT_MS: int(10_000, 1_000),
  ADMIN_TOKEN: z.string().optional().transform((v) => (v ? v : undefined)).pipe(
    z
      .string()
      .min(16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)")
      // `Authorization: Bearer <token>` carries one word (bearer-auth.ts): a token with a space never matched.
      .regex(/^\S+$/, "must be one word, no spaces (it is sent as `Authorization: Bearer <token>`; e.g. `openssl rand -hex 32`)")
      .optional(),
  ),
  T0_WORKERS: int(2, 0),
  T0_PER_REPO_CONCURRENCY: int(1, 1),
  REPO_ALLOWLIST: repoList,
  DRY_RUN: bool(false),
  MAX_ATTEMPTS_PER_FINGERPRINT: int(3, 1),
  /**
   * The bot's fix PRs open at once in one repository (0 = no cap): a burst of failing branches (a broken
   * dependency, a CI outage) must not become a wall of PRs. A fix that finds the cap reached fails with
   * `open_fix_prs_capped`; `jobs retry` opens it once some are merged or closed.
   */
  MAX_OPEN_FIX_PRS_PER_REPO: int(3, 0),
  /**
   * Ceiling on a repository's `max_patch_retries` (0 = no second proposal anywhere): each try is another model
   * call and another validation run on this host, so the operator caps what `.github/ci-bot.yml` may ask.
   */
  MAX_PATCH_RETRIES: int(3, 0),
  JOB_MAX_RETRIES: int(6, 0),
  RETRY_BASE_MS: int(5_000, 1),
  RETRY_MAX_MS: int(15 * 60_000, 1),
  WAIT_MAX_HOURS: int(24, 1),
  RETENTION_DAYS: int(30, 1),
  /** fdatasync the intake journal before acknowledging a webhook (power-loss safety; a crash is covered either way). */
  STORE_FSYNC: bool(true),
  /** Webhooks GitHub could not deliver (app down, 5xx) in this many past hours are redelivered at start and hourly; 0 = off. */
  REDELIVER_WINDOW_HOURS: int(24, 0).pipe(z.number().max(72, "GitHub keeps three days of deliveries: use 0-72")),
  /** A job parked this many hours for a webhook (its fix PR's outcome, a re-run) is checked against GitHub hourly; 0 = off. */
  RECONCILE_PARKED_HOURS: int(24, 0),

  TENSORZERO_URL: tensorZeroUrl,
  TENSORZERO_API_KEY: z.string().optional().transform((v) => (v ? v : undefined)),
  /** Above the gateway's worst case: every candidate variant plus the fallback timing out (tensorzero.toml). */
  TENSORZERO_TIMEOUT_MS: int(600_000, 1),
  TENSORZERO_FUNCTION: text("fix_ci_failure"),

  REDIS_URL: redisUrl,
  /** Key namespace in Redis for the store and the BullMQ queue (one per deployment sharing a server). */
  REDIS_PREFIX: blankIsUnset.pipe(z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only (e.g. t0 or t0-staging)").default("t0")),
  /** BullMQ: a worker silent this long is presumed dead and its job runs elsewhere. */
  QUEUE_LOCK_MS: int(30_000, 500),
  QUEUE_STALLED_INTERVAL_MS: int(30_000, 100),
  /** BullMQ: a job whose repository is at T0_PER_REPO_CONCURRENCY waits about this long before trying again. */
  QUEUE_REPO_BUSY_DELAY_MS: int(1_000, 10),
  /** `t0-ci-bot worker`: how long SIGTERM waits for running jobs before interrupting them. */
  WORKER_DRAIN_MS: int(60_000, 0),
  /** `t0-ci-bot worker`: serve /healthz and /readyz on this port, and /metrics behind ADMIN_TOKEN (0 = off). */
  WORKER_HEALTH_PORT: port(0),

  WORKSPACE_ROOT: text(join(tmpdir(), "t0-ci-bot")),
  WORKSPACE_MAX_BYTES: int(500 * 1024 * 1024, 1),
  WORKSPACE_MAX_FILES: int(50_000, 1),
  WORKSPACE_MAX_CONCURRENT: int(4, 1),
  WORKSPACE_MIN_FREE_BYTES: int(1024 * 1024 * 1024, 0),
  CLONE_TIMEOUT_MS: int(5 * 60_000, 1),
  KEEP_WORKSPACE: bool(false),

  LOG_MAX_BYTES_PER_JOB: int(20 * 1024 * 1024, 1024),
  CONTEXT_BUDGET_TOKENS: int(6_000, 500),

  VALIDATION_TIMEOUT_MS: int(10 * 60_000, 1),
  VALIDATION_OUTPUT_MAX_BYTES: int(1024 * 1024, 1024),
  /** All validation commands of one job together; reproduce-first is skipped when it would not fit. */
  VALIDATION_BUDGET_MS: int(30 * 60_000, 1),
  /**
   * A validation command is killed when free space on its checkout's or temp dir's disk falls below this
   * (0 = not watched). Lower than WORKSPACE_MIN_FREE_BYTES: a job whose clone just passed that check has the difference for its tests.
   */
  VALIDATION_MIN_FREE_BYTES: int(256 * 1024 * 1024, 0),
  /**
   * A validation command is killed when the host's available memory (MemAvailable) falls below this (0 = not
   * watched): before the kernel's OOM killer picks a process, which may be this app or Redis. Off where
   * MemAvailable cannot be read (not Linux).
   */
  VALIDATION_MIN_FREE_MEMORY_BYTES: int(256 * 1024 * 1024, 0),
  SANDBOX: choice(["auto", "bwrap", "off"], "auto"),
  /** The most network a repository's `network:` may give the sandbox: allow (what it asks), setup, off. */
  SANDBOX_NETWORK: choice(["allow", "setup", "off"], "allow"),
  REPRODUCE_FIRST: bool(true),
});

export type Env = z.infer<typeof envSchema>;

export interface AppConfig extends Env {
  /** PEM contents, resolved from PRIVATE_KEY or PRIVATE_KEY_PATH. */
  privateKey?: string;
  /** True when the GitHub App credentials are present (otherwise `npm start` opens Probot's setup page). */
  hasCredentials: boolean;
  dataDir: string;
  /** Settings that load but are likely a mistake, said once at start (logConfigWarnings). */
  warnings: string[];
}

export class ConfigError extends AppError {
  constructor(readonly problems: string[]) {
    super("config_invalid", `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\nFix these in your environment or .env (see .env.example).`);
  }
}

export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
  }
  const cfg = parsed.data;
  const problems: string[] = [];
  const warnings: string[] = [];
  let privateKey: string | undefined;
  if (cfg.PRIVATE_KEY) {
    privateKey = cfg.PRIVATE_KEY.replace(/\\n/g, "\n");
    // Probot's getPrivateKey prefers PRIVATE_KEY too, and we keep its names, so we keep its choice; but two
    // keys set means one is stale, and a key GitHub refuses then looks like the other one being wrong.
    const conflict = cfg.PRIVATE_KEY_PATH ? otherKeyAt(cfg.PRIVATE_KEY_PATH, privateKey) : undefined;
    if (conflict) {
      warnings.push(
        `PRIVATE_KEY and PRIVATE_KEY_PATH are both set, to different keys: PRIVATE_KEY is used (as Probot does) and PRIVATE_KEY_PATH ("${cfg.PRIVATE_KEY_PATH}"${conflict === "unreadable" ? ", which cannot be read" : ""}) is ignored; unset the one you do not mean`,
      );
    }
  } else if (cfg.PRIVATE_KEY_PATH) {
    try {
      privateKey = readFileSync(cfg.PRIVATE_KEY_PATH, "utf8");
    } catch {
      problems.push(`PRIVATE_KEY_PATH: cannot read "${cfg.PRIVATE_KEY_PATH}"; point it at the .pem file downloaded from the app's settings page`);
    }
  }
  if (privateKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    problems.push("PRIVATE_KEY: is not a PEM private key; paste the whole .pem file (newlines may be written as \\n)");
  } else if (privateKey && !readableKey(privateKey)) {
    // A PEM cut short or mangled loaded, and every GitHub call then failed to sign its JWT ("DECODER routines::unsupported").
    problems.push(
      cfg.PRIVATE_KEY
        ? "PRIVATE_KEY: cannot be read as a private key (cut short or damaged); paste the whole .pem file, BEGIN and END lines included (newlines may be written as \\n)"
        : `PRIVATE_KEY_PATH: "${cfg.PRIVATE_KEY_PATH}" cannot be read as a private key (cut short or damaged); point it at the .pem file downloaded from the app's settings page`,
    );
  }
  const hasCredentials = Boolean(cfg.APP_ID && privateKey);
  // Without this, a key with no APP_ID in development silently opened the setup wizard instead of serving.
  if (!cfg.APP_ID && (cfg.PRIVATE_KEY || cfg.PRIVATE_KEY_PATH)) {
    problems.push(`APP_ID: required when ${cfg.PRIVATE_KEY ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH"} is set; put the numeric App ID from the app's settings page there (or unset the key to register a new app with the setup wizard)`);
  }
  if (cfg.APP_ID && !privateKey && problems.length === 0) {
    problems.push("PRIVATE_KEY or PRIVATE_KEY_PATH: required when APP_ID is set; download a key from the app's settings page");
  }
  if (hasCredentials && !cfg.WEBHOOK_SECRET && cfg.NODE_ENV === "production") {
    problems.push("WEBHOOK_SECRET: required in production; use the secret from the app's settings page");
  }
  // A copied .env.example passed the check above with a secret anyone can read, so a forgotten secret
  // went unnoticed until deliveries failed their signature check (or one signed with it was accepted).
  if (hasCredentials && cfg.WEBHOOK_SECRET === "development" && cfg.NODE_ENV === "production") {
    problems.push(`WEBHOOK_SECRET: "development" is the example value (and Probot's default), not a secret; in production use the secret from the app's settings page`);
  }
  // Only the exact "production" turns on its checks (credentials required, no setup wizard, no unsandboxed
  // validation): "prod" or "Production" ran as development without a word.
  if (cfg.NODE_ENV && !["production", "development", "test"].includes(cfg.NODE_ENV)) {
    warnings.push(`NODE_ENV="${cfg.NODE_ENV}" is not production: credentials are not required, the setup wizard may open and SANDBOX=auto runs commands unsandboxed where bubblewrap does not work; set NODE_ENV=production for those checks, or development`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { ...cfg, privateKey, hasCredentials, dataDir: resolve(cfg.DATA_DIR), warnings };
}

/**
 * Whether Node's crypto can read `pem` as a private key, as is or trimmed: the JWT library Probot signs with
 * reads a PKCS#1 key (GitHub's) with createPrivateKey and a PKCS#8 one trimmed, so no key it takes is refused.
 */
function readableKey(pem: string): boolean {
  for (const candidate of [pem, pem.trim()]) {
    try {
      createPrivateKey(candidate);
      return true;
    } catch {
      // the other form, or not a key
    }
  }
  return false;
}

/** Whether the file at `path` holds a key other than `used`: "different", "unreadable", or undefined (the same). */
function otherKeyAt(path: string, used: string): "different" | "unreadable" | undefined {
  let there: string;
  try {
    there = readFileSync(path, "utf8");
  } catch {
    return "unreadable";
  }
  // The setup wizard writes PRIVATE_KEY from the file: only line endings and a final newline may differ.
  const norm = (k: string) => k.replace(/\r\n/g, "\n").trim();
  return norm(there) === norm(used) ? undefined : "different";
}

/** Logs what loadAppConfig found questionable but usable (one line each), once, when a process starts. */
export function logConfigWarnings(config: AppConfig, logger: { warn(msg: string): void }): void {
  for (const w of config.warnings) logger.warn(w);
}

/**
 * For process entry points: loads `.env` when reading the real environment (real variables win), then
 * validates. On a bad setting it prints the message naming it and returns undefined (exit 1).
 */
/**
 * `.env` in the working directory into the real environment (whose values win). One that is there but is no
 * readable file (a directory, as a `docker run -v` of a missing host file makes) is a ConfigError: Node's own
 * error said "Contents of '.env' should be a valid string".
 */
export function loadDotEnv(env: NodeJS.ProcessEnv): void {
  if (env !== process.env || !existsSync(".env")) return;
  try {
    process.loadEnvFile(".env");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ERR_INVALID_ARG_TYPE" && !statSync(".env").isFile() ? "EISDIR" : (code ?? (err as Error).message);
    throw new ConfigError([`.env: cannot be read as a file (${why}); make it a file of NAME=value lines (see .env.example), or remove it`]);
  }
}

export function loadConfigForProcess(env: NodeJS.ProcessEnv = process.env): AppConfig | undefined {
  try {
    loadDotEnv(env);
    return loadAppConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}
