import { describe, expect, test } from "@jest/globals";
import { permanent, transient } from "../../src/core/errors.js";
import { prEventsOf } from "../../src/feedback/pr-events.js";
import { reconcileParked } from "../../src/pipeline/reconcile-parked.js";
import type { WatchPrResult } from "../../src/pipeline/stages/watch-pr.js";
import { EPISODE } from "./fix-loop-fixtures.js";
import { fixLoopSuite } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

type Loop = Awaited<ReturnType<typeof setup>>;

const pullRequest = (sha = "x") => ({ number: 100, state: "open", head: { ref: "ci-bot/fix-555", sha } });

/** A pull_request_review delivery on the fix PR: `action` on review 31 by alice. */
const review = (s: Loop, action: string, body: string | null, extra: Record<string, unknown> = {}) => ({
  action, installation: { id: 2 }, repository: s.repository, pull_request: pullRequest(), sender: { login: action === "dismissed" ? "bob" : "alice" },
  review: { id: 31, state: action === "dismissed" ? "dismissed" : "changes_requested", body, user: { login: "alice", type: "User" }, submitted_at: "2026-11-23T12:00:00Z" },
  ...extra,
});

const comments = (s: Loop) => s.model.received.filter((r) => r.metric === "comment").map((r) => ({ value: r.value, item: r.tags?.["outbox_item_id"], source: r.tags?.["source"], revision: r.tags?.["revision"] }));
const notes = async (s: Loop) => ((await s.get()).results["watch-pr"] as WatchPrResult | undefined)?.notes ?? [];

describe("reviews of the fix PR edited or dismissed after they were fed back", () => {
  test("an edited review is sent again with its new text, as the next of that review's series", async () => {
    const s = await setup();
    await s.run();
    expect(await s.deliver("pull_request_review", review(s, "submitted", "Add a test for empty titles."))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    const edited = review(s, "edited", "Add a test for empty titles, and for None.", { changes: { body: { from: "Add a test for empty titles." } } });
    expect(await s.deliver("pull_request_review", edited)).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("recorded as comment feedback") });
    // GitHub's redelivery of the edit, and of the submission before it: nothing new.
    expect(await s.deliver("pull_request_review", edited)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    expect(await s.deliver("pull_request_review", review(s, "submitted", "Add a test for empty titles."))).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(comments(s)).toEqual([
      { value: "Add a test for empty titles.", item: "comment:review:31", source: "review", revision: "1" },
      { value: "Add a test for empty titles, and for None.", item: "comment:review:31:2", source: "review", revision: "2" },
    ]);
    expect(s.model.received.filter((r) => r.metric === "comment").every((r) => r.episodeId === EPISODE && r.tags?.["source_id"] === "review:31")).toBe(true);
  });

  test("a dismissed review is recorded on the job once, and a comment says its feedback no longer stands", async () => {
    const s = await setup();
    await s.run();
    await s.deliver("pull_request_review", review(s, "submitted", "This hides the bug; please fix the caller."));
    await s.run();
    const dismissed = review(s, "dismissed", "This hides the bug; please fix the caller.");
    expect(await s.deliver("pull_request_review", dismissed)).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("dismissal recorded") });
    expect(await s.deliver("pull_request_review", dismissed)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    expect(await s.deliver("pull_request_review", dismissed)).not.toHaveProperty("resumeJobId");
    await s.run();
    const j = await s.get();
    expect(prEventsOf(j)).toEqual([expect.objectContaining({ id: "review_dismissed:31", kind: "review_dismissed", reviewId: 31, author: "alice", by: "bob" })]);
    expect(await notes(s)).toContain("review 31 by alice dismissed by bob: its comment feedback no longer stands");
    expect(comments(s)).toEqual([
      { value: "This hides the bug; please fix the caller.", item: "comment:review:31", source: "review", revision: "1" },
      { value: "Review 31 by alice was dismissed by bob: what it said no longer stands.", item: "comment:review:31:dismissed", source: "review_dismissed", revision: undefined },
    ]);
    expect(s.model.received.at(-1)).toMatchObject({ episodeId: EPISODE, tags: expect.objectContaining({ source_id: "review:31", author: "bob" }) });
    // Edited after its dismissal: it still does not count.
    expect(await s.deliver("pull_request_review", review(s, "edited", "Never mind."))).not.toHaveProperty("resumeJobId");
    expect(j.state).toBe("pr");
    expect(j.feedback.filter((f) => f.metric === "comment")).toHaveLength(2);
    expect((await s.get()).feedback).toHaveLength(j.feedback.length);
  });

  test("a review dismissed before its submission was heard never becomes feedback", async () => {
    const s = await setup();
    await s.run();
    expect(await s.deliver("pull_request_review", review(s, "dismissed", "Please revert this."))).toMatchObject({ resumeJobId: s.job.id });
    // The submission's delivery, failed at first, redelivered after the dismissal.
    expect(await s.deliver("pull_request_review", review(s, "submitted", "Please revert this."))).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(prEventsOf(await s.get()).map((e) => e.id)).toEqual(["review_dismissed:31"]);
    expect((await s.get()).feedback.filter((f) => f.metric === "comment")).toEqual([]);
    expect(comments(s)).toEqual([]);
  });
});

