import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { githubApiMock, githubOpenApi, type GitHubApiMock } from "../../../test/helpers/github-api.js";
import { createProbot } from "../../app.js";
import { loadAppConfig } from "../../config/app-config.js";
import { silentLogger } from "../../core/logger.js";
import type { GitHubClient } from "../../core/ports/github-port.js";
import { createGitHubPort } from "./create-github-port.js";
import { InProcessQueue } from "../queue/in-process-queue.js";
import { MemoryJobStore } from "../store/memory-store.js";
import { createMetrics } from "../../admin/metrics.js";
import { AppIdentity } from "../../core/app-identity.js";
import type { Deps } from "../../core/deps.js";
import { Runner, queueItemFor } from "../../pipeline/runner.js";
import { checkRepoConfigStage } from "../../pipeline/stages/check-repo-config.js";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../../test/helpers/make-job.js";

/**
 * A job that starts before GitHub's `installation` event arrives (or whose event was lost) meets the
 * refusal on its first request: GitHub will not mint the installation's token. That must end the job at
 * once with a reason a person can act on, whatever call met it, not be read as the call's own failure
 * (a missing run, a missing file read as "no file", a permission to grant) or be retried.
 */
const repo = { id: 1, owner: "o", name: "r", fullName: "o/r" };
const TOKEN = "/app/installations/5/access_tokens";

const REFUSALS = {
  deleted: { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app", status: "404" } },
  suspended: { status: 403, body: { message: "This installation has been suspended", documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app", status: "403" } },
} as const;

const EXPECTED = {
  deleted: { code: "installation_deleted", retryable: false, message: expect.stringMatching(/^GitHub has no installation 5 of this app any more \(HTTP 404 for its token\): the app was uninstalled/) },
  suspended: { code: "installation_suspended", retryable: false, message: expect.stringMatching(/^GitHub refused a token for installation 5: the installation is suspended \(HTTP 403\)/) },
};

const CALLS: Array<[string, (gh: GitHubClient) => Promise<unknown>]> = [
  ["getRepoConfig", (gh) => gh.getRepoConfig(repo)],
  ["listRunJobs", (gh) => gh.listRunJobs(repo, 10, 1)],
  ["listAnnotations", (gh) => gh.listAnnotations(repo, 11)],
  // Paginated (octokit.paginate): its first page passes the same request hook.
  ["listCommitRuns (watch-pr's verdict)", (gh) => gh.listCommitRuns(repo, "a".repeat(40))],
  ["getFileContent", (gh) => gh.getFileContent(repo, ".github/workflows/ci.yml", "a".repeat(40))],
  ["getCommitDiff", (gh) => gh.getCommitDiff(repo, "a".repeat(40), 10_000)],
  ["installationToken (the clone's)", (gh) => gh.installationToken()],
  ["writes.getBranchSha", (gh) => gh.writes!.getBranchSha(repo, "ci-bot/fix-10")],
];

let gh: GitHubApiMock;
beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", RETRY_BASE_MS: "1000", JOB_MAX_RETRIES: "3" });
const githubPort = () => createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) });
const client = (): Promise<GitHubClient> => githubPort().forInstallation(5);

describe("an installation GitHub no longer mints tokens for", () => {
  for (const kind of ["deleted", "suspended"] as const) {
    test.each(CALLS)(`${kind}: %s fails at once, permanently, saying so`, async (_name, call) => {
      gh = await githubApiMock();
      // Asked once: a second token request (a retry of it or of the call) would fail the mock.
      gh.on("POST", TOKEN, REFUSALS[kind]);
      const err = await call(await client()).then(() => undefined, (e: unknown) => e);
      gh.done();
      expect(err).toMatchObject(EXPECTED[kind]);
    });
  }

  test("a 403 for the token that is not a suspension keeps its own meaning", async () => {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, { status: 403, body: { message: "Resource not accessible by integration" } });
    const err = await (await client()).listRunJobs(repo, 10, 1).then(() => undefined, (e: unknown) => e);
    gh.done();
    expect(err).toMatchObject({ code: "http_403", retryable: false });
  });

  test("a job that starts before the installation event arrives fails at its first stage, at once, with the reason", async () => {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, REFUSALS.suspended);
    const clock = new FakeClock();
    const store = new MemoryJobStore();
    const queue = new InProcessQueue({ concurrency: 1, perRepo: 1, clock, logger: silentLogger() });
    const deps = {
      config, store, queue, clock, logger: silentLogger(), metrics: createMetrics(), identity: new AppIdentity(),
      github: githubPort(),
      workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
    } as Deps;
    let later = 0;
    const runner = new Runner(deps, [checkRepoConfigStage, { name: "clone-repo", state: "cloning", sideEffects: false, run: async () => (later++, {}) }]);
    const job = makeJob({ installationId: 5, repoId: 1, repo: "o/r" });
    await store.recordIntake(makeDelivery(job), "{}", job);
    await runner.runJob(queueItemFor(job));
    gh.done();
    const j = (await store.getJob(job.id))!;
    expect(j).toMatchObject({ state: "failed", error: { ...EXPECTED.suspended, stage: "check-repo-config" } });
    expect(j.nextAttemptAt).toBeUndefined();
    expect(j.attempts.byStage).toEqual({ "check-repo-config": 1 });
    expect(later).toBe(0);
    expect(clock.pending()).toEqual([]);
  });
});
