import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, jest, test } from "@jest/globals";
import nock from "nock";
import { createGitHubPort } from "./adapters/github/create-github-port.js";
import { MemoryJobStore } from "./adapters/store/memory-store.js";
import { LowdbJobStore } from "./adapters/store/lowdb-store.js";
import { STORE_CLOSE_MAX_MS } from "./adapters/store/close-store-within.js";
import { fsyncPath } from "./adapters/store/fsync-path.js";
import { createProbot, startApp } from "./app.js";
import { loadAppConfig } from "./config/app-config.js";
import { silentLogger } from "./core/logger.js";
import type { GitHubAppPort } from "./core/ports/index.js";
import { recordingLogger } from "../test/helpers/recording-logger.js";
import { eventually } from "../test/helpers/eventually.js";
import { makeDelivery, makeJob } from "../test/helpers/make-job.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import { githubApiMock } from "../test/helpers/github-api.js";

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

// The app's name on GitHub is often not t0-ci-bot: the GitHub adapter must know the bot login the start-up
// check learns, or it would take the app's own comment for someone else's and post a second one each time.
test("the GitHub adapter recognises the app's comments by the bot login learned at start", async () => {
  const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", T0_WORKERS: "0", REDELIVER_WINDOW_HOURS: "0" });
  const githubApp: GitHubAppPort = {
    registration: async () => ({ id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] }),
    async *installations() {
      yield [];
    },
  };
  const app = await startApp(config, { port: 0, host: "127.0.0.1", logger: silentLogger(), overrides: { store: new MemoryJobStore() }, githubApp });
  const gh = await githubApiMock();
  try {
    await new Promise((r) => setImmediate(r));
    const marker = "<!-- t0-ci-bot:fix-comment 1:10 -->";
    const bot = (login: string) => ({ user: { login, id: 9, type: "Bot" }, performed_via_github_app: null });
    gh.on("POST", "/app/installations/5/access_tokens", { status: 201, body: { token: "ghs_x", expires_at: new Date(Date.now() + 3600_000).toISOString() } })
      // Another registration that kept the default name writes the same marker.
      .on("GET", "/repos/o/r/issues/7/comments", { body: [{ id: 1, body: `${marker}\nother`, ...bot("t0-ci-bot[bot]") }, { id: 2, body: `${marker}\nold`, ...bot("acme-ci-fixer[bot]") }] })
      .on("PATCH", "/repos/o/r/issues/comments/2", { body: { id: 2, body: "x" } });
    const writes = (await app.deps.github.forInstallation(5)).writes!;
    expect(await writes.upsertComment({ id: 1, owner: "o", name: "r", fullName: "o/r" }, 7, marker, `${marker}\nnew`)).toEqual({ id: 2, created: false });
    gh.done();
  } finally {
    gh.cleanup();
    await app.stop({ drainMs: 0 });
  }
});

test("serve logs the PRIVATE_KEY / PRIVATE_KEY_PATH conflict once at start, naming both and the one used", async () => {
  const other = generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY: other, PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", T0_WORKERS: "0", REDELIVER_WINDOW_HOURS: "0" });
  const githubApp: GitHubAppPort = {
    registration: async () => ({ id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] }),
    async *installations() {
      yield [];
    },
  };
  const { logger: recording, lines } = recordingLogger();
  // Probot gets a child logger, which the recording one (a spread of pino's) does not carry.
  const logger = { ...recording, child: () => silentLogger() } as typeof recording;
  const app = await startApp(config, { port: 0, host: "127.0.0.1", logger, overrides: { store: new MemoryJobStore() }, githubApp });
  try {
    const warned = lines.filter((l) => l.level === "warn" && /PRIVATE_KEY_PATH/.test(l.msg));
    expect(warned).toEqual([{ level: "warn", fields: {}, msg: expect.stringMatching(/^PRIVATE_KEY and PRIVATE_KEY_PATH are both set, to different keys: PRIVATE_KEY is used/) }]);
  } finally {
    await app.stop({ drainMs: 0 });
  }
});

