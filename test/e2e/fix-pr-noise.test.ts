import { describe, expect, test } from "@jest/globals";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { proposePatchStage } from "../../src/pipeline/stages/propose-patch.js";
import { slugPatch } from "./fix-loop-fixtures.js";
import { fixLoopSuite, laterJob, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();


const openPr = (s: FixLoop, job: Job) => new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));

describe("fix PRs people see: bounded, and a closure respected", () => {
  test.each([
    ["the same failure again after people closed its fix PR unmerged (a flaky test, the next day): no new PR, no write", undefined],
    ["after the repository was renamed, the same failure again still respects the fix PR people closed under the old name", "octo/slug-renamed"],
  ])("%s", async (_name, renamed) => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const commit = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("pull_request", s.prClosed(false, commit));
    await s.run();
    expect((await s.get()).state).toBe("completed");
    await s.clock.advance(24 * 3_600_000);
    const calls = s.gh.calls.length;
    const next = await laterJob(s, 556, { headSha: "b".repeat(40), ...(renamed ? { renamed } : {}) });
    s.gh.commits.set("b".repeat(40), s.gh.commits.get("a".repeat(40))!);
    await openPr(s, next);
    const j = (await s.store.getJob(next.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain("people closed fix PR #100");
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
    expect(s.gh.calls.slice(calls)).toEqual([]);
  });

  test.each([
    ["the same tests failing again on the branch while its fix PR waits for review (a nightly flaky test): the PR is left as it is", undefined],
    ["after the repository was transferred, the same tests failing again are answered by the fix PR opened under the old name", "new-owner/slug"],
  ])("%s", async (_name, renamed) => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    const calls = s.gh.calls.length;
    const next = await laterJob(s, 556, { headSha: "b".repeat(40), patch: slugPatch('"-".join(w for w in words)'), ...(renamed ? { renamed } : {}) });
    s.gh.commits.set("b".repeat(40), s.gh.commits.get("a".repeat(40))!);
    await openPr(s, next);
    const j = (await s.store.getJob(next.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`same tests failing as job ${s.job.id}: its fix PR #100`);
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.pulls).toHaveLength(1);
  });

  test("after people closed a fix PR, a different test failing in the same workflow and branch still gets its PR", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const next = await laterJob(s, 556, { tests: ["test_other_thing"] });
    await openPr(s, next);
    expect((await s.store.getJob(next.id))!.state).toBe("pr");
    expect(s.gh.pulls).toHaveLength(2);
  });

  test("after a fix PR was merged, the same failure coming back gets a new PR (bounded by the fix-loop cap)", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    await s.deliver("pull_request", s.prClosed(true, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const next = await laterJob(s, 556);
    await openPr(s, next);
    expect((await s.store.getJob(next.id))!.state).toBe("pr");
    expect(s.gh.pulls).toHaveLength(2);
  });

  test("many branches failing at once: at most MAX_OPEN_FIX_PRS_PER_REPO (3) fix PRs open; the next fails saying so, retried once one closes", async () => {
    const s = await setup({ pullRequests: [] });
    expect(s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO).toBe(3);
    await s.run();
    for (const [i, runId] of [601, 602].entries()) await openPr(s, await laterJob(s, runId, { branch: `feature/b${i}`, fingerprint: `fp-b${i}` }));
    expect(s.gh.pulls).toHaveLength(3);
    const calls = s.gh.calls.length;
    const fourth = await laterJob(s, 603, { branch: "feature/b3", fingerprint: "fp-b3" });
    await openPr(s, fourth);
    let j = (await s.store.getJob(fourth.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "open_fix_prs_capped", retryable: false, stage: "open-pull-request" });
    expect(j.error?.message).toContain("#100, #101, #102");
    expect(j.error?.message).toContain(`t0-ci-bot jobs retry ${fourth.id}`);
    expect(s.gh.pulls).toHaveLength(3);
    expect(s.gh.calls.slice(calls)).toEqual([]);

    // People close one: the cap has room again for the held-back fix.
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    await s.store.updateJob(fourth.id, (x) => {
      x.state = "testing";
      delete x.error;
    });
    await openPr(s, (await s.store.getJob(fourth.id))!);
    j = (await s.store.getJob(fourth.id))!;
    expect(j.state).toBe("pr");
    expect(s.gh.pulls).toHaveLength(4);
  });

  test("the fix PRs opened before the repository was renamed count towards MAX_OPEN_FIX_PRS_PER_REPO after it", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    for (const [i, runId] of [601, 602].entries()) await openPr(s, await laterJob(s, runId, { branch: `feature/b${i}`, fingerprint: `fp-b${i}` }));
    expect(s.gh.pulls).toHaveLength(3);
    const calls = s.gh.calls.length;
    const fourth = await laterJob(s, 603, { branch: "feature/b3", fingerprint: "fp-b3", renamed: "octo/slug-renamed" });
    await openPr(s, fourth);
    const j = (await s.store.getJob(fourth.id))!;
    expect(j.state).toBe("failed");
    expect(j.error).toMatchObject({ code: "open_fix_prs_capped" });
    expect(j.error?.message).toContain("#100, #101, #102");
    expect(s.gh.calls.slice(calls)).toEqual([]);
  });

  test("a fix past the cap fails before the model is asked: no inference spent on a PR that would not open", async () => {
    const s = await setup({ pullRequests: [] });
    s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO = 1;
    await s.run();
    const next = await laterJob(s, 601, { branch: "feature/b1", fingerprint: "fp-b1" });
    // RecordingModel throws on any inference: only the cap's refusal may come first.
    await expect(proposePatchStage.run(next, s.deps, { log: s.deps.logger, signal: new AbortController().signal, dryRun: false, attempt: 1 })).rejects.toMatchObject({ code: "open_fix_prs_capped" });
  });

  test("MAX_OPEN_FIX_PRS_PER_REPO=0 sets no cap", async () => {
    const s = await setup({ pullRequests: [] });
    s.deps.config.MAX_OPEN_FIX_PRS_PER_REPO = 0;
    await s.run();
    for (const [i, runId] of [601, 602, 603].entries()) await openPr(s, await laterJob(s, runId, { branch: `feature/b${i}`, fingerprint: `fp-b${i}` }));
    expect(s.gh.pulls).toHaveLength(4);
  });
});

