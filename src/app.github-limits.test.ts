import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import nock from "nock";
import { createGitHubPort } from "./adapters/github/create-github-port.js";
import { createProbot } from "./app.js";
import { loadAppConfig } from "./config/app-config.js";
import type { AppError } from "./core/errors.js";
import { silentLogger } from "./core/logger.js";
import { githubApiMock } from "../test/helpers/github-api.js";

// Apart from app.test.ts: Octokit's throttling keeps its limiters per process (module state), and a test there
// that moves Date.now an hour ahead leaves them waiting for that hour once the clock is back.

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

test("a GitHub request that never gets an answer is dropped after GITHUB_REQUEST_TIMEOUT_MS, once, as a wait, and frees the installation's write lane", async () => {
  const seen: string[] = [];
  const hung: ServerResponse[] = [];
  const github = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.method === "POST" && req.url === "/api/v3/app/installations/5/access_tokens") {
      res.writeHead(201, { "content-type": "application/json" });
      return res.end(JSON.stringify({ token: "ghs_token", expires_at: new Date(Date.now() + 3600_000).toISOString() }));
    }
    // The config read and the first PR edit hang: no status line, no byte.
    if (req.url?.startsWith("/api/v3/repos/o/r/contents/") || (req.method === "PATCH" && req.url === "/api/v3/repos/o/r/pulls/1")) return void hung.push(res);
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
  await new Promise<void>((r) => github.listen(0, "127.0.0.1", () => r()));
  nock.enableNetConnect("127.0.0.1");
  try {
    const host = `127.0.0.1:${(github.address() as AddressInfo).port}`;
    const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", GHE_HOST: host, GHE_PROTOCOL: "http", GITHUB_REQUEST_TIMEOUT_MS: "300" });
    const port = createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) });
    const repo = { id: 1, owner: "o", name: "r", fullName: "o/r" };
    const gh = await port.forInstallation(5);
    await expect(gh.getRepoConfig(repo)).rejects.toMatchObject({ code: "github_unavailable", retryable: true, message: expect.stringMatching(/^GitHub did not answer GET 127\.0\.0\.1:\d+\/api\/v3\/repos\/o\/r\/contents\/.* within 0\.3 s/) });
    // Not retried in place by Octokit: the runner's backoff takes it from here.
    expect(seen.filter((s) => s.includes("/contents/"))).toHaveLength(1);
    // Another job's write of the same installation queues behind the hung one and goes once it is dropped.
    const other = (await port.forInstallation(5)).writes!;
    const first = gh.writes!.updatePullRequest(repo, 1, { title: "t" });
    const second = other.updatePullRequest(repo, 2, { title: "t" });
    await expect(first).rejects.toMatchObject({ code: "github_unavailable", retryable: true });
    await expect(second).resolves.toBeUndefined();
    expect(seen.filter((s) => s.startsWith("PATCH"))).toEqual(["PATCH /api/v3/repos/o/r/pulls/1", "PATCH /api/v3/repos/o/r/pulls/2"]);
  } finally {
    for (const res of hung) res.destroy();
    github.closeAllConnections();
    await new Promise((r) => github.close(r));
  }
});

test("a spent rate limit resetting far off is not slept out in place: the request fails at once into a wait until the reset, freeing the worker and the write lane", async () => {
  const gh = await githubApiMock();
  try {
    const nowS = Math.ceil(Date.now() / 1000);
    const limited = (resetS: number) => ({ status: 403, body: { message: "API rate limit exceeded for installation ID 5." }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetS) } });
    gh.on("POST", "/app/installations/5/access_tokens", { status: 201, body: { token: "ghs_x", expires_at: new Date(Date.now() + 3600_000).toISOString() } })
      // An hour away: Probot's throttling slept it out, up to three times, holding the write lane.
      .on("PATCH", "/repos/o/r/pulls/1", limited(nowS + 3600))
      // Within a minute: still waited out in place (retryAfterBaseMs shortens the sleep), then the request goes.
      .on("PATCH", "/repos/o/r/pulls/2", limited(nowS + 5))
      .on("PATCH", "/repos/o/r/pulls/2", { body: { number: 2 } })
      // A secondary limit: never in place; GitHub's retry-after, or the minute its docs ask for.
      .on("PATCH", "/repos/o/r/pulls/3", { status: 403, body: { message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again." }, headers: { "retry-after": "30" } })
      .on("PATCH", "/repos/o/r/pulls/4", { status: 429, body: { message: "You have exceeded a secondary rate limit." } })
      .on("PATCH", "/repos/o/r/pulls/5", { status: 403, body: { message: "Resource not accessible by integration" }, headers: { "x-ratelimit-remaining": "4999" } });
    const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s" });
    const writes = (await createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) }).forInstallation(5)).writes!;
    const repo = { id: 1, owner: "o", name: "r", fullName: "o/r" };
    const far = await writes.updatePullRequest(repo, 1, { title: "t" }).then(() => undefined, (e: AppError) => e);
    // A wait for the runner, not a retry: the message says when the limit resets.
    expect(far).toMatchObject({ code: "github_rate_limited", retryable: true, details: { status: 403, resetAt: new Date((nowS + 3600) * 1000).toISOString() } });
    expect(far!.message).toContain(`it resets at ${new Date((nowS + 3600) * 1000).toISOString()}, and the job waits until then`);
    expect(far!.retryAfterMs).toBeGreaterThan(3_500_000);
    await expect(writes.updatePullRequest(repo, 2, { title: "t" })).resolves.toBeUndefined();
    await expect(writes.updatePullRequest(repo, 3, { title: "t" })).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 30_000, details: { status: 403 } });
    await expect(writes.updatePullRequest(repo, 4, { title: "t" })).rejects.toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000, details: { status: 429 } });
    // A 403 that refuses a permission is no rate limit: refused for good, saying what to grant.
    await expect(writes.updatePullRequest(repo, 5, { title: "t" })).rejects.toMatchObject({ code: "github_write_forbidden", retryable: false, details: { status: 403 } });
    gh.done();
    expect(gh.requests.map((r) => r.path)).toEqual(["/app/installations/5/access_tokens", "/repos/o/r/pulls/1", "/repos/o/r/pulls/2", "/repos/o/r/pulls/2", "/repos/o/r/pulls/3", "/repos/o/r/pulls/4", "/repos/o/r/pulls/5"]);
  } finally {
    gh.cleanup();
  }
});
