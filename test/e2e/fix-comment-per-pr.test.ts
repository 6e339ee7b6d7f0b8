import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { createGitHubWrites } from "../../src/adapters/github/github-writes.js";
import { createLocalWritePacer } from "../../src/adapters/queue/write-pacer.js";
import { AppIdentity } from "../../src/core/app-identity.js";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { OPEN_PULL_REQUEST, type OpenPullRequestResult } from "../../src/pipeline/stages/open-pull-request-result.js";
import { fixCommentMarker, renderFixComment } from "../../src/pr/fix-comment.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { githubApiMock, githubOpenApi, type GitHubApiMock } from "../helpers/github-api.js";
import { makeDelivery } from "../helpers/make-job.js";
import { validatedResults } from "./fix-loop-fixtures.js";
import { PRIOR, fixLoopSuite, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();
const APP_ID = 1001;
const byApp = { user: { login: "t0-ci-bot[bot]", id: 900_001, type: "Bot" }, performed_via_github_app: { id: APP_ID, slug: "t0-ci-bot", name: "t0-ci-bot" } };
const API = "/repos/octo/slug";

let gh: GitHubApiMock;
beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

/**
 * The fake GitHub of the fix loop for branches and PRs, with its comments sent to the real adapter over
 * strict nock: every comment request the stage makes is one the test expects, checked against GitHub's API.
 */
function realComments(s: FixLoop) {
  const octokit = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const real = createGitHubWrites(octokit, { installationId: 2, pacer: createLocalWritePacer({ clock: new FakeClock(), minIntervalMs: 0 }), self: { appId: APP_ID, identity: new AppIdentity("t0-ci-bot[bot]") } });
  s.gh.upsertComment = real.upsertComment.bind(real) as never;
}

/** Issue comments of people's PR #7 as GitHub keeps them, served by the mocks below. */
class Thread {
  readonly comments: Array<{ id: number; body: string } & Record<string, unknown>> = [];
  #id = 1000;
  add(body: string, by: Record<string, unknown> = byApp) {
    const c = { id: this.#id++, body, ...by };
    this.comments.push(c);
    return c;
  }
  list = () => ({ body: this.comments.map((c) => ({ ...c })) });
  post = (req: { body: unknown }) => ({ status: 201, body: this.add((req.body as { body: string }).body) });
  patch = (req: { path: string; body: unknown }) => {
    const c = this.comments.find((x) => req.path.endsWith(`/comments/${x.id}`))!;
    c.body = (req.body as { body: string }).body;
    return { body: c };
  };
}

/** A later failing run of people's PR #7 (their next push): another failure, its own fix PR. */
async function nextRun(s: FixLoop, runId: number, sha: string): Promise<Job> {
  const first = await s.get();
  const job: Job = {
    ...first, id: `job-${runId}`, key: `1296269:${runId}`, fingerprint: `fp-${runId}`,
    run: { ...s.job.run, id: runId, headSha: sha, pullRequests: [7], htmlUrl: `https://github.com/octo/slug/actions/runs/${runId}` },
    state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [], feedback: [],
  };
  job.results = validatedResults(job, undefined, [`test_${runId}`]);
  await s.store.recordIntake(makeDelivery(job), "{}", job);
  s.gh.commits.set(sha, s.gh.commits.get("a".repeat(40))!);
  return job;
}

const openPr = (s: FixLoop, job: Job) => new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));
const posts = () => gh.requests.filter((q) => q.method === "POST" && q.path === `${API}/issues/7/comments`);

/** Runs 555 and 556 of PR #7 each open a fix PR (#100, #101); the comments go to a thread GitHub would keep. */
async function twoFailedRunsOfPr7(): Promise<{ s: FixLoop; t: Thread }> {
  const s = await setup();
  realComments(s);
  const t = new Thread();
  gh = await githubApiMock();
  // Each job reads the comments, writes, and reads them again (another job of PR #7 may have written meanwhile).
  gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 4 })
    .on("POST", `${API}/issues/7/comments`, t.post)
    .on("PATCH", `${API}/issues/comments/1000`, t.patch);
  await s.run();
  await openPr(s, await nextRun(s, 556, "b".repeat(40)));
  return { s, t };
}

