import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRepo, startGitServer, type GitServer } from "../../../test/fakes/git-server.js";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { githubApiMock, githubOpenApi, mintedToken, TOKEN_REFUSALS, type GitHubApiMock } from "../../../test/helpers/github-api.js";
import { makeJob } from "../../../test/helpers/make-job.js";
import { createGitHubPort } from "../../adapters/github/create-github-port.js";
import { createFsWorkspace, workspaceOptionsFromConfig } from "../../adapters/workspace/fs-workspace.js";
import { createProbot } from "../../app.js";
import { loadAppConfig } from "../../config/app-config.js";
import type { Deps } from "../../core/deps.js";
import { silentLogger } from "../../core/logger.js";
import type { StageContext } from "../stage.js";
import { cloneRepoStage } from "./clone-repo.js";

/**
 * auth-app caches an installation's token for 59 minutes; GitHub revokes the tokens of an installation
 * deleted (or revoked otherwise) at once. The clone then meets git's 401 with the cached token: it asks
 * GitHub once for a fresh one (as the API calls do), and GitHub's refusal to mint it is the installation's.
 */
const TOKEN = "/app/installations/5/access_tokens";
const FRESH = "ghs_" + "FreshCl0neT0ken0123456789abcdefABCDE";

let base: string;
let server: GitServer;
let gh: GitHubApiMock;
let headSha: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-clone-token-"));
  [headSha] = (await createRepo(join(base, "repos"), "octo/app", [{ "README.md": "# app\n" }])) as [string];
  // Takes only the fresh token: the one auth-app minted first stands for one GitHub revoked since.
  server = await startGitServer({ root: join(base, "repos"), token: FRESH });
  await githubOpenApi();
});
afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});
afterEach(() => gh?.cleanup());

async function cloneWithRevokedToken() {
  const config = loadAppConfig({
    APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s",
    GIT_BASE_URL: server.url, WORKSPACE_ROOT: join(base, "ws-" + Math.random().toString(36).slice(2)), WORKSPACE_MIN_FREE_BYTES: "0",
  });
  const deps = {
    config, clock: new FakeClock(), logger: silentLogger(),
    github: createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) }),
    workspace: createFsWorkspace(workspaceOptionsFromConfig(config)),
  } as unknown as Deps;
  const job = makeJob({ installationId: 5, repo: "octo/app" });
  job.run = { ...job.run, headSha, headBranch: "main" };
  const ctx: StageContext = { log: silentLogger(), signal: new AbortController().signal, dryRun: false, attempt: 1 };
  return cloneRepoStage.run(job, deps, ctx);
}

const tokenRequests = () => gh.requests.filter((r) => r.method === "POST" && r.path === TOKEN).length;

describe("clone-repo with a cached installation token GitHub revoked", () => {
  test("a fresh token GitHub mints: the clone is made again with it, once", async () => {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, mintedToken("ghs_revoked")).on("POST", TOKEN, mintedToken(FRESH));
    await expect(cloneWithRevokedToken()).resolves.toMatchObject({ result: { ref: "main" } });
    gh.done();
    expect(tokenRequests()).toBe(2);
  });

  test.each([
    ["deleted", TOKEN_REFUSALS.deleted, "installation_deleted"],
    ["suspended", TOKEN_REFUSALS.suspended, "installation_suspended"],
  ] as const)("GitHub refuses to mint one (%s): the installation's refusal, permanent", async (_kind, refusal, code) => {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, mintedToken("ghs_revoked")).on("POST", TOKEN, refusal);
    await expect(cloneWithRevokedToken()).rejects.toMatchObject({ code, retryable: false });
    gh.done();
  });

  test("the fresh token refused too: clone_auth_failed, after one new token only", async () => {
    gh = await githubApiMock();
    gh.on("POST", TOKEN, mintedToken("ghs_revoked")).on("POST", TOKEN, mintedToken("ghs_alsoRevoked"));
    await expect(cloneWithRevokedToken()).rejects.toMatchObject({ code: "clone_auth_failed", retryable: false });
    gh.done();
    expect(tokenRequests()).toBe(2);
  });
});
