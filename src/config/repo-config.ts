import { z } from "zod";

/**
 * `.github/ci-bot.yml`, the repository's own say over the bot. Unknown keys and bad values are reported
 * (never a crash): the job records the problems and carries on with the defaults for the broken keys.
 * A file that is not a mapping at all keeps the bot off, with the reason.
 * Every key is documented in the README.
 */
const command = z.string().trim().min(1, "must be a non-empty shell command");
/** A list of commands; a single string is accepted as a one-item list. */
const commandList = z.preprocess((v) => (typeof v === "string" ? [v] : v), z.array(command));
export const repoConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    setup: commandList.optional(),
    validate: commandList.optional(),
    timeouts: z
      .object({
        setup_seconds: z.number().int().positive().max(6 * 3600).optional(),
        validate_seconds: z.number().int().positive().max(6 * 3600).optional(),
      })
      .strict()
      .default({}),
    reproduce_first: z.boolean().optional(),
    sandbox: z.enum(["auto", "bwrap", "off"]).optional(),
    /** false: no network; "setup": network for setup commands only; true: for every command. */
    network: z.union([z.boolean(), z.literal("setup")], { error: 'must be true, false or "setup"' }).default(false),
    limits: z
      .object({ max_files: z.number().int().positive().default(10), max_lines: z.number().int().positive().default(400) })
      .strict()
      .default({ max_files: 10, max_lines: 400 }),
    allow: z
      .object({
        workflow_edits: z.boolean().default(false),
        skip_tests: z.boolean().default(false),
        delete_tests: z.boolean().default(false),
        weaken_assertions: z.boolean().default(false),
        continue_on_error: z.boolean().default(false),
        or_true: z.boolean().default(false),
        lower_thresholds: z.boolean().default(false),
        read_secrets: z.boolean().default(false),
        hidden_text: z.boolean().default(false),
      })
      .strict()
      .default({
        workflow_edits: false, skip_tests: false, delete_tests: false, weaken_assertions: false,
        continue_on_error: false, or_true: false, lower_thresholds: false, read_secrets: false, hidden_text: false,
      }),
    max_repair_attempts: z.number().int().min(0).max(5).default(1),
    /** Extra proposals, before any PR, after a patch the policy refused or that did not validate. */
    max_patch_retries: z.number().int().min(0).max(3).default(1),
    rerun_flaky: z.boolean().default(false),
    labels: z.array(z.string()).default(["ci-bot"]),
  })
  .strict();

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export interface RepoConfigResult {
  config: RepoConfig;
  /** Problems a person should fix in `.github/ci-bot.yml`; empty when the file is valid or absent. */
  problems: string[];
  /** Set when the file keeps the bot off without saying `enabled: false`: why, for the job record. */
  off?: string;
}

/** What a parsed YAML document that is not a mapping is, in words (`null` is an empty file, so absent). */
export function notMappingKind(raw: unknown): string {
  return Array.isArray(raw) ? "a list" : "a plain value";
}

/**
 * The one reason given wherever a `.github/ci-bot.yml` that is not a mapping is met (here, and in the GitHub
 * adapter, which sees files Probot's loader would otherwise hand over mangled). `where` names the file.
 */
export function notMappingReason(where: string, kind: string): string {
  return `${where} is ${kind}, not a mapping of keys: it must be a YAML mapping (see the README). The bot stays off for this repository until it is one (e.g. \`enabled: true\`) or is deleted.`;
}

export const defaultRepoConfig = (): RepoConfig => repoConfigSchema.parse({});

/** Validates the parsed YAML; invalid keys fall back to their defaults and are listed in `problems`. */
export function parseRepoConfig(raw: unknown): RepoConfigResult {
  if (raw === null || raw === undefined) return { config: defaultRepoConfig(), problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    // The owner wrote a file and no setting can be read from it; it may have meant "off" (`- enabled: false`),
    // so the default (on) is the reading that can go against them, as for an `enabled` that is not a boolean.
    const off = notMappingReason(".github/ci-bot.yml", notMappingKind(raw));
    return { config: { ...defaultRepoConfig(), enabled: false }, problems: [off], off };
  }
  // Probot's config loader resolves `_extends` (org-wide defaults); the key itself is not ours to check.
  const { _extends: _ignored, ...own } = raw as Record<string, unknown>;
  const result = parseKeys(own);
  // `enabled: no` / `off` (YAML 1.1 booleans, strings in YAML 1.2), `"false"` or an empty value: the owner
  // wrote the switch, so the default (on) is the one reading that can go against them. Off, with the reason.
  const asked = unclearSwitch(own);
  if (asked === undefined) return result;
  const off = `.github/ci-bot.yml has enabled: ${asked}, which is not true or false; the bot stays off for this repository until it says enabled: true (or false)`;
  return { config: { ...result.config, enabled: false }, problems: result.problems, off };
}

