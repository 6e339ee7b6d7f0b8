import { describe, expect, test } from "@jest/globals";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { slugPatch, validatedResults } from "./fix-loop-fixtures.js";
import { fixLoopSuite, laterJob, sharedOntoFixPr, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();
const openPr = (s: FixLoop, job: Job) => new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));
type Named = { name: string; file?: string };

/** The first job's fix PR #100 open for a branch push. */
async function opened() {
  const s = await setup({ pullRequests: [] });
  await s.run();
  return s;
}

/** That first job having failed `owner`, run 556 on the branch's next commit failing `next`, through open-pull-request. */
async function withTests(s: FixLoop, owner: Named[], next: Named[]) {
  await s.store.updateJob(s.job.id, (j) => void (j.results["build-context"] = validatedResults(j, undefined, owner)["build-context"]));
  const head = s.gh.branches.get("ci-bot/fix-555")!;
  const calls = s.gh.calls.length;
  const job = await laterJob(s, 556, { headSha: "b".repeat(40), patch: slugPatch('"-".join(w for w in words)'), tests: next });
  s.gh.commits.set("b".repeat(40), s.gh.commits.get("a".repeat(40))!);
  await openPr(s, job);
  return { j: (await s.store.getJob(job.id))!, head, calls };
}

describe("a branch failure is taken as answered by an open fix PR only for the tests that PR fixes", () => {
  test("a test of the same name in another file is not answered: the fix PR is brought to the new commit with its fix", async () => {
    const s = await opened();
    const { j, head } = await withTests(s, [{ name: "test_slug", file: "tests/test_b.py" }], [{ name: "test_slug", file: "tests/test_a.py" }]);
    expect(j.history.at(-1)?.note).not.toContain("same tests failing");
    expect(j.history.at(-1)?.note).toContain(`PR #100 of job ${s.job.id}`);
    expect(s.gh.branches.get("ci-bot/fix-555")).not.toBe(head);
  });

  test("the same pytest node id is answered, and the note names the PR and the test matched by file and name", async () => {
    const s = await opened();
    const node = { name: "tests/test_a.py::test_slug", file: "tests/test_a.py" };
    const { j, head, calls } = await withTests(s, [node], [{ name: "test_slug", file: "tests/test_a.py" }]);
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe(`same tests failing as job ${s.job.id}: its fix PR #100 of job ${s.job.id} answers it (tests/test_a.py::test_slug: matched by file and name); nothing written`);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
    expect(s.gh.calls.slice(calls)).toEqual([]);
  });

  test("bare names on both sides still answer it, and the note says the match was by name only", async () => {
    const s = await opened();
    const { j, calls } = await withTests(s, [{ name: "TestSlug" }], [{ name: "TestSlug" }]);
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain("answers it (TestSlug: matched by name only, a run naming no file for them)");
    expect(s.gh.calls.slice(calls)).toEqual([]);
  });

  test("a test fixed by a later job's fix committed onto the PR is answered by that PR: no second commit or PR", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const head = await sharedOntoFixPr(s);
    const calls = s.gh.calls.length;
    const third = await laterJob(s, 557, { tests: ["test_later_failure_556"], patch: slugPatch('"-".join(list(words))') });
    await openPr(s, third);
    const j = (await s.store.getJob(third.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`its fix PR #100 of job ${s.job.id} answers it (test_later_failure_556: matched by name only`);
    expect(j.results["open-pull-request"]).toMatchObject({ sharedWithJob: s.job.id, left: "run 557 failed only tests whose fixes are on PR #100 (test_later_failure_556: matched by name only, a run naming no file for them)" });
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.pulls).toHaveLength(1);
  });
});

describe("a fix PR people closed holds back only the failure of the tests it was for", () => {
  test("a test of the same name in another file failing after people closed the fix PR still gets its PR", async () => {
    const s = await opened();
    await s.store.updateJob(s.job.id, (j) => void (j.results["build-context"] = validatedResults(j, undefined, [{ name: "test_slug", file: "tests/test_b.py" }])["build-context"]));
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const next = await laterJob(s, 556, { tests: [{ name: "test_slug", file: "tests/test_a.py" }] });
    await openPr(s, next);
    expect((await s.store.getJob(next.id))!.state).toBe("pr");
    expect(s.gh.pulls).toHaveLength(2);
  });

  test("the same node id failing again after people closed the fix PR opens none", async () => {
    const s = await opened();
    await s.store.updateJob(s.job.id, (j) => void (j.results["build-context"] = validatedResults(j, undefined, [{ name: "tests/test_a.py::test_slug", file: "tests/test_a.py" }])["build-context"]));
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const next = await laterJob(s, 556, { tests: [{ name: "test_slug", file: "tests/test_a.py" }, { name: "test_other", file: "tests/test_a.py" }] });
    await openPr(s, next);
    expect((await s.store.getJob(next.id))!.history.at(-1)?.note).toContain("people closed fix PR #100");
    expect(s.gh.pulls).toHaveLength(1);
  });
});
