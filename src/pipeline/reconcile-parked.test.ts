import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { apiDraftChangeEvent, apiReview, apiReviewComment, apiReviewDismissedEvent, githubApiMock, githubOpenApi, type GitHubApiMock, type MockReply } from "../../test/helpers/github-api.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { jsonLogLines } from "../../test/helpers/recording-logger.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { failedRun, RecordingQueue, testConfig } from "../../test/intake/harness.js";
import { createGitHubPort } from "../adapters/github/create-github-port.js";
import { MemoryJobStore } from "../adapters/store/memory-store.js";
import { createMetrics } from "../admin/metrics.js";
import { createProbot } from "../app.js";
import { AppIdentity } from "../core/app-identity.js";
import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import { silentLogger } from "../core/logger.js";
import { prEventsOf } from "../feedback/pr-events.js";
import { routeDelivery } from "../handlers/route-delivery.js";
import { reconcileJob, reconcileParked } from "./reconcile-parked.js";

/**
 * A job parked for a webhook that never comes (the app down past GitHub's redelivery window, a delivery
 * GitHub never retried) is reconciled against GitHub: what the webhook would have said is recorded under
 * the same event id, so the real webhook, should it come after all, is a duplicate.
 */
const HOUR = 3600_000;
const FIX = "b".repeat(40);
const WORKFLOW = ".github/workflows/test.yml";
const REPO = "/repos/octo-org/octo-repo";
const CLOSED_AT = "2026-11-24T09:00:00Z";
const TIMELINE = `${REPO}/issues/7/timeline?per_page=100`;

let gh: GitHubApiMock | undefined;
beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

/** A job whose draft fix PR #7 (branch ci-bot/fix-<runId>) is open, parked by watch-pr since `at`. */
function prJob(runId: number, at: string): Job {
  const job: Job = { ...makeJob({ repoId: 300029405, runId, at }), state: "pr", stage: "watch-pr", waitingFor: "pr_outcome", completedStages: ["open-pull-request", "watch-pr"] };
  job.run.workflowPath = WORKFLOW;
  job.results["open-pull-request"] = {
    branch: `ci-bot/fix-${runId}`, commitSha: FIX, verified: true, pr: { number: 7, htmlUrl: "", nodeId: "", state: "open", draft: true },
    createdPr: true, commentedOn: [], files: [], inferenceId: "inf", episodeId: "ep", repairAttempt: 1,
  };
  return job;
}

/** A job that asked rerun-flaky for attempt 2 of its run and waits for it. */
function rerunJob(runId: number, at: string): Job {
  const job: Job = { ...makeJob({ repoId: 300029405, runId, at }), state: "analysis", stage: "rerun-flaky", waitingFor: "rerun", completedStages: ["check-repo-config", "clone-repo", "fetch-logs", "build-context", "rerun-flaky"] };
  job.results["rerun-flaky"] = { rerun: true, reason: "classified flaky-suspect", awaitingAttempt: 2 };
  return job;
}

async function setup(jobs: Job[], env: Record<string, string> = {}) {
  const clock = new FakeClock();
  const store = new MemoryJobStore();
  for (const j of jobs) await store.recordIntake(makeDelivery(j), "{}", j);
  const queue = new RecordingQueue();
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const github = createGitHubPort({ octokitFactory: () => new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: silent }) });
  const deps: Deps = {
    config: testConfig(env), store, queue, github, clock, logger: silentLogger(), metrics: createMetrics(), identity: new AppIdentity(),
    workspace: { clone: async () => { throw new Error("unused"); }, get: async () => undefined, remove: async () => undefined, sweep: async () => 0 },
    model: undefined as never,
  };
  gh = await githubApiMock();
  return { deps, store, queue, clock, get: async (id: string) => (await store.getJob(id))! };
}

const pull = (state: "open" | "closed", merged = false) => ({
  number: 7, state, merged, closed_at: state === "closed" ? CLOSED_AT : null, merged_by: merged ? { login: "alice" } : null,
  html_url: "https://github.com/octo-org/octo-repo/pull/7", node_id: "PR_7", draft: true, head: { ref: "ci-bot/fix-1", sha: FIX },
});
const runs = (...r: Array<{ id: number; status: string; conclusion: string | null }>) => ({
  total_count: r.length,
  workflow_runs: r.map((x) => ({ ...x, run_attempt: 1, path: WORKFLOW, name: "Test", html_url: `https://github.com/octo-org/octo-repo/actions/runs/${x.id}` })),
});
const noRuns = (times = 1) => gh!.on("GET", `${REPO}/actions/runs?head_sha=${FIX}&exclude_pull_requests=true&per_page=100`, { body: runs() }, { times });

