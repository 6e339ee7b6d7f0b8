import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { githubApiMock, githubOpenApi, type GitHubApiMock } from "../helpers/github-api.js";
import { createGitHubWrites } from "../../src/adapters/github/github-writes.js";
import type { JobRepo } from "../../src/core/job.js";
import { publishFix, type PublishInput } from "../../src/pr/publish-fix.js";
import { markPrText } from "../../src/pr/pr-text-mark.js";
import { createLocalWritePacer } from "../../src/adapters/queue/write-pacer.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { AppIdentity } from "../../src/core/app-identity.js";

const repo: JobRepo = { id: 1, owner: "octo", name: "demo", fullName: "octo/demo" };
const HEAD = "a".repeat(40);
const BASE_TREE = "b".repeat(40);
const NEW_TREE = "c".repeat(40);
const COMMIT = "d".repeat(40);
const noop = () => {};
const silentLog = { debug: noop, info: noop, warn: noop, error: noop };

const APP_ID = 1001;
function writes(self = { appId: APP_ID, identity: new AppIdentity("t0-ci-bot[bot]") }) {
  const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog });
  return createGitHubWrites(octokit, { installationId: 7, pacer: createLocalWritePacer({ clock: new FakeClock(), minIntervalMs: 0 }), self });
}

/** An issue comment as GitHub lists it: by a person unless `user` says otherwise. */
const comment = (id: number, body: string, over: Record<string, unknown> = {}) => ({
  id, body, user: { login: "alice", id: 5, type: "User" }, performed_via_github_app: null, ...over,
});
/** What GitHub records of a comment the app made with its installation token. */
const byApp = { user: { login: "t0-ci-bot[bot]", id: 900_001, type: "Bot" }, performed_via_github_app: { id: APP_ID, slug: "t0-ci-bot", name: "t0-ci-bot" } };

const TITLE = "ci-bot: fix test on feature (run 10)";
/** A fix PR as the bot left it: its title and (marked) body are the bot's own. */
const pull = (over: Record<string, unknown> = {}) => ({
  number: 42, html_url: "https://github.com/octo/demo/pull/42", node_id: "PR_kw42", state: "open", draft: true, merged: false,
  head: { ref: "ci-bot/fix-10", sha: COMMIT }, title: TITLE, body: markPrText(TITLE, "old body"), ...over,
});

const input = (over: Partial<PublishInput> = {}): PublishInput => ({
  repo, branch: "ci-bot/fix-10", baseSha: HEAD, baseBranch: "feature", message: "ci-bot: fix\n\nWhy: x",
  title: TITLE, body: "body", labels: ["ci-bot"],
  files: [{ path: "src/calc.py", content: "def add(a, b):\n    return a + b\n", mode: "100644" }, { path: "old.txt", content: null }],
  commentOn: [7], commentMarker: () => "<!-- t0-ci-bot:fix-comment 1:10 -->", commentBody: (pr) => `<!-- t0-ci-bot:fix-comment 1:10 -->\nfix: #${pr.number}`, ...over,
});

let gh: GitHubApiMock;

/** GitHub before the first publish: no fix branch, no PR; the commit and the branch are created. */
const newBranch = () =>
  gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { status: 404, body: { message: "Not Found" } })
    .on("GET", `/repos/octo/demo/git/commits/${HEAD}`, { body: { sha: HEAD, tree: { sha: BASE_TREE } } })
    .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: NEW_TREE, tree: [] } })
    .on("POST", "/repos/octo/demo/git/commits", { status: 201, body: { sha: COMMIT, verification: { verified: true, reason: "valid" } } })
    .on("POST", "/repos/octo/demo/git/refs", { status: 201, body: { ref: "refs/heads/ci-bot/fix-10", object: { sha: COMMIT } } })
    .on("GET", "/repos/octo/demo/pulls", { body: [] });

