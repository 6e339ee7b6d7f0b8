import { afterAll, afterEach, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { Redis } from "ioredis";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { createGitHubPort } from "../../src/adapters/github/create-github-port.js";
import { createTensorZeroModel } from "../../src/adapters/tensorzero/tensorzero-model.js";
import { createFsWorkspace, workspaceOptionsFromConfig } from "../../src/adapters/workspace/fs-workspace.js";
import { systemClock } from "../../src/adapters/clock/system-clock.js";
import { createLocalWritePacer } from "../../src/adapters/queue/write-pacer.js";
import { startApp, type RunningApp } from "../../src/app.js";
import { startWorker, type RunningWorker } from "../../src/cli/commands/worker.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { silentLogger } from "../../src/core/logger.js";
import { credentialIn } from "../../src/core/redact.js";
import type { Job } from "../../src/core/job.js";
import type { GitHubAppPort } from "../../src/core/ports/index.js";
import { FakeTensorZero, type FakeReply } from "../fakes/fake-tensorzero.js";
import { createRepo, startGitServer, type GitServer } from "../fakes/git-server.js";
import { apiRef, githubApiMock, githubOpenApi, type GitHubApiMock, type RecordedRequest } from "../helpers/github-api.js";
import { REPOS_DIR } from "../helpers/fixture-repo.js";
import { leakedPieces, SECRETS_CORPUS } from "../helpers/planted-secrets.js";
import { redisUrlIfAvailable, skipWithoutRedis, uniquePrefix } from "../helpers/redis-env.js";
import { fixture, privateKey, sign, SECRET } from "../intake/harness.js";

/**
 * No secret at rest: the real app (webhook server, lowdb store, in-process runner, every real stage) takes
 * failed runs whose log, model answers (patch and diagnosis), validation output and errors hold every secret
 * of the shared corpus to their end (a PR opened and merged; patches refused; validation failed), then every
 * file under DATA_DIR and under WORKSPACE_ROOT is read. A 12-character piece of a secret, as is, URL-encoded,
 * JSON-escaped or in base64 (the forms the outbound test and the runner's masking know), is a leak, named
 * with its file. No secret is put in a webhook payload: those are GitHub's and are kept as received.
 * With REDIS_URL, the same runs go through a web app and a worker on the Redis store and the BullMQ queue,
 * and every key under the test's own REDIS_PREFIX is read too (and deleted after each test).
 */
jest.setTimeout(150_000);

const TOKEN = "ghs_" + "AtRestT0kenForTheFixRun0123456789abcdef";
const REPO = "octo-org/octo-repo";
const API = `/repos/${REPO}`;
const GH_JOB = 4242;
const RUN_ID = 289782451;
const STORAGE = "https://pipelines.actions.githubusercontent.com";
const FIX_DIFF = readFileSync(join(REPOS_DIR, "node-sum.fix.diff"), "utf8");
const WRONG_DIFF = readFileSync(join(REPOS_DIR, "node-sum.wrong.diff"), "utf8");
const WORKFLOW = readFileSync(join(REPOS_DIR, "node-sum/.github/workflows/ci.yml"), "utf8");
const CONFIG = "validate: npm test\nreproduce_first: true\n";
/**
 * A `.github/ci-bot.yml` whose problems quote the corpus: each line of it is an unknown key (explicit keys, `?`,
 * have no length limit), and a bad value; the settings it says are CONFIG's.
 */
const LEAKY_CONFIG = `${CONFIG}max_repair_attempts: ${JSON.stringify(SECRETS_CORPUS[0]!.secret)}\n${SECRETS_CORPUS.map((c) => `? ${JSON.stringify(c.text)}\n: 1\n`).join("")}`;
const COMMIT = "c0ffee".padEnd(40, "0");

const corpusText = SECRETS_CORPUS.map((c) => c.text).join("\n");
const corpusLines = corpusText.split("\n");

/**
 * The tests print the corpus on stdout and stderr, then fail until sum() adds: the validation output holds
 * every secret. The checkout holds them reversed only (it is the repository's, and is removed with the workspace).
 */
const reversed = JSON.stringify(corpusLines.map((l) => [...l].reverse().join("")));
const MATH_TEST = [
  'import { test } from "node:test";',
  'import assert from "node:assert/strict";',
  'import { product, sum } from "../src/math.js";',
  "",
  `const said = ${reversed}.map((l) => [...l].reverse().join(""));`,
  'console.log(said.join("\\n"));',
  'console.error(said.join("\\n"));',
  "",
  'test("sum adds", () => {',
  "  assert.equal(sum(2, 3), 5);",
  "});",
  "",
  'test("product multiplies", () => {',
  "  assert.equal(product(2, 3), 6);",
  "});",
  "",
].join("\n");

/** The failing job's log: the corpus printed by the failing step (an `::add-mask::` among it), then the failure. */
const stamp = (l: string) => (/^\d{4}-\d\d-\d\dT/.test(l) ? l : `2026-11-23T12:00:01.5000000Z ${l}`);
const LOG = [
  "\uFEFF2026-11-23T12:00:00.0000000Z Requested labels: ubuntu-latest",
  "2026-11-23T12:00:01.0000000Z ##[group]Run npm test",
  "2026-11-23T12:00:01.0000000Z \x1b[36;1mnpm test\x1b[0m",
  "2026-11-23T12:00:01.0000000Z shell: /usr/bin/bash -e {0}",
  "2026-11-23T12:00:01.0000000Z ##[endgroup]",
  ...corpusLines.map(stamp),
  "2026-11-23T12:00:02.0000000Z not ok 1 - sum adds",
  "2026-11-23T12:00:02.0000000Z   AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
  "2026-11-23T12:00:02.0000000Z   -1 !== 5",
  "2026-11-23T12:00:02.0000000Z       at TestContext.<anonymous> (file:///home/runner/work/octo-repo/test/math.test.js:6:10)",
  "2026-11-23T12:00:02.1000000Z ##[error]Process completed with exit code 1.",
  "2026-11-23T12:00:03.0000000Z Cleaning up orphan processes",
].join("\n") + "\n";

/** A patch that writes the corpus into the code: refused by the patch policy (credentials added). */
const SECRET_PATCH = [
  "diff --git a/src/settings.js b/src/settings.js",
  "new file mode 100644",
  "--- /dev/null",
  "+++ b/src/settings.js",
  `@@ -0,0 +1,${corpusLines.length} @@`,
  ...corpusLines.map((l) => `+// ${l}`),
  "",
].join("\n");
/**
 * Edits the workflow, writing into it the corpus lines with no credential's shape (a name says they are
 * secrets): refused for workflow_edits before anything runs, and proposed again.
 */
const namedOnly = SECRETS_CORPUS.filter((c) => !credentialIn(c.text)).flatMap((c) => c.text.split("\n"));
const WORKFLOW_EDIT = [
  "diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml",
  "--- a/.github/workflows/ci.yml",
  "+++ b/.github/workflows/ci.yml",
  `@@ -1,3 +1,${3 + namedOnly.length} @@`,
  " name: CI",
  "-on: [push, pull_request]",
  "+on: [push]",
  ...namedOnly.map((l) => `+# ${l}`),
  " jobs:",
  "",
].join("\n");
const diagnosis = `The tests read the settings:\n${corpusText}`;
const answer = (patch: string): FakeReply => ({ output: { diagnosis, patch, confidence: 0.6, files: [...patch.matchAll(/^\+\+\+ b\/(\S+)/gm)].map((m) => m[1]!), tests_to_run: null } });

/** Each secret in the forms the runner masks it in (see encodedForms in src/core/redact.ts). */
function formsOf(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify(secret)).slice(3, -3)]);
  const bytes = Buffer.from(secret, "utf8");
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const core = b64.slice(Math.ceil((shift * 8) / 6), Math.floor(((shift + bytes.length) * 8) / 6));
    if (core.length >= 8) forms.add(core).add(core.replaceAll("+", "-").replaceAll("/", "_"));
  }
  return [...forms];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Where in a JSON document (or line of an NDJSON file) strings holding `piece` are: `jobs[0].error.message`. */
