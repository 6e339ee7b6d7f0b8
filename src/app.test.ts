import { afterEach, beforeEach, expect, test } from "@jest/globals";
import nock from "nock";
import { createGitHubPort } from "./adapters/github/create-github-port.js";
import { MemoryJobStore } from "./adapters/store/memory-store.js";
import { createProbot, startApp } from "./app.js";
import { loadAppConfig } from "./config/app-config.js";
import { silentLogger } from "./core/logger.js";
import type { GitHubAppPort } from "./core/ports/index.js";

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

test("with GitHub failing, a stage's first request gives up after 4 token requests, not 16, as a wait", async () => {
  const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s" });
  const probot = createProbot(config, silentLogger(), { retryAfterBaseMs: 1 });
  // The installation's request retries the token request, which retries itself: the two nest, (1 + 1)².
  const attempts = 4;
  let seen = 0;
  const api = nock("https://api.github.com")
    .post("/app/installations/5/access_tokens")
    .times(attempts)
    .reply(() => {
      seen++;
      return [502, { message: "Server Error" }];
    });
  const gh = await createGitHubPort({ probot }).forInstallation(5);
  // A further try would be refused by disableNetConnect with another message; the runner gets GitHub's.
  // What is left of the outage reaches the runner as a wait, which keeps the job's retry budget.
  await expect(gh.getRepoConfig({ owner: "o", name: "r", fullName: "o/r" } as never)).rejects.toMatchObject({ code: "github_unavailable", retryable: true, message: expect.stringContaining("Server Error") });
  expect(seen).toBe(attempts);
  expect(api.isDone()).toBe(true);
});

test("serve checks the app's registration with GitHub at start, in the background", async () => {
  const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", T0_WORKERS: "0", REDELIVER_WINDOW_HOURS: "0" });
  let asked = 0;
  const githubApp: GitHubAppPort = {
    async registration() {
      asked++;
      return { id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] };
    },
    async *installations() {
      yield [];
    },
  };
  const app = await startApp(config, { port: 0, host: "127.0.0.1", logger: silentLogger(), overrides: { store: new MemoryJobStore() }, githubApp });
  try {
    await new Promise((r) => setImmediate(r));
    expect(asked).toBe(1);
    expect(app.deps.identity.botLogin).toBe("acme-ci-fixer[bot]");
  } finally {
    await app.stop({ drainMs: 0 });
  }
});