/** A retry: the fix branch holds COMMIT, whose tree the patch makes again; GitHub lists `pulls` for it. */
const publishedBranch = (pulls: unknown[]) =>
  gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } })
    .on("GET", `/repos/octo/demo/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: NEW_TREE } } })
    .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: NEW_TREE, tree: [] } })
    .on("GET", "/repos/octo/demo/pulls", { body: pulls });
beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

describe("publishFix over the GitHub REST API (requests validated against GitHub's OpenAPI)", () => {
  test("first run: inline tree, commit with no author (verified), branch, draft PR, label, one comment", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", { status: 201, body: pull() })
      .on("POST", "/repos/octo/demo/issues/42/labels", { body: [] })
      // Read again after posting: another job of PR #7 may have posted its comment meanwhile.
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [] }, { times: 2 })
      .on("POST", "/repos/octo/demo/issues/7/comments", { status: 201, body: { id: 900, body: "x" } });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ commitSha: COMMIT, verified: true, newCommit: true, createdBranch: true, createdPr: true, commentedOn: [7] });
    const body = (op: string) => gh.requests.find((q) => q.operationId === op)!.body as Record<string, unknown>;
    expect(body("git/create-tree")).toEqual({
      base_tree: BASE_TREE,
      tree: [
        { path: "src/calc.py", mode: "100644", type: "blob", content: "def add(a, b):\n    return a + b\n" },
        { path: "old.txt", mode: "100644", type: "blob", sha: null },
      ],
    });
    expect(body("git/create-commit")).toEqual({ message: "ci-bot: fix\n\nWhy: x", tree: NEW_TREE, parents: [HEAD] });
    expect(body("pulls/create")).toMatchObject({ head: "ci-bot/fix-10", base: "feature", draft: true });
    // Marked as the bot's text, which a later attempt may replace (until people edit it).
    expect(body("pulls/create").body).toBe(markPrText(TITLE, "body"));
    expect(body("pulls/create").body).toMatch(/^body\n<!-- t0-ci-bot:pr [0-9a-f]{16} -->$/);
    expect(gh.requests.find((q) => q.operationId === "pulls/list")!.query).toMatchObject({ head: "octo:ci-bot/fix-10", state: "all" });
    // No blob calls: contents go inline in the tree.
    expect(gh.requests.some((q) => q.path.includes("/git/blobs"))).toBe(false);
  });

  test("a retry after the commit landed reuses it, updates the PR and edits the one comment in place", async () => {
    gh = await githubApiMock();
    publishedBranch([pull()])
      .on("PATCH", "/repos/octo/demo/pulls/42", { body: pull() })
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(5, "someone else"), comment(900, "<!-- t0-ci-bot:fix-comment 1:10 -->\nold", byApp)] })
      .on("PATCH", "/repos/octo/demo/issues/comments/900", { body: { id: 900, body: "x" } })
      // Read again after the edit: other jobs of PR #7 write the comment too.
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(5, "someone else"), comment(900, "<!-- t0-ci-bot:fix-comment 1:10 -->\nfix: #42", byApp)] });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ commitSha: COMMIT, newCommit: false, createdBranch: false, createdPr: false, commentedOn: [7] });
    expect(gh.requests.filter((q) => q.method === "POST").map((q) => q.path)).toEqual(["/repos/octo/demo/git/trees"]);
  });

  // People took the PR over and rewrote its description (or title): a repair or retry keeps their text.
  test.each([
    ["body", { body: "We traced this to the cache; see the notes below.\n\n(edited by a maintainer)" }],
    ["title", { title: "Fix rounding in add()" }],
    ["body (its mark kept)", { body: markPrText(TITLE, "old body").replace("old body", "old body, and a maintainer's note") }],
  ])("a fix PR whose %s people edited is not rewritten; the commit and the comment still go out", async (_what, edited) => {
    gh = await githubApiMock();
    publishedBranch([pull(edited)])
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(900, "<!-- t0-ci-bot:fix-comment 1:10 -->\nold", byApp)] })
      .on("PATCH", "/repos/octo/demo/issues/comments/900", { body: { id: 900, body: "x" } })
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(900, "<!-- t0-ci-bot:fix-comment 1:10 -->\nfix: #42", byApp)] });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ textKept: true, commentedOn: [7] });
    expect(gh.requests.some((q) => q.operationId === "pulls/update")).toBe(false);
  });

  // The marker is plain text anyone can copy: a person quoting the bot's comment, or another registration
  // of this app (a staging app, a second install under another name) writing its own. Editing theirs is a
  // 403 that fails the job, or their text replaced by ours; taking theirs as posted loses ours.
  test.each([
    ["a person's comment", comment(5, "> <!-- t0-ci-bot:fix-comment 1:10 -->\n> quoting the bot")],
    ["another app's bot comment", comment(6, "<!-- t0-ci-bot:fix-comment 1:10 -->\nstaging", {
      user: { login: "t0-ci-bot-staging[bot]", id: 900_002, type: "Bot" }, performed_via_github_app: { id: 2002, slug: "t0-ci-bot-staging", name: "t0-ci-bot-staging" } })],
    ["a person's account named like the bot", comment(7, "<!-- t0-ci-bot:fix-comment 1:10 -->\nx", { user: { login: "t0-ci-bot", id: 8, type: "User" } })],
  ])("%s carrying the marker is left alone: the app posts its own", async (_who, theirs) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/issues/7/comments", { body: [theirs] })
      .on("POST", "/repos/octo/demo/issues/7/comments", { status: 201, body: { id: 901, body: "x" } });
    const r = await writes().upsertComment(repo, 7, "<!-- t0-ci-bot:fix-comment 1:10 -->", "<!-- t0-ci-bot:fix-comment 1:10 -->\nfix: #42");
    gh.done();
    expect(r).toEqual({ id: 901, created: true });
  });

  test.each([
    // The app's id decides when GitHub names the app, even before the start-up check learns its slug.
    ["named by app id, its login not yet learned", { appId: APP_ID, identity: new AppIdentity() }, { ...byApp, user: { ...byApp.user, login: "t0-ci-bot-acme[bot]" }, performed_via_github_app: { ...byApp.performed_via_github_app, slug: "t0-ci-bot-acme" } }],
    // Without the app named on the comment, the bot login learned from GitHub (or BOT_LOGIN) decides.
    ["by bot login when GitHub does not name the app", { appId: APP_ID, identity: new AppIdentity("t0-ci-bot[bot]") }, { ...byApp, performed_via_github_app: null }],
  ])("the app's own comment is edited in place (%s)", async (_how, self, own) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(5, "<!-- t0-ci-bot:fix-comment 1:10 -->\nquoted"), comment(900, "<!-- t0-ci-bot:fix-comment 1:10 -->\nold", own)] })
      .on("PATCH", "/repos/octo/demo/issues/comments/900", { body: { id: 900, body: "x" } });
    const r = await writes(self).upsertComment(repo, 7, "<!-- t0-ci-bot:fix-comment 1:10 -->", "<!-- t0-ci-bot:fix-comment 1:10 -->\nnew");
    gh.done();
    expect(r).toEqual({ id: 900, created: false });
  });

  test("a retry that finds the PR and the comment as it would write them writes neither again", async () => {
    gh = await githubApiMock();
    publishedBranch([pull({ body: markPrText(TITLE, "body") })])
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(900, "<!-- t0-ci-bot:fix-comment 1:10 -->\nfix: #42", byApp)] });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ commitSha: COMMIT, newCommit: false, createdPr: false, commentedOn: [7] });
    expect(gh.requests.filter((q) => q.method !== "GET").map((q) => q.operationId)).toEqual(["git/create-tree"]);
  });

  test("a later attempt does not post again the comment people deleted from the failing PR", async () => {
    gh = await githubApiMock();
    publishedBranch([pull({ body: markPrText(TITLE, "body") })])
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(5, "someone else")] });
    const r = await publishFix(writes(), input({ commentedBefore: [7] }));
    gh.done();
    expect(r.commentedOn).toEqual([7]); // kept: the attempt after this one must not post it either
    expect(r.commentRemovedOn).toEqual([7]);
    expect(gh.requests.filter((q) => q.method !== "GET").map((q) => q.operationId)).toEqual(["git/create-tree"]);
  });

  // The PR's next failed run is another job: people who deleted the comment an earlier job posted said "not here".
  test("a comment another job posted and people deleted is not posted again; one still there is edited", async () => {
    gh = await githubApiMock();
    publishedBranch([pull({ body: markPrText(TITLE, "body") })])
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(5, "someone else")] })
      .on("GET", "/repos/octo/demo/issues/8/comments", { body: [comment(901, "<!-- t0-ci-bot:fix-comment 1:10 -->\nold", byApp)] })
      .on("PATCH", "/repos/octo/demo/issues/comments/901", { body: { id: 901, body: "x" } })
      .on("GET", "/repos/octo/demo/issues/8/comments", { body: [comment(901, "<!-- t0-ci-bot:fix-comment 1:10 -->\nfix: #42", byApp)] });
    const r = await publishFix(writes(), input({ commentOn: [7, 8], commentedByOthers: [7, 8] }));
    gh.done();
    expect(r).toMatchObject({ commentedOn: [8], commentRemovedOn: [7] });
    expect(gh.requests.filter((q) => q.method !== "GET").map((q) => q.operationId)).toEqual(["git/create-tree", "issues/update-comment"]);
  });

  // Another job's edit waiting for its turn at the pacer, made from the text before ours, lands after ours:
  // read at once, the check would come before it and miss that it drops our fix.
  test("the check after editing a shared comment waits its turn behind the writes already queued", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(900, "<!-- m -->\nold", byApp)] })
      .on("PATCH", "/repos/octo/demo/issues/comments/900", { body: { id: 900, body: "x" } })
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [comment(900, "<!-- m -->\nnew", byApp)] });
    const turns: string[] = [];
    const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: silentLog });
    const pacer = { acquire: async () => (turns.push(gh.requests.map((q) => q.method).join(" ")), 0) };
    const w = createGitHubWrites(octokit, { installationId: 7, pacer, self: { appId: APP_ID, identity: new AppIdentity("t0-ci-bot[bot]") } });
    expect(await w.upsertComment(repo, 7, "<!-- m -->", () => "<!-- m -->\nnew", { shared: true })).toEqual({ id: 900, created: false });
    gh.done();
    // A turn before the edit, and one before the read after it.
    expect(turns).toEqual(["GET", "GET PATCH"]);
  });

  test("a second attempt on an existing branch commits on top and fast-forwards (never force)", async () => {
    const NEXT = "e".repeat(40);
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } })
      .on("GET", `/repos/octo/demo/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: NEW_TREE } } })
      .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: "f".repeat(40), tree: [] } })
      .on("POST", "/repos/octo/demo/git/commits", { status: 201, body: { sha: NEXT, verification: { verified: true } } })
      .on("PATCH", "/repos/octo/demo/git/refs/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", object: { sha: NEXT } } })
      .on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("PATCH", "/repos/octo/demo/pulls/42", { body: pull() });
    const r = await publishFix(writes(), input({ commentOn: [] }));
    gh.done();
    expect(r).toMatchObject({ commitSha: NEXT, newCommit: true });
    expect(gh.requests.find((q) => q.operationId === "git/create-commit")!.body).toMatchObject({ parents: [COMMIT] });
    expect(gh.requests.find((q) => q.operationId === "git/update-ref")!.body).toEqual({ sha: NEXT, force: false });
  });

  test("a later commit of the failing branch: its tree plus the fix, merged into the branch's head (two parents), fast-forwarded", async () => {
    const LATER = "1".repeat(40);
    const LATER_TREE = "2".repeat(40);
    const MERGE = "e".repeat(40);
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } })
      .on("GET", `/repos/octo/demo/git/commits/${LATER}`, { body: { sha: LATER, tree: { sha: LATER_TREE } } })
      .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: NEW_TREE, tree: [] } })
      .on("POST", "/repos/octo/demo/git/commits", { status: 201, body: { sha: MERGE, verification: { verified: true } } })
      .on("PATCH", "/repos/octo/demo/git/refs/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", object: { sha: MERGE } } })
      .on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("PATCH", "/repos/octo/demo/pulls/42", { body: pull() });
    const noted: string[] = [];
    const r = await publishFix(writes(), input({ commentOn: [], baseSha: LATER, ownHeads: [COMMIT], bringToBase: true, onCommit: async (sha) => void noted.push(sha) }));
    gh.done();
    expect(r).toMatchObject({ commitSha: MERGE, newCommit: true });
    expect(noted).toEqual([MERGE]);
    expect(gh.requests.find((q) => q.operationId === "git/create-tree")!.body).toMatchObject({ base_tree: LATER_TREE });
    expect(gh.requests.find((q) => q.operationId === "git/create-commit")!.body).toMatchObject({ tree: NEW_TREE, parents: [COMMIT, LATER] });
    expect(gh.requests.find((q) => q.operationId === "git/update-ref")!.body).toEqual({ sha: MERGE, force: false });
  });

  test("a later commit's fix retried after its merge landed: no second commit, the PR text still brought up to date", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } })
      .on("GET", `/repos/octo/demo/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: NEW_TREE } } })
      .on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("PATCH", "/repos/octo/demo/pulls/42", { body: pull() });
    const r = await publishFix(writes(), input({ commentOn: [], baseSha: "1".repeat(40), ownHeads: ["9".repeat(40), COMMIT], bringToBase: true, landed: [COMMIT] }));
    gh.done();
    expect(r).toMatchObject({ commitSha: COMMIT, newCommit: false });
  });

  test("people pushing between the read and the move: GitHub refuses the move (not a fast-forward), said as fix_branch_moved", async () => {
    const NEXT = "e".repeat(40);
    const THEIRS = "9".repeat(40);
    const ref = (sha: string) => ({ body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha, type: "commit", url: "u" } } });
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", ref(COMMIT))
      .on("GET", `/repos/octo/demo/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: NEW_TREE } } })
      .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: "f".repeat(40), tree: [] } })
      .on("POST", "/repos/octo/demo/git/commits", { status: 201, body: { sha: NEXT, verification: { verified: true } } })
      .on("PATCH", "/repos/octo/demo/git/refs/heads%2Fci-bot%2Ffix-10", { status: 422, body: { message: "Update is not a fast forward", documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference" } })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", ref(THEIRS));
    await expect(publishFix(writes(), input({ commentOn: [], ownHeads: [COMMIT] }))).rejects.toMatchObject({ code: "fix_branch_moved", retryable: false, message: expect.stringContaining("now at 9999999") });
    gh.done();
  });

  test("a fix PR people closed is left closed: no commit on its branch, no new PR, no comment", async () => {
    gh = await githubApiMock();
    // A repair (different files) after the PR was closed: nothing is written, not even a tree.
    gh.on("GET", "/repos/octo/demo/pulls", { body: [pull({ state: "closed" })] });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ createdPr: false, newCommit: false, createdBranch: false, commentedOn: [], commitSha: COMMIT, pr: { state: "closed" } });
    expect(gh.requests.map((q) => q.method)).toEqual(["GET"]);
  });

  test("a merged fix PR whose branch people deleted: the branch is not re-created", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls", { body: [pull({ state: "closed", merged: true })] });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ createdBranch: false, createdPr: false, pr: { state: "closed", merged: true } });
  });

  test("a repository without draft PRs (private, GitHub Free) gets a regular PR instead of none", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", (req) =>
        (req.body as { draft?: boolean }).draft
          ? { status: 422, body: { message: "Draft pull requests are not supported in this repository.", documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request" } }
          : { status: 201, body: pull({ draft: false }) },
        { times: 2 })
      .on("POST", "/repos/octo/demo/issues/42/labels", { body: [] });
    const r = await publishFix(writes(), input({ commentOn: [] }));
    gh.done();
    expect(r).toMatchObject({ createdPr: true, pr: { number: 42, draft: false } });
    expect(gh.requests.filter((q) => q.operationId === "pulls/create").map((q) => (q.body as { draft: boolean }).draft)).toEqual([true, false]);
  });

  // The first POST /pulls reached GitHub but its answer did not reach us (a 502 that Octokit's retry plugin
  // sends again, or a crash before the job recorded it while the PR list still lagged): GitHub refuses a
  // second PR for the branch. That PR is the bot's own, opened a moment ago: adopt it, do not fail the job
  // and leave it unwatched.
  test("GitHub answering 422 'A pull request already exists' adopts that PR instead of failing", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", {
        status: 422,
        body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for octo:ci-bot/fix-10." }], documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request" },
      })
      .on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("POST", "/repos/octo/demo/issues/42/labels", { body: [] })
      // Read again after posting: another job of PR #7 may have posted its comment meanwhile.
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [] }, { times: 2 })
      .on("POST", "/repos/octo/demo/issues/7/comments", { status: 201, body: { id: 900, body: "x" } });
    const r = await publishFix(writes(), input());
    gh.done();
    expect(r).toMatchObject({ pr: { number: 42, state: "open", draft: true }, commentedOn: [7] });
    expect(gh.requests.filter((q) => q.operationId === "pulls/create")).toHaveLength(1);
  });

  // The failing branch was deleted (its PR merged) while the job ran: GitHub refuses the PR for good, and the
  // branch the bot just made would stay in the repository with no PR to find it by.
  test("a PR GitHub refuses for good leaves no fix branch behind (the bot's own, still at its commit)", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "base", code: "invalid" }], documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request" } })
      .on("GET", "/repos/octo/demo/pulls", { body: [] })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } })
      .on("DELETE", "/repos/octo/demo/git/refs/heads%2Fci-bot%2Ffix-10", { status: 204 });
    await expect(publishFix(writes(), input())).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/Validation Failed/) });
    gh.done();
    expect(gh.requests.filter((q) => q.method === "DELETE").map((q) => q.operationId)).toEqual(["git/delete-ref"]);
  });

  test("a branch people pushed onto after a refused PR is left to them", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "base", code: "invalid" }], documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request" } })
      .on("GET", "/repos/octo/demo/pulls", { body: [] })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: "e".repeat(40), type: "commit", url: "u" } } });
    await expect(publishFix(writes(), input())).rejects.toMatchObject({ retryable: false });
    gh.done();
  });

  test("a PR GitHub says exists but does not list yet keeps its branch (deleting it would close that PR)", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", { status: 422, body: { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: "A pull request already exists for octo:ci-bot/fix-10." }], documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request" } })
      .on("GET", "/repos/octo/demo/pulls", { body: [] });
    await expect(publishFix(writes(), input())).rejects.toMatchObject({ retryable: false });
    gh.done();
  });

  test("a PR refused for now (GitHub down) keeps the branch for the retry", async () => {
    gh = await githubApiMock();
    newBranch().on("POST", "/repos/octo/demo/pulls", { status: 502, body: { message: "Server Error" } });
    await expect(publishFix(writes(), input())).rejects.toMatchObject({ retryable: true });
    gh.done();
  });

  test("labels GitHub refuses leave the PR open without them; the comment still goes out", async () => {
    gh = await githubApiMock();
    newBranch()
      .on("POST", "/repos/octo/demo/pulls", { status: 201, body: pull() })
      .on("POST", "/repos/octo/demo/issues/42/labels", { status: 422, body: { message: "Validation Failed", errors: [{ resource: "Label", code: "invalid", field: "name" }] } })
      // Read again after posting: another job of PR #7 may have posted its comment meanwhile.
      .on("GET", "/repos/octo/demo/issues/7/comments", { body: [] }, { times: 2 })
      .on("POST", "/repos/octo/demo/issues/7/comments", { status: 201, body: { id: 900, body: "x" } });
    const r = await publishFix(writes(), input({ labels: ["x".repeat(60)] }));
    gh.done();
    expect(r).toMatchObject({ createdPr: true, commentedOn: [7], labelsRefused: expect.stringContaining("Validation Failed") });
  });

  test("a repair attempt never commits over people's commits on the fix branch", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: "9".repeat(40), type: "commit", url: "u" } } });
    await expect(publishFix(writes(), input({ ownHeads: [COMMIT] }))).rejects.toMatchObject({ code: "fix_branch_moved", retryable: false });
    gh.done();
  });

  test("a repair proposing the files CI already failed on pushes nothing and leaves the PR as it was", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls", { body: [pull()] })
      .on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { body: { ref: "refs/heads/ci-bot/fix-10", node_id: "x", url: "u", object: { sha: COMMIT, type: "commit", url: "u" } } })
      .on("GET", `/repos/octo/demo/git/commits/${COMMIT}`, { body: { sha: COMMIT, tree: { sha: NEW_TREE } } })
      .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: NEW_TREE, tree: [] } });
    await expect(publishFix(writes(), input({ ownHeads: [COMMIT], ciFailedOn: COMMIT }))).rejects.toMatchObject({ code: "repair_unchanged", retryable: false });
    gh.done();
  });

  // GitHub's words are the signal (reference/github.md §4 quotes them, with no status): read as a plain 404
  // or 422 they said to check contents: write, or nothing at all, when only workflows: write is missing.
  test.each([403, 404, 422])("GitHub refusing a workflow edit (HTTP %i) says which permission to grant", async (status) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls", { body: [] });
    gh.on("GET", "/repos/octo/demo/git/ref/heads%2Fci-bot%2Ffix-10", { status: 404, body: { message: "Not Found" } })
      .on("GET", `/repos/octo/demo/git/commits/${HEAD}`, { body: { sha: HEAD, tree: { sha: BASE_TREE } } })
      .on("POST", "/repos/octo/demo/git/trees", { status: 201, body: { sha: NEW_TREE, tree: [] } })
      .on("POST", "/repos/octo/demo/git/commits", { status: 201, body: { sha: COMMIT, verification: { verified: true } } })
      .on("POST", "/repos/octo/demo/git/refs", { status, body: { message: "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission", documentation_url: "https://docs.github.com/rest/git/refs#create-a-reference" } });
    await expect(publishFix(writes(), input())).rejects.toMatchObject({
      code: "github_workflows_permission",
      retryable: false,
      message: expect.stringMatching(/^GitHub refused creating branch ci-bot\/fix-10: the fix edits \.github\/workflows\/\*\* and the app lacks the workflows: write permission/),
    });
    gh.done();
  });

  test("moving the fix branch onto a workflow edit GitHub refuses (HTTP 422) says which permission to grant", async () => {
    gh = await githubApiMock();
    gh.on("PATCH", "/repos/octo/demo/git/refs/heads%2Fci-bot%2Ffix-10", { status: 422, body: { message: "refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission", documentation_url: "https://docs.github.com/rest/git/refs#update-a-reference" } });
    await expect(writes().updateBranch(repo, "ci-bot/fix-10", COMMIT)).rejects.toMatchObject({ code: "github_workflows_permission", retryable: false, details: { status: 422 } });
    gh.done();
  });
});

