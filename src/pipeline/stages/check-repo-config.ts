import { defaultRepoConfig, parseRepoConfig } from "../../config/repo-config.js";
import { AppError } from "../../core/errors.js";
import type { Stage } from "../stage.js";

/**
 * First step of every job: the checks the webhook handler must not make (they need a GitHub call).
 * `.github/ci-bot.yml` with `enabled: false` ends the job here, quietly.
 */
export const checkRepoConfigStage: Stage = {
  name: "check-repo-config",
  state: "pending",
  sideEffects: false,
  async run(job, deps, ctx) {
    const gh = await deps.github.forInstallation(job.installationId);
    let raw: unknown;
    try {
      raw = await gh.getRepoConfig(job.repo);
    } catch (err) {
      // A file is there but no setting can be read from it: off, with the reason, as for an unclear switch.
      if (!(err instanceof AppError && OFF_CODES.has(err.code))) throw err;
      ctx.log.warn({ code: err.code }, err.message);
      return { result: { config: { ...defaultRepoConfig(), enabled: false }, problems: [err.message] }, finish: err.message };
    }
    const { config, problems, off } = parseRepoConfig(raw);
    if (off) {
      ctx.log.warn({ problems }, off);
      return { result: { config, problems }, finish: off };
    }
    if (problems.length) ctx.log.warn({ problems }, "repository config has problems; using defaults for those keys");
    if (!config.enabled) return { result: { config, problems }, finish: "disabled by .github/ci-bot.yml (enabled: false)" };
    return { result: { config, problems } };
  },
};

/** GitHub adapter refusals that mean "a config file is there, but unusable". */
const OFF_CODES = new Set(["repo_config_not_mapping", "repo_config_not_a_file", "repo_config_unreadable"]);