function pathsOf(text: string, piece: string): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, at: string): void => {
    if (typeof v === "string") {
      if (v.includes(piece)) out.add(at);
      else if (v.includes("{") && v.includes(piece.slice(0, 6))) {
        try {
          walk(JSON.parse(v), `${at}<json>`);
        } catch {
          /* not JSON text */
        }
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, at && !at.endsWith(" ") ? `${at}.${k}` : `${at}${k}`);
  };
  for (const [i, line] of (text.trimStart().startsWith("{") && !text.includes("\n{") ? [text] : text.split("\n")).entries()) {
    try {
      walk(JSON.parse(line), text.includes("\n{") ? `line ${i + 1}: ` : "");
    } catch {
      /* not JSON */
    }
  }
  return out.size ? [...out] : ["(raw text)"];
}

/** What the app left: a file (named by its path under `base`) or a value in Redis (named by key and field). */
type Kept = { name: string; text: string };

async function filesKept(roots: string[], base: string): Promise<Kept[]> {
  const out: Kept[] = [];
  for (const root of roots) for (const file of await filesUnder(root)) out.push({ name: relative(base, file), text: await readFile(file, "utf8") });
  return out;
}

/**
 * Every value Redis holds under `prefix` (the store's keys, the queue's, the locks'), whatever its type, named
 * `redis <key without the prefix>` with the hash field, list index or stream entry; the key names too.
 */
