import { describe, expect, test } from "@jest/globals";
import type { CommitRun } from "../core/ports/github-port.js";
import { commitCiVerdict } from "./commit-ci-verdict.js";
import { workflowFileOf } from "../core/workflow-file.js";

const TESTS = ".github/workflows/tests.yml";
const run = (id: number, status: string, conclusion: string | null, attempt = 1, workflow = TESTS): CommitRun => ({ id, attempt, workflow, status, conclusion });

describe("commitCiVerdict", () => {
  test("green only once every run has passed; undecided while one runs", () => {
    expect(commitCiVerdict([run(1, "completed", "success"), run(2, "in_progress", null)])).toEqual({ state: "pending", waitingOn: [run(2, "in_progress", null)] });
    expect(commitCiVerdict([run(1, "completed", "success"), run(2, "queued", null)]).state).toBe("pending");
    expect(commitCiVerdict([run(1, "completed", "success"), run(2, "completed", "success")])).toEqual({ state: "green", decidedBy: run(1, "completed", "success") });
  });

  test("red as soon as one run fails, even while others run", () => {
    expect(commitCiVerdict([run(1, "in_progress", null), run(2, "completed", "timed_out"), run(3, "completed", "success")])).toEqual({ state: "red", decidedBy: run(2, "completed", "timed_out") });
  });

  test("a re-run replaces its earlier attempt, whichever order they are read in", () => {
    const red = run(1, "completed", "failure", 1);
    const green = run(1, "completed", "success", 2);
    expect(commitCiVerdict([green], { heard: red })).toEqual({ state: "green", decidedBy: green });
    expect(commitCiVerdict([red], { heard: green })).toEqual({ state: "green", decidedBy: green });
    // A red attempt re-run and still running: the red one no longer speaks.
    expect(commitCiVerdict([run(1, "in_progress", null, 2)], { heard: red }).state).toBe("pending");
  });

  test("the run whose webhook came decides when it counts; GitHub's list lagging behind it does not hide it", () => {
    expect(commitCiVerdict([run(1, "in_progress", null)], { heard: run(1, "completed", "success") })).toEqual({ state: "green", decidedBy: run(1, "completed", "success") });
    expect(commitCiVerdict([], { heard: run(1, "completed", "failure") })).toEqual({ state: "red", decidedBy: run(1, "completed", "failure") });
    expect(commitCiVerdict([run(1, "completed", "failure"), run(2, "completed", "failure")], { heard: run(2, "completed", "failure") })).toEqual({ state: "red", decidedBy: run(2, "completed", "failure") });
  });

  test("runs that are no verdict (cancelled, skipped…) count for nothing", () => {
    expect(commitCiVerdict([run(1, "completed", "cancelled"), run(2, "completed", "success")])).toEqual({ state: "green", decidedBy: run(2, "completed", "success") });
    expect(commitCiVerdict([run(1, "completed", "cancelled"), run(2, "completed", "skipped")])).toEqual({ state: "none" });
    expect(commitCiVerdict([])).toEqual({ state: "none" });
  });

  test("scoped to one workflow, however GitHub's list spells its path", () => {
    const lint = (id: number, status: string, conclusion: string | null) => run(id, status, conclusion, 1, ".github/workflows/lint.yml@ci-bot/fix-1");
    const runs = [lint(1, "completed", "failure"), lint(2, "in_progress", null), run(3, "completed", "success", 1, "octo/slug/.github/workflows/tests.yml@refs/heads/ci-bot/fix-1")];
    expect(commitCiVerdict(runs, { workflow: TESTS })).toEqual({ state: "green", decidedBy: runs[2] });
    expect(commitCiVerdict(runs).state).toBe("red");
  });

  test("workflowFileOf", () => {
    expect(workflowFileOf(".github/workflows/ci.yml")).toBe(".github/workflows/ci.yml");
    expect(workflowFileOf(".github/workflows/build.yml@main")).toBe(".github/workflows/build.yml");
    expect(workflowFileOf("octocat/octo-repo/.github/workflows/ci.yaml@refs/heads/a/b")).toBe(".github/workflows/ci.yaml");
    expect(workflowFileOf("tests")).toBe("tests");
  });
});
