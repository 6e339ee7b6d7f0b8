import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import nock from "nock";
import { createOctokitGitHubApp } from "../adapters/github/octokit-github-app.js";
import type { Octokit } from "../adapters/github/octokit-client.js";
import { createProbot } from "../app.js";
import { loadAppConfig } from "../config/app-config.js";
import { AppIdentity } from "../core/app-identity.js";
import { AppError } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import type { AppRegistration, GitHubAppPort } from "../core/ports/index.js";
import { recordingLogger } from "../../test/helpers/recording-logger.js";
import { checkAppRegistration, startAppRegistrationCheck } from "./check-app-registration.js";

const API = "https://api.github.com";
const FULL = { actions: "read", checks: "read", contents: "write", pull_requests: "write", metadata: "read" };
const EVENTS = ["workflow_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_comment"];

function setup(env: Record<string, string> = {}) {
  const config = loadAppConfig({ APP_ID: "4242", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", ...env });
  const { logger, lines } = recordingLogger();
  const deps = { config, logger, identity: new AppIdentity(config.BOT_LOGIN) };
  return { config, deps, lines, port: async () => createOctokitGitHubApp((await createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }).auth()) as Octokit) };
}

const installation = (id: number, account: string, over: Record<string, unknown> = {}) => ({
  id,
  account: { login: account, type: "Organization" },
  target_id: id * 10,
  target_type: "Organization",
  html_url: `https://github.com/organizations/${account}/settings/installations/${id}`,
  permissions: FULL,
  events: EVENTS,
  suspended_at: null,
  ...over,
});