async function redisKept(url: string, prefix: string): Promise<Kept[]> {
  const r = new Redis(url);
  const out: Kept[] = [];
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      for (const key of keys) {
        const name = `redis ${key.slice(prefix.length)}`;
        out.push({ name: `${name} (key name)`, text: key });
        const type = await r.type(key);
        if (type === "string") out.push({ name, text: (await r.get(key)) ?? "" });
        else if (type === "hash") for (const [f, v] of Object.entries(await r.hgetall(key))) out.push({ name: `${name} ${f}`, text: v });
        else if (type === "list") (await r.lrange(key, 0, -1)).forEach((v, i) => out.push({ name: `${name}[${i}]`, text: v }));
        else if (type === "set") for (const v of await r.smembers(key)) out.push({ name: `${name} member`, text: v });
        else if (type === "zset") for (const v of await r.zrange(key, 0, -1)) out.push({ name: `${name} member`, text: v });
        else if (type === "stream") for (const [id, fields] of await r.xrange(key, "-", "+")) for (let i = 0; i + 1 < fields.length; i += 2) out.push({ name: `${name} ${id} ${fields[i]}`, text: fields[i + 1]! });
        else if (type !== "none") throw new Error(`${key} is a Redis ${type}, which this test cannot read: teach redisKept to`);
      }
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
  return out;
}

/** Deletes the keys under the test's own prefix, and no other. */
async function removeKeys(url: string, prefix: string): Promise<void> {
  const r = new Redis(url);
  try {
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length) await r.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    r.disconnect();
  }
}

/** Every kept text holding a piece of a corpus secret, by its name and place in it: the kinds of secret found there. */
function leaksIn(kept: Kept[]): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const { name, text } of kept) {
    for (const c of SECRETS_CORPUS) {
      const pieces = formsOf(c.secret).flatMap((f) => leakedPieces(text, f));
      if (pieces.length) for (const at of pathsOf(text, pieces[0]!)) (found[`${name}: ${at}`] ??= []).push(c.kind);
    }
  }
  return found;
}

const leaksAtRest = async (roots: string[], base: string) => leaksIn(await filesKept(roots, base));

