import { describe, expect, test } from "@jest/globals";
import { actionProblem, invalidWorkflow, workflowProblem } from "./workflow-invalid.js";

const JOB = "  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - name: Run tests\n        run: pytest\n";
const WF = (jobs = JOB, on = "on: [push, pull_request]\n") => `name: ci\n${on}jobs:\n${jobs}`;

describe("workflowProblem: what keeps GitHub from running a workflow", () => {
  test.each<[string, string, RegExp]>([
    ["YAML that does not parse", `${WF()}  bad: [\n`, /^unparseable \(at the end of the file: Flow sequence/],
    ["a key given twice", WF().replace("jobs:\n", "on: push\njobs:\n"), /^unparseable \(line 3 "on: push": Map keys must be unique\)/],
    ["a list at its top", "- on: push\n", /without a mapping at its top/],
    ["an empty file", "", /without a mapping at its top/],
    ["no on:", WF(JOB, ""), /without an on: trigger/],
    ["an empty on:", WF(JOB, "on:\n"), /without an on: trigger/],
    ["no jobs:", "name: ci\non: push\n", /without a jobs: mapping/],
    ["jobs: as a list", "name: ci\non: push\njobs:\n  - test\n", /without a jobs: mapping/],
    ["a job with neither runs-on nor uses", WF(JOB.replace("    runs-on: ubuntu-latest\n", "")), /the job "test" having neither runs-on nor uses/],
    ["a job that is no mapping", WF("  test: pytest\n"), /the job "test" not a mapping/],
    ["steps that are no list", WF("  test:\n    runs-on: ubuntu-latest\n    steps: pytest\n"), /the steps of the job "test" not a list/],
    ["a step with neither run nor uses", WF(JOB.replace("        run: pytest\n", "")), /step 2 \("Run tests"\) of the job "test" having neither run nor uses/],
  ])("%s", (_name, text, what) => expect(workflowProblem(text)?.what).toMatch(what));

  test.each<[string, string]>([
    ["on: as one event", WF(JOB, "on: push\n")],
    ["on: as a map of events with no settings", WF(JOB, "on:\n  workflow_dispatch:\n  push:\n    branches: [main]\n")],
    ["a job calling a reusable workflow", WF("  test:\n    uses: ./.github/workflows/tests.yml\n    with:\n      cmd: pytest\n")],
    ["a step with only uses", WF("  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n")],
    ["runs-on as an expression", WF(JOB.replace("ubuntu-latest", "${{ matrix.os }}"))],
  ])("%s runs", (_name, text) => expect(workflowProblem(text)).toBeUndefined());
});

const COMPOSITE = (steps: string) => `name: run tests\nruns:\n  using: composite\n  steps:\n${steps}`;

describe("actionProblem: what keeps GitHub from running a local action", () => {
  test.each<[string, string, RegExp]>([
    ["YAML that does not parse", `${COMPOSITE("  - run: pytest\n    shell: bash\n")}  bad: [\n`, /^unparseable/],
    ["no runs:", "name: run tests\n", /without runs\.using/],
    ["runs: without using", "name: x\nruns:\n  main: index.js\n", /without runs\.using/],
    ["a composite run step without its shell", COMPOSITE("  - name: Run tests\n    run: pytest\n"), /step 1 \("Run tests"\) running a command without the shell/],
    ["a composite step with neither run nor uses", COMPOSITE("  - name: Run tests\n"), /step 1 \("Run tests"\) having neither run nor uses/],
    ["a composite action without steps", "name: x\nruns:\n  using: composite\n", /steps of runs not a list/],
    ["a node action without main", "name: x\nruns:\n  using: node20\n", /without the runs\.main a node20 action starts/],
    ["a docker action without image", "name: x\nruns:\n  using: docker\n", /without the runs\.image/],
  ])("%s", (_name, text, what) => expect(actionProblem(text)?.what).toMatch(what));

  test.each<[string, string]>([
    ["a composite run step with its shell", COMPOSITE("  - run: pytest\n    shell: bash\n")],
    ["a composite step using another action, without shell", COMPOSITE("  - uses: actions/setup-python@v5\n")],
    ["a node action with main", "name: x\nruns:\n  using: node20\n  main: dist/index.js\n"],
    ["a docker action with image", "name: x\nruns:\n  using: docker\n  image: Dockerfile\n"],
  ])("%s runs", (_name, text) => expect(actionProblem(text)).toBeUndefined());
});

describe("invalidWorkflow: only a file the patch changes into one GitHub cannot run", () => {
  const BAD = `${WF()}  bad: [\n`;
  const hunks = [{ header: "@@ -1,3 +1,3 @@", oldStart: 1, lines: [] }, { header: "@@ -20,2 +20,4 @@", oldStart: 20, lines: [] }];

  test("a workflow broken by the patch names the file, the line and the consequence", () => {
    const r = invalidWorkflow(".github/workflows/ci.yml", "workflow", WF(), WF().replace("jobs:\n", "on: push\njobs:\n"), hunks);
    expect(r).toEqual({ rule: "workflow_invalid", file: ".github/workflows/ci.yml", hunk: "@@ -1,3 +1,3 @@", reason: expect.stringMatching(/^the patch leaves \.github\/workflows\/ci\.yml unparseable \(line 3 "on: push": .*\); GitHub would fail every run of it$/) });
  });
  test("the hunk named is the one holding the line that does not parse", () => {
    const text = `${"# x\n".repeat(20)}${WF().replace("jobs:\n", "on: push\njobs:\n")}`;
    expect(invalidWorkflow(".github/workflows/ci.yml", "workflow", null, text, hunks)?.hunk).toBe("@@ -20,2 +20,4 @@");
  });
  test("an action broken by the patch says every job using it fails", () =>
    expect(invalidWorkflow(".github/actions/t/action.yml", "action", COMPOSITE("  - run: pytest\n    shell: bash\n"), "runs: [\n", [])?.reason).toMatch(/GitHub would fail every job that uses it$/));
  test("a file broken before and still broken after says so", () =>
    expect(invalidWorkflow(".github/workflows/ci.yml", "workflow", BAD, BAD.replace("@v4", "@v5"), [])?.reason).toMatch(/did not run before the patch either/));
  // An action.yml is one only where a workflow uses it: one that never parsed is a template or a test fixture.
  test("an action.yml that was no action before either (a template, a fixture) passes", () =>
    expect(invalidWorkflow("template/{{cookiecutter.slug}}/action.yml", "action", "runs:\n  using: {% if node %}node20{% endif %}\n", "runs:\n  using: {% if node %}node24{% endif %}\n", [])).toBeUndefined());
  test.each<[string, string | null, string | null]>([
    ["repaired by the patch", BAD, WF()],
    ["left as it was", BAD, BAD],
    ["deleted", BAD, null],
    ["added valid", null, WF()],
  ])("a workflow %s passes", (_name, before, after) => expect(invalidWorkflow(".github/workflows/ci.yml", "workflow", before, after, [])).toBeUndefined());
});
