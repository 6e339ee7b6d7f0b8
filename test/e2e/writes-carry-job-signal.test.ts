import { describe, expect, test } from "@jest/globals";
import type { GitHubPort, GitHubWriteClient } from "../../src/core/ports/github-port.js";
import { fixLoopSuite } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

/**
 * A write waits its turn (the installation's lane, and with REDIS_URL the fleet's lease, for minutes at
 * worst): the client the stages write through is asked for with the job's abort signal, so a job stopped
 * or shut down meanwhile ends that wait and its write is not made.
 */
describe("the stages' GitHub writes and the job's abort signal", () => {
  test("open-pull-request and watch-pr write only through clients that carry it", async () => {
    const s = await setup();
    const inner = s.deps.github;
    /** Write-client calls made through a client asked for without a signal. */
    const unsignalled: string[] = [];
    const recording = (writes: GitHubWriteClient): GitHubWriteClient =>
      new Proxy(writes, {
        get: (target, prop) => {
          const value: unknown = Reflect.get(target, prop, target);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => (unsignalled.push(String(prop)), (value as (...a: unknown[]) => unknown).apply(target, args));
        },
      });
    s.deps.github = {
      forInstallation: async (id, o) => {
        const client = await inner.forInstallation(id, o);
        return o?.signal instanceof AbortSignal || !client.writes ? client : { ...client, writes: recording(client.writes) };
      },
    } satisfies GitHubPort;
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("success", commit));
    await s.run();
    // Written: the branch, the PR, its label, the comment on the failing PR, then marked ready.
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.pulls[0]!.draft).toBe(false);
    expect(unsignalled).toEqual([]);
  });
});