test("serve checks Redis's settings in the background on the store's connection and says what they risk", async () => {
  const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", T0_WORKERS: "0", REDELIVER_WINDOW_HOURS: "0" });
  const githubApp: GitHubAppPort = {
    registration: async () => ({ id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] }),
    async *installations() {
      yield [];
    },
  };
  // A store that answers as RedisJobStore does on a Redis that keeps nothing on disk.
  const store = Object.assign(new MemoryJobStore(), {
    readServerSettings: async () => ({ kind: "read" as const, settings: { source: "config" as const, appendonly: false, save: "", maxmemory: 0, maxmemoryPolicy: "noeviction" } }),
  });
  const { logger: recording, lines } = recordingLogger();
  const logger = { ...recording, child: () => silentLogger() } as typeof recording;
  const app = await startApp(config, { port: 0, host: "127.0.0.1", logger, overrides: { store }, githubApp });
  try {
    const warned = await eventually("the persistence warning", () => lines.find((l) => l.fields.setting === "persistence"));
    expect([warned.level, warned.msg]).toEqual(["warn", expect.stringMatching(/^Redis keeps nothing on disk \(appendonly no, save ""\)/)]);
  } finally {
    await app.stop({ drainMs: 0 });
  }
});

test("a GitHub answer cut off mid-body is a failed request (retried, then a wait), not a short answer: a cut ci-bot.yml saying enabled: false read as {}", async () => {
  let cut = true;
  let configReads = 0;
  const github = createServer((req, res) => {
    if (req.method === "POST" && req.url === "/api/v3/app/installations/5/access_tokens") {
      res.writeHead(201, { "content-type": "application/json" });
      return res.end(JSON.stringify({ token: "ghs_token", expires_at: new Date(Date.now() + 3600_000).toISOString() }));
    }
    if (req.url?.startsWith("/api/v3/repos/o/r/contents/")) {
      configReads++;
      const body = "# settings of this repository for t0-ci-bot\nenabled: false\n";
      res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": String(body.length) });
      if (!cut) return res.end(body);
      return res.write(body.slice(0, 20), () => res.socket?.destroy());
    }
    // The job log is still streamed through its redirect, which the token must not follow.
    if (req.url === "/api/v3/repos/o/r/actions/jobs/9/logs") {
      res.writeHead(302, { location: `http://${req.headers.host}/storage/job-9.txt` });
      return res.end();
    }
    if (req.url === "/storage/job-9.txt" && !req.headers.authorization) {
      res.writeHead(200, { "content-type": "text/plain" });
      return res.end("##[error]Process completed with exit code 1.\n");
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: "Not Found" }));
  });
  await new Promise<void>((r) => github.listen(0, "127.0.0.1", () => r()));
  nock.enableNetConnect("127.0.0.1");
  try {
    const host = `127.0.0.1:${(github.address() as AddressInfo).port}`;
    const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", GHE_HOST: host, GHE_PROTOCOL: "http" });
    const gh = await createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) }).forInstallation(5);
    const repo = { id: 1, owner: "o", name: "r", fullName: "o/r" };
    await expect(gh.getRepoConfig(repo)).rejects.toMatchObject({ code: "github_unavailable", retryable: true });
    expect(configReads).toBe(2); // Octokit's one retry
    cut = false;
    expect(await gh.getRepoConfig(repo)).toEqual({ enabled: false });
    let log = "";
    for await (const chunk of await gh.downloadJobLog(repo, 9)) log += Buffer.from(chunk).toString();
    expect(log).toBe("##[error]Process completed with exit code 1.\n");
  } finally {
    github.closeAllConnections();
    await new Promise((r) => github.close(r));
  }
});

test("on GitHub Enterprise Server the clone's installation token is minted there, not at api.github.com", async () => {
  const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", GHE_HOST: "ghe.example.com" });
  const gh = await githubApiMock({ baseUrl: "https://ghe.example.com/api/v3" });
  try {
    gh.on("POST", "/app/installations/5/access_tokens", { status: 201, body: { token: "ghs_fromGhes", expires_at: new Date(Date.now() + 3600_000).toISOString() } });
    // A fresh process (a resumed job, another worker): no API call has put a token in Probot's cache yet,
    // so the clone's token is the first one asked for. Sent to github.com it carried the app's JWT there.
    const client = await createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) }).forInstallation(5);
    expect(await client.installationToken()).toBe("ghs_fromGhes");
    gh.done();
    expect(gh.requests[0]!.headers.authorization).toMatch(/^bearer /);
  } finally {
    gh.cleanup();
  }
});