let base: string;
let server: GitServer;
let headSha: string;
let gateway: FakeTensorZero;
let gh: GitHubApiMock;
let app: RunningApp | undefined;
let worker: RunningWorker | undefined;
let dir = "";
/** Set while a test runs on Redis: its URL and the prefix of every key the test's app writes. */
let redis: { url: string; prefix: string } | undefined;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-at-rest-"));
  const files = Object.fromEntries(["package.json", "src/math.js", ".github/workflows/ci.yml"].map((f) => [f, readFileSync(join(REPOS_DIR, "node-sum", f), "utf8")]));
  headSha = (await createRepo(join(base, "repos"), REPO, [{ ...files, "test/math.test.js": MATH_TEST }], "master"))[0]!;
  server = await startGitServer({ root: join(base, "repos"), token: TOKEN });
  await githubOpenApi();
});

afterAll(async () => {
  await server?.close();
  await rm(base, { recursive: true, force: true });
});

afterEach(async () => {
  await app?.stop({ drainMs: 2000 });
  app = undefined;
  await worker?.stop({ drainMs: 2000 });
  worker = undefined;
  if (redis) await removeKeys(redis.url, redis.prefix);
  redis = undefined;
  await gateway?.stop();
  gh?.cleanup();
  nock.cleanAll();
});

/** The app on lowdb (`redisUrl` undefined), or a web app and a worker on Redis under a prefix of their own. */
async function startOn(redisUrl: string | undefined) {
  gateway = await FakeTensorZero.start();
  dir = await mkdtemp(join(base, "app-"));
  // REDIS_PREFIX allows no `:`; every key is under `<prefix>:`.
  const prefix = uniquePrefix("at-rest").replace(/:/g, "-").slice(0, -1);
  if (redisUrl) redis = { url: redisUrl, prefix: `${prefix}:` };
  const config = loadAppConfig({
    NODE_ENV: "test", APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, DATA_DIR: join(dir, "data"),
    WORKSPACE_ROOT: join(dir, "ws"), WORKSPACE_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_BYTES: "0", VALIDATION_MIN_FREE_MEMORY_BYTES: "0", GIT_BASE_URL: server.url, SANDBOX: "off",
    TENSORZERO_URL: gateway.url, T0_WORKERS: "1", REDELIVER_WINDOW_HOURS: "0", RETRY_BASE_MS: "50", RETRY_MAX_MS: "200", LOG_LEVEL: "silent",
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: prefix } : {}),
  });
  const clock = systemClock();
  const github = createGitHubPort({
    octokitFactory: () => new ProbotOctokit({ auth: { token: TOKEN }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug() {}, info() {}, warn() {}, error() {} } }),
    writePacer: createLocalWritePacer({ clock, minIntervalMs: 0 }),
  });
  const model = createTensorZeroModel(config, { clock }, { backoff: { baseMs: 10, maxMs: 50 }, breaker: { threshold: 5, halfOpenAfterMs: 300 } });
  const githubApp: GitHubAppPort = {
    registration: async () => ({ id: 1, slug: "t0-ci-bot", owner: undefined, permissions: { actions: "read", checks: "read", contents: "write", pull_requests: "write", metadata: "read" }, events: ["workflow_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_comment"] }),
    installations: async function* () {},
  };
  const overrides = { github, model, workspace: createFsWorkspace(workspaceOptionsFromConfig(config)) };
  app = await startApp(config, { logger: silentLogger(), port: 0, host: "127.0.0.1", githubApp, overrides });
  // On Redis the web app only records and queues: a worker runs the jobs, as `t0-ci-bot worker` does.
  if (redisUrl) worker = await startWorker(config, { githubApp, overrides: { ...overrides, logger: silentLogger() } });
}

