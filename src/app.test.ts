import { afterEach, beforeEach, expect, test } from "@jest/globals";
import nock from "nock";
import { createGitHubPort } from "./adapters/github/create-github-port.js";
import { createProbot } from "./app.js";
import { loadAppConfig } from "./config/app-config.js";
import { silentLogger } from "./core/logger.js";

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
