import { z } from "zod";

/**
 * `.github/ci-bot.yml`, the repository's own say over the bot. Unknown keys and bad values are reported
 * (never a crash): the job records the problems and carries on with the defaults for the broken keys.
 * Every key is documented in the README.
 */
const command = z.string().min(1);
export const repoConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    setup: z.array(command).optional(),
    validate: z.array(command).optional(),
    timeouts: z
      .object({ setup_seconds: z.number().int().positive().optional(), validate_seconds: z.number().int().positive().optional() })
      .strict()
      .default({}),
    reproduce_first: z.boolean().optional(),
    sandbox: z.enum(["auto", "bwrap", "off"]).optional(),
    network: z.boolean().default(false),
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
      })
      .strict()
      .default({
        workflow_edits: false, skip_tests: false, delete_tests: false, weaken_assertions: false,
        continue_on_error: false, or_true: false, lower_thresholds: false,
      }),
    max_repair_attempts: z.number().int().min(0).max(5).default(1),
    rerun_flaky: z.boolean().default(false),
    labels: z.array(z.string()).default(["ci-bot"]),
  })
  .strict();

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export interface RepoConfigResult {
  config: RepoConfig;
  /** Problems a person should fix in `.github/ci-bot.yml`; empty when the file is valid or absent. */
  problems: string[];
}

export const defaultRepoConfig = (): RepoConfig => repoConfigSchema.parse({});

/** Validates the parsed YAML; invalid keys fall back to their defaults and are listed in `problems`. */
export function parseRepoConfig(raw: unknown): RepoConfigResult {
  if (raw === null || raw === undefined) return { config: defaultRepoConfig(), problems: [] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { config: defaultRepoConfig(), problems: [".github/ci-bot.yml: must be a YAML mapping of keys (see the README)"] };
  }
  const parsed = repoConfigSchema.safeParse(raw);
  if (parsed.success) return { config: parsed.data, problems: [] };
  const problems = parsed.error.issues.map((i) => {
    const where = i.path.length ? i.path.join(".") : "(top level)";
    return `.github/ci-bot.yml ${where}: ${i.message}`;
  });
  // Drop the offending top-level keys and keep the rest, so one typo does not disable the whole file.
  const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")));
  for (const i of parsed.error.issues) if (i.code === "unrecognized_keys") for (const k of i.keys) if (!i.path.length) bad.add(k);
  const kept = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => !bad.has(k)));
  const retry = repoConfigSchema.safeParse(kept);
  return { config: retry.success ? retry.data : defaultRepoConfig(), problems };
}
