import { parseRepoConfig } from "../../config/repo-config.js";
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
    const { config, problems } = parseRepoConfig(await gh.getRepoConfig(job.repo));
    if (problems.length) ctx.log.warn({ problems }, "repository config has problems; using defaults for those keys");
    if (!config.enabled) return { result: { config, problems }, finish: "disabled by .github/ci-bot.yml (enabled: false)" };
    return { result: { config, problems } };
  },
};