describe("reconcileParked: a fix PR whose webhooks never came", () => {
  test("merged: the close is recorded as the webhook would have, the job woken and queued; the late webhook is a duplicate", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    noRuns();
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("closed", true) });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r).toEqual({ checked: 1, recorded: [job.id], failed: 0 });
    const j = await s.get(job.id);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: `closed:7:${CLOSED_AT}`, kind: "closed", merged: true, headSha: FIX, by: "alice", ghAt: CLOSED_AT })]);
    expect(j.waitingFor).toBeUndefined();
    expect(j.completedStages).not.toContain("watch-pr");
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    // The real webhook of that close, arriving late.
    const d = await routeDelivery(
      {
        action: "closed", installation: { id: job.installationId }, sender: { login: "alice" },
        repository: { id: job.repo.id, name: job.repo.name, full_name: job.repo.fullName, owner: { login: job.repo.owner } },
        pull_request: { number: 7, state: "closed", merged: true, closed_at: CLOSED_AT, merged_by: { login: "alice" }, updated_at: CLOSED_AT, head: { ref: "ci-bot/fix-1", sha: FIX } },
      },
      { id: "d-late", event: "pull_request", receivedAt: new Date(s.clock.now()).toISOString() },
      s.deps,
    );
    expect(d).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("already recorded") });
    expect(prEventsOf(await s.get(job.id))).toHaveLength(1);
  });

  test("CI finished on the fix commit: recorded as on-fix-branch-run records it; the late workflow_run is a duplicate", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    gh!.on("GET", `${REPO}/actions/runs?head_sha=${FIX}&exclude_pull_requests=true&per_page=100`, { body: runs({ id: 900, status: "completed", conclusion: "success" }, { id: 901, status: "in_progress", conclusion: null }) });
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: `ci:900:${FIX}`, kind: "ci", runId: 900, conclusion: "success", headSha: FIX })]);
    expect(j.waitingFor).toBeUndefined();
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    const p = failedRun({ runId: 900, branch: "ci-bot/fix-1", conclusion: "success" });
    p.workflow_run.head_sha = FIX;
    const d = await routeDelivery(p, { id: "d-late-ci", event: "workflow_run", receivedAt: new Date(s.clock.now()).toISOString() }, s.deps);
    expect(d).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("already recorded") });
    expect(prEventsOf(await s.get(job.id))).toHaveLength(1);
  });

  test("a later job's fix committed onto the PR is its head: that commit's CI is recorded too", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const later = "c".repeat(40);
    (job.results["open-pull-request"] as { sharedCommits?: unknown[] }).sharedCommits = [{ sha: later, jobId: "later", inferenceId: "inf2", files: [] }];
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    gh!.on("GET", `${REPO}/pulls/7`, { body: { ...pull("open"), head: { ref: "ci-bot/fix-1", sha: later } } });
    noRuns();
    gh!.on("GET", `${REPO}/actions/runs?head_sha=${later}&exclude_pull_requests=true&per_page=100`, { body: runs({ id: 902, status: "completed", conclusion: "failure" }) });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    expect(prEventsOf(await s.get(job.id))).toEqual([expect.objectContaining({ id: `ci:902:${later}`, conclusion: "failure", headSha: later })]);
  });

  test("an earlier attempt's commit a repair replaced: asked about until none of its runs (of the fix's workflow) is still going, then no more", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const old = "d".repeat(40);
    (job.results["open-pull-request"] as { supersededCommits?: unknown[] }).supersededCommits = [{ sha: old, inferenceId: "inf0" }];
    const s = await setup([job]);
    const lint = { id: 905, status: "in_progress", conclusion: null, run_attempt: 1, path: ".github/workflows/lint.yml", name: "Lint", html_url: "https://github.com/octo-org/octo-repo/actions/runs/905" };
    const oldRuns = (...r: Array<{ id: number; status: string; conclusion: string | null }>) => {
      const body = runs(...r);
      gh!.on("GET", `${REPO}/actions/runs?head_sha=${old}&exclude_pull_requests=true&per_page=100`, { body: { total_count: body.total_count + 1, workflow_runs: [...body.workflow_runs, lint] } });
    };
    const pass = async () => {
      gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
      noRuns();
      return reconcileJob(s.deps, await s.get(job.id));
    };
    const superseded = async () => (await s.get(job.id)).results["open-pull-request"] as { supersededCommits: unknown[] };
    // A re-run of its red run passed; another run of its workflow is still going.
    oldRuns({ id: 903, status: "completed", conclusion: "success" }, { id: 904, status: "in_progress", conclusion: null });
    expect(await pass()).toHaveLength(1);
    expect(prEventsOf(await s.get(job.id))).toEqual([expect.objectContaining({ id: `ci:903:${old}`, conclusion: "success", headSha: old })]);
    expect((await superseded()).supersededCommits).toEqual([{ sha: old, inferenceId: "inf0" }]);
    // That one has ended too (the lint run still going is not the fix's CI): recorded, and the commit done with.
    oldRuns({ id: 903, status: "completed", conclusion: "success" }, { id: 904, status: "completed", conclusion: "failure" });
    expect(await pass()).toHaveLength(1);
    expect(prEventsOf(await s.get(job.id)).map((e) => e.id)).toEqual([`ci:903:${old}`, `ci:904:${old}`]);
    expect((await superseded()).supersededCommits).toEqual([{ sha: old, inferenceId: "inf0", runsReconciled: true }]);
    expect(await pass()).toEqual([]);
    gh!.done();
  });

  test("reviews: a person's is recorded as the review webhook records it (not the bot's or another app's, not an empty one); the late webhook is a duplicate", async () => {
    const { job, s } = await parkedWithProposal();
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, {
      body: [
        apiReview(31, "alice", "Pin the version instead.", "CHANGES_REQUESTED"), apiReview(32, "t0-ci-bot[bot]", "The bot's own note.", "COMMENTED"), apiReview(33, "bob", "", "APPROVED"),
        apiReview(35, "copilot-pull-request-reviewer[bot]", "Copilot reviewed 1 out of 1 changed files in this pull request.", "COMMENTED"),
      ],
    });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(j.feedback).toEqual([expect.objectContaining({ id: "comment:review:31", metric: "comment", value: "Pin the version instead.", target: { episodeId: "ep" } })]);
    expect(j.waitingFor).toBeUndefined();
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    await expectLateWebhookDuplicate(s, job, "pull_request_review", { action: "submitted", review: { id: 31, state: "changes_requested", body: "Pin the version instead.", user: { login: "alice" } } });
  });

  test("reviews: a pending one (a draft its author has not submitted) is not recorded, and does not wake the job", async () => {
    const { job, s } = await parkedWithProposal();
    // As GitHub lists a review created without an event: PENDING, and no submitted_at.
    const { submitted_at: _, ...pending } = apiReview(34, "carol", "Still thinking about this.", "PENDING");
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [pending] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([]);
    const j = await s.get(job.id);
    expect(j.feedback ?? []).toEqual([]);
    expect(j.waitingFor).toBe("pr_outcome");
    expect(s.queue.items).toEqual([]);
  });

  test("reviews: an edit and a dismissal whose webhooks were missed are recorded as those webhooks record them; the late webhooks are duplicates", async () => {
    const { job, s } = await parkedWithProposal(false);
    // Heard by webhook before: review 31's text as first written, and review 36's.
    await s.store.updateJob(job.id, (j) => {
      const item = (id: string, value: string) => ({ id, metric: "comment", value, target: { episodeId: "ep" }, status: "sent" as const, attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" });
      j.feedback.push(item("comment:review:31", "Pin the version."), item("comment:review:36", "This hides the bug."));
    });
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "Pin the version instead.", "COMMENTED"), apiReview(36, "bob", "This hides the bug.", "DISMISSED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    // The list does not say who dismissed 36: the timeline does.
    gh!.on("GET", TIMELINE, { body: [apiReviewDismissedEvent(36, "carol")] });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(j.feedback.slice(2)).toEqual([
      expect.objectContaining({ id: "comment:review:31:2", value: "Pin the version instead.", tags: expect.objectContaining({ source_id: "review:31", revision: "2" }) }),
      expect.objectContaining({ id: "comment:review:36:dismissed", value: "Review 36 by bob was dismissed by carol: what it said no longer stands.", target: { episodeId: "ep" }, tags: expect.objectContaining({ author: "carol" }) }),
    ]);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: "review_dismissed:36", kind: "review_dismissed", reviewId: 36, author: "bob", by: "carol" })]);
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    await expectLateWebhookDuplicate(s, job, "pull_request_review", { action: "edited", review: { id: 31, state: "commented", body: "Pin the version instead.", user: { login: "alice" } } });
    await expectLateWebhookDuplicate(s, job, "pull_request_review", { action: "dismissed", sender: { login: "carol" }, review: { id: 36, state: "dismissed", body: "This hides the bug.", user: { login: "bob" } } });
  });

  test("reviews: approvals GitHub dismissed as stale after the app's push, webhooks missed, are told apart by the timeline (one read for all): their feedback stands; the late webhook is a duplicate", async () => {
    const { job, s } = await parkedWithProposal(false);
    // Heard by webhook before: both approvals' texts.
    await s.store.updateJob(job.id, (j) => {
      const item = (id: string, value: string) => ({ id, metric: "comment", value, target: { episodeId: "ep" }, status: "sent" as const, attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" });
      j.feedback.push(item("comment:review:31", "Looks right to me."), item("comment:review:37", "Fine by me."));
    });
    const before = (await s.get(job.id)).feedback;
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "Looks right to me.", "DISMISSED"), apiReview(37, "dave", "Fine by me.", "DISMISSED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    // GitHub names the pusher as the one who dismissed it; the strict mock answers one timeline read only.
    gh!.on("GET", TIMELINE, { body: [apiReviewDismissedEvent(31, "t0-ci-bot[bot]", "c".repeat(40)), apiReviewDismissedEvent(37, "T0-CI-Bot[bot]", "c".repeat(40))] });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(j.feedback).toEqual(before);
    expect(prEventsOf(j)).toEqual([
      expect.objectContaining({ id: "review_dismissed:31", reviewId: 31, author: "alice", by: "t0-ci-bot[bot]", stale: true }),
      expect.objectContaining({ id: "review_dismissed:37", reviewId: 37, author: "dave", by: "T0-CI-Bot[bot]", stale: true }),
    ]);
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    await expectLateWebhookDuplicate(s, job, "pull_request_review", { action: "dismissed", sender: { login: "t0-ci-bot[bot]", type: "Bot" }, review: { id: 31, state: "dismissed", body: "Looks right to me.", user: { login: "alice" } } });
    // Both recorded: the next pass reads the timeline once more, for people's draft changes, and finds nothing new.
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    noRuns();
    gh!.on("GET", TIMELINE, { body: [apiReviewDismissedEvent(31, "t0-ci-bot[bot]", "c".repeat(40)), apiReviewDismissedEvent(37, "T0-CI-Bot[bot]", "c".repeat(40))] });
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "Looks right to me.", "DISMISSED"), apiReview(37, "dave", "Fine by me.", "DISMISSED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    expect(await reconcileJob(s.deps, await s.get(job.id))).toEqual([]);
    gh!.done();
  });

  test("reviews: a timeline GitHub refuses (403) leaves a dismissal recorded as before, without who dismissed it, and says why in the log", async () => {
    const { job, s } = await parkedWithProposal(false);
    const { logger, lines } = jsonLogLines();
    s.deps.logger = logger;
    await s.store.updateJob(job.id, (j) => void j.feedback.push({ id: "comment:review:31", metric: "comment", value: "Looks right to me.", target: { episodeId: "ep" }, status: "sent", attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" }));
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "Looks right to me.", "DISMISSED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/issues/7/timeline`, { status: 403, body: { message: "Resource not accessible by integration" } });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    const j = await s.get(job.id);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: "review_dismissed:31", author: "alice" })]);
    expect(prEventsOf(j)[0]).not.toHaveProperty("by");
    expect(j.feedback.slice(1)).toEqual([expect.objectContaining({ id: "comment:review:31:dismissed", value: "Review 31 by alice was dismissed: what it said no longer stands." })]);
    expect(lines).toContainEqual(expect.objectContaining({
      level: 40, jobId: job.id, err: expect.objectContaining({ code: "http_403" }),
      msg: expect.stringContaining("GitHub refused PR #7's timeline (http_403); its dismissed reviews are recorded without who dismissed them"),
    }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining("; people's draft changes whose webhooks were lost are not checked") }));
  });

  test("reviews: a timeline GitHub fails to give for now (5xx) records nothing of the reviews; the pass is tried again", async () => {
    const { job, s } = await parkedWithProposal(false);
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "Looks right to me.", "DISMISSED"), apiReview(32, "bob", "Pin the version.", "COMMENTED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    gh!.on("GET", TIMELINE, { status: 502, body: { message: "Server Error" } });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 1 });
    gh!.done();
    const j = await s.get(job.id);
    expect(prEventsOf(j)).toEqual([]);
    expect(j.feedback ?? []).toEqual([]);
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("draft changes: a person's marked ready and back to draft, webhooks lost, are recorded from the timeline read for the dismissal (one read), as the pull_request webhook records them (not the app's, nor another app's); the late webhook is a duplicate", async () => {
    const { job, s } = await parkedWithProposal({
      body: [
        apiDraftChangeEvent("ready_for_review", "alice", "2026-11-23T13:00:00Z"),
        apiDraftChangeEvent("convert_to_draft", "mergify[bot]", "2026-11-23T13:30:00Z"),
        apiDraftChangeEvent("ready_for_review", "t0-ci-bot[bot]", "2026-11-23T13:40:00Z"),
        apiReviewDismissedEvent(36, "carol"),
        apiDraftChangeEvent("convert_to_draft", "bob", "2026-11-23T14:00:00Z"),
      ],
    });
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(36, "bob", "This hides the bug.", "DISMISSED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(prEventsOf(j)).toEqual([
      expect.objectContaining({ id: "review_dismissed:36", by: "carol" }),
      { id: "ready_for_review:7:2026-11-23T13:00:00Z", kind: "ready_for_review", by: "alice", at: expect.any(String), ghAt: "2026-11-23T13:00:00Z" },
      { id: "converted_to_draft:7:2026-11-23T14:00:00Z", kind: "converted_to_draft", by: "bob", at: expect.any(String), ghAt: "2026-11-23T14:00:00Z" },
    ]);
    const marked = (x: Job) => x.feedback.filter((f) => f.metric === "pr_marked_ready").map((f) => [f.id, f.value, f.tags?.["author"]]);
    expect(marked(j)).toEqual([["pr_marked_ready:ep", true, "alice"], ["pr_marked_ready:ep:2", false, "bob"]]);
    expect(j.waitingFor).toBeUndefined();
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    await expectLateWebhookDuplicate(s, job, "pull_request", {
      action: "converted_to_draft", sender: { login: "bob", type: "User" },
      pull_request: { number: 7, state: "open", draft: true, updated_at: "2026-11-23T14:00:00Z", head: { ref: "ci-bot/fix-1", sha: FIX } },
    });
    // The next pass reads the timeline again (once) and finds nothing it has not recorded.
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    noRuns();
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(36, "bob", "This hides the bug.", "DISMISSED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    gh!.on("GET", TIMELINE, { body: [apiDraftChangeEvent("ready_for_review", "alice", "2026-11-23T13:00:00Z"), apiReviewDismissedEvent(36, "carol"), apiDraftChangeEvent("convert_to_draft", "bob", "2026-11-23T14:00:00Z")] });
    expect(await reconcileJob(s.deps, await s.get(job.id))).toEqual([]);
    gh!.done();
    expect(marked(await s.get(job.id))).toHaveLength(2);
  });

  test("draft changes: on a PR the pass finds merged, a person's change whose webhook was lost is recorded before the merge (the job's last pass)", async () => {
    const { job, s } = await parkedWithProposal({ body: [apiDraftChangeEvent("ready_for_review", "alice", "2026-11-23T13:00:00Z")] }, pull("closed", true));
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    expect(await reconcileJob(s.deps, job)).toEqual(["PR #7 marked ready for review by alice", "PR #7 merged"]);
    gh!.done();
    const j = await s.get(job.id);
    expect(prEventsOf(j).map((e) => e.id)).toEqual(["ready_for_review:7:2026-11-23T13:00:00Z", `closed:7:${CLOSED_AT}`]);
    expect(j.feedback.filter((f) => f.metric === "pr_marked_ready").map((f) => [f.value, f.tags?.["author"]])).toEqual([[true, "alice"]]);
  });

  test("draft changes: a timeline GitHub refuses (404) with no dismissal to record leaves the reviews recorded as before, and the log says the draft changes were not checked", async () => {
    const { job, s } = await parkedWithProposal({ status: 404, body: { message: "Not Found" } });
    const { logger, lines } = jsonLogLines();
    s.deps.logger = logger;
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "Pin the version instead.", "COMMENTED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    expect((await s.get(job.id)).feedback).toEqual([expect.objectContaining({ id: "comment:review:31" })]);
    const warned = lines.filter((l) => l["level"] === 40);
    expect(warned).toEqual([expect.objectContaining({ jobId: job.id, err: expect.objectContaining({ code: "http_404" }), msg: "reconciling the fix PR: GitHub refused PR #7's timeline (http_404); people's draft changes whose webhooks were lost are not checked" })]);
  });

  test("draft changes: a timeline GitHub fails to give for now (5xx), no dismissal pending, records nothing of the reviews either; the pass is tried again", async () => {
    const { job, s } = await parkedWithProposal({ status: 502, body: { message: "Server Error" } });
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(32, "bob", "Pin the version.", "COMMENTED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 1 });
    gh!.done();
    const j = await s.get(job.id);
    expect(j.feedback ?? []).toEqual([]);
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("reviews: one whose text was edited away, its webhook missed, is withdrawn as that webhook withdraws it; the late webhook is a duplicate", async () => {
    const { job, s } = await parkedWithProposal();
    await s.store.updateJob(job.id, (j) => void j.feedback.push({ id: "comment:review:31", metric: "comment", value: "Pin the version.", target: { episodeId: "ep" }, status: "sent", attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" }));
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [apiReview(31, "alice", "", "COMMENTED")] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(j.feedback.slice(1)).toEqual([expect.objectContaining({ id: "comment:review:31:withdrawn:1", value: "Review 31 by alice was edited to say nothing: what it said no longer stands.", target: { episodeId: "ep" } })]);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: "review_withdrawn:review:31:emptied:1", kind: "review_withdrawn", how: "emptied" })]);
    await expectLateWebhookDuplicate(s, job, "pull_request_review", { action: "edited", sender: { login: "alice" }, review: { id: 31, state: "commented", body: "", user: { login: "alice" } } });
  });

  test("review comments: a person's is recorded as the review comment webhook records it, with its file and line (not another app's); the late webhook is a duplicate", async () => {
    const { job, s } = await parkedWithProposal();
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, {
      body: [apiReviewComment(41, "alice", "This import is unused.", 12), apiReviewComment(42, "t0-ci-bot[bot]", "The bot's own note.", 12), apiReviewComment(43, "github-actions[bot]", "eslint: 'x' is assigned a value but never used.", 12)],
    });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(j.feedback).toEqual([expect.objectContaining({ id: "comment:review_comment:41", metric: "comment", value: "This import is unused. (on src/a.ts:12)", target: { episodeId: "ep" } })]);
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    await expectLateWebhookDuplicate(s, job, "pull_request_review_comment", { action: "created", comment: { id: 41, body: "This import is unused.", path: "src/a.ts", line: 12, user: { login: "alice" } } });
  });

  test("review comments: a comment whose line moved with the diff, or that became outdated (no line), is not an edit", async () => {
    const { job, s } = await parkedWithProposal();
    // Heard by webhook on line 12; a repair's push has since moved one comment and outdated the other.
    await s.store.updateJob(job.id, (j) => {
      const item = (id: string, value: string) => ({ id, metric: "comment", value, target: { episodeId: "ep" }, status: "sent" as const, attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" });
      j.feedback.push(item("comment:review_comment:41", "This import is unused. (on src/a.ts:12)"), item("comment:review_comment:44", "Rename this. (on src/a.ts:12)"));
    });
    const before = await s.get(job.id);
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [apiReviewComment(41, "alice", "This import is unused.", 15), apiReviewComment(44, "alice", "Rename this.", null)] });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 0 });
    gh!.done();
    expect((await s.get(job.id)).feedback).toEqual(before.feedback);
    expect(s.queue.items).toEqual([]);
  });

  test("review comments: one deleted while its webhook was lost is withdrawn as the deleted webhook withdraws it (not one emptied before, nor one still listed); the late webhook is a duplicate", async () => {
    const { job, s } = await parkedWithProposal();
    // Heard by webhook before: comments 41, 44 and 45; 44 then edited to say nothing.
    await s.store.updateJob(job.id, (j) => {
      const item = (id: string, value: string, tags: Record<string, string>) => ({ id, metric: "comment", value, target: { episodeId: "ep" }, tags, status: "sent" as const, attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" });
      const text = (id: number, author: string, value: string) => item(`comment:review_comment:${id}`, value, { author, source: "review_comment", source_id: `review_comment:${id}`, revision: "1" });
      j.feedback.push(text(41, "alice", "This import is unused. (on src/a.ts:12)"), text(44, "bob", "Rename this. (on src/a.ts:12)"), text(45, "carol", "Add a test. (on src/a.ts:12)"));
      j.feedback.push(item("comment:review_comment:44:withdrawn:1", "Review comment 44 by bob was edited to say nothing: what it said no longer stands.", { source: "review_withdrawn", source_id: "review_comment:44" }));
    });
    const before = (await s.get(job.id)).feedback.length;
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    // 41 and 44 are gone from GitHub's list, over both of its pages.
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, {
      body: [apiReviewComment(46, "t0-ci-bot[bot]", "The bot's own note.", 12)],
      headers: { link: `<https://api.github.com${REPO}/pulls/7/comments?per_page=100&page=2>; rel="next"` },
    });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100&page=2`, { body: [apiReviewComment(45, "carol", "Add a test.", 12)] });
    // GitHub confirms 41 is gone (44 was withdrawn already: not asked about).
    gh!.on("GET", `${REPO}/pulls/comments/41`, { status: 404, body: { message: "Not Found" } });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([job.id]);
    const j = await s.get(job.id);
    expect(j.feedback.slice(before)).toEqual([
      expect.objectContaining({ id: "comment:review_comment:41:withdrawn", value: "Review comment 41 by alice was deleted: what it said no longer stands.", target: { episodeId: "ep" }, tags: expect.objectContaining({ source: "review_withdrawn", source_id: "review_comment:41" }) }),
    ]);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: "review_withdrawn:review_comment:41", kind: "review_withdrawn", sourceId: "review_comment:41", how: "deleted", author: "alice" })]);
    expect(j.waitingFor).toBeUndefined();
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
    await expectLateWebhookDuplicate(s, job, "pull_request_review_comment", { action: "deleted", sender: { login: "alice" }, comment: { id: 41, body: "This import is unused.", path: "src/a.ts", line: 12, user: { login: "alice" } } });
  });

  test("review comments: one the paged list skipped (another deleted between its pages) but GitHub still has is not withdrawn; nothing recorded", async () => {
    const { job, s } = await parkedWithProposal();
    await aliceReviewCommentSent(s, job);
    const before = await s.get(job.id);
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    // The list as read does not have it; GitHub, asked for 41 itself, does.
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/pulls/comments/41`, { body: apiReviewComment(41, "alice", "This import is unused.", 12) });
    const r = await reconcileParked(s.deps);
    gh!.done();
    expect(r.recorded).toEqual([]);
    const j = await s.get(job.id);
    expect(j.feedback).toEqual(before.feedback);
    expect(prEventsOf(j)).toEqual([]);
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("review comments: one missing from the list whose own read GitHub fails for now (5xx) withdraws nothing, records nothing else either; the pass is tried again", async () => {
    const { job, s } = await parkedWithProposal();
    await aliceReviewCommentSent(s, job);
    const before = await s.get(job.id);
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, { body: [apiReviewComment(45, "carol", "Add a test.", 12)] });
    gh!.on("GET", `${REPO}/pulls/comments/41`, { status: 502, body: { message: "Server Error" } });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 1 });
    gh!.done();
    const j = await s.get(job.id);
    // Not even carol's comment 45, listed: every read comes before any record.
    expect(j.feedback).toEqual(before.feedback);
    expect(prEventsOf(j)).toEqual([]);
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("review comments: a list GitHub failed to give whole (a later page refused) withdraws nothing; the pass is tried again", async () => {
    const { job, s } = await parkedWithProposal(false);
    await aliceReviewCommentSent(s, job);
    const before = await s.get(job.id);
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { body: [] });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100`, {
      body: [apiReviewComment(45, "carol", "Add a test.", 12)],
      headers: { link: `<https://api.github.com${REPO}/pulls/7/comments?per_page=100&page=2>; rel="next"` },
    });
    gh!.on("GET", `${REPO}/pulls/7/comments?per_page=100&page=2`, { status: 502, body: { message: "Server Error" } });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 1 });
    gh!.done();
    const j = await s.get(job.id);
    expect(j.feedback).toEqual(before.feedback);
    expect(prEventsOf(j)).toEqual([]);
    expect(j.waitingFor).toBe("pr_outcome");
  });

  test("nothing new: the job stays parked, untouched, and is not asked about again before the threshold", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    noRuns();
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 0 });
    gh!.done();
    const j = await s.get(job.id);
    expect(j).toMatchObject({ waitingFor: "pr_outcome", updatedAt: job.updatedAt });
    expect(s.queue.items).toEqual([]);
    // An hour later: no request (the strict mock fails on any).
    await s.clock.advance(HOUR);
    expect((await reconcileParked(s.deps)).checked).toBe(0);
    await s.clock.advance(24 * HOUR);
    noRuns();
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    expect((await reconcileParked(s.deps)).checked).toBe(1);
    gh!.done();
  });

  test("jobs parked for less than RECONCILE_PARKED_HOURS, or in a repository out of REPO_ALLOWLIST, are not asked about", async () => {
    const recent = prJob(1, "2026-11-24T10:00:00.000Z");
    const other = { ...prJob(2, "2026-11-23T12:00:00.000Z"), id: "other", key: "9:2" };
    other.repo = { ...other.repo, id: 9, fullName: "someone/else", owner: "someone", name: "else" };
    const s = await setup([recent, other], { REPO_ALLOWLIST: "octo-org/octo-repo" });
    await s.clock.advance(25 * HOUR);
    expect(await reconcileParked(s.deps)).toEqual({ checked: 0, recorded: [], failed: 0 });
    gh!.done();
  });

  test("at most maxJobs per pass, the longest parked first; the rest in the next pass", async () => {
    const jobs = [prJob(3, "2026-11-23T12:20:00.000Z"), prJob(1, "2026-11-23T12:00:00.000Z"), prJob(2, "2026-11-23T12:10:00.000Z")];
    const s = await setup(jobs);
    await s.clock.advance(25 * HOUR);
    noRuns(2);
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") }, { times: 2 });
    const first = await reconcileParked(s.deps, { maxJobs: 2 });
    gh!.done();
    expect(first.checked).toBe(2);
    expect((await s.get(jobs[0]!.id)).reconciledAt).toBeUndefined();
    expect((await s.get(jobs[1]!.id)).reconciledAt).toBeDefined();
    expect((await s.get(jobs[2]!.id)).reconciledAt).toBeDefined();
    gh!.cleanup();
    gh = await githubApiMock();
    noRuns();
    gh.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    expect((await reconcileParked(s.deps, { maxJobs: 2 })).checked).toBe(1);
    gh.done();
  });

  test("GitHub down: logged, the job left as it was, and asked about again on the next pass", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    gh!.on("GET", `${REPO}/pulls/7`, { status: 502, body: { message: "Server Error" } });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 1 });
    gh!.done();
    expect((await s.get(job.id)).reconciledAt).toBeUndefined();
    await s.clock.advance(HOUR);
    noRuns();
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("closed") });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    expect(prEventsOf(await s.get(job.id))).toEqual([expect.objectContaining({ id: `closed:7:${CLOSED_AT}`, merged: false })]);
  });

  test("CI recorded, then the reviews' read fails for now: the job the CI event woke is queued all the same, not left neither parked nor queued", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    job.results["propose-patch"] = { episodeId: "ep", inferenceId: "inf", proposal: { diagnosis: "d", diff: "--- a\n", confidence: 0.8, files: [] } };
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    gh!.on("GET", `${REPO}/actions/runs?head_sha=${FIX}&exclude_pull_requests=true&per_page=100`, { body: runs({ id: 900, status: "completed", conclusion: "success" }) });
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("open") });
    gh!.on("GET", `${REPO}/pulls/7/reviews?per_page=100`, { status: 502, body: { message: "Server Error" } });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 1 });
    gh!.done();
    const j = await s.get(job.id);
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: `ci:900:${FIX}`, kind: "ci" })]);
    expect(j.waitingFor).toBeUndefined();
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
  });

  test("DRY_RUN on: recorded and woken as the webhook would be (the runner then stops the job before any write)", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job], { DRY_RUN: "true" });
    await s.clock.advance(25 * HOUR);
    noRuns();
    gh!.on("GET", `${REPO}/pulls/7`, { body: pull("closed", true) });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    // Only reads reached GitHub (the strict mock holds no write).
    expect(gh!.requests.map((r) => r.method)).toEqual(["GET", "GET"]);
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
  });

  test("RECONCILE_PARKED_HOURS=0 turns it off", async () => {
    const s = await setup([prJob(1, "2026-11-23T12:00:00.000Z")], { RECONCILE_PARKED_HOURS: "0" });
    await s.clock.advance(250 * HOUR);
    expect((await reconcileParked(s.deps)).checked).toBe(0);
    gh!.done();
  });
});

