import { describe, expect, test } from "@jest/globals";
import { ProbotOctokit } from "probot";
import { FakeClock } from "../../../test/fakes/fake-clock.js";
import { createLocalWritePacer } from "../queue/write-pacer.js";
import { createGitHubPort } from "./create-github-port.js";

const noop = () => undefined;
const repo = { id: 1, owner: "octo", name: "demo", fullName: "octo/demo" };

/**
 * GitHub's secondary rate limits (reference/github.md §5): mutating requests of one installation go
 * serially, never in parallel, whichever job makes them; the pacer alone spaced their starts, so a write
 * slower than the interval overlapped the next one.
 */
describe("GitHub writes of one installation", () => {
  test("run one at a time across the jobs of a process, while another installation's go on", async () => {
    const log: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const fetch = async (url: string, init: { method?: string }) => {
      const what = `${init.method} ${new URL(url).pathname}`;
      log.push(`start ${what}`);
      if (what.endsWith("/issues/1/labels")) await held;
      log.push(`end ${what}`);
      return new Response(JSON.stringify({}), { status: 200, headers: { "content-type": "application/json" } });
    };
    const octokit = () => new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false }, throttle: { enabled: false }, log: { debug: noop, info: noop, warn: noop, error: noop }, request: { fetch } });
    const port = createGitHubPort({ octokitFactory: octokit, writePacer: createLocalWritePacer({ clock: new FakeClock(), minIntervalMs: 0 }) });
    const [jobA, jobB, other] = await Promise.all([port.forInstallation(2), port.forInstallation(2), port.forInstallation(3)]);
    const first = jobA.writes!.addLabels(repo, 1, ["ci-bot"]);
    await new Promise((r) => setTimeout(r, 20));
    const second = jobB.writes!.updatePullRequest(repo, 2, { title: "t" });
    await other.writes!.updatePullRequest(repo, 3, { title: "t" });
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual(["start POST /repos/octo/demo/issues/1/labels", "start PATCH /repos/octo/demo/pulls/3", "end PATCH /repos/octo/demo/pulls/3"]);
    release();
    await Promise.all([first, second]);
    expect(log.slice(3)).toEqual(["end POST /repos/octo/demo/issues/1/labels", "start PATCH /repos/octo/demo/pulls/2", "end PATCH /repos/octo/demo/pulls/2"]);
  });
});
