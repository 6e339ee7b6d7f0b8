import { describe, expect, test } from "@jest/globals";
import type { FailureContext } from "../../src/core/failure-context.js";
import type { Job } from "../../src/core/job.js";
import { Runner, queueItemFor } from "../../src/pipeline/runner.js";
import type { ApplyAndValidateResult } from "../../src/pipeline/stages/apply-and-validate.js";
import { permanent } from "../../src/core/errors.js";
import type { Stage } from "../../src/pipeline/stage.js";
import { openPullRequestStage } from "../../src/pipeline/stages/open-pull-request.js";
import { createRepairFix } from "../../src/pipeline/stages/repair-fix.js";
import { markPrText } from "../../src/pr/pr-text-mark.js";
import { makeDelivery } from "../helpers/make-job.js";
import { slugPatch, validatedResults } from "./fix-loop-fixtures.js";
import { INFERENCE2, PRIOR, fixLoopSuite, laterCommitOfPr, sharedOntoFixPr, type FixLoop } from "./fix-loop-setup.js";

const setup = fixLoopSuite();

const LINT_PATCH = ["--- a/pyproject.toml", "+++ b/pyproject.toml", "@@ -1,4 +1,4 @@", " [project]", ' name = "python-slug"', '-version = "0.1.0"', '+version = "0.1.1"', ' requires-python = ">=3.8"', ""].join("\n");
const DOCS_PATCH = ["--- /dev/null", "+++ b/docs/index.md", "@@ -0,0 +1 @@", "+# python-slug", ""].join("\n");

/**
 * Another workflow's job (`workflow`, run `runId`) failing on commit `sha` of the first job's branch, its
 * fix of other files (`patch`, changing `file`) validated alone on that commit with `command`, under the
 * overrides given. Recorded at open-pull-request, not run.
 */
async function otherWorkflowJob(s: FixLoop, o: { runId: number; workflow: string; patch: string; file: string; command: string; overrides?: string[]; sha?: string; pullRequests?: number[] }): Promise<Job> {
  const first = await s.get();
  const job: Job = {
    ...first, id: `job-${o.runId}`, key: `1296269:${o.runId}`, fingerprint: `${o.workflow}-fingerprint`, state: "testing", completedStages: [...PRIOR], waitingFor: undefined, history: [], feedback: [],
    run: { ...s.job.run, id: o.runId, name: o.workflow, headSha: o.sha ?? s.job.run.headSha, pullRequests: o.pullRequests ?? [7], htmlUrl: `https://github.com/octo/slug/actions/runs/${o.runId}` },
  };
  job.results = validatedResults(job, o.patch, []);
  const { context } = job.results["build-context"] as { context: FailureContext };
  context.failing_jobs = [{ ...context.failing_jobs[0]!, name: o.workflow, failing_step: `Run ${o.command}`, command: o.command, exit_code: 1 }];
  const v = job.results["apply-and-validate"] as ApplyAndValidateResult;
  v.patch = { files: [{ path: o.file, status: "modified", additions: 1, deletions: 1 }], overrides: o.overrides ?? [], additions: 1, deletions: 1 };
  v.runs = [
    { phase: "reproduce", command: o.command, source: "workflow", exitCode: 1, timedOut: false, durationMs: 300, outputBytes: 20, truncated: false, outputTail: `${o.workflow}: 1 error` },
    { phase: "validate", command: o.command, source: "workflow", exitCode: 0, timedOut: false, durationMs: 310, outputBytes: 20, truncated: false, outputTail: `${o.workflow}: all checks passed` },
  ] as unknown as ApplyAndValidateResult["runs"];
  await s.store.recordIntake(makeDelivery(job), "{}", job);
  return job;
}

const openPr = (s: FixLoop, job: Job) => new Runner(s.deps, [openPullRequestStage]).runJob(queueItemFor(job));
const lastCommitMessage = (s: FixLoop) => s.gh.commits.get(s.gh.branches.get("ci-bot/fix-555")!)!.message;