/** A pull_request_review_comment delivery on the fix PR: `action` on comment 77 by alice, on src/a.py:12. */
const reviewComment = (s: Loop, action: string, body: string | null) => ({
  action, installation: { id: 2 }, repository: s.repository, pull_request: pullRequest(), sender: { login: "alice", type: "User" },
  comment: { id: 77, body, path: "src/a.py", line: 12, user: { login: "alice", type: "User" } },
});

describe("review text deleted or edited away", () => {
  test("a deleted review comment is not fed back; once fed back, a comment says it no longer stands, once", async () => {
    const s = await setup();
    await s.run();
    // Deleted before its creation was heard: the deleted text is no one's feedback, nor is the late creation.
    const early = { ...reviewComment(s, "deleted", "Rename this."), comment: { ...reviewComment(s, "deleted", "Rename this.").comment, id: 78 } };
    expect(await s.deliver("pull_request_review_comment", early)).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("deletion recorded") });
    expect(await s.deliver("pull_request_review_comment", { ...early, action: "created" })).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(comments(s)).toEqual([]);

    await s.deliver("pull_request_review_comment", reviewComment(s, "created", "Use a context manager here."));
    await s.run();
    const deleted = reviewComment(s, "deleted", "Use a context manager here.");
    expect(await s.deliver("pull_request_review_comment", deleted)).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("deletion recorded") });
    expect(await s.deliver("pull_request_review_comment", deleted)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(comments(s)).toEqual([
      { value: "Use a context manager here. (on src/a.py:12)", item: "comment:review_comment:77", source: "review_comment", revision: "1" },
      { value: "Review comment 77 by alice was deleted by alice: what it said no longer stands.", item: "comment:review_comment:77:withdrawn", source: "review_withdrawn", revision: undefined },
    ]);
    expect(prEventsOf(await s.get()).filter((e) => e.kind === "review_withdrawn").map((e) => e.id)).toEqual(["review_withdrawn:review_comment:78", "review_withdrawn:review_comment:77"]);
    expect(await notes(s)).toContain("review_comment 77 by alice deleted by alice: its comment feedback no longer stands");
  });

  test("a review edited to say nothing withdraws its text, once; written again, the text stands again as the next revision", async () => {
    const s = await setup();
    await s.run();
    await s.deliver("pull_request_review", review(s, "submitted", "Add a test for empty titles."));
    await s.run();
    const emptied = review(s, "edited", "", { changes: { body: { from: "Add a test for empty titles." } } });
    expect(await s.deliver("pull_request_review", emptied)).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("emptied text recorded") });
    expect(await s.deliver("pull_request_review", emptied)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(await s.deliver("pull_request_review", review(s, "edited", "Add a test for empty titles."))).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("recorded as comment feedback") });
    await s.run();
    expect(comments(s)).toEqual([
      { value: "Add a test for empty titles.", item: "comment:review:31", source: "review", revision: "1" },
      { value: "Review 31 by alice was edited to say nothing by alice: what it said no longer stands.", item: "comment:review:31:withdrawn:1", source: "review_withdrawn", revision: undefined },
      { value: "Add a test for empty titles.", item: "comment:review:31:2", source: "review", revision: "2" },
    ]);
  });
});

