import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { createGitHubPort } from "../../src/adapters/github/create-github-port.js";
import { createLocalWritePacer } from "../../src/adapters/queue/write-pacer.js";
import type { Deps } from "../../src/core/deps.js";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { proposePatchStage } from "../../src/pipeline/stages/propose-patch.js";
import { rerunFlakyStage } from "../../src/pipeline/stages/rerun-flaky.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { apiRef, githubApiMock, githubOpenApi, type GitHubApiMock } from "../helpers/github-api.js";
import { PRIOR, fixLoopSuite, laterJob, type FixLoop } from "./fix-loop-setup.js";

/**
 * The dry run makes the read-only checks the real run makes before it writes, from the same code, and says
 * the outcome the real run would reach. The state other jobs left is made with the in-memory GitHub of the
 * fix loop; the dry run itself talks to GitHub's REST API mocked strictly (nock, requests checked against
 * GitHub's OpenAPI description): every read it makes is expected, and it makes no other request.
 */
const setup = fixLoopSuite();
const API = "/repos/octo/slug";
const noop = () => {};
let gh: GitHubApiMock;

beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

/** The fix loop's deps with GitHub behind the strict HTTP mock; `config` overrides some settings. */
async function overHttp(s: FixLoop, config: Partial<Deps["config"]> = {}): Promise<Deps> {
  gh = await githubApiMock();
  const github = createGitHubPort({
    octokitFactory: () => new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug: noop, info: noop, warn: noop, error: noop } }),
    writePacer: createLocalWritePacer({ clock: new FakeClock(), minIntervalMs: 0 }),
  });
  return { ...s.deps, github, config: { ...s.deps.config, ...config } };
}

/** `.github/ci-bot.yml` as GitHub has it now. */
const repoConfig = (text: string) => gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: text, headers: { "content-type": "text/plain" } });

/** Job `job` run through `stage` in dry run over `deps`: what it recorded and said; only GETs reached GitHub. */
async function dryRun(s: FixLoop, deps: Deps, job: Job, stage: Stage = openPullRequestStage) {
  await s.store.updateJob(job.id, (j) => void (j.dryRun = true));
  const calls = s.gh.calls.length;
  await new Runner(deps, [stage]).runJob(queueItemFor({ ...job, dryRun: true }));
  gh.done();
  expect(gh.requests.filter((q) => q.method !== "GET")).toEqual([]);
  expect(s.gh.calls.slice(calls)).toEqual([]);
  const j = (await s.store.getJob(job.id))!;
  return { result: j.results[stage.name] as Record<string, unknown>, note: j.history.at(-1)?.note, state: j.state, error: j.error };
}


/** A PR as GitHub lists it (GET /pulls?head=...). */
const apiPull = (number: number, branch: string, state: "open" | "closed", over: Record<string, unknown> = {}) => ({
  number, html_url: `https://github.com/octo/slug/pull/${number}`, node_id: `PR_${number}`, state, draft: true, merged: false, merged_at: null,
  head: { ref: branch, sha: "9".repeat(40) }, title: "a fix", body: "its text", ...over,
});