/** The `enabled` value as written, when the file has the key and it is not a boolean. */
function unclearSwitch(own: Record<string, unknown>): string | undefined {
  if (!("enabled" in own)) return undefined;
  const v = own.enabled;
  return typeof v === "boolean" ? undefined : (JSON.stringify(v) ?? String(v)).slice(0, 60);
}

/** The keys of a mapping: invalid ones fall back to their defaults and are listed in `problems`. */
function parseKeys(raw: Record<string, unknown>): RepoConfigResult {
  const parsed = repoConfigSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data, problems: [] };
  const problems = parsed.error.issues.flatMap((i) => describeIssue(i, raw));
  // Drop only the offending keys and keep the rest, so one typo does not disable the whole file.
  const pruned = structuredClone(raw) as Record<string, unknown>;
  for (const i of parsed.error.issues) {
    if (i.code === "unrecognized_keys") for (const k of i.keys) removeAt(pruned, [...i.path, k]);
    else removeAt(pruned, i.path);
  }
  const retry = repoConfigSchema.safeParse(pruned);
  if (retry.success) return { config: retry.data, problems };
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")));
  const kept = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => !bad.has(k)));
  const last = repoConfigSchema.safeParse(kept);
  return { config: last.success ? last.data : defaultRepoConfig(), problems };
}

/** Deletes the value at `path`; an entry inside a list takes the whole list with it (a half list misleads). */
function removeAt(root: Record<string, unknown>, path: PropertyKey[]): void {
  const idx = path.findIndex((seg) => typeof seg === "number");
  const keyPath = idx >= 0 ? path.slice(0, idx) : path;
  if (!keyPath.length) return;
  let cur: unknown = root;
  for (const seg of keyPath.slice(0, -1)) {
    if (!cur || typeof cur !== "object") return;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  if (cur && typeof cur === "object") delete (cur as Record<PropertyKey, unknown>)[keyPath[keyPath.length - 1] as string];
}

type Issue = z.core.$ZodIssue;

/** One line per problem, naming the key and what to write instead. */
function describeIssue(i: Issue, raw: unknown): string[] {
  const prefix = i.path.length ? `${i.path.join(".")}.` : "";
  if (i.code === "unrecognized_keys") {
    const known = knownKeys(i.path);
    return i.keys.map((k) => {
      const guess = closest(k, known);
      return `.github/ci-bot.yml ${prefix}${k}: unknown key${guess ? ` (did you mean "${guess}"?)` : ""}; it is ignored. Known keys here: ${known.join(", ")}`;
    });
  }
  const where = i.path.length ? i.path.join(".") : "(top level)";
  const got = valueAt(raw, i.path);
  const shown = got === undefined ? "" : ` (got ${JSON.stringify(got)?.slice(0, 60)})`;
  return [`.github/ci-bot.yml ${where}: ${i.message}${shown}; the default is used instead`];
}

function knownKeys(path: PropertyKey[]): string[] {
  let shape: z.ZodType = repoConfigSchema;
  for (const seg of path) {
    const inner = unwrap(shape);
    if (!(inner instanceof z.ZodObject)) return [];
    shape = (inner.shape as Record<string, z.ZodType>)[String(seg)]!;
    if (!shape) return [];
  }
  const inner = unwrap(shape);
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}

function unwrap(t: z.ZodType): z.ZodType {
  let cur = t;
  while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
  return cur;
}

function valueAt(raw: unknown, path: PropertyKey[]): unknown {
  let cur = raw;
  for (const seg of path) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/** The known key within edit distance 2 of a typo, if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of candidates) {
    const d = distance(word.toLowerCase(), k);
    if (d <= 2 && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