describe("a fix PR holding several workflows' fixes says what each is and how it was validated", () => {
  test("another workflow's fix committed onto the PR: the body lists both fixes, each with its own evidence, validated apart", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const lint = await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check .", overrides: ["workflow_edits"] });
    await openPr(s, lint);
    expect((await s.store.getJob(lint.id))!.history.at(-1)?.note).toBe(`fix went onto PR #100 of job ${s.job.id} (same commit, another workflow)`);
    const pr = s.gh.pulls[0]!;
    expect(pr.title).toBe("ci-bot: fix tests and lint on feature/slug (runs 555, 556)");
    expect(pr.body).toMatchSnapshot("body");
    // Nothing reads as if the tree on the branch was validated as a whole, and the override shows.
    expect(pr.body).toContain("Each fix was validated locally on its own on `aaaaaaaaaaaa`, never together");
    expect(pr.body).not.toContain("No safety rule was overridden");
    expect(pr.body).toContain("⚠️ Safety rules overridden on this PR (allowed by `.github/ci-bot.yml`): fix 2: `workflow_edits`.");
    expect(pr.body).toContain("⚠️ workflow_edits (allowed by `.github/ci-bot.yml`)");
    expect(pr.body).toContain("| validate | `python -m pytest -q` | exit 0 |");
    expect(pr.body).toContain("| validate | `ruff check .` | exit 0 |");
    expect(lastCommitMessage(s)).toMatchSnapshot("commit message");
    expect(lastCommitMessage(s)).toContain("Validated alone on aaaaaaaaaaaa, without the fix of run 555 already on this branch");
  });

  test("a third workflow's fix: all three listed, in the order they were committed", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    await openPr(s, await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check ." }));
    await openPr(s, await otherWorkflowJob(s, { runId: 557, workflow: "docs", patch: DOCS_PATCH, file: "docs/index.md", command: "mkdocs build" }));
    const pr = s.gh.pulls[0]!;
    expect(pr.title).toBe("ci-bot: fix tests, lint and docs on feature/slug (runs 555, 556, 557)");
    expect(pr.body).toMatch(/### Fix 1 of 3: \[run 555[^\n]*\n[\s\S]*### Fix 2 of 3: \[run 556[^\n]*\n[\s\S]*### Fix 3 of 3: \[run 557/);
    expect(pr.body.match(/This fix overrides no safety rule/g)).toHaveLength(3);
    expect(pr.body).not.toContain("Safety rules overridden");
    expect(lastCommitMessage(s)).toContain("without the fixes of runs 555, 556 already on this branch");
  });

  test("people edited the PR's description: the stacked fix leaves it as theirs", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const pr = s.gh.pulls[0]!;
    pr.body = markPrText(pr.title, pr.body.replace(/\n<!-- t0-ci-bot:pr [0-9a-f]+ -->$/, "")).replace("## 🤖", "Alice's notes.\n\n## 🤖");
    const theirs = pr.body;
    await openPr(s, await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check ." }));
    expect(s.gh.pulls[0]!.body).toBe(theirs);
    expect(s.gh.filesAt("ci-bot/fix-555")["pyproject.toml"]).toContain('version = "0.1.1"');
  });

  test("after the PR was brought to a later commit, a stacked fix lists that commit's fix, not the earlier one's", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    const { job: later, sha } = await laterCommitOfPr(s);
    await openPr(s, later);
    await openPr(s, await otherWorkflowJob(s, { runId: 557, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check .", sha }));
    const pr = s.gh.pulls[0]!;
    expect(pr.title).toBe("ci-bot: fix tests and lint on feature/slug (runs 556, 557)");
    expect(pr.body).toContain("### Fix 1 of 2: [run 556");
    expect(pr.body).not.toContain("run 555");
    expect(pr.body).toContain(`validated locally on its own on \`${sha.slice(0, 12)}\``);
  });
});

describe("a fix PR's text after a repair or a later commit is that of what its branch holds", () => {
  /** A repair answering with another fix (INFERENCE2), validated, or refused by validation when `refuse`. */
  const repairOf = (refuse = false) => {
    const stage = (name: string, result: (j: Job) => unknown): Stage => ({ name, state: "patching", sideEffects: false, run: async (j) => ({ result: await result(j) }) });
    const propose = stage("propose-patch", (j) => ({ ...(validatedResults(j)["propose-patch"] as object), proposal: { diagnosis: "hyphens, lazily", diff: slugPatch('"-".join(w for w in words)'), confidence: 0.7, files: ["slug.py"] }, inferenceId: INFERENCE2 }));
    const validate = stage("apply-and-validate", (j) => {
      if (refuse) throw permanent("patch_refused", "the repair's patch was refused");
      return validatedResults(j)["apply-and-validate"];
    });
    return createRepairFix(propose, validate);
  };

  test("repaired, then another workflow's fix stacked: the first fix is the repair's, with its evidence", async () => {
    const s = await setup({ pullRequests: [7], repair: repairOf() });
    await s.run();
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!));
    await s.run();
    expect(s.gh.pulls[0]!.body).toContain("This is repair attempt 2: CI failed on the previous version of this branch.");
    await openPr(s, await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check ." }));
    const body = s.gh.pulls[0]!.body;
    expect(body).toContain("### Fix 1 of 2: [run 555 (attempt 1)](https://github.com/octo/slug/actions/runs/555) of `tests` (repair attempt 2: CI failed on an earlier version of it)\n\n#### What failed");
    expect(body).toContain("#### Diagnosis\nhyphens, lazily\n");
    expect(body).toContain(`inference \`${INFERENCE2}\``);
  });

  test("a repair that failed validation, then another workflow's fix stacked: the first fix's evidence is not taken from the failed attempt", async () => {
    const s = await setup({ pullRequests: [7], repair: repairOf(true) });
    await s.run();
    const first = s.gh.branches.get("ci-bot/fix-555")!;
    await s.deliver("workflow_run", s.fixRun("failure", first));
    await s.run();
    expect(s.gh.branches.get("ci-bot/fix-555")).toBe(first);
    // The branch's head is still the first fix's commit: another workflow's fix goes on top of it.
    await openPr(s, await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check ." }));
    const body = s.gh.pulls[0]!.body;
    expect(body).toContain(`### Fix 1 of 2: [run 555](https://github.com/octo/slug/actions/runs/555) of \`tests\`\n\nThe bot no longer keeps this fix's record (a later attempt's replaced it, or its job was removed): it changed \`slug.py\` in commit \`${first.slice(0, 12)}\``);
    expect(body).not.toContain("hyphens, lazily");
  });

  test("brought to a later commit after another workflow's fix was stacked: the body and commit name both fixes it replaces", async () => {
    const s = await setup({ pullRequests: [7] });
    await s.run();
    await openPr(s, await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check ." }));
    const { job: later } = await laterCommitOfPr(s, { runId: 557 });
    await openPr(s, later);
    const pr = s.gh.pulls[0]!;
    expect(pr.title).toBe("ci-bot: fix pytest / Run tests on feature/slug (run 557)");
    expect(pr.body).toContain("the branch now holds that commit and a fix validated on it, in place of the earlier commit's fixes of runs 555 and 556.");
    expect(lastCommitMessage(s)).toContain("with the fix validated on it in place of the earlier commit's fixes of runs 555 and 556.");
    expect(s.gh.filesAt("ci-bot/fix-555")["pyproject.toml"]).toBeUndefined();
  });
});

describe("a fix PR whose fix another run's job replaced on the same commit", () => {
  test("a branch push failing other tests the same way: the PR says it was updated for that run, its fix in place of the earlier one", async () => {
    const s = await setup({ pullRequests: [] });
    await s.run();
    await sharedOntoFixPr(s);
    const pr = s.gh.pulls[0]!;
    expect(pr.body).toContain("This PR was opened by t0-ci-bot for an earlier failed run of `feature/slug` on `aaaaaaaaaaaa`, and updated for [run 556 (attempt 1)](");
    expect(pr.body).toContain(" of `tests`, failing the same way on that commit: the branch now holds a fix validated on it, in place of the fix of run 555.");
    expect(pr.body).not.toContain("This PR was opened by t0-ci-bot for [run 556");
    expect(lastCommitMessage(s)).toContain("\n\nReplaces the fix of run 555 on this branch with one validated on the same commit (aaaaaaaaaaaa) for run 556.\n\nWhy: ");
  });
});

describe("the fix PR's 'CI failed' comment on a commit another job put there", () => {
  test("CI failing on another workflow's fix stacked on the PR's: the comment says what that commit is, not 'a later commit'", async () => {
    const s = await setup({ pullRequests: [7], repair: async () => ({ ok: true }) });
    await s.run();
    await openPr(s, await otherWorkflowJob(s, { runId: 556, workflow: "lint", patch: LINT_PATCH, file: "pyproject.toml", command: "ruff check ." }));
    await s.deliver("workflow_run", s.fixRun("failure", s.gh.branches.get("ci-bot/fix-555")!, 901));
    await s.run();
    const comment = s.gh.comments.get(100)![0]!.body;
    expect(comment).not.toContain("on a later commit");
    expect(comment).toContain("the commit adds job job-556's fix of another workflow's failure of the same commit (run 556) on top of this PR's fix; each was validated alone, and the bot does not repair them together.");
  });

  test("CI failing on the same failure's fix of the same commit: not called a later commit's", async () => {
    const s = await setup({ pullRequests: [], repair: async () => ({ ok: true }) });
    await s.run();
    const shared = await sharedOntoFixPr(s);
    await s.deliver("workflow_run", s.fixRun("failure", shared, 901));
    await s.run();
    expect(s.gh.comments.get(100)![0]!.body).toContain("the commit is the fix of job second-job (the same failure, on the same commit), which this job does not repair.");
  });
});