describe("reconcileParked: a re-run whose completion never came", () => {
  /** A job parked 25 hours for the re-run of run 1, whose attempt 2 GitHub reports as `run`. */
  async function rerunParked25h(run: { status: string; conclusion: string | null }) {
    const job = rerunJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job]);
    await s.clock.advance(25 * HOUR);
    gh!.on("GET", `${REPO}/actions/runs/1?exclude_pull_requests=true`, { body: { id: 1, run_attempt: 2, ...run } });
    return { job, s };
  }

  test("the awaited attempt passed: the job completes as on-rerun-completed completes it; the late webhook is a duplicate", async () => {
    const { job, s } = await rerunParked25h({ status: "completed", conclusion: "success" });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    const j = await s.get(job.id);
    expect(j).toMatchObject({ state: "completed", waitingFor: undefined });
    expect(s.queue.items).toEqual([]);
    const p = failedRun({ runId: 1, attempt: 2, conclusion: "success" });
    const d = await routeDelivery(p, { id: "d-late-rerun", event: "workflow_run", receivedAt: new Date(s.clock.now()).toISOString() }, s.deps);
    expect(d).toMatchObject({ outcome: "ignored" });
    expect(await s.get(job.id)).toMatchObject({ state: "completed" });
  });

  test("red again: the job resumes from fetch-logs with that attempt, queued", async () => {
    const { job, s } = await rerunParked25h({ status: "completed", conclusion: "failure" });
    expect((await reconcileParked(s.deps)).recorded).toEqual([job.id]);
    gh!.done();
    const j = await s.get(job.id);
    expect(j.run.attempt).toBe(2);
    expect(j.completedStages).not.toContain("fetch-logs");
    expect(s.queue.items.map((i) => i.jobId)).toEqual([job.id]);
  });

  test("still re-running: nothing recorded", async () => {
    const { job, s } = await rerunParked25h({ status: "in_progress", conclusion: null });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 0 });
    gh!.done();
    expect(await s.get(job.id)).toMatchObject({ waitingFor: "rerun" });
  });
});

