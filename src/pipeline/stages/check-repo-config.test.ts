import { describe, expect, test } from "@jest/globals";
import { parse } from "yaml";
import { MemoryJobStore } from "../../adapters/store/memory-store.js";
import { loadAppConfig } from "../../config/app-config.js";
import type { Deps } from "../../core/deps.js";
import { permanent } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { makeJob } from "../../../test/helpers/make-job.js";
import type { StageContext } from "../stage.js";
import { checkRepoConfigStage } from "./check-repo-config.js";

/**
 * The stage against a repository whose `.github/ci-bot.yml` is `yml` (null: no file) and whose run's
 * head_branch points at `branchHead` (null: no such branch). `asked`: the branches it asked about.
 */
async function runWith(yml: string | null, branchHead: string | null = makeJob().run.headSha, asked: string[] = []) {
  // Parsed as Probot's config plugin does it (the `yaml` package, YAML 1.2).
  const raw = yml === null ? null : ((parse(yml) as unknown) ?? {});
  const gh = { getRepoConfig: async () => raw, getBranchHead: async (_repo: unknown, branch: string) => (asked.push(branch), branchHead) } as unknown as GitHubClient;
  const deps = { github: { forInstallation: async () => gh }, store: new MemoryJobStore(), config: loadAppConfig({}) } as unknown as Deps;
  const ctx: StageContext = { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 };
  return checkRepoConfigStage.run(makeJob(), deps, ctx);
}

describe("check-repo-config", () => {
  test("no file: the bot runs with the defaults", async () => {
    const out = await runWith(null);
    expect(out.finish).toBeUndefined();
    expect(out.result).toMatchObject({ config: { enabled: true }, problems: [] });
  });

  // A tag push's run names its tag in head_branch: cloning, the model and validation would all be spent on
  // a fix with no branch to go to.
  test("a head_branch that is not a branch (a tag, a deleted branch) ends the job with the reason", async () => {
    const asked: string[] = [];
    const out = await runWith(null, null, asked);
    expect(asked).toEqual(["main"]);
    expect(out.finish).toBe('"main" is not a branch of octo-org/octo-repo (the run was started by a tag push, or the branch was deleted since): there is no branch to fix; nothing done');
    expect(out.result).toMatchObject({ config: { enabled: true }, problems: [] });
  });

  // Their logs are not GitHub's to give: every later stage would fail, and each such failure made a failed job.
  test("a check suite of another CI system ends the job with the reason, before any request", async () => {
    const job = makeJob();
    job.run = { ...job.run, source: "check_suite", name: "CircleCI Checks" };
    const deps = { github: { forInstallation: async () => { throw new Error("no request expected"); } } } as unknown as Deps;
    const ctx: StageContext = { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 };
    const out = await checkRepoConfigStage.run(job, deps, ctx);
    expect(out.finish).toBe(`Check suite ${job.run.id} is from CircleCI Checks, not GitHub Actions: t0-ci-bot reads GitHub Actions logs only, so there is nothing to analyse; nothing done`);
  });

  test("a branch that moved on since the run is still a branch: the job goes on", async () => {
    const out = await runWith(null, "f".repeat(40));
    expect(out.finish).toBeUndefined();
  });

  test("a repository that turned the bot off is not asked about the branch", async () => {
    const asked: string[] = [];
    const out = await runWith("enabled: false\n", null, asked);
    expect(out.finish).toMatch(/enabled: false/);
    expect(asked).toEqual([]);
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

  // A list (`- enabled: false`) or a bare value: the file exists but says nothing the bot can read.
  test.each(["- enabled: false\n", "42\n", "true\n"])("a file that is not a mapping (%j) keeps the bot off and says why", async (yml) => {
    const out = await runWith(yml);
    expect(out.finish).toMatch(/not a mapping/);
    expect(out.finish).toMatch(/stays off/);
    expect(out.result).toMatchObject({ config: { enabled: false } });
  });

  // Through the real adapter Probot's loader never hands such a file over as it is: the adapter says so.
  test.each([
    ["repo_config_not_mapping", ".github/ci-bot.yml in octo/demo is a list, not a mapping of keys; the bot stays off for this repository until it is a mapping (e.g. `enabled: true`) or is deleted."],
    ["repo_config_not_a_file", ".github/ci-bot.yml in octo/demo is a directory or a submodule, not a file; the bot stays off for this repository until it is a file or is removed."],
    // Failed the job before, while every other unusable file ended it with the bot off.
    ["repo_config_unreadable", ".github/ci-bot.yml in octo/demo is not valid YAML (bad indentation); fix its syntax or delete the file."],
  ])("the adapter's refusal %s keeps the bot off with its reason", async (code, reason) => {
    const gh = { getRepoConfig: async () => { throw permanent(code, reason); } } as unknown as GitHubClient;
    const deps = { github: { forInstallation: async () => gh }, store: new MemoryJobStore(), config: loadAppConfig({}) } as unknown as Deps;
    const ctx: StageContext = { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 };
    const out = await checkRepoConfigStage.run(makeJob(), deps, ctx);
    expect(out.finish).toBe(reason);
    expect(out.result).toMatchObject({ config: { enabled: false }, problems: [reason] });
  });

  // Kept on the job (the result, and the finish note in its history): the file can hold a token, and its
  // problems and the reason the bot is off quote it.
  const token = "ghp_R4nd0mL00k1ngT0k3nAbCdEfGhIjKlMnOpQ";
  test.each([
    ["a parse error quoting the line", null, `.github/ci-bot.yml in octo/demo is not valid YAML (bad indentation at line 2: "  token: ${token}"); fix its syntax or delete the file.`],
    ["an unclear switch", `enabled: "${token}"\n`, undefined],
    ["an unknown key and a bad value", `${token}: 1\nmax_repair_attempts: "${token}"\n`, undefined],
  ])("%s: the problems and the reason the bot is off are kept redacted", async (_what, yml, refusal) => {
    const out = refusal
      ? await checkRepoConfigStage.run(makeJob(), { github: { forInstallation: async () => ({ getRepoConfig: async () => { throw permanent("repo_config_unreadable", refusal); } }) }, store: new MemoryJobStore(), config: loadAppConfig({}) } as unknown as Deps, { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 })
      : await runWith(yml!);
    const { problems } = out.result as { problems: string[] };
    expect(problems.length + (out.finish ? 1 : 0)).toBeGreaterThan(0);
    expect(JSON.stringify({ problems, finish: out.finish })).not.toContain(token.slice(4, 16));
    expect(JSON.stringify({ problems, finish: out.finish })).toContain("[REDACTED]");
  });
});
