import { generateKeyPairSync } from "node:crypto";
import { describe, expect, test } from "@jest/globals";
import { run } from "../../src/cli/commands/check-app.js";
import { AppError } from "../../src/core/errors.js";
import type { AppInstallation, AppRegistration, GitHubAppPort } from "../../src/core/ports/index.js";

const CREDENTIALS = { APP_ID: "4242", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s" };
const FULL = { actions: "read", checks: "read", contents: "write", pull_requests: "write", metadata: "read" };
const EVENTS = ["workflow_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_comment"];

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}

function github(registration: AppRegistration | Error, installations: AppInstallation[] = []): GitHubAppPort {
  return {
    registration: async () => {
      if (registration instanceof Error) throw registration;
      return registration;
    },
    installations: async function* () {
      yield installations;
    },
  };
}

describe("t0-ci-bot check-app", () => {
  test("everything granted: one line on stdout, exit 0", async () => {
    const c = io();
    const code = await run([], CREDENTIALS, c.io, github({ id: 4242, slug: "acme-ci-fixer", owner: undefined, permissions: FULL, events: EVENTS }));
    expect([code, c.err]).toEqual([0, []]);
    expect(c.out.join("")).toBe("GitHub accepted the app's credentials: acme-ci-fixer (id 4242); its runs and reviews are recognised as acme-ci-fixer[bot]\n");
  });

  test("PRIVATE_KEY and PRIVATE_KEY_PATH set to different keys: says which one it checked, on stderr, still exit 0", async () => {
    const c = io();
    // Another real key: one mangled from the fixture is no key at all, refused before any check.
    const other = generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
    const code = await run([], { ...CREDENTIALS, PRIVATE_KEY: other }, c.io, github({ id: 4242, slug: "acme-ci-fixer", owner: undefined, permissions: FULL, events: EVENTS }));
    expect(code).toBe(0);
    expect(c.err).toEqual([expect.stringMatching(/^warning: PRIVATE_KEY and PRIVATE_KEY_PATH are both set, to different keys: PRIVATE_KEY is used .*\n$/)]);
  });

  test("an installation lacking a permission: said on stderr, exit 1", async () => {
    const c = io();
    const lacking: AppInstallation = { id: 9, account: "widgets", url: "https://github.com/organizations/widgets/settings/installations/9", suspended: false, permissions: { ...FULL, actions: "none" }, events: EVENTS };
    const code = await run([], CREDENTIALS, c.io, github({ id: 4242, slug: "acme-ci-fixer", owner: undefined, permissions: FULL, events: EVENTS }, [lacking]));
    expect(code).toBe(1);
    expect(c.err.join("")).toMatch(/^installation 9 \(widgets\) lacks permission actions: read \(has none\), to read failed runs and download their job logs;/);
  });

  // What GitHub (or whatever answers at GITHUB_API_URL, a proxy) says is quoted: shown, never acted on by the terminal.
  test("GitHub's words are shown escaped: an error body with escape sequences, an account with a bidi override", async () => {
    const c = io();
    const lacking: AppInstallation = { id: 9, account: "wid\u202egets", url: "https://github.com/organizations/widgets/settings/installations/9", suspended: false, permissions: { ...FULL, actions: "none" }, events: EVENTS };
    expect(await run([], CREDENTIALS, c.io, github({ id: 4242, slug: "acme-ci-fixer", owner: undefined, permissions: FULL, events: EVENTS }, [lacking]))).toBe(1);
    expect(c.err.join("")).toMatch(/^installation 9 \(wid\\u202egets\) lacks/);

    const refused = io();
    const body = "Bad credentials\x1b]0;owned\x07\x1b[1A\x1b[2K\nGitHub accepted the app's credentials";
    expect(await run([], CREDENTIALS, refused.io, github(new AppError("http_401", body, { details: { status: 401 } })))).toBe(1);
    const said = refused.err.join("");
    // eslint-disable-next-line no-control-regex
    expect(said).not.toMatch(/[\x00-\x09\x0b-\x1f\u202a-\u202e]/);
    expect(said).toContain("Bad credentials\\x1b]0;owned\\x07\\x1b[1A\\x1b[2K\\nGitHub accepted");
    expect(said.trimEnd().split("\n")).toHaveLength(1);
  });

  test("credentials GitHub refuses, or GitHub out of reach: exit 1 with the reason", async () => {
    const refused = io();
    const answer = Object.assign(new Error("A JSON web token could not be decoded"), { status: 401 });
    expect(await run([], CREDENTIALS, refused.io, github(new AppError("http_401", answer.message, { cause: answer, details: { status: 401 } })))).toBe(1);
    expect(refused.err.join("")).toMatch(/^GitHub refused the app's credentials \(HTTP 401: A JSON web token could not be decoded\)/);

    const down = io();
    expect(await run([], CREDENTIALS, down.io, github(new AppError("network", "getaddrinfo ENOTFOUND api.github.com", { retryable: true })))).toBe(1);
    // The server asks again by itself; the command only said what failed, not what to do about it.
    expect(down.err.join("")).toBe(
      "could not check the app's registration with GitHub: getaddrinfo ENOTFOUND api.github.com\n" +
        "t0-ci-bot check-app: GitHub could not be reached from here; check this machine's network (and proxy) to api.github.com, then run it again.\n",
    );
    const ghes = io();
    expect(await run([], { ...CREDENTIALS, GHE_HOST: "ghe.example.com" }, ghes.io, github(new AppError("network", "getaddrinfo ENOTFOUND ghe.example.com", { retryable: true })))).toBe(1);
    expect(ghes.err.join("")).toMatch(/check this machine's network \(and proxy\) to ghe\.example\.com \(GHE_HOST\), then run it again/);
  });

  test("without credentials, or with an argument it does not take: says what to do", async () => {
    const none = io();
    expect(await run([], {}, none.io)).toBe(1);
    expect(none.err.join("")).toMatch(/^t0-ci-bot check-app: needs the app's APP_ID and PRIVATE_KEY/);
    const extra = io();
    expect(await run(["now"], CREDENTIALS, extra.io)).toBe(2);
    expect(extra.err.join("")).toMatch(/^t0-ci-bot check-app: unexpected argument "now"/);
  });
});