describe("checkAppRegistration, against GitHub's answers (strict nock)", () => {
  const unmatched: string[] = [];
  const onNoMatch = (req: { href?: string; path?: string }) => void unmatched.push(req.href ?? req.path ?? "?");
  beforeEach(() => {
    unmatched.length = 0;
    nock.disableNetConnect();
    nock.emitter.on("no match", onNoMatch);
  });
  afterEach(() => {
    nock.emitter.off("no match", onNoMatch);
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(unmatched).toEqual([]);
    expect(pending).toEqual([]);
  });

  test("learns the bot login GitHub gave the app, and names what the registration and each installation lack", async () => {
    const { deps, lines, port } = setup();
    nock(API)
      .get("/app")
      .matchHeader("authorization", /^bearer /i) // the app's JWT, not an installation token
      .reply(200, { id: 4242, slug: "acme-ci-fixer", name: "Acme CI fixer", owner: { login: "acme", type: "Organization" }, permissions: { ...FULL, pull_requests: "read" }, events: EVENTS })
      .get("/app/installations")
      .query({ per_page: 100 })
      .reply(200, [
        installation(1, "acme"),
        installation(2, "widgets", { events: ["workflow_run", "check_suite", "pull_request", "pull_request_review_comment"], permissions: { ...FULL, contents: "read" } }),
        installation(3, "gone", { suspended_at: "2026-01-01T00:00:00Z", permissions: {} }),
        installation(4, "bigco", { permissions: { ...FULL, contents: "admin" } }),
        // Lacks only what the registration lacks: said once, on the registration's line.
        installation(5, "smallco", { permissions: { ...FULL, pull_requests: "read" } }),
      ]);
    expect(deps.identity.logins().has("t0-ci-bot[bot]")).toBe(true);

    const outcome = await checkAppRegistration(await port(), deps);

    expect(outcome.kind).toBe("ok");
    expect(deps.identity.botLogin).toBe("acme-ci-fixer[bot]");
    expect([...deps.identity.logins()].sort()).toEqual(["acme-ci-fixer", "acme-ci-fixer[bot]"]);
    expect(lines.find((l) => l.level === "info")?.msg).toBe("GitHub accepted the app's credentials: acme-ci-fixer (id 4242); its runs and reviews are recognised as acme-ci-fixer[bot]");
    const warns = lines.filter((l) => l.level === "warn").map((l) => l.msg);
    expect(warns).toEqual([
      "the app's registration lacks what it needs: permission pull_requests: write (has read), to open the draft pull request and read its reviews. Add it in the app's settings, Permissions & events (https://github.com/organizations/acme/settings/apps/acme-ci-fixer/permissions); each installation's owner then accepts the change",
      "installation 2 (widgets) lacks permission contents: write (has read), to clone the repository and push the fix branch; event pull_request_review (not subscribed): reviews of the fix PR, fed back to TensorZero; jobs of its repositories fail where they need it. An owner of widgets accepts the app's permissions at https://github.com/organizations/widgets/settings/installations/2",
    ]);
    // admin is more than write; the suspended installation is counted, not judged.
    expect(lines.find((l) => l.level === "info")?.fields).toMatchObject({ installations: 4, suspended: 1, lacking: 1 });
  });

  test("a BOT_LOGIN that GitHub contradicts is said, and both logins count as the app's", async () => {
    const { deps, lines, port } = setup({ BOT_LOGIN: "old-name[bot]" });
    nock(API).get("/app").reply(200, { id: 4242, slug: "new-name", owner: { login: "me", type: "User" }, permissions: FULL, events: EVENTS }).get("/app/installations").query(true).reply(200, []);

    await checkAppRegistration(await port(), deps);

    expect([...deps.identity.logins()].sort()).toEqual(["new-name", "new-name[bot]", "old-name", "old-name[bot]"]);
    expect(lines.filter((l) => l.level === "warn").map((l) => l.msg)).toEqual([
      "BOT_LOGIN=old-name[bot], but GitHub names this app's bot new-name[bot]; both are treated as the app's own. Set BOT_LOGIN=new-name[bot] or remove it",
    ]);
  });

  test("credentials GitHub refuses: one error naming APP_ID and the key, nothing more asked, the bot login kept", async () => {
    const { deps, lines, port } = setup();
    nock(API).get("/app").reply(401, { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" });

    const outcome = await checkAppRegistration(await port(), deps);

    expect(outcome.kind).toBe("refused");
    expect(deps.identity.botLogin).toBe("t0-ci-bot[bot]");
    expect(lines.map((l) => l.level)).toEqual(["error"]);
    expect(lines[0]!.msg).toMatch(/^GitHub refused the app's credentials \(HTTP 401: A JSON web token could not be decoded/);
    expect(lines[0]!.msg).toContain("APP_ID and the private key in PRIVATE_KEY or PRIVATE_KEY_PATH must be the ID and a current key of the same GitHub App");
    expect(lines[0]!.msg).toContain("Webhooks are still recorded");
  });

  test("an APP_ID GitHub does not know (404) is named as such", async () => {
    const { deps, lines, port } = setup({ GHE_HOST: "ghe.example.com" });
    nock("https://ghe.example.com").get("/api/v3/app").reply(404, { message: "Integration not found" });

    expect((await checkAppRegistration(await port(), deps)).kind).toBe("refused");
    expect(lines[0]!.msg).toContain("GitHub at ghe.example.com (GHE_HOST) refused the app's credentials (HTTP 404: Integration not found");
    expect(lines[0]!.msg).toContain("APP_ID=4242 is not an app there");
  });

  test("GitHub down (502 after Octokit's one retry) is worth asking again, not a credentials problem", async () => {
    const { deps, lines, port } = setup();
    nock(API).get("/app").times(2).reply(502, { message: "Server Error" });

    const outcome = await checkAppRegistration(await port(), deps, { retryInMs: 300_000 });

    expect(outcome.kind).toBe("unreachable");
    expect(lines.map((l) => [l.level, l.msg])).toEqual([["warn", "could not check the app's registration with GitHub: Server Error; asking again in 5 min"]]);
  });

  test("the installation list failing after the app answered keeps what was learned and says so", async () => {
    const { deps, lines, port } = setup();
    nock(API).get("/app").reply(200, { id: 4242, slug: "acme-ci-fixer", permissions: FULL, events: EVENTS }).get("/app/installations").query(true).reply(403, { message: "Resource not accessible by integration" });

    expect((await checkAppRegistration(await port(), deps)).kind).toBe("ok");
    expect(deps.identity.botLogin).toBe("acme-ci-fixer[bot]");
    expect(lines.at(-1)).toMatchObject({ level: "warn", msg: "could not list the app's installations from GitHub: Resource not accessible by integration" });
  });
});

describe("startAppRegistrationCheck", () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  const registration: AppRegistration = { id: 1, slug: "later-bot", owner: undefined, permissions: FULL, events: EVENTS };
  function flakyPort(failures: number): GitHubAppPort & { calls: number } {
    const port = {
      calls: 0,
      async registration() {
        if (port.calls++ < failures) throw new AppError("github_unavailable", "GitHub could not be reached (getaddrinfo ENOTFOUND api.github.com)", { retryable: true });
        return registration;
      },
      async *installations() {
        yield [];
      },
    };
    return port;
  }

  test("asks again with backoff while GitHub cannot be reached, then learns the bot login", async () => {
    jest.useFakeTimers();
    const { deps } = setup();
    const port = flakyPort(2);
    const stop = startAppRegistrationCheck(port, deps, { retryMs: 1000 });
    await jest.advanceTimersByTimeAsync(0);
    expect(port.calls).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(port.calls).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(port.calls).toBe(2);
    // Doubled: 2 s after the second try.
    await jest.advanceTimersByTimeAsync(1999);
    expect(port.calls).toBe(2);
    expect(deps.identity.botLogin).toBe("t0-ci-bot[bot]");
    await jest.advanceTimersByTimeAsync(1);
    expect(port.calls).toBe(3);
    expect(deps.identity.botLogin).toBe("later-bot[bot]");
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(port.calls).toBe(3);
    stop();
  });

  test("stopping ends the retries", async () => {
    jest.useFakeTimers();
    const { deps } = setup();
    const port = flakyPort(Infinity);
    const stop = startAppRegistrationCheck(port, deps, { retryMs: 1000 });
    await jest.advanceTimersByTimeAsync(0);
    stop();
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(port.calls).toBe(1);
  });
});