test("a job that writes more than an hour after its first request does so with a new installation token", async () => {
  // Probot's token cache reads Date.now(); the clock keeps ticking (a frozen one hangs undici's requests).
  const realNow = Date.now.bind(Date);
  let skew = 0;
  const clock = jest.spyOn(Date, "now").mockImplementation(() => realNow() + skew);
  const gh = await githubApiMock();
  try {
    let minted = 0;
    gh.on("POST", "/app/installations/5/access_tokens", () => ({ status: 201, body: { token: `ghs_token${++minted}`, expires_at: new Date(Date.now() + 3600_000).toISOString() } }), { times: 2 })
      .on("GET", "/repos/o/r/git/ref/heads%2Fci-bot%2Ffix-1", { status: 404, body: { message: "Not Found" } }, { times: 2 });
    const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s" });
    const port = createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) });
    const repo = { id: 1, owner: "o", name: "r", fullName: "o/r" };
    expect(await (await port.forInstallation(5)).writes!.getBranchSha(repo, "ci-bot/fix-1")).toBeNull();
    // Clone, validation and the model took longer than the token lives.
    skew = 61 * 60_000;
    expect(await (await port.forInstallation(5)).writes!.getBranchSha(repo, "ci-bot/fix-1")).toBeNull();
    gh.done();
    expect(gh.requests.map((r) => r.headers.authorization)).toEqual([expect.stringMatching(/^bearer /), "token ghs_token1", expect.stringMatching(/^bearer /), "token ghs_token2"]);
  } finally {
    gh.cleanup();
    clock.mockRestore();
  }
});

// A dead disk never answers the store's last fsync: the stop waited for ever, and only SIGKILL ended it.
test("stop gives up on a store whose write never returns: it rejects (the process exits non-zero) after logging the stuck write", async () => {
  const dir = await mkdtemp(join(tmpdir(), "t0-app-stop-"));
  try {
    const config = loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", T0_WORKERS: "0", REDELIVER_WINDOW_HOURS: "0", DATA_DIR: dir });
    const githubApp: GitHubAppPort = {
      registration: async () => ({ id: 1, slug: "acme-ci-fixer", owner: undefined, permissions: {}, events: [] }),
      async *installations() {
        yield [];
      },
    };
    let dead = false;
    const clock = new FakeClock();
    const store = await LowdbJobStore.open(dir, { now: () => clock.now(), syncPath: (p) => (dead ? new Promise<void>(() => undefined) : fsyncPath(p)) });
    const { logger: recording, lines } = recordingLogger();
    const logger = { ...recording, child: () => silentLogger() } as typeof recording;
    const app = await startApp(config, { port: 0, host: "127.0.0.1", logger, overrides: { store, clock }, githubApp });
    const job = makeJob();
    await store.recordIntake(makeDelivery(job), "{}", job);
    dead = true;
    let outcome: unknown;
    const stopped = app.stop({ drainMs: 0 }).then(() => (outcome = "stopped"), (err: unknown) => (outcome = err));
    await eventually("the store's close to wait on its flush", () => store.writesInFlight().length > 0);
    await clock.advance(STORE_CLOSE_MAX_MS);
    await stopped;
    expect(outcome).toMatchObject({ code: "store_close_stuck", message: expect.stringContaining(`stuck on fsync of ${join(dir, "jobs", `${job.id}.json`)}`) });
    expect(lines.filter((l) => l.level === "error")).toEqual([{ level: "error", fields: { stuck: [expect.objectContaining({ op: "fsync" })] }, msg: (outcome as Error).message }]);
    expect(lines.some((l) => l.msg === "stopped")).toBe(false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
