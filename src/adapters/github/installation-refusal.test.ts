import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { githubApiMock, githubOpenApi, mintedToken, TOKEN_REFUSALS, type GitHubApiMock } from "../../../test/helpers/github-api.js";
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

const EXPECTED = {
  deleted: { code: "installation_deleted", retryable: false, message: expect.stringMatching(/^GitHub has no installation 5 of this app any more \(HTTP 404 for its token\): the app was uninstalled/) },
  suspended: { code: "installation_suspended", retryable: false, message: expect.stringMatching(/^GitHub refused a token for installation 5: the installation is suspended \(HTTP 403\)/) },
};

const CALLS: Array<[string, (gh: GitHubClient) => Promise<unknown>]> = [
  ["getRepoConfig", (gh) => gh.getRepoConfig(repo)],
  ["getBranchHead (check-repo-config's)", (gh) => gh.getBranchHead(repo, "main")],
  ["listRunJobs", (gh) => gh.listRunJobs(repo, 10, 1)],
  ["listAnnotations", (gh) => gh.listAnnotations(repo, 11)],
  // Paginated (octokit.paginate): its first page passes the same request hook.
  ["listCommitRuns (watch-pr's verdict)", (gh) => gh.listCommitRuns(repo, "a".repeat(40))],
  ["listBranchWorkflowRuns (open-pull-request's branch head check)", (gh) => gh.listBranchWorkflowRuns(repo, "ci.yml", "main", "a".repeat(40))],
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
      gh.on("POST", TOKEN, TOKEN_REFUSALS[kind]);
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
    gh.on("POST", TOKEN, TOKEN_REFUSALS.suspended);
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

/**
 * Probot caches an installation's token for 59 minutes. GitHub revokes the tokens of a deleted installation
 * (or one revoked otherwise) at once: the cached one then meets 401 "Bad credentials" on every call, which
 * alone reads as a permanent http_401 until the cache lets go of it. A 401 on a call made with the
 * installation's token asks GitHub once for a fresh token: refused, the installation's own refusal; minted,
 * the call is made again with it.
 */
describe("a cached installation token GitHub refuses (401)", () => {
  const JOBS = "/repos/o/r/actions/runs/10/attempts/1/jobs";
  const BAD_CREDENTIALS = { status: 401, body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" } };
  const jobs = { body: { total_count: 0, jobs: [] } };
  const auths = () => gh.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization?.split(" ")[0] === "token" ? r.headers.authorization : "jwt"}`);

  // auth-app retries a 401 itself for 5 s after minting (token replication): the token must be older than that.
  // Only Date is faked, for the whole block and only forward (the throttling plugin's limiters are shared by
  // every Octokit of the file and wait when time goes back); the requests and their timers run as usual.
  const ageTokens = () => jest.setSystemTime(Date.now() + 10 * 60_000);
  beforeAll(() => void jest.useFakeTimers({ doNotFake: ["hrtime", "nextTick", "performance", "queueMicrotask", "setImmediate", "clearImmediate", "setInterval", "clearInterval", "setTimeout", "clearTimeout"] }));
  afterAll(() => void jest.useRealTimers());

  /** A client whose token `ghs_old` is cached and, ten minutes later, refused. */
  async function withRevokedToken(): Promise<GitHubClient> {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, mintedToken("ghs_old")).on("GET", JOBS, jobs);
    const c = await client();
    await c.listRunJobs(repo, 10, 1);
    ageTokens();
    gh.on("GET", JOBS, BAD_CREDENTIALS);
    return c;
  }

  test("a fresh token GitHub mints: the call succeeds with it", async () => {
    const c = await withRevokedToken();
    gh.on("POST", TOKEN, mintedToken("ghs_new")).on("GET", JOBS, jobs);
    await expect(c.listRunJobs(repo, 10, 1)).resolves.toEqual([]);
    gh.done();
    expect(auths()).toEqual([`POST ${TOKEN} jwt`, `GET ${JOBS} token ghs_old`, `GET ${JOBS} token ghs_old`, `POST ${TOKEN} jwt`, `GET ${JOBS} token ghs_new`]);
  });

  for (const kind of ["deleted", "suspended"] as const) {
    test(`GitHub refuses to mint one (${kind}): the installation's refusal, permanent`, async () => {
      const c = await withRevokedToken();
      gh.on("POST", TOKEN, TOKEN_REFUSALS[kind]);
      await expect(c.listRunJobs(repo, 10, 1)).rejects.toMatchObject(EXPECTED[kind]);
      gh.done();
    });
  }

  test("the fresh token refused too: http_401, after one new token only", async () => {
    const c = await withRevokedToken();
    gh.on("POST", TOKEN, mintedToken("ghs_new"));
    // auth-app's own wait for a just-minted token's replication is cut short: its retry sees an old token.
    gh.on("GET", JOBS, () => (ageTokens(), BAD_CREDENTIALS), { times: 2 });
    await expect(c.listRunJobs(repo, 10, 1)).rejects.toMatchObject({ code: "http_401", retryable: false });
    gh.done();
    expect(auths().filter((a) => a.startsWith("POST"))).toHaveLength(2);
  });

  test("a 401 for the token itself (the app's JWT refused) is not asked again", async () => {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, BAD_CREDENTIALS);
    await expect((await client()).listRunJobs(repo, 10, 1)).rejects.toMatchObject({ code: "http_401", retryable: false });
    gh.done();
  });

  test("a fixed token (not an app installation's) refused: nothing to renew, the call fails once", async () => {
    gh = await githubApiMock();
    gh.on("GET", JOBS, BAD_CREDENTIALS);
    const noop = () => {};
    const port = createGitHubPort({ octokitFactory: () => new ProbotOctokit({ auth: { token: "ghs_fixed" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug: noop, info: noop, warn: noop, error: noop } }) });
    await expect((await port.forInstallation(5)).listRunJobs(repo, 10, 1)).rejects.toMatchObject({ code: "http_401", retryable: false });
    gh.done();
  });
});
