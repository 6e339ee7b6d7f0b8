import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { apiDraftChangeEvent, apiReviewDismissedEvent, githubApiMock, githubOpenApi, type GitHubApiMock } from "../../test/helpers/github-api.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { makeDelivery, makeJob } from "../../test/helpers/make-job.js";
import { recordingLogger } from "../../test/helpers/recording-logger.js";
import { createGitHubPort } from "../adapters/github/create-github-port.js";
import { MemoryJobStore } from "../adapters/store/memory-store.js";
import { AppIdentity } from "../core/app-identity.js";
import type { Job } from "../core/job.js";
import { prEventsOf } from "../feedback/pr-events.js";
import { routeDelivery } from "../handlers/route-delivery.js";
import { testConfig } from "../../test/intake/harness.js";
import { recordTimelineDraftChanges } from "./record-timeline-draft-changes.js";

/**
 * Before watch-pr marks a fix PR ready, the PR's timeline tells of people's draft changes whose webhooks were
 * lost: read through the real adapter from GitHub's answer, recorded as the pull_request webhook records them.
 */
const REPO = "/repos/octo-org/octo-repo";
const TIMELINE = `${REPO}/issues/7/timeline?per_page=100`;

let gh: GitHubApiMock | undefined;
beforeAll(async () => void (await githubOpenApi()));
afterEach(() => gh?.cleanup());

/** A job whose draft fix PR #7 is open, with a proposal for feedback to go to. */
function prJob(): Job {
  const job: Job = { ...makeJob({ repoId: 300029405, runId: 1, at: "2026-11-23T12:00:00.000Z" }), state: "pr", stage: "watch-pr", completedStages: ["open-pull-request"] };
  job.results["open-pull-request"] = {
    branch: "ci-bot/fix-1", commitSha: "b".repeat(40), verified: true, pr: { number: 7, htmlUrl: "", nodeId: "", state: "open", draft: true },
    createdPr: true, commentedOn: [], files: [], inferenceId: "inf", episodeId: "ep", repairAttempt: 1,
  };
  job.results["propose-patch"] = { episodeId: "ep", inferenceId: "inf", proposal: { diagnosis: "d", diff: "--- a\n", confidence: 0.8, files: [] } };
  return job;
}

async function setup() {
  const job = prJob();
  const store = new MemoryJobStore();
  await store.recordIntake(makeDelivery(job), "{}", job);
  const silent = { debug() {}, info() {}, warn() {}, error() {} };
  const port = createGitHubPort({ octokitFactory: () => new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: silent }) });
  const deps = { store, clock: new FakeClock(), identity: new AppIdentity(), config: testConfig() };
  const { logger, lines } = recordingLogger();
  gh = await githubApiMock();
  const client = await port.forInstallation(job.installationId);
  const record = () => recordTimelineDraftChanges(deps, job, client, 7, logger);
  return { job, deps, lines, record, get: async () => (await store.getJob(job.id))! };
}

