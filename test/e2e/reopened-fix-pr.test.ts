import { describe, expect, test } from "@jest/globals";
import { prEventsOf } from "../../src/feedback/pr-events.js";
import { EPISODE, INFERENCE, slugPatch } from "./fix-loop-fixtures.js";
import { EPISODE2, fixLoopSuite, sharedOntoFixPr, type FixLoopOptions } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

type Loop = Awaited<ReturnType<typeof setup>>;

const prMerged = (s: Loop) => s.model.received.filter((r) => r.metric === "pr_merged").map((r) => ({ episodeId: r.episodeId, value: r.value, item: r.tags?.["outbox_item_id"] }));

/** The fix PR opened, then closed without merging: the job completed with pr_merged=false sent. */
async function closedWithoutMerge(opts: FixLoopOptions = {}) {
  const s = await setup({ pullRequests: [], ...opts });
  await s.run();
  const commit = s.gh.branches.get("ci-bot/fix-555")!;
  const close = s.prClosed(false, commit);
  expect(await s.deliver("pull_request", close)).toMatchObject({ resumeJobId: s.job.id });
  await s.run();
  expect((await s.get()).state).toBe("completed");
  await s.clock.advance(60_000);
  return { s, commit, close };
}

describe("a fix PR closed, then reopened", () => {
  test("the job watches it again: CI marks it ready, people's edits go as a demonstration, and the merge corrects pr_merged", async () => {
    const { s, commit, close } = await closedWithoutMerge();
    const reopened = await s.deliver("pull_request", s.prReopened(commit));
    expect(reopened).toMatchObject({ outcome: "event_routed", reason: expect.stringContaining("watching it again") });
    // Parked for the PR's outcome, as after open-pull-request: the next event on the PR wakes it.
    expect(reopened).not.toHaveProperty("resumeJobId");
    let j = await s.get();
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome", stage: "watch-pr" });
    expect(j.completedStages).not.toContain("watch-pr");
    expect(j.completedStages).not.toContain("send-feedback");
    expect(j.history.at(-1)).toMatchObject({ state: "pr", stage: "watch-pr", note: expect.stringMatching(/PR #100 reopened by alice/) });
    const historyLength = j.history.length;

    // The same delivery again (GitHub's redelivery): nothing more.
    expect(await s.deliver("pull_request", s.prReopened(commit))).toMatchObject({ reason: expect.stringContaining("already recorded") });
    // And the close before it, redelivered late: the same close, not a new one.
    expect(await s.deliver("pull_request", close)).toMatchObject({ reason: expect.stringContaining("already recorded") });
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    expect((await s.get()).history).toHaveLength(historyLength);

    // CI on the reopened PR is heard and acted on.
    expect(await s.deliver("workflow_run", s.fixRun("success", commit))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect((await s.get()).waitingFor).toBe("pr_outcome");

    // A maintainer pushes an edit and merges.
    const tree = await s.gh.createTree(undefined, s.gh.commits.get(commit)!.tree, [{ path: "slug.py", content: "# theirs\n" }]);
    const theirs = await s.gh.createCommit(undefined, { message: "alice: tidy", tree, parents: [commit] });
    await s.gh.updateBranch(undefined, "ci-bot/fix-555", theirs.sha);
    s.gh.pullRequestDiff = async () => slugPatch();
    await s.clock.advance(60_000);
    expect(await s.deliver("pull_request", s.prClosed(true, theirs.sha))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.feedback.every((f) => f.status === "sent")).toBe(true);
    // The merge is its own outcome: sent after the false, with an outbox id of its own, so it is the latest value.
    expect(prMerged(s)).toEqual([
      { episodeId: EPISODE, value: false, item: `pr_merged:${EPISODE}` },
      { episodeId: EPISODE, value: true, item: `pr_merged:${EPISODE}:2` },
    ]);
    expect(s.model.received).toContainEqual(expect.objectContaining({ metric: "demonstration", inferenceId: INFERENCE }));
  });

  test("close → reopen → close → reopen → merge: each close is recorded, pr_merged is sent once per change of value", async () => {
    const { s, commit } = await closedWithoutMerge();
    await s.deliver("pull_request", s.prReopened(commit));
    await s.clock.advance(60_000);
    expect(await s.deliver("pull_request", s.prClosed(false, commit))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    expect((await s.get()).state).toBe("completed");
    await s.clock.advance(60_000);
    await s.deliver("pull_request", s.prReopened(commit));
    expect((await s.get()).state).toBe("pr");
    await s.clock.advance(60_000);
    await s.deliver("pull_request", s.prClosed(true, commit));
    await s.run();
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(prEventsOf(j).map((e) => `${e.kind}${e.kind === "closed" ? `:${e.merged}` : ""}`)).toEqual(["closed:false", "reopened", "closed:false", "reopened", "closed:true"]);
    expect(new Set(prEventsOf(j).map((e) => e.id)).size).toBe(5);
    expect(prMerged(s).map((r) => r.value)).toEqual([false, true]);
  });

  test("events that all came while the job waited in the queue are taken in order: the last one is the outcome", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.clock.advance(1_000);
    await s.deliver("pull_request", s.prReopened(commit));
    await s.run();
    // Reopened before the job handled the close: it keeps watching.
    let j = await s.get();
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    await s.clock.advance(1_000);
    await s.deliver("pull_request", s.prClosed(true, commit));
    await s.run();
    j = await s.get();
    expect(j.state).toBe("completed");
    expect(prMerged(s).map((r) => r.value)).toEqual([false, true]);
  });

  // GitHub's redelivery of a failed delivery (REDELIVER_WINDOW_HOURS) comes after the events that followed it.
  test("a close delivered late, after the reopen that followed it: the PR stays watched", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const lateClose = s.prClosed(false, commit);
    await s.clock.advance(60_000);
    expect(await s.deliver("pull_request", s.prReopened(commit))).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    await s.clock.advance(3_600_000);
    await s.deliver("pull_request", lateClose);
    await s.run();
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    await s.deliver("pull_request", s.prClosed(true, commit));
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(prMerged(s).at(-1)).toMatchObject({ value: true });
  });

  test("a reopen delivered late, after the close that followed it: the job stays completed", async () => {
    const { s, commit } = await closedWithoutMerge();
    const lateReopen = s.prReopened(commit);
    await s.clock.advance(60_000);
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.clock.advance(3_600_000);
    const completed = await s.get();
    expect(await s.deliver("pull_request", lateReopen)).toMatchObject({ reason: expect.stringContaining("not reopened") });
    expect(await s.get()).toEqual(completed);
  });

  // Reopened and merged a moment later: GitHub does not promise the order of the two deliveries, and a
  // reopening delivered while the app restarts may never be redelivered. The merge alone says it was reopened.
  test.each([
    ["delivered after the merge", true, false],
    ["never delivered", false, false],
    ["delivered after the merge, the close's feedback still waiting for the gateway", true, true],
  ])("reopened then merged, the reopening %s: the merge is the outcome, and pr_merged is corrected", async (_, late, gatewayDown) => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    s.model.down = gatewayDown;
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.run();
    expect((await s.get()).state).toBe(gatewayDown ? "feedback" : "completed");
    await s.clock.advance(60_000);
    const reopen = s.prReopened(commit);
    await s.clock.advance(60_000);
    const merged = await s.deliver("pull_request", s.prClosed(true, commit));
    expect(merged).toMatchObject({ outcome: "event_routed", resumeJobId: s.job.id });
    if (late) expect(await s.deliver("pull_request", reopen)).not.toHaveProperty("resumeJobId");
    s.model.down = false;
    await s.run();
    const j = await s.get();
    expect(j.state).toBe("completed");
    expect(j.feedback.every((f) => f.status === "sent")).toBe(true);
    expect(prMerged(s)).toEqual([
      { episodeId: EPISODE, value: false, item: `pr_merged:${EPISODE}` },
      { episodeId: EPISODE, value: true, item: `pr_merged:${EPISODE}:2` },
    ]);
    // Delivered again later, the merge changes nothing more.
    expect(await s.deliver("pull_request", s.prClosed(true, commit))).not.toHaveProperty("resumeJobId");
  });

  test("a shared fix PR: the later job's episode follows the same changes, from the PR job's outbox", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    await s.deliver("pull_request", s.prClosed(false, shared));
    await s.run();
    await s.clock.advance(60_000);
    await s.deliver("pull_request", s.prReopened(shared));
    await s.clock.advance(60_000);
    await s.deliver("pull_request", s.prClosed(true, shared));
    await s.run();
    expect((await s.get()).state).toBe("completed");
    expect(prMerged(s)).toEqual([
      { episodeId: EPISODE, value: false, item: `pr_merged:${EPISODE}` },
      { episodeId: EPISODE2, value: false, item: `pr_merged:${EPISODE2}` },
      { episodeId: EPISODE, value: true, item: `pr_merged:${EPISODE}:2` },
      { episodeId: EPISODE2, value: true, item: `pr_merged:${EPISODE2}:2` },
    ]);
  });

  test("reopened after the app was uninstalled and installed again: the job watches it with the new installation", async () => {
    // The job had completed, so the uninstall did not stop it (nor hand it over on the new install): it still
    // names the old installation, whose token GitHub now refuses.
    const { s, commit } = await closedWithoutMerge();
    expect(await s.deliver("pull_request", s.prReopened(commit, 3))).toMatchObject({ reason: expect.stringContaining("watching it again") });
    expect(await s.get()).toMatchObject({ state: "pr", waitingFor: "pr_outcome", installationId: 3 });
    s.installations.length = 0;
    expect(await s.deliver("workflow_run", { ...s.fixRun("success", commit), installation: { id: 3 } })).toMatchObject({ resumeJobId: s.job.id });
    await s.run();
    expect(s.installations).toEqual([3]);
    expect(s.gh.pulls[0]!.draft).toBe(false);
  });

  test("a job whose PR was merged, or that failed, is not brought back by a reopened event", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("pull_request", s.prClosed(true, commit));
    await s.run();
    const merged = await s.get();
    expect(await s.deliver("pull_request", s.prReopened(commit))).toMatchObject({ reason: expect.stringContaining("merged") });
    expect(await s.get()).toEqual(merged);

    await s.store.updateJob(s.job.id, (j) => void (j.state = "failed"));
    const failed = await s.get();
    const routed = await s.deliver("pull_request", s.prReopened(commit));
    expect(routed).toMatchObject({ reason: expect.stringContaining(`jobs retry ${s.job.id}`) });
    expect(routed).not.toHaveProperty("resumeJobId");
    expect(await s.get()).toEqual(failed);
  });
});
