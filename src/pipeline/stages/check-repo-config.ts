import { defaultRepoConfig, parseRepoConfig, type RepoConfig } from "../../config/repo-config.js";
import { AppError } from "../../core/errors.js";
import { redact } from "../../core/redact.js";
import type { Job, JobRepo } from "../../core/job.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import type { Stage } from "../stage.js";
import { cappedBeforeClone } from "./capped-before-clone.js";
import { notABranch } from "./not-a-branch.js";

/** The stage's name: its result is where later stages read the repository's settings. */
export const CHECK_REPO_CONFIG = "check-repo-config";

/** What the job keeps of this stage (watch-pr writes it again before a repair, from the file as read then). */
export interface CheckRepoConfigResult {
  config: RepoConfig;
  problems: string[];
}

/** The repository's settings the job runs under; the defaults on a job that has not read them. */
export function repoConfigOf(job: Pick<Job, "results">): RepoConfig {
  return (job.results[CHECK_REPO_CONFIG] as Partial<CheckRepoConfigResult> | undefined)?.config ?? defaultRepoConfig();
}

/**
 * First step of every job: the checks the webhook handler must not make (they need a GitHub call).
 * `.github/ci-bot.yml` with `enabled: false` ends the job here, quietly; so does a run whose head_branch is
 * not a branch (a tag push, a deleted branch), and a check suite of another CI system. A job that could only
 * open a new fix PR past MAX_OPEN_FIX_PRS_PER_REPO fails here, before the clone (cappedBeforeClone).
 */
export const checkRepoConfigStage: Stage = {
  name: CHECK_REPO_CONFIG,
  state: "pending",
  sideEffects: false,
  async run(job, deps, ctx) {
    // Known from the job alone: no request, and no failed job for each failure of another CI system.
    if (job.run.source !== "workflow_run") return { finish: `${notActionsRun(job)}; nothing done` };
    const gh = await deps.github.forInstallation(job.installationId);
    const { config, problems, off, unusable, disabled } = await readRepoConfig(gh, job.repo);
    const result: CheckRepoConfigResult = { config, problems };
    if (unusable) ctx.log.warn({ code: unusable }, off);
    else if (off && !disabled) ctx.log.warn({ problems }, off);
    else if (problems.length) ctx.log.warn({ problems }, "repository config has problems; using defaults for those keys");
    if (off) return { result, finish: off };
    // Before anything costly (clone, model, validation): one request. The runner logs the reason.
    const notBranch = await notABranch(gh, job, ctx.log);
    if (notBranch) return { result, finish: notBranch };
    // A flood of failing branches past MAX_OPEN_FIX_PRS_PER_REPO: failed before each clones and fetches logs.
    // Permanent, and this stage is where `jobs retry` starts it again, reading the cap anew.
    const capped = await cappedBeforeClone(job, deps, config);
    if (capped && ctx.dryRun) return { result, finish: `dry run: would stop before cloning: ${capped.message}` };
    if (capped) throw capped;
    return { result };
  },
};

/** Why a check suite of a CI system other than GitHub Actions has nothing the bot can read. */
export function notActionsRun(job: Pick<Job, "run">): string {
  return `Check suite ${job.run.id} is from ${job.run.name ?? "another CI system"}, not GitHub Actions: t0-ci-bot reads GitHub Actions logs only, so there is nothing to analyse`;
}

/**
 * The repository's `.github/ci-bot.yml` as it is now. `off` says why the bot is off for it: `disabled` by
 * `enabled: false`, or an unclear switch, or a file no setting can be read from (`unusable`: the GitHub
 * adapter's refusal code).
 */
export async function readRepoConfig(gh: Pick<GitHubClient, "getRepoConfig">, repo: JobRepo): Promise<{ config: RepoConfig; problems: string[]; off?: string; unusable?: string; disabled?: boolean }> {
  const read = await readRepoConfigAsIs(gh, repo);
  // Kept on the job by every caller (this stage's result, watch-pr's notes and its repair's settings, the
  // finish note): a problem quotes the file (a key, a value, the parser's reading of a line) and the file can
  // hold a token. The config itself is kept as read: its commands are the ones validation runs.
  return { ...read, problems: read.problems.map(redact), ...(read.off === undefined ? {} : { off: redact(read.off) }) };
}

async function readRepoConfigAsIs(gh: Pick<GitHubClient, "getRepoConfig">, repo: JobRepo): Promise<{ config: RepoConfig; problems: string[]; off?: string; unusable?: string; disabled?: boolean }> {
  let raw: unknown;
  try {
    raw = await gh.getRepoConfig(repo);
  } catch (err) {
    // A file is there but no setting can be read from it: off, with the reason, as for an unclear switch.
    if (!(err instanceof AppError && OFF_CODES.has(err.code))) throw err;
    return { config: { ...defaultRepoConfig(), enabled: false }, problems: [err.message], off: err.message, unusable: err.code };
  }
  const { config, problems, off } = parseRepoConfig(raw);
  if (off) return { config, problems, off };
  if (!config.enabled) return { config, problems, off: "disabled by .github/ci-bot.yml (enabled: false)", disabled: true };
  return { config, problems };
}

/** GitHub adapter refusals that mean "a config file is there, but unusable". */
const OFF_CODES = new Set(["repo_config_not_mapping", "repo_config_not_a_file", "repo_config_unreadable"]);