describe("a review dismissed as stale because the app pushed onto its fix PR", () => {
  test("is recorded on the job, but its feedback still stands", async () => {
    const s = await setup();
    await s.run();
    await s.deliver("pull_request_review", review(s, "submitted", "Looks right to me."));
    await s.run();
    // Branch protection's stale-approval rule: GitHub names the pusher (the app) as the one who dismissed it.
    const stale = review(s, "dismissed", "Looks right to me.", { sender: { login: "t0-ci-bot[bot]", type: "Bot" } });
    expect(await s.deliver("pull_request_review", stale)).toMatchObject({ resumeJobId: s.job.id, reason: expect.stringContaining("as stale after the app's push") });
    expect(await s.deliver("pull_request_review", stale)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.run();
    expect(prEventsOf(await s.get())).toEqual([expect.objectContaining({ id: "review_dismissed:31", kind: "review_dismissed", by: "t0-ci-bot[bot]", stale: true })]);
    expect(await notes(s)).toContain("review 31 by alice dismissed as stale after the app's push: its comment feedback stands");
    expect(comments(s)).toEqual([{ value: "Looks right to me.", item: "comment:review:31", source: "review", revision: "1" }]);
  });
});

describe("a deletion or a dismissal whose webhook was lost, found by the hourly reconciliation", () => {
  test("a review comment deleted: withdrawn as the deleted webhook withdraws it, once", async () => {
    const s = await setup();
    await s.run();
    await s.deliver("pull_request_review_comment", reviewComment(s, "created", "Use a context manager here."));
    await s.run();
    // GitHub no longer lists comment 77 (none of the PR's comments is left); its deleted webhook never came.
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([s.job.id]);
    await s.run();
    expect(comments(s)).toEqual([
      { value: "Use a context manager here. (on src/a.py:12)", item: "comment:review_comment:77", source: "review_comment", revision: "1" },
      { value: "Review comment 77 by alice was deleted: what it said no longer stands.", item: "comment:review_comment:77:withdrawn", source: "review_withdrawn", revision: undefined },
    ]);
    // The webhook arriving after all, and the next pass: nothing new.
    expect(await s.deliver("pull_request_review_comment", reviewComment(s, "deleted", "Use a context manager here."))).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([]);
    expect(comments(s)).toHaveLength(2);
    // GitHub was asked about the comment itself once, before it was withdrawn; not again once withdrawn.
    expect(s.gh.calls.filter((c) => c === "getPullReviewComment")).toHaveLength(1);
  });

  test("a review comment the list no longer has but GitHub still gives when asked for it (the paged list skipped it): not withdrawn", async () => {
    const s = await setup();
    await s.run();
    await s.deliver("pull_request_review_comment", reviewComment(s, "created", "Use a context manager here."));
    await s.run();
    // Another comment deleted between two page reads shifted 77 onto the page already read.
    s.gh.getPullReviewComment = async () => ({ id: 77, author: "alice", authorType: "User", body: "Use a context manager here.", path: "src/a.py", line: 12 });
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([]);
    await s.run();
    expect(comments(s)).toEqual([{ value: "Use a context manager here. (on src/a.py:12)", item: "comment:review_comment:77", source: "review_comment", revision: "1" }]);
    expect(prEventsOf(await s.get()).filter((e) => e.kind === "review_withdrawn")).toEqual([]);
  });

  test("an approval GitHub dismissed as stale after the app's push: the timeline names the app, and the feedback stands", async () => {
    const s = await setup();
    await s.run();
    await s.deliver("pull_request_review", review(s, "submitted", "Looks right to me."));
    await s.run();
    s.gh.reviews.set(100, [{ id: 31, author: "alice", authorType: "User", body: "Looks right to me.", state: "DISMISSED" }]);
    s.gh.timeline.set(100, [{ kind: "review_dismissed", reviewId: 31, by: "t0-ci-bot[bot]" }]);
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([s.job.id]);
    await s.run();
    expect(prEventsOf(await s.get())).toEqual([expect.objectContaining({ id: "review_dismissed:31", by: "t0-ci-bot[bot]", stale: true })]);
    expect(await notes(s)).toContain("review 31 by alice dismissed as stale after the app's push: its comment feedback stands");
    expect(comments(s)).toEqual([{ value: "Looks right to me.", item: "comment:review:31", source: "review", revision: "1" }]);
    // Recorded: a later pass reads the timeline once (for people's draft changes) and records nothing again.
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([]);
    expect(s.gh.calls.filter((c) => c === "listPrTimeline")).toHaveLength(2);
  });
});

describe("the fix PR marked ready for review or turned back into a draft", () => {
  const draftChange = (s: Loop, action: string, by: string, updatedAt: string) => ({
    action, installation: { id: 2 }, repository: s.repository, sender: { login: by, type: by.endsWith("[bot]") ? "Bot" : "User" },
    pull_request: { ...pullRequest(), draft: action === "converted_to_draft", updated_at: updatedAt },
  });

  test("a person's ready_for_review and converted_to_draft are PR events of the job, fed back as pr_marked_ready; the app's own is not", async () => {
    const s = await setup();
    await s.run();
    const ready = draftChange(s, "ready_for_review", "alice", "2026-11-23T13:00:00Z");
    expect(await s.deliver("pull_request", ready)).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    expect(await s.deliver("pull_request", ready)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    s.gh.pulls[0]!.draft = false;
    await s.run();
    expect(await notes(s)).toContain("PR #100 marked ready for review by alice");

    // CI passes later: the PR a person made ready is not marked ready again.
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");

    expect(await s.deliver("pull_request", draftChange(s, "converted_to_draft", "alice", "2026-11-23T14:00:00Z"))).toMatchObject({ resumeJobId: s.job.id });
    // GitHub tells of the app's own change too (watch-pr marking it ready): not a person's signal.
    const own = await s.deliver("pull_request", draftChange(s, "ready_for_review", "t0-ci-bot[bot]", "2026-11-23T15:00:00Z"));
    expect(own).toMatchObject({ reason: expect.stringContaining("the app's own change") });
    expect(own).not.toHaveProperty("resumeJobId");
    // Another app's (a merge bot, a workflow's GITHUB_TOKEN) is no person's verdict either.
    const app = await s.deliver("pull_request", draftChange(s, "ready_for_review", "mergify[bot]", "2026-11-23T15:30:00Z"));
    expect(app).toMatchObject({ reason: expect.stringContaining("an app's change") });
    expect(app).not.toHaveProperty("resumeJobId");
    await s.run();
    const j = await s.get();
    expect(prEventsOf(j).filter((e) => e.kind !== "ci").map((e) => [e.kind, "by" in e ? e.by : undefined])).toEqual([["ready_for_review", "alice"], ["converted_to_draft", "alice"]]);
    expect(await notes(s)).toContain("PR #100 converted to draft by alice");
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    // A person's verdict on the fix, fed back as it changes; TensorZero reads the latest value of the episode.
    const marked = () => s.model.received.filter((r) => r.metric === "pr_marked_ready").map((r) => ({ episodeId: r.episodeId, value: r.value, item: r.tags?.["outbox_item_id"], author: r.tags?.["author"] }));
    expect(marked()).toEqual([
      { episodeId: EPISODE, value: true, item: `pr_marked_ready:${EPISODE}`, author: "alice" },
      { episodeId: EPISODE, value: false, item: `pr_marked_ready:${EPISODE}:2`, author: "alice" },
    ]);
    // A ready_for_review from before that conversion, delivered only now (its first delivery failed): recorded, but the PR is a draft.
    expect(await s.deliver("pull_request", draftChange(s, "ready_for_review", "carol", "2026-11-23T13:30:00Z"))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    expect(marked()).toHaveLength(2);
    expect((await s.get()).feedback.filter((f) => f.metric === "pr_marked_ready")).toHaveLength(2);
    // People's PRs send these too: no job owns them.
    const theirs = { ...ready, pull_request: { number: 5, state: "open", head: { ref: "feature/slug", sha: "x" } } };
    expect(await s.deliver("pull_request", theirs)).toMatchObject({ outcome: "ignored", reason: expect.stringContaining("not a fix branch") });
  });

  test("marked ready (webhook lost), then turned back into a draft by a person: CI passing later leaves the draft as it is", async () => {
    const s = await setup();
    await s.run();
    // alice marks it ready, and that delivery never comes; she turns it back into a draft, and that one does.
    expect(await s.deliver("pull_request", draftChange(s, "converted_to_draft", "alice", "2026-11-23T14:00:00Z"))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    // The draft state is hers since she changed it: the app does not mark it ready over her.
    expect(s.gh.calls).not.toContain("markReadyForReview");
    expect(s.gh.pulls[0]!.draft).toBe(true);
    expect(await notes(s)).toContain("CI passed on the fix branch (run 900); PR #100's draft state was last set by alice (converted to draft): left as is");
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
  });

  test("CI failed, then a person turned the PR into a draft, then a re-run passed: the comment is updated, the draft left as it is", async () => {
    const s = await setup();
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", commit));
    await s.run();
    expect(s.gh.comments.get(100)?.[0]?.body).toContain("CI failure on this fix branch");
    expect(await s.deliver("pull_request", draftChange(s, "converted_to_draft", "alice", "2026-11-23T14:00:00Z"))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    await s.deliver("workflow_run", s.fixRun("success", commit, 900, 2));
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");
    const body = s.gh.comments.get(100)?.[0]?.body ?? "";
    expect(body).toContain("the failure reported here before no longer stands.");
    expect(body).not.toContain("ready for review");
    expect(await notes(s)).toContain("CI passed on the fix branch (run 900); PR #100's draft state was last set by alice (converted to draft): left as is; the CI failure comment updated");
  });

  const marked = (s: Loop) => s.model.received.filter((r) => r.metric === "pr_marked_ready").map((r) => ({ value: r.value, item: r.tags?.["outbox_item_id"], author: r.tags?.["author"] }));

  test("marked ready by a person whose webhook was lost: CI passing asks the timeline first, records the change as its webhook would have, and leaves the PR as it is", async () => {
    const s = await setup();
    await s.run();
    // alice marked it ready; GitHub has it so, the webhook never came.
    s.gh.pulls[0]!.draft = false;
    s.gh.timeline.set(100, [{ kind: "ready_for_review", by: "alice", byType: "User", at: "2026-11-23T13:00:00Z" }]);
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");
    expect(s.gh.calls.filter((c) => c === "listPrTimeline")).toHaveLength(1);
    const j = await s.get();
    expect(prEventsOf(j).filter((e) => e.kind !== "ci")).toEqual([{ id: "ready_for_review:100:2026-11-23T13:00:00Z", kind: "ready_for_review", by: "alice", at: expect.any(String), ghAt: "2026-11-23T13:00:00Z" }]);
    expect(await notes(s)).toEqual(expect.arrayContaining([
      "CI passed on the fix branch (run 900); PR #100's draft state was last set by alice (marked ready for review): left as is",
      "PR #100 marked ready for review by alice",
    ]));
    expect(marked(s)).toEqual([{ value: true, item: `pr_marked_ready:${EPISODE}`, author: "alice" }]);
    // The webhook arriving after all: the same change, once. Stamped a second apart from the timeline's, it is
    // recorded, but the PR's value has not changed: nothing more is fed back.
    const late = draftChange(s, "ready_for_review", "alice", "2026-11-23T13:00:00Z");
    expect(await s.deliver("pull_request", late)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.deliver("pull_request", { ...late, pull_request: { ...late.pull_request, updated_at: "2026-11-23T13:00:01Z" } });
    await s.run();
    expect(marked(s)).toHaveLength(1);
    expect((await s.get()).feedback.filter((f) => f.metric === "pr_marked_ready")).toHaveLength(1);
    // Another CI verdict: the draft state is hers, the timeline is not asked again.
    await s.deliver("workflow_run", s.fixRun("success", commit, 900, 2));
    await s.run();
    expect(s.gh.calls.filter((c) => c === "listPrTimeline")).toHaveLength(1);
  });

  test("marked ready by a person whose webhook was lost, CI never passing again: the hourly reconciliation reads the timeline, records the change as its webhook would have, and feeds it back once", async () => {
    const s = await setup();
    await s.run();
    // alice marked it ready (GitHub has it so); the webhook never came, and no CI verdict asks the timeline.
    s.gh.pulls[0]!.draft = false;
    s.gh.timeline.set(100, [{ kind: "ready_for_review", by: "alice", byType: "User", at: "2026-11-23T13:00:00Z" }]);
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([s.job.id]);
    await s.run();
    expect(prEventsOf(await s.get()).filter((e) => e.kind !== "ci")).toEqual([{ id: "ready_for_review:100:2026-11-23T13:00:00Z", kind: "ready_for_review", by: "alice", at: expect.any(String), ghAt: "2026-11-23T13:00:00Z" }]);
    expect(await notes(s)).toContain("PR #100 marked ready for review by alice");
    expect(marked(s)).toEqual([{ value: true, item: `pr_marked_ready:${EPISODE}`, author: "alice" }]);
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    // The webhook arriving after all is a duplicate; stamped a second apart, it is a second record of the same
    // change, and nothing more is fed back.
    const late = draftChange(s, "ready_for_review", "alice", "2026-11-23T13:00:00Z");
    expect(await s.deliver("pull_request", late)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    await s.deliver("pull_request", { ...late, pull_request: { ...late.pull_request, updated_at: "2026-11-23T13:00:01Z" } });
    await s.run();
    // The next pass reads the timeline again, once, and finds nothing new.
    await s.clock.advance(25 * 3600_000);
    expect((await reconcileParked(s.deps)).recorded).toEqual([]);
    expect(s.gh.calls.filter((c) => c === "listPrTimeline")).toHaveLength(2);
    await s.run();
    expect(marked(s)).toHaveLength(1);
    expect((await s.get()).feedback.filter((f) => f.metric === "pr_marked_ready")).toHaveLength(1);
    // CI passing later: the draft state is hers, the PR is not marked ready over it.
    await s.deliver("workflow_run", s.fixRun("success", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");
  });

  test("a timeline with only the app's own and other apps' draft changes: the PR is marked ready, nothing recorded", async () => {
    const s = await setup();
    await s.run();
    s.gh.timeline.set(100, [
      { kind: "converted_to_draft", by: "mergify[bot]", byType: "Bot", at: "2026-11-23T12:30:00Z" },
      // The app's own (its login, whatever type GitHub gives).
      { kind: "ready_for_review", by: "T0-CI-Bot[bot]", at: "2026-11-23T12:40:00Z" },
    ]);
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    expect(s.gh.calls.filter((c) => c === "listPrTimeline" || c === "markReadyForReview")).toEqual(["listPrTimeline", "markReadyForReview"]);
    expect(prEventsOf(await s.get()).filter((e) => e.kind !== "ci")).toEqual([]);
    expect(await notes(s)).toContain("CI passed on the fix branch (run 900); PR #100 marked ready for review");
    expect(marked(s)).toEqual([]);
  });

  test("a timeline GitHub refuses (403) does not keep the PR a draft: marked ready as before, saying why", async () => {
    const s = await setup();
    await s.run();
    s.gh.listPrTimeline = async () => {
      throw permanent("http_403", "GitHub refused reading the timeline of PR #100 in octo/slug (HTTP 403)");
    };
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    expect(s.gh.calls).toContain("markReadyForReview");
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(await notes(s)).toContain("CI passed on the fix branch (run 900); PR #100 marked ready for review (GitHub refused its timeline (http_403): people's draft changes whose webhooks were lost could not be checked)");
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
  });

  test("a timeline GitHub fails to give for now (5xx): nothing marked, the stage tried again, and then the PR is marked ready", async () => {
    const s = await setup();
    await s.run();
    const list = s.gh.listPrTimeline.bind(s.gh);
    let fails = 1;
    s.gh.listPrTimeline = async (...a) => (fails-- > 0 ? Promise.reject(transient("http_502", "Bad Gateway")) : list(...a));
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");
    expect(s.gh.pulls[0]!.draft).toBe(true);
    await s.clock.advance(60_000);
    await s.run();
    expect(s.gh.calls).toContain("markReadyForReview");
    expect(await notes(s)).toContain("CI passed on the fix branch (run 900); PR #100 marked ready for review");
  });

  test("a person's draft change recorded while the job decides on CI: the PR is not marked ready over it", async () => {
    const s = await setup();
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    // alice turns it into a draft (having marked it ready, unheard) while watch-pr reads the branch before marking it ready.
    const getBranchSha = s.gh.getBranchSha.bind(s.gh);
    s.gh.getBranchSha = async (r: unknown, branch: string) => {
      await s.deliver("pull_request", draftChange(s, "converted_to_draft", "alice", "2026-11-23T14:00:00Z"));
      return getBranchSha(r, branch);
    };
    await s.run();
    await s.run();
    expect(s.gh.calls).not.toContain("markReadyForReview");
    expect(await notes(s)).toContain("PR #100 converted to draft by alice");
  });
});