describe("the bot's comment on people's PR: one per PR, edited in place", () => {
  test("two failed runs of the same PR, each with its own fix PR → one comment, listing both fixes, newest first", async () => {
    const { s, t } = await twoFailedRunsOfPr7();
    gh.done();

    expect(s.gh.pulls.map((p) => p.number)).toEqual([100, 101]);
    expect((await s.store.getJob("job-556"))!.state).toBe("pr");
    expect(posts()).toHaveLength(1);
    expect(t.comments).toHaveLength(1);
    const text = t.comments[0]!.body;
    expect(text.indexOf("#101")).toBeGreaterThan(-1);
    expect(text.indexOf("#101")).toBeLessThan(text.indexOf("#100"));
    expect(text).toContain("[556](https://github.com/octo/slug/actions/runs/556)");
    expect(text).toContain("[555](https://github.com/octo/slug/actions/runs/555)");
  });

  // An earlier version posted one comment per job, its marker per run: after the upgrade, the PR's next
  // failure edits that comment into the PR's one, and people see no new comment.
  test("a per-job comment of an earlier version is edited into the PR's comment, its fix kept; none posted", async () => {
    const s = await setup();
    realComments(s);
    const t = new Thread();
    t.add("looks flaky to me", { user: { login: "alice", id: 5, type: "User" }, performed_via_github_app: null });
    const legacy = t.add("<!-- t0-ci-bot:fix-comment 1296269:554 -->\n🤖 t0-ci-bot proposes a fix for the failed run [554](https://github.com/octo/slug/actions/runs/554): #99 (draft, validated locally).\n\n> The separator changed.");
    gh = await githubApiMock();
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("PATCH", `${API}/issues/comments/${legacy.id}`, t.patch);
    await s.run();
    gh.done();

    expect(posts()).toHaveLength(0);
    expect(t.comments).toHaveLength(2);
    const text = legacy.body;
    expect(text).toMatch(/^<!-- t0-ci-bot:pr-fixes 1296269:7 -->\n/);
    expect(text).not.toContain("t0-ci-bot:fix-comment");
    expect(text.indexOf("#100 for the failed run [555]")).toBeGreaterThan(-1);
    expect(text.indexOf("#100")).toBeLessThan(text.indexOf("#99 for the failed run [554](https://github.com/octo/slug/actions/runs/554) (validated locally)\n  > The separator changed."));
  });

  // Two jobs of PR #7 at once (T0_PER_REPO_CONCURRENCY > 1): both read before either posted, both post.
  test("a job that posted beside another job's comment posted a moment before merges its fix into that one and deletes its own", async () => {
    const s = await setup();
    realComments(s);
    const t = new Thread();
    gh = await githubApiMock();
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 })
      .on("POST", `${API}/issues/7/comments`, t.post);
    await s.run();
    const earlier = t.comments[0]!;
    // At once: job 556 looked in the store before job 555 recorded its comment there.
    await s.store.updateJob(s.job.id, (j) => void ((j.results[OPEN_PULL_REQUEST] as OpenPullRequestResult).commentedOn = []));
    // Job 556 read the comments before job 555's was posted: it finds none, and posts its own.
    gh.on("GET", `${API}/issues/7/comments`, () => ({ body: [] }))
      .on("POST", `${API}/issues/7/comments`, t.post)
      .on("GET", `${API}/issues/7/comments`, t.list)
      .on("PATCH", `${API}/issues/comments/${earlier.id}`, t.patch)
      .on("DELETE", `${API}/issues/comments/${earlier.id + 1}`, (req) => (t.comments.splice(t.comments.findIndex((c) => req.path.endsWith(`/${c.id}`)), 1), { status: 204 }))
      // Its edit checked: the comment holds its fix.
      .on("GET", `${API}/issues/7/comments`, t.list);
    await openPr(s, await nextRun(s, 556, "b".repeat(40)));
    gh.done();

    expect((await s.store.getJob("job-556"))!.state).toBe("pr");
    expect(t.comments.map((c) => c.id)).toEqual([earlier.id]);
    expect(earlier.body).toContain("#101 for the failed run [556]");
    expect(earlier.body).toContain("#100 for the failed run [555]");
  });

  // A maintainer deleted the bot's comment: "not here". The PR's next failure is another job, and keeps to it.
  test("a comment people deleted is not posted again by the PR's next failed run; its record says why", async () => {
    const s = await setup();
    realComments(s);
    const t = new Thread();
    gh = await githubApiMock();
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("POST", `${API}/issues/7/comments`, t.post);
    await s.run();
    t.comments.length = 0;
    t.add("fixed it by hand", { user: { login: "alice", id: 5, type: "User" }, performed_via_github_app: null });
    gh.on("GET", `${API}/issues/7/comments`, t.list);
    await openPr(s, await nextRun(s, 556, "b".repeat(40)));
    gh.done();

    expect(posts()).toHaveLength(1);
    expect(t.comments.map((c) => c.body)).toEqual(["fixed it by hand"]);
    const job = (await s.store.getJob("job-556"))!;
    expect(job.state).toBe("pr");
    expect(job.results[OPEN_PULL_REQUEST]).toMatchObject({ pr: { number: 101 }, commentedOn: [], commentLeft: "the bot's comment on #7 was not posted again: people removed it" });
  });

  // GitHub has no conditional edit: job 557, which read the comment before job 556 edited it, edits it right
  // after from that older text, dropping #101. Job 556 reads the comment again after its edit and puts #101 back.
  test("a job whose fix another job's edit (made from the text before) dropped writes it back, the other's kept", async () => {
    const s = await setup();
    realComments(s);
    const t = new Thread();
    gh = await githubApiMock();
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("POST", `${API}/issues/7/comments`, t.post);
    await s.run();
    const comment = t.comments[0]!;
    const before = comment.body;
    const by557 = renderFixComment(fixCommentMarker(1296269, 7), before, { number: 102 }, { run: { ...s.job.run, id: 557, url: "https://github.com/octo/slug/actions/runs/557", workflow: "tests" }, diagnosis: "Another failure.", repairAttempt: 1 });
    gh.on("GET", `${API}/issues/7/comments`, t.list)
      .on("PATCH", `${API}/issues/comments/${comment.id}`, (req) => {
        const written = t.patch(req);
        comment.body = by557;
        return written;
      })
      .on("GET", `${API}/issues/7/comments`, t.list)
      .on("PATCH", `${API}/issues/comments/${comment.id}`, t.patch)
      .on("GET", `${API}/issues/7/comments`, t.list);
    await openPr(s, await nextRun(s, 556, "b".repeat(40)));
    gh.done();

    expect((await s.store.getJob("job-556"))!.state).toBe("pr");
    expect(t.comments).toHaveLength(1);
    expect(comment.body).toContain("#102 for the failed run [557]");
    expect(comment.body).toContain("#101 for the failed run [556]");
    expect(comment.body).toContain("#100 for the failed run [555]");
  });

  // Each job writes the whole list: were it ordered by who wrote last, every retry of an older job would
  // move its fix to the top, and edit the comment for nothing.
  test("a job whose fix the PR's comment already lists as it would write it leaves the comment unedited", async () => {
    const { s, t } = await twoFailedRunsOfPr7();
    const listed = t.comments[0]!.body;
    // Job 555 again, the older of the two (an operator's retry from open-pull-request): read, not written.
    await s.store.updateJob(s.job.id, (j) => {
      j.state = "testing";
      j.completedStages = [...PRIOR];
      delete j.waitingFor;
    });
    gh.on("GET", `${API}/issues/7/comments`, t.list);
    await openPr(s, (await s.get())!);
    gh.done();
    expect((await s.get()).state).toBe("pr");
    expect(gh.requests.filter((q) => q.path.includes("/comments") && q.method !== "GET")).toHaveLength(2);
    expect(t.comments.map((c) => c.body)).toEqual([listed]);
  });
});