describe("other writes", () => {
  test("GitHub refusing a re-run names the permission it needs, actions: write (app.yml asks for read)", async () => {
    gh = await githubApiMock();
    gh.on("POST", "/repos/octo/demo/actions/runs/10/rerun-failed-jobs", { status: 403, body: { message: "Resource not accessible by integration" } });
    // Before, it pointed at contents and pull_requests, which the app has.
    await expect(writes().rerunFailedJobs(repo, 10)).rejects.toMatchObject({ code: "github_write_forbidden", retryable: false, message: expect.stringMatching(/actions: write.*or set rerun_flaky: false/) });
    gh.done();
  });

  test("deleting a branch that is already gone is done, not a failure", async () => {
    gh = await githubApiMock();
    gh.on("DELETE", "/repos/octo/demo/git/refs/heads%2Fci-bot%2Ffix-10", { status: 422, body: { message: "Reference does not exist", documentation_url: "https://docs.github.com/rest/git/refs#delete-a-reference" } });
    await writes().deleteBranch(repo, "ci-bot/fix-10");
    gh.done();
  });

  test("re-run failed jobs and the PR's diff are valid REST requests", async () => {
    gh = await githubApiMock();
    gh.on("POST", "/repos/octo/demo/actions/runs/10/rerun-failed-jobs", { status: 201, body: {} })
      .on("GET", "/repos/octo/demo/pulls/101", { body: "diff --git a/x b/x\n", headers: { "content-type": "text/plain" } });
    const w = writes();
    await w.rerunFailedJobs(repo, 10);
    expect(await w.pullRequestDiff(repo, 101, 1000)).toBe("diff --git a/x b/x\n");
    gh.done();
    expect(gh.requests[1]!.headers.accept).toBe("application/vnd.github.diff");
  });

  // GitHub will not render a diff over its limits (300 files, 20,000 lines, about 1 MB): 406 "Sorry, the diff
  // exceeded the maximum number of files". That is "larger than maxBytes", not a failure: thrown, it failed
  // the job's bookkeeping of a merged fix PR, so the merge was never recorded as feedback.
  test("a PR diff GitHub finds too large (406) is null, as one over maxBytes is", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/101", {
      status: 406,
      body: { message: "Sorry, the diff exceeded the maximum number of files (300). Consider using 'List pull requests files' API or locally cloning the repository instead.", errors: [{ resource: "PullRequest", field: "diff", code: "too_large" }], documentation_url: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request" },
    });
    expect(await writes().pullRequestDiff(repo, 101, 1000)).toBeNull();
    gh.done();
  });

  // Only GitHub's refusal for a missing `workflows` permission is that; other 403s that merely mention a
  // workflow (a run past its re-run window, one already running) must not send people to grant it.
  test.each([
    "This workflow run cannot be retried",
    "This workflow is already running",
  ])("a 403 %j is not the workflows-permission refusal", async (message) => {
    gh = await githubApiMock();
    gh.on("POST", "/repos/octo/demo/actions/runs/10/rerun-failed-jobs", { status: 403, body: { message } });
    const err = await writes().rerunFailedJobs(repo, 10).then(() => null, (e: unknown) => e);
    gh.done();
    expect(err).toMatchObject({ code: "github_write_forbidden", retryable: false });
    expect((err as Error).message).toContain(message);
  });

  test("ready for review goes through GraphQL (REST cannot undraft a PR)", async () => {
    let sent: { query: string; variables: Record<string, unknown> } | undefined;
    const scope = nock("https://api.github.com").post("/graphql", (b) => ((sent = b), true)).reply(200, { data: { markPullRequestReadyForReview: { pullRequest: { isDraft: false } } } });
    await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 });
    expect(scope.isDone()).toBe(true);
    expect(sent!.query).toContain("markPullRequestReadyForReview(input: { pullRequestId: $id })");
    expect(sent!.variables).toEqual({ id: "PR_kw42" });
  });

  // GraphQL errors come back as HTTP 200 with `errors[]` (octokit throws a GraphqlResponseError, which has
  // no status): they were all "internal", so a missing permission read as a bug and a rate limit failed the job.
  const graphqlAnswers = (errors: unknown[], headers: Record<string, string> = {}) =>
    nock("https://api.github.com").post("/graphql").reply(200, { data: { markPullRequestReadyForReview: null }, errors }, headers);

  test.each([
    ["FORBIDDEN", { type: "FORBIDDEN", path: ["markPullRequestReadyForReview"], locations: [{ line: 1, column: 21 }], message: "Resource not accessible by integration" }],
    ["NOT_FOUND", { type: "NOT_FOUND", path: ["markPullRequestReadyForReview"], locations: [{ line: 1, column: 21 }], message: "Could not resolve to a node with the global id of 'PR_kw42'." }],
  ])("a GraphQL %s is a refusal that says what to check, not an internal error", async (_type, error) => {
    const scope = graphqlAnswers([error]);
    const err = await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 }).then(() => null, (e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(err).toMatchObject({ code: "github_write_forbidden", retryable: false });
    expect((err as Error).message).toMatch(/marking PR #42 ready for review.*pull_requests: write/);
    expect((err as Error).message).toContain(error.message);
  });

  // Sent again for a PR already ready: a crash between the mutation and the job recording it, or people
  // marked it ready meanwhile. GitHub refuses to undraft a PR that is no draft; the PR is as asked, so the
  // job goes on rather than failing on its own repeat. GitHub's wording is not promised: the PR decides.
  test.each([
    ["UNPROCESSABLE", { type: "UNPROCESSABLE", path: ["markPullRequestReadyForReview"], message: "Pull request is not a draft" }],
    ["untyped", { path: ["markPullRequestReadyForReview"], locations: [{ line: 1, column: 21 }], message: "Pull request is not in draft state" }],
  ])("marking a PR that is already ready for review succeeds (%s error)", async (_type, error) => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/42", { body: pull({ draft: false }) });
    const scope = graphqlAnswers([error]);
    await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 });
    expect(scope.isDone()).toBe(true);
    gh.done();
  });

  test("a GraphQL error on a PR that is still a draft is not taken for success", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/repos/octo/demo/pulls/42", { body: pull({ draft: true }) });
    const scope = graphqlAnswers([{ type: "UNPROCESSABLE", message: "Pull request is locked" }]);
    const err = await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 }).then(() => null, (e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    gh.done();
    expect((err as Error).message).toMatch(/marking PR #42 ready for review.*Pull request is locked/s);
  });

  test("a GraphQL RATE_LIMITED waits for the limit's reset and retries", async () => {
    const reset = Math.ceil(Date.now() / 1000) + 600;
    const scope = graphqlAnswers([{ type: "RATE_LIMITED", message: "API rate limit exceeded for installation ID 7." }], { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) });
    const err = await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 }).then(() => null, (e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(err).toMatchObject({ code: "github_rate_limited", retryable: true });
    expect((err as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(590_000);
    expect((err as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(602_000);
  });

  // GitHub's own words for a query that ran out of time on its side; the same mutation later goes through.
  test("a GraphQL timeout is retried, not taken for a bug", async () => {
    const scope = graphqlAnswers([{ message: "Something went wrong while executing your query. This may be the result of a timeout, or it could be a GitHub bug. Please include `C3A1:7F2B:1A2B3C:4D5E6F:65A1B2C3` when reporting this issue." }]);
    const err = await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 }).then(() => null, (e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(err).toMatchObject({ code: "github_graphql_failed", retryable: true });
  });

  test("a GraphQL RATE_LIMITED without headers still waits a while rather than retrying at once", async () => {
    const scope = graphqlAnswers([{ type: "RATE_LIMITED", message: "API rate limit exceeded for installation ID 7." }]);
    const err = await writes().markReadyForReview(repo, { nodeId: "PR_kw42", number: 42 }).then(() => null, (e: unknown) => e);
    expect(scope.isDone()).toBe(true);
    expect(err).toMatchObject({ code: "github_rate_limited", retryable: true, retryAfterMs: 60_000 });
  });
});

describe("write pacer", () => {
  test("spaces one installation's writes ≥ 1 s apart, other installations independent", async () => {
    const clock = new FakeClock();
    const pacer = createLocalWritePacer({ clock, minIntervalMs: 1000 });
    const done: string[] = [];
    void pacer.acquire(1).then((w) => done.push(`a${w}`));
    void pacer.acquire(1).then((w) => done.push(`b${w}`));
    void pacer.acquire(2).then((w) => done.push(`c${w}`));
    await clock.advance(0);
    expect(done).toEqual(["a0", "c0"]);
    await clock.advance(999);
    expect(done).toHaveLength(2);
    await clock.advance(1);
    expect(done).toEqual(["a0", "c0", "b1000"]);
  });
});