async function send(event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const res = await fetch(`${app!.url}/api/github/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": event, "x-github-delivery": `d-${Math.random().toString(36).slice(2)}`, "x-hub-signature-256": sign(body) },
    body,
  });
  return res.status;
}

function failedRunPayload() {
  const p = fixture("workflow_run.completed");
  p.workflow_run.conclusion = "failure";
  p.workflow_run.head_sha = headSha;
  p.workflow_run.head_commit.id = headSha;
  p.workflow_run.path = ".github/workflows/ci.yml";
  p.workflow_run.pull_requests = [{ url: `https://api.github.com${API}/pulls/7`, id: 1, number: 7, head: { ref: "master", sha: headSha, repo: { id: p.repository.id, url: "u", name: "octo-repo" } }, base: { ref: "main", sha: headSha, repo: { id: p.repository.id, url: "u", name: "octo-repo" } } }];
  return p;
}

const apiJob = () => ({
  id: GH_JOB, run_id: RUN_ID, run_url: "u", node_id: "J", head_sha: headSha, url: "u", html_url: "https://github.com/x/job", status: "completed",
  conclusion: "failure", started_at: "2026-11-23T12:00:00Z", completed_at: "2026-11-23T12:00:03Z", name: "test (node 20)",
  check_run_url: `https://api.github.com${API}/check-runs/${GH_JOB + 1}`, labels: ["ubuntu-latest"], runner_id: 1, runner_name: "r",
  runner_group_id: 1, runner_group_name: "g", workflow_name: "CI", head_branch: "master", run_attempt: 1, created_at: "2026-11-23T12:00:00Z",
  steps: [
    { number: 1, name: "Set up job", status: "completed", conclusion: "success", started_at: "2026-11-23T12:00:00Z", completed_at: "2026-11-23T12:00:01Z" },
    { number: 2, name: "Unit tests", status: "completed", conclusion: "failure", started_at: "2026-11-23T12:00:01Z", completed_at: "2026-11-23T12:00:03Z" },
  ],
});

/** What the read side asks GitHub for the run; an annotation carries the corpus too. */
async function mockReads(config = CONFIG) {
  gh = await githubApiMock();
  const annotation = { path: "test/math.test.js", start_line: 6, end_line: 6, annotation_level: "failure", title: "sum adds", message: corpusText, raw_details: null, blob_href: "u", start_column: null, end_column: null };
  gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: config, headers: { "content-type": "text/plain" } })
    .on("GET", `${API}/git/ref/heads%2Fmaster`, { body: apiRef("master", headSha) })
    .on("GET", `${API}/actions/runs/${RUN_ID}/attempts/1/jobs?per_page=100`, { body: { total_count: 1, jobs: [apiJob()] } })
    .on("GET", `${API}/actions/jobs/${GH_JOB}/logs`, { status: 302, headers: { location: `${STORAGE}/log/${GH_JOB}?sig=s` } })
    .on("GET", `${API}/check-runs/${GH_JOB + 1}/annotations?per_page=100`, { body: [annotation] })
    .on("GET", `${API}/contents/.github%2Fworkflows%2Fci.yml?ref=${headSha}`, { body: WORKFLOW, headers: { "content-type": "text/plain" } })
    .on("GET", `${API}/commits/${headSha}`, { body: "", headers: { "content-type": "text/plain" } });
  nock(STORAGE, { badheaders: ["authorization"] }).get(`/log/${GH_JOB}`).query({ sig: "s" }).reply(200, LOG);
}

/**
 * The write side: verified commit, draft PR (GitHub fails the first creation, its error message quoting the
 * corpus), label, comment on PR #7; `refusePr`: the second creation is refused for good, quoting it again.
 */