describe("recordTimelineDraftChanges", () => {
  test("people's ready_for_review and convert_to_draft are recorded as their webhooks record them (not the app's own, nor other apps'); the late webhook is a duplicate", async () => {
    const s = await setup();
    gh!.on("GET", TIMELINE, {
      body: [
        apiDraftChangeEvent("convert_to_draft", "mergify[bot]", "2026-11-23T12:30:00Z"),
        apiDraftChangeEvent("ready_for_review", "t0-ci-bot[bot]", "2026-11-23T12:40:00Z"),
        apiReviewDismissedEvent(31, "carol"),
        apiDraftChangeEvent("ready_for_review", "alice", "2026-11-23T13:00:00Z"),
        apiDraftChangeEvent("convert_to_draft", "bob", "2026-11-23T14:00:00Z"),
      ],
    });
    expect(await s.record()).toEqual({});
    gh!.done();
    const j = await s.get();
    expect(prEventsOf(j)).toEqual([
      { id: "ready_for_review:7:2026-11-23T13:00:00Z", kind: "ready_for_review", by: "alice", at: expect.any(String), ghAt: "2026-11-23T13:00:00Z" },
      { id: "converted_to_draft:7:2026-11-23T14:00:00Z", kind: "converted_to_draft", by: "bob", at: expect.any(String), ghAt: "2026-11-23T14:00:00Z" },
    ]);
    expect(j.feedback.map((f) => [f.metric, f.value, f.tags?.["author"]])).toEqual([["pr_marked_ready", true, "alice"], ["pr_marked_ready", false, "bob"]]);
    // bob's webhook, stamped as the timeline stamped his change.
    const late = {
      action: "converted_to_draft", installation: { id: s.job.installationId }, sender: { login: "bob", type: "User" },
      repository: { id: s.job.repo.id, name: s.job.repo.name, full_name: s.job.repo.fullName, owner: { login: s.job.repo.owner } },
      pull_request: { number: 7, state: "open", draft: true, updated_at: "2026-11-23T14:00:00Z", head: { ref: "ci-bot/fix-1", sha: "b".repeat(40) } },
    };
    const d = await routeDelivery(late, { id: "d-late", event: "pull_request", receivedAt: "2026-11-24T00:00:00.000Z" }, s.deps);
    expect(d).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("already recorded") });
    expect((await s.get()).feedback).toHaveLength(2);
  });

  test("the same change heard both ways with GitHub's two stamps a second apart is recorded once, whichever comes first; a person's later change of the same kind is not taken for it", async () => {
    const s = await setup();
    gh!.on("GET", TIMELINE, { body: [apiDraftChangeEvent("convert_to_draft", "bob", "2026-11-23T14:00:00Z")] });
    expect(await s.record()).toEqual({});
    gh!.done();
    const webhook = (updatedAt: string, id: string) =>
      routeDelivery(
        {
          action: "converted_to_draft", installation: { id: s.job.installationId }, sender: { login: "Bob", type: "User" },
          repository: { id: s.job.repo.id, name: s.job.repo.name, full_name: s.job.repo.fullName, owner: { login: s.job.repo.owner } },
          pull_request: { number: 7, state: "open", draft: true, updated_at: updatedAt, head: { ref: "ci-bot/fix-1", sha: "b".repeat(40) } },
        },
        { id, event: "pull_request", receivedAt: "2026-11-24T00:00:00.000Z" },
        s.deps,
      );
    // The PR's updated_at in bob's late webhook, one second after the timeline's created_at of his change.
    expect(await webhook("2026-11-23T14:00:01Z", "d-late")).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("already recorded") });
    expect(prEventsOf(await s.get())).toHaveLength(1);
    // Turned into a draft again an hour later (after a ready whose webhook was lost): a change of its own.
    expect(await webhook("2026-11-23T15:00:00Z", "d-next")).toMatchObject({ outcome: "event_routed", reason: expect.not.stringContaining("already recorded") });
    expect(prEventsOf(await s.get())).toHaveLength(2);
  });

  test("a timeline GitHub refuses (404) records nothing and says why, in the log and to the caller", async () => {
    const s = await setup();
    gh!.on("GET", `${REPO}/issues/7/timeline`, { status: 404, body: { message: "Not Found" } });
    expect(await s.record()).toEqual({ unread: "GitHub refused its timeline (http_404): people's draft changes whose webhooks were lost could not be checked" });
    gh!.done();
    expect(prEventsOf(await s.get())).toEqual([]);
    expect(s.lines).toContainEqual({ level: "warn", fields: { err: expect.objectContaining({ code: "http_404" }) }, msg: expect.stringContaining("marking PR #7 ready for review: GitHub refused its timeline (http_404)") });
  });

  test("a timeline GitHub fails to give for now (5xx) throws a retryable error, recording nothing", async () => {
    const s = await setup();
    gh!.on("GET", TIMELINE, { status: 502, body: { message: "Server Error" } });
    await expect(s.record()).rejects.toMatchObject({ retryable: true });
    gh!.done();
    expect(prEventsOf(await s.get())).toEqual([]);
  });
});
