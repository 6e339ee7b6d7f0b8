import { describe, expect, test } from "@jest/globals";
import { fixLoopSuite } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

describe("the fix PR's own CI failing, with no repair left", () => {
  test("people re-running the red run (attempt 2) and GitHub redelivering each event: no repair, one comment, the verdict sent once", async () => {
    let repairs = 0;
    const s = await setup({ pullRequests: [7], repair: async () => (repairs++, { ok: false, reason: "not expected" }) });
    s.repoConfig.now = { max_repair_attempts: 0 };
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    const red = s.fixRun("failure", commit, 900, 1);
    await s.deliver("workflow_run", red);
    await s.run();
    expect(s.gh.comments.get(100)).toHaveLength(1);
    const sent = s.model.received.length;
    const comment = s.gh.comments.get(100)![0]!.body;
    // GitHub's retry (same event), a manual redelivery, then people's re-run and its redelivery.
    for (const event of [red, red, s.fixRun("failure", commit, 900, 2), s.fixRun("failure", commit, 900, 2)]) {
      await s.deliver("workflow_run", event);
      await s.run();
    }
    expect(repairs).toBe(0);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.comments.get(100)).toHaveLength(1);
    expect(s.gh.comments.get(100)![0]!.body).toBe(comment);
    expect(s.gh.comments.get(7)).toHaveLength(1);
    expect(s.model.received.slice(sent)).toEqual([]);
    expect((await s.get()).waitingFor).toBe("pr_outcome");
  });
});