function mockWrites(refusePr = false, config = CONFIG) {
  const pr = { number: 101, html_url: `https://github.com/${REPO}/pull/101`, node_id: "PR_101", state: "open", draft: true, merged: false, head: { ref: `ci-bot/fix-${RUN_ID}`, sha: COMMIT } };
  let branch: string | null = null;
  gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: config, headers: { "content-type": "text/plain" } }, { times: 2 })
    .on("GET", `${API}/git/ref/heads%2Fmaster`, { body: apiRef("master", headSha) })
    .on("GET", `${API}/git/ref/heads%2Fci-bot%2Ffix-${RUN_ID}`, () => (branch ? { body: { ref: "r", node_id: "n", url: "u", object: { sha: branch, type: "commit", url: "u" } } } : { status: 404, body: { message: "Not Found" } }), { times: refusePr ? 3 : 2 })
    .on("GET", `${API}/git/commits/${headSha}`, { body: { sha: headSha, tree: { sha: "1".repeat(40) } } })
    .on("GET", `${API}/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: "2".repeat(40) } } })
    .on("POST", `${API}/git/trees`, { status: 201, body: { sha: "2".repeat(40), tree: [] } }, { times: 2 })
    .on("POST", `${API}/git/commits`, { status: 201, body: { sha: COMMIT, verification: { verified: true, reason: "valid" } } })
    .on("POST", `${API}/git/refs`, () => ((branch = COMMIT), { status: 201, body: { ref: `refs/heads/ci-bot/fix-${RUN_ID}`, object: { sha: COMMIT } } }))
    .on("GET", `${API}/pulls`, { body: [] }, { times: 2 })
    .on("POST", `${API}/pulls`, { status: 502, body: { message: corpusText } });
  if (refusePr) {
    // Refused for good: the fix branch, with no PR and still at the bot's commit, is deleted (dropOrphanBranch).
    gh.on("POST", `${API}/pulls`, { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: corpusText }], documentation_url: "https://docs.github.com/rest" } })
      .on("GET", `${API}/pulls?head=octo-org%3Aci-bot%2Ffix-${RUN_ID}&state=all&per_page=10`, { body: [] })
      .on("DELETE", `${API}/git/refs/heads%2Fci-bot%2Ffix-${RUN_ID}`, { status: 204 });
    return;
  }
  gh.on("POST", `${API}/pulls`, { status: 201, body: pr })
    .on("POST", `${API}/issues/101/labels`, { body: [] })
    .on("GET", `${API}/issues/7/comments`, { body: [] }, { times: 2 })
    .on("POST", `${API}/issues/7/comments`, { status: 201, body: { id: 1, body: "x" } });
}

/**
 * The merge of fix PR #101: watch-pr reads the config, edits the bot's comment on PR #7 and reads it again.
 * `refuseEdit`: GitHub refuses the edit for good (a locked PR), its error quoting the corpus.
 */
function mockMerge(refuseEdit = false, config = CONFIG) {
  const posted = (gh.requests.find((q: RecordedRequest) => q.operationId === "issues/create-comment")!.body as { body: string }).body;
  const lastEdit = () => (gh.requests.filter((q: RecordedRequest) => q.operationId === "issues/update-comment").at(-1)!.body as { body: string }).body;
  gh.on("GET", `${API}/contents/.github%2Fci-bot.yml`, { body: config, headers: { "content-type": "text/plain" } })
    .on("GET", `${API}/issues/7/comments`, { body: [{ id: 1, body: posted, user: { login: "t0-ci-bot[bot]", id: 9, type: "Bot" } }] });
  if (refuseEdit) {
    gh.on("PATCH", `${API}/issues/comments/1`, { status: 403, body: { message: `Unable to edit the comment: ${corpusText}`, documentation_url: "https://docs.github.com/rest" } });
    return;
  }
  gh.on("PATCH", `${API}/issues/comments/1`, { body: { id: 1, body: "x" } })
    .on("GET", `${API}/issues/7/comments`, () => ({ body: [{ id: 1, body: lastEdit(), user: { login: "t0-ci-bot[bot]", id: 9, type: "Bot" } }] }));
}

async function waitFor(pred: (j: Job) => boolean, what: string, ms = 90_000): Promise<Job> {
  const end = Date.now() + ms;
  let last: Job | undefined;
  while (Date.now() < end) {
    [last] = await app!.deps.store.listJobs();
    if (last && pred(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; job is ${JSON.stringify({ state: last?.state, error: last?.error && { code: last.error.code, message: last.error.message.slice(0, 600) }, stage: last?.stage })}`);
}