describe("one commit failing in two workflows (tests.yml and lint.yml, one cause)", () => {
  const LINT = "lint-yml-fingerprint";
  const LINT_PATCH = ["--- a/pyproject.toml", "+++ b/pyproject.toml", "@@ -1,4 +1,4 @@", " [project]", ' name = "python-slug"', '-version = "0.1.0"', '+version = "0.1.1"', ' requires-python = ">=3.8"', ""].join("\n");

  test("a push run: the second workflow's fix goes onto the first one's open fix PR, not a second PR", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const calls = s.gh.calls.length;
    const next = await laterJob(s, 556, { fingerprint: LINT });
    await openPr(s, next);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    const j = (await s.store.getJob(next.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`PR #100 of job ${s.job.id}`);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
  });

  test("a PR's run: one fix PR and one comment on the PR, the comment not written again", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    expect(s.gh.comments.get(7)).toHaveLength(1);
    const first = await s.get();
    const next = await laterJob(s, 556, { fingerprint: LINT });
    await s.store.updateJob(next.id, (j) => void (j.run.pullRequests = [7]));
    const calls = s.gh.calls.length;
    await openPr(s, { ...next, run: { ...next.run, pullRequests: [7] } });
    expect(s.gh.calls.slice(calls)).toEqual([]);
    const j = (await s.store.getJob(next.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toContain(`PR #100 of job ${first.id}`);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
    expect(s.gh.comments.get(7)).toHaveLength(1);
  });

  test("no failing tests named (a lint error), the same fix as the open PR's: nothing written", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const calls = s.gh.calls.length;
    const next = await laterJob(s, 556, { fingerprint: LINT, tests: [] });
    await openPr(s, next);
    const j = (await s.store.getJob(next.id))!;
    expect(j.state).toBe("completed");
    expect(j.history.at(-1)?.note).toBe(`same commit, another workflow as job ${s.job.id}: the same fix is on its PR #100 already; nothing written`);
    expect(s.gh.calls.slice(calls)).toEqual([]);
    expect(s.gh.pulls).toHaveLength(1);
  });

  test("a fix of other files (the lint error elsewhere) is committed onto the open PR, on top of its fix", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    const next = await laterJob(s, 556, { fingerprint: LINT, tests: [], patch: LINT_PATCH });
    await openPr(s, next);
    const j = (await s.store.getJob(next.id))!;
    expect(j.history.at(-1)?.note).toBe(`fix went onto PR #100 of job ${s.job.id} (same commit, another workflow)`);
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.branches.has("ci-bot/fix-556")).toBe(false);
    const files = s.gh.filesAt("ci-bot/fix-555");
    expect(files["slug.py"]).toContain('return "-".join(words)');
    expect(files["pyproject.toml"]).toContain('version = "0.1.1"');
  });

  // The comment on people's PR listed the fix PR for lint's run alone: the link to tests' run, which it fixes too, was lost.
  test("a PR's run: a fix of other files committed onto the open PR leaves the comment listing both workflows' runs", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const next = await laterJob(s, 556, { fingerprint: LINT, tests: [], patch: LINT_PATCH });
    const lint = { ...next, run: { ...next.run, pullRequests: [7], name: "lint", htmlUrl: "https://github.com/octo/slug/actions/runs/556" } };
    await s.store.updateJob(next.id, (j) => void (j.run = lint.run));
    await openPr(s, lint);
    expect((await s.store.getJob(next.id))!.history.at(-1)?.note).toBe(`fix went onto PR #100 of job ${s.job.id} (same commit, another workflow)`);
    const comments = s.gh.comments.get(7)!;
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.match(/^- #100 for the failed run /gm)).toHaveLength(2);
    expect(body).toContain("- #100 for the failed run [556](https://github.com/octo/slug/actions/runs/556) of `lint`");
    expect(body).toContain("- #100 for the failed run [555](https://github.com/octo/slug/actions/runs/555)");
  });

  test("a different fix of the PR's own files gets a PR of its own: committed onto it, it would undo that PR's fix", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const head = s.gh.branches.get("ci-bot/fix-555")!;
    const next = await laterJob(s, 556, { fingerprint: LINT, tests: [], patch: slugPatch('"-".join(w for w in words)') });
    await s.store.updateJob(next.id, (j) => void (j.run.pullRequests = [7]));
    await openPr(s, { ...next, run: { ...next.run, pullRequests: [7] } });
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(head);
    expect(s.gh.filesAt("ci-bot/fix-555")["slug.py"]).toContain('return "-".join(words)');
    expect(s.gh.pulls).toHaveLength(2);
    expect(s.gh.comments.get(7)).toHaveLength(1);
  });

  test("people closed the first workflow's fix PR unmerged: the other workflow failing the same tests on that commit opens none", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const calls = s.gh.calls.length;
    const next = await laterJob(s, 556, { fingerprint: LINT });
    await openPr(s, next);
    const j = (await s.store.getJob(next.id))!;
    expect(j.history.at(-1)?.note).toContain("people closed fix PR #100");
    expect(s.gh.pulls).toHaveLength(1);
    expect(s.gh.calls.slice(calls)).toEqual([]);
  });

  test("people closed the first workflow's fix PR unmerged: a lint error of that commit (no tests named) still gets its PR", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    await s.deliver("pull_request", s.prClosed(false, s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    const next = await laterJob(s, 556, { fingerprint: LINT, tests: [] });
    await openPr(s, next);
    expect((await s.store.getJob(next.id))!.state).toBe("pr");
    expect(s.gh.pulls).toHaveLength(2);
  });
});