describe("a dry run makes the real run's read-only checks before a fix PR, and says their outcome", () => {
  test("the bot was turned off in .github/ci-bot.yml since the job started: it would open no PR", async () => {
    const s = await setup({ pullRequests: [7] });
    const deps = await overHttp(s);
    repoConfig("enabled: false\n");
    const { result, note, state } = await dryRun(s, deps, s.job);
    expect(state).toBe("completed");
    expect(result).toMatchObject({ dryRun: true, action: "none", left: "disabled by .github/ci-bot.yml (enabled: false)" });
    expect(note).toBe("dry run: disabled by .github/ci-bot.yml (enabled: false); no PR opened");
  });

  test("people closed the fix PR of the same failure unmerged: it would open no PR", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const next = await laterJob(s, 556, { headSha: "b".repeat(40) });
    const deps = await overHttp(s);
    repoConfig("validate: python -m pytest -q\n");
    const { result, note, state } = await dryRun(s, deps, next);
    expect(state).toBe("completed");
    expect(result).toMatchObject({ dryRun: true, action: "none", left: expect.stringContaining(`people closed fix PR #100 (job ${s.job.id})`) });
    expect(note).toMatch(/^dry run: people closed fix PR #100 .* without merging it/);
  });

  test("the repository has MAX_OPEN_FIX_PRS_PER_REPO fix PRs open: it would open no PR, and says why", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const other = await laterJob(s, 601, { branch: "feature/other", fingerprint: "fp-other" });
    const deps = await overHttp(s, { MAX_OPEN_FIX_PRS_PER_REPO: 1 });
    repoConfig("validate: python -m pytest -q\n");
    const { result, note, state } = await dryRun(s, deps, other);
    expect(state).toBe("completed");
    expect(result).toMatchObject({ dryRun: true, action: "none", refused: { code: "open_fix_prs_capped" } });
    expect(note).toMatch(/^dry run: would not open a PR: octo\/slug already has 1 open fix PRs of the bot \(#100\), and MAX_OPEN_FIX_PRS_PER_REPO=1/);
  });

  test("an open PR of the fix branch is on GitHub already (an earlier run opened it): it would commit onto that PR, not open one", async () => {
    const s = await setup({ pullRequests: [7] });
    const deps = await overHttp(s);
    repoConfig("validate: python -m pytest -q\n");
    gh.on("GET", `${API}/pulls`, { body: [apiPull(42, "ci-bot/fix-555", "open")] })
      .on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-555`, { body: apiRef("ci-bot/fix-555", "9".repeat(40)) });
    const { result, note } = await dryRun(s, deps, s.job);
    expect(result).toMatchObject({ dryRun: true, action: "commit_onto_found_pr", branch: "ci-bot/fix-555", pr: 42, existingBranch: "9".repeat(40) });
    expect(note).toBe("dry run: would commit this fix onto ci-bot/fix-555 (at 9999999) and update its open PR #42, found on GitHub");
  });

  test("the fix branch's PR is closed on GitHub: it would write nothing", async () => {
    const s = await setup({ pullRequests: [7] });
    const deps = await overHttp(s);
    repoConfig("validate: python -m pytest -q\n");
    gh.on("GET", `${API}/pulls`, { body: [apiPull(42, "ci-bot/fix-555", "closed", { closed_at: "2026-11-20T10:00:00Z" })] });
    const { result, note } = await dryRun(s, deps, s.job);
    expect(result).toMatchObject({ dryRun: true, action: "none", branch: "ci-bot/fix-555", pr: 42 });
    expect(note).toBe("dry run: would write nothing: PR #42 of ci-bot/fix-555 is closed on GitHub; its outcome would be recorded and watched");
  });

  test("a new PR: the reads it makes, and what it could not check without writing", async () => {
    const s = await setup({ pullRequests: [7] });
    const deps = await overHttp(s);
    repoConfig("validate: python -m pytest -q\n");
    gh.on("GET", `${API}/pulls`, { body: [] }).on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-555`, { status: 404, body: { message: "Not Found" } });
    const { result, note } = await dryRun(s, deps, s.job);
    expect(result).toMatchObject({ dryRun: true, action: "open_pr", branch: "ci-bot/fix-555" });
    expect(result).not.toHaveProperty("existingBranch");
    expect(result["notChecked"]).toEqual(expect.arrayContaining([expect.stringContaining("permission to push"), expect.stringContaining("labels")]));
    expect(note).toBe("dry run: described the fix PR instead of opening it");
  });

  test("propose-patch: past MAX_OPEN_FIX_PRS_PER_REPO the real run stops before the model call; so does the dry run, saying so", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const other = await laterJob(s, 601, { branch: "feature/other", fingerprint: "fp-other" });
    await s.store.updateJob(other.id, (j) => {
      j.state = "analysis";
      j.completedStages = PRIOR.slice(0, 4);
    });
    const deps = await overHttp(s, { MAX_OPEN_FIX_PRS_PER_REPO: 1 });
    const { result, note, state } = await dryRun(s, deps, (await s.store.getJob(other.id))!, proposePatchStage);
    // The fix loop's model throws when asked for a proposal: completed, the dry run did not ask it.
    expect(state).toBe("completed");
    expect(result).toMatchObject({ dryRun: true, refused: { code: "open_fix_prs_capped" } });
    expect(note).toMatch(/^dry run: would stop before asking the model: octo\/slug already has 1 open fix PRs of the bot \(#100\)/);
  });
  test("no TensorZero gateway: no patch, so no PR to describe; said so, not failed as a job to retry", async () => {
    const s = await setup({ pullRequests: [7] });
    const job = await s.store.updateJob(s.job.id, (j) => {
      j.results["propose-patch"] = { dryRun: true, episodeId: "e", wouldSend: { method: "POST", url: "$TENSORZERO_URL/inference", body: {} } };
      j.results["apply-and-validate"] = { dryRun: true, wouldRun: { setup: [], validate: [], skipped: [] } };
    });
    const deps = await overHttp(s);
    const { result, note, state, error } = await dryRun(s, deps, job);
    expect(error).toBeUndefined();
    expect(state).toBe("completed");
    expect(result).toMatchObject({ dryRun: true, action: "none" });
    expect(note).toBe("dry run: no fix PR to describe: no TensorZero gateway is configured, so no patch was asked for (propose-patch's result holds the request the bot would send)");
  });

  describe("rerun_flaky: the real run re-runs a flaky-looking failure first", () => {
    /** The fix loop's job back at rerun-flaky: rerun_flaky on, its failure classified flaky-suspect. */
    async function atRerun(s: FixLoop): Promise<Job> {
      return s.store.updateJob(s.job.id, (j) => {
        j.state = "analysis";
        j.completedStages = PRIOR.slice(0, 4);
        const config = j.results["check-repo-config"] as { config: Record<string, unknown> };
        j.results["check-repo-config"] = { ...config, config: { ...config.config, rerun_flaky: true } };
        const context = j.results["build-context"] as { context: Record<string, unknown> };
        j.results["build-context"] = { ...context, context: { ...context.context, classification: "flaky-suspect" } };
      });
    }

    test("its re-run already passed (a person pressed re-run): the dry run ends as the real run would, flaky, no patch", async () => {
      const s = await setup({ pullRequests: [7] });
      const job = await atRerun(s);
      const deps = await overHttp(s);
      gh.on("GET", `${API}/actions/runs/555`, { body: { id: 555, run_attempt: 2, status: "completed", conclusion: "success" } });
      const { result, note, state } = await dryRun(s, deps, job, rerunFlakyStage);
      expect(state).toBe("completed");
      expect(result).toMatchObject({ dryRun: true, rerun: true, awaitingAttempt: 2, alreadyRunning: true });
      expect(note).toBe("dry run: re-run attempt 2 passed: flaky, no patch");
    });

    test("no re-run yet: the dry run goes on to the fix PR, and says that the re-run's outcome could end the job first", async () => {
      const s = await setup({ pullRequests: [7] });
      const job = await atRerun(s);
      const deps = await overHttp(s);
      gh.on("GET", `${API}/actions/runs/555`, { body: { id: 555, run_attempt: 1, status: "completed", conclusion: "failure" } });
      repoConfig("validate: python -m pytest -q\nrerun_flaky: true\n");
      gh.on("GET", `${API}/pulls`, { body: [] }).on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-555`, { status: 404, body: { message: "Not Found" } });
      await s.store.updateJob(job.id, (j) => void (j.dryRun = true));
      await new Runner(deps, [rerunFlakyStage, openPullRequestStage]).runJob(queueItemFor({ ...job, dryRun: true }));
      gh.done();
      expect(gh.requests.filter((q) => q.method !== "GET")).toEqual([]);
      const j = (await s.store.getJob(job.id))!;
      expect(j.results["rerun-flaky"]).toMatchObject({ dryRun: true, rerun: true, awaitingAttempt: 2 });
      expect(j.results["open-pull-request"]).toMatchObject({ action: "open_pr", notChecked: expect.arrayContaining([expect.stringContaining("re-run attempt 2 of run 555 may pass")]) });
    });
  });
});