const feedbackSent = (j: Job) => j.feedback.length > 0 && j.feedback.every((f) => f.status === "sent");

/**
 * Stops the app (its last writes land), then reads every file it left, and on Redis every value under the
 * test's prefix: the leaks, and where the job's document holds the redaction marker (that the secrets went
 * through the places the test means them to).
 */
async function leaksLeft(): Promise<{ leaks: Record<string, string[]>; redacted: string[] }> {
  await app!.stop({ drainMs: 2000 });
  app = undefined;
  await worker?.stop({ drainMs: 2000 });
  worker = undefined;
  const kept = [...(await filesKept([join(dir, "data"), join(dir, "ws")], dir)), ...(redis ? await redisKept(redis.url, redis.prefix) : [])];
  // The job's document: lowdb's file, or the Redis store's `job:<id>` hash.
  const jobs = kept.filter((k) => (redis ? /^redis job:\S+ json$/ : /^data\/jobs\//).test(k.name));
  expect(jobs).toHaveLength(1);
  // The job ended (merged or failed): its workspace is gone, checkout and logs.
  expect(await filesUnder(join(dir, "ws"))).toEqual([]);
  return { leaks: leaksIn(kept), redacted: pathsOf(jobs[0]!.text, "[REDACTED]") };
}

/** Every scenario, on the lowdb store (`redisUrl` undefined) or on Redis. */
const scenarios = (redisUrl: string | undefined) => () => {
  const start = () => startOn(redisUrl);

  test("a patch failing validation, then a fix → PR opened (GitHub failing once) and merged", async () => {
    await start();
    gateway.script(answer(WRONG_DIFF), answer(FIX_DIFF));
    await mockReads();
    mockWrites();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const parked = await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR to be opened");
    expect(parked.history.map((h) => h.note).join("\n")).toContain("patch retry 1");
    // Waiting on its PR, the job keeps its checkout and the redacted context, not the raw logs.
    expect((await readdir(join(dir, "ws", `${parked.id}.logs`))).sort()).toEqual(["context.json", "workflow.yml"]);
    expect(await leaksAtRest([join(dir, "ws")], dir)).toEqual({});
    mockMerge();
    const pr = fixture("pull_request.closed");
    pr.repository = failedRunPayload().repository;
    pr.installation = { id: 2 };
    pr.pull_request = { ...pr.pull_request, number: 101, merged: true, state: "closed", head: { ...pr.pull_request.head, ref: `ci-bot/fix-${RUN_ID}`, sha: COMMIT } };
    expect(await send("pull_request", pr)).toBe(202);
    await waitFor((j) => j.state === "completed" && feedbackSent(j), "the job to complete");
    gh.done();
    const { leaks, redacted } = await leaksLeft();
    expect(leaks).toEqual({});
    expect(redacted).toEqual(expect.arrayContaining([
      "results.build-context.context.annotations[0].message", "results.propose-patch.proposal.diagnosis", "results.open-pull-request.diagnosis",
      "results.patch-retries.failed[0].excerpts[0].text", "results.apply-and-validate.runs[0].outputTail", "results.apply-and-validate.runs[1].outputTail",
    ]));
  });

  test("a config whose problems quote the corpus; a merged PR whose comment on PR #7 GitHub refuses to edit, quoting it", async () => {
    await start();
    gateway.script(answer(FIX_DIFF));
    await mockReads(LEAKY_CONFIG);
    mockWrites(false, LEAKY_CONFIG);
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const parked = await waitFor((j) => j.state === "pr" && j.waitingFor === "pr_outcome", "the PR to be opened");
    // Every corpus line is a problem of the file: the config is read as the test means it to be.
    expect((parked.results["check-repo-config"] as { problems: string[] }).problems).toHaveLength(SECRETS_CORPUS.length + 1);
    mockMerge(true, LEAKY_CONFIG);
    const pr = fixture("pull_request.closed");
    pr.repository = failedRunPayload().repository;
    pr.installation = { id: 2 };
    pr.pull_request = { ...pr.pull_request, number: 101, merged: true, state: "closed", head: { ...pr.pull_request.head, ref: `ci-bot/fix-${RUN_ID}`, sha: COMMIT } };
    expect(await send("pull_request", pr)).toBe(202);
    const job = await waitFor((j) => j.state === "completed" && feedbackSent(j), "the job to complete");
    expect((job.results["watch-pr"] as { notes: string[] }).notes.join("\n")).toContain("comment on #7 not updated");
    gh.done();
    const { leaks, redacted } = await leaksLeft();
    expect(leaks).toEqual({});
    expect(redacted).toEqual(expect.arrayContaining(["results.check-repo-config.problems[0]", "results.check-repo-config.problems[1]", "results.watch-pr.notes[0]"]));
  });

  test("a fix GitHub refuses to open a PR for, its error quoting the corpus → the job fails", async () => {
    await start();
    gateway.script(answer(FIX_DIFF));
    await mockReads();
    mockWrites(true);
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const job = await waitFor((j) => j.state === "failed", "the job to fail");
    const { leaks, redacted } = await leaksLeft();
    gh.done();
    expect(job.error?.code).toBe("http_422");
    expect(leaks).toEqual({});
    expect(redacted).toEqual(expect.arrayContaining(["error.message"]));
  });

  test("a workflow edit refused, then a patch adding credentials refused → the job fails (patch_refused)", async () => {
    await start();
    gateway.script(answer(WORKFLOW_EDIT), answer(SECRET_PATCH));
    await mockReads();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const job = await waitFor((j) => j.state === "failed" && feedbackSent(j), "the job to fail");
    expect(job.error?.code).toBe("patch_refused");
    gh.done();
    const { leaks, redacted } = await leaksLeft();
    expect(leaks).toEqual({});
    expect(redacted).toEqual(expect.arrayContaining(["results.propose-patch.proposal.diagnosis", "results.propose-patch.proposal.diff"]));
  });

  test("a workflow edit refused, then an answer without a patch → the job fails (no_fix_proposed)", async () => {
    await start();
    gateway.script(answer(WORKFLOW_EDIT), answer(""));
    await mockReads();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const job = await waitFor((j) => j.state === "failed" && feedbackSent(j), "the job to fail");
    expect(job.error?.code).toBe("no_fix_proposed");
    gh.done();
    const { leaks, redacted } = await leaksLeft();
    expect(leaks).toEqual({});
    expect(redacted).toEqual(expect.arrayContaining(["error.message", "error.details.diagnosis", "results.propose-patch.proposal.diff", "results.repair-context.context.previous_attempt.patch"]));
  });

  test("both patches fail validation → the job fails (validation_failed)", async () => {
    await start();
    gateway.script(answer(WRONG_DIFF), answer(WRONG_DIFF.replace("return b - a;", "return a - b - 0;")));
    await mockReads();
    expect(await send("workflow_run", failedRunPayload())).toBe(202);
    const job = await waitFor((j) => j.state === "failed" && feedbackSent(j), "the job to fail");
    expect(job.error?.code).toBe("validation_failed");
    gh.done();
    const { leaks, redacted } = await leaksLeft();
    expect(leaks).toEqual({});
    expect(redacted).toEqual(expect.arrayContaining(["error.details.validation.runs[0].outputTail", "error.details.validation.runs[1].outputTail", "error.details.earlierTries[0].excerpts[0].text"]));
  });
};

describe("no corpus secret is written to DATA_DIR or left in the workspace root (lowdb store)", scenarios(undefined));

const redisUrl = await redisUrlIfAvailable();
if (!redisUrl) skipWithoutRedis("no corpus secret at rest on the Redis store");
else describe("no corpus secret is written to Redis, DATA_DIR or the workspace root (Redis store, BullMQ queue)", scenarios(redisUrl));
