import { describe, expect, test } from "@jest/globals";
import { prEventsOf } from "../../src/feedback/pr-events.js";
import type { WatchPrResult } from "../../src/pipeline/stages/watch-pr.js";
import { fixLoopSuite } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

type Loop = Awaited<ReturnType<typeof setup>>;

const pullRequest = (sha = "x") => ({ number: 100, state: "open", head: { ref: "ci-bot/fix-555", sha } });

const notes = async (s: Loop) => ((await s.get()).results["watch-pr"] as WatchPrResult | undefined)?.notes ?? [];

describe("the fix PR marked ready for review or turned back into a draft", () => {
  const draftChange = (s: Loop, action: string, by: string, updatedAt: string) => ({
    action, installation: { id: 2 }, repository: s.repository, sender: { login: by, type: by.endsWith("[bot]") ? "Bot" : "User" },
    pull_request: { ...pullRequest(), draft: action === "converted_to_draft", updated_at: updatedAt },
  });

  test("a person's ready_for_review and converted_to_draft are PR events of the job; the app's own is not", async () => {
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
    await s.run();
    const j = await s.get();
    expect(prEventsOf(j).filter((e) => e.kind !== "ci").map((e) => [e.kind, "by" in e ? e.by : undefined])).toEqual([["ready_for_review", "alice"], ["converted_to_draft", "alice"]]);
    expect(await notes(s)).toContain("PR #100 converted to draft by alice");
    expect(j).toMatchObject({ state: "pr", waitingFor: "pr_outcome" });
    // People's PRs send these too: no job owns them.
    const theirs = { ...ready, pull_request: { number: 5, state: "open", head: { ref: "feature/slug", sha: "x" } } };
    expect(await s.deliver("pull_request", theirs)).toMatchObject({ outcome: "ignored", reason: expect.stringContaining("not a fix branch") });
  });
});