describe("reconcileParked: an installation GitHub refuses a token for", () => {
  test("the job is left to the installation events: not failed, not asked about again before the threshold", async () => {
    const job = prJob(1, "2026-11-23T12:00:00.000Z");
    const s = await setup([job]);
    const config = testConfig();
    s.deps.github = createGitHubPort({ probot: createProbot(config, silentLogger(), { retryAfterBaseMs: 1 }) });
    await s.clock.advance(25 * HOUR);
    gh!.on("POST", `/app/installations/${job.installationId}/access_tokens`, { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app", status: "404" } });
    expect(await reconcileParked(s.deps)).toEqual({ checked: 1, recorded: [], failed: 0 });
    gh!.done();
    expect(await s.get(job.id)).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    await s.clock.advance(HOUR);
    expect((await reconcileParked(s.deps)).checked).toBe(0);
  });
});

/**
 * A job parked on its open fix PR for longer than the threshold, with a proposal for reviews to go to; its PR
 * and runs read, and its timeline (once a pass: `timeline`; false when the test mocks it, or the pass fails before reading it).
 */
/** Alice's review comment 41 on the fix, already sent as `comment` feedback: what a later pass may withdraw. */
async function aliceReviewCommentSent(s: Awaited<ReturnType<typeof setup>>, job: Job): Promise<void> {
  await s.store.updateJob(job.id, (j) => void j.feedback.push({ id: "comment:review_comment:41", metric: "comment", value: "This import is unused. (on src/a.ts:12)", target: { episodeId: "ep" }, tags: { author: "alice" }, status: "sent", attempts: 1, createdAt: "2026-11-23T12:00:00.000Z" }));
}

async function parkedWithProposal(timeline: MockReply | false = { body: [] }, pr: ReturnType<typeof pull> = pull("open")) {
  const job = prJob(1, "2026-11-23T12:00:00.000Z");
  job.results["propose-patch"] = { episodeId: "ep", inferenceId: "inf", proposal: { diagnosis: "d", diff: "--- a\n", confidence: 0.8, files: [] } };
  const s = await setup([job]);
  await s.clock.advance(25 * HOUR);
  noRuns();
  gh!.on("GET", `${REPO}/pulls/7`, { body: pr });
  if (timeline) gh!.on("GET", timeline.status ? `${REPO}/issues/7/timeline` : TIMELINE, timeline);
  return { job, s };
}

/** The webhook of what the reconciliation recorded arrives after all: a duplicate, nothing recorded twice. */
async function expectLateWebhookDuplicate(s: Awaited<ReturnType<typeof setup>>, job: Job, event: string, fields: Record<string, unknown>): Promise<void> {
  const payload = {
    installation: { id: job.installationId },
    repository: { id: job.repo.id, name: job.repo.name, full_name: job.repo.fullName, owner: { login: job.repo.owner } },
    pull_request: { number: 7, state: "open", head: { ref: "ci-bot/fix-1", sha: FIX } },
    ...fields,
  };
  const before = (await s.get(job.id)).feedback.length;
  const d = await routeDelivery(payload, { id: `d-late-${event}`, event, receivedAt: new Date(s.clock.now()).toISOString() }, s.deps);
  expect(d).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("already recorded") });
  expect((await s.get(job.id)).feedback).toHaveLength(before);
}