// The fix PR's owner job learns of its close in watch-pr: the line stops calling a merged or turned-down fix a proposal.
describe("the bot's comment on people's PR: a listed fix PR merged, closed or reopened", () => {
  const LINE = "- #100 for the failed run [555](https://github.com/octo/slug/actions/runs/555) of `tests` (validated locally)";
  const patches = () => gh.requests.filter((q) => q.method === "PATCH");

  /** Job 555 opens fix PR #100 and posts people's PR #7 its comment; the job waits for the PR's outcome. */
  async function fixPrListed(): Promise<{ s: FixLoop; t: Thread; head: string }> {
    const s = await setup();
    realComments(s);
    const t = new Thread();
    gh = await githubApiMock();
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("POST", `${API}/issues/7/comments`, t.post);
    await s.run();
    expect(t.comments[0]!.body).toContain(`${LINE}\n`);
    return { s, t, head: s.gh.branches.get("ci-bot/fix-555")! };
  }

  test("merged → its line says merged, in one edit", async () => {
    const { s, t, head } = await fixPrListed();
    // Read again after the edit: a job of PR #7 adding its fix at the same moment would drop the outcome.
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("PATCH", `${API}/issues/comments/1000`, t.patch);
    await s.deliver("pull_request", s.prClosed(true, head));
    await s.run();
    gh.done();

    expect((await s.get()).state).toBe("completed");
    expect(patches()).toHaveLength(1);
    expect(t.comments).toHaveLength(1);
    expect(t.comments[0]!.body).toContain(`${LINE} — merged\n  > `);
  });

  test("closed unmerged → says so once (a redelivered close edits nothing); reopened → the plain line again, when watch-pr next runs", async () => {
    const { s, t, head } = await fixPrListed();
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("PATCH", `${API}/issues/comments/1000`, t.patch);
    await s.deliver("pull_request", s.prClosed(false, head));
    await s.run();
    expect(t.comments[0]!.body).toContain(`${LINE} — closed without merging\n`);
    // GitHub delivering the same close again: the job is not woken for it, and the comment is not written again.
    expect(await s.deliver("pull_request", s.prClosed(false, head))).not.toHaveProperty("resumeJobId");
    await s.run();
    gh.done();
    expect(patches()).toHaveLength(1);

    s.clock.advance(60_000);
    gh.on("GET", `${API}/issues/7/comments`, t.list, { times: 2 }).on("PATCH", `${API}/issues/comments/1000`, t.patch);
    await s.deliver("pull_request", s.prReopened(head));
    // The job is back in pr, waiting: watch-pr handles the reopening when the next event wakes it (CI on the fix).
    expect(await s.deliver("workflow_run", s.fixRun("success", head))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    gh.done();
    expect(patches()).toHaveLength(2);
    expect(t.comments[0]!.body).toContain(`${LINE}\n  > `);
    expect(t.comments[0]!.body).not.toMatch(/ — (merged|closed)/);
  });

  // Job 556 of PR #7 read the comment before the merge's edit, and adds its fix #101 right after it from that text.
  test("merged, and another job's edit made from the text before drops the outcome → it is written back, that job's fix kept", async () => {
    const { s, t, head } = await fixPrListed();
    const comment = t.comments[0]!;
    const by556 = renderFixComment(fixCommentMarker(1296269, 7), comment.body, { number: 101 }, { run: { ...s.job.run, id: 556, url: "https://github.com/octo/slug/actions/runs/556", workflow: "tests" }, diagnosis: "Another failure.", repairAttempt: 1 });
    gh.on("GET", `${API}/issues/7/comments`, t.list)
      .on("PATCH", `${API}/issues/comments/1000`, (req) => {
        const written = t.patch(req);
        comment.body = by556;
        return written;
      })
      .on("GET", `${API}/issues/7/comments`, t.list)
      .on("PATCH", `${API}/issues/comments/1000`, t.patch)
      .on("GET", `${API}/issues/7/comments`, t.list);
    await s.deliver("pull_request", s.prClosed(true, head));
    await s.run();
    gh.done();

    expect((await s.get()).state).toBe("completed");
    expect(comment.body).toContain(`${LINE} — merged\n  > `);
    expect(comment.body).toContain("#101 for the failed run [556]");
  });

  test("a repository turned off since (enabled: false) gets no edit: the line is left as it is", async () => {
    const { s, t, head } = await fixPrListed();
    const before = t.comments[0]!.body;
    s.repoConfig.now = { enabled: false };
    await s.deliver("pull_request", s.prClosed(true, head));
    await s.run();
    gh.done();

    expect(patches()).toHaveLength(0);
    expect(t.comments[0]!.body).toBe(before);
    expect((await s.get()).results["watch-pr"]).toMatchObject({ notes: [expect.stringContaining("comment on #7 left as is: disabled by .github/ci-bot.yml")] });
  });

  test("a comment people deleted is not posted again when the fix PR is merged", async () => {
    const { s, t, head } = await fixPrListed();
    t.comments.length = 0;
    gh.on("GET", `${API}/issues/7/comments`, t.list);
    await s.deliver("pull_request", s.prClosed(true, head));
    await s.run();
    gh.done();

    expect((await s.get()).state).toBe("completed");
    expect(posts()).toHaveLength(1);
    expect(t.comments).toHaveLength(0);
  });
});
