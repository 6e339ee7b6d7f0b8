import { describe, expect, test } from "@jest/globals";
import { parse } from "yaml";
import type { Deps } from "../../core/deps.js";
import { silentLogger } from "../../core/logger.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { makeJob } from "../../../test/helpers/make-job.js";
import type { StageContext } from "../stage.js";
import { checkRepoConfigStage } from "./check-repo-config.js";

/** The stage against a repository whose `.github/ci-bot.yml` is `yml` (null: no file). */
async function runWith(yml: string | null) {
  // Parsed as Probot's config plugin does it (the `yaml` package, YAML 1.2).
  const raw = yml === null ? null : ((parse(yml) as unknown) ?? {});
  const gh = { getRepoConfig: async () => raw } as unknown as GitHubClient;
  const deps = { github: { forInstallation: async () => gh } } as unknown as Deps;
  const ctx: StageContext = { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 };
  return checkRepoConfigStage.run(makeJob(), deps, ctx);
}

describe("check-repo-config", () => {
  test("no file: the bot runs with the defaults", async () => {
    const out = await runWith(null);
    expect(out.finish).toBeUndefined();
    expect(out.result).toMatchObject({ config: { enabled: true }, problems: [] });
  });

  test("enabled: false ends the job quietly", async () => {
    const out = await runWith("enabled: false\n");
    expect(out.finish).toMatch(/enabled: false/);
  });

  // YAML 1.1 spellings of false are strings in YAML 1.2; a quoted "false" is a string too. The owner meant
  // "off": taking the default (on) would open PRs on a repository that asked for none.
  test.each(["enabled: no\n", "enabled: off\n", 'enabled: "false"\n', "enabled:\n"])("an enabled that is not a boolean (%j) keeps the bot off and says why", async (yml) => {
    const out = await runWith(yml);
    expect(out.finish).toMatch(/enabled/);
    expect(out.finish).toMatch(/true or false/);
    expect(out.result).toMatchObject({ config: { enabled: false } });
  });

  test("a bad value of another key keeps the bot on, with the problem recorded", async () => {
    const out = await runWith("enabled: true\nmax_repair_attempts: lots\n");
    expect(out.finish).toBeUndefined();
    expect((out.result as { problems: string[] }).problems.join("\n")).toMatch(/max_repair_attempts/);
  });
});
