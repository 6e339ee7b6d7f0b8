import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { GUARD_READ_MAX_BYTES } from "../../src/patch/text-before-patch.js";
import { gitDiff, type GitDiffCase as Case } from "./git-diff.js";
import { configWith } from "./helpers.js";
import { expectAccepted, expectAcceptedWithWorkflowEdits, expectRefusedUnlessAllowed, expectRefusedWhateverAllowed } from "./policy-expectations.js";

/**
 * `allow.workflow_edits` lets a patch fix a workflow (an action's version, a setup step), not stop it running the
 * tests: each edit is refused by default as a workflow edit, then with workflow_edits allowed by `rule`, naming the
 * workflow, job and step; it goes through only with both allowed.
 */
async function expectRefusedWithWorkflowEdits(c: Case, rule: string, reasons: RegExp[]): Promise<void> {
  const { diff, repo, cleanup } = await gitDiff(c);
  try {
    expect(await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true })).toMatchObject({ ok: false, refusal: { rule: "workflow_edits" } });
    const r = await applyPatch(diff, repo, { config: configWith(["workflow_edits"]), dryRun: true });
    if (r.ok) throw new Error(`accepted with workflow_edits allowed:\n${diff}`);
    expect(r.refusal.rule).toBe(rule);
    for (const re of reasons) expect(r.refusal.reason).toMatch(re);
    expect(await applyPatch(diff, repo, { config: configWith(["workflow_edits", rule]), dryRun: true })).toMatchObject({ ok: true });
  } finally {
    await cleanup();
  }
}

const SETUP = "      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v4\n        with:\n          python-version: ${{ matrix.python }}\n      - run: pip install -e .[test]\n";
const TEST_STEP = "      - name: Run tests\n        run: pytest\n";
const LINT = "  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ruff check .\n";
const JOB = (steps: string, head = "", python = '"3.11", "3.12"') =>
  `  test:\n    runs-on: ubuntu-latest\n${head}    strategy:\n      matrix:\n        python: [${python}]\n    steps:\n${steps}`;
const WF = (jobs: string, on = "[push, pull_request]") => `name: ci\non: ${on}\njobs:\n${jobs}`;
const CI = ".github/workflows/ci.yml";
const edit = (after: string, before = WF(JOB(SETUP + TEST_STEP) + LINT)): Case => ({ before: { [CI]: before }, after: { [CI]: after } });
const NAMES_STEP = [/\.github\/workflows\/ci\.yml/, /job "test"/, /step "Run tests"/];

describe("with workflow edits allowed, a workflow edit that stops the tests running is still refused", () => {
  test.each<[string, Case, string, RegExp[]]>([
    ["the test step deleted", edit(WF(JOB(SETUP) + LINT)), "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the test step's run replaced by echo ok", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: echo ok")) + LINT)), "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the test command commented out", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: |\n          # pytest\n          echo skipped")) + LINT)), "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the test command narrowed to a folder", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: pytest tests/unit")) + LINT)), "skip_tests", [/ci\.yml/, /job "test"/, /narrows pytest/]],
    ["the test command given -k", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: pytest -k 'not slow'")) + LINT)), "skip_tests", [/excludes tests/]],
    ["the test job deleted", edit(WF(LINT)), "skip_tests", [/ci\.yml/, /job "test"/, /removes/, /step "Run tests"/]],
    ["the workflow deleted", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: null } }, "skip_tests", [/ci\.yml/, /job "test"/, /step "Run tests"/]],
    ["the workflow renamed to a name GitHub does not run", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, renames: [[CI, `${CI}.disabled`]] }, "skip_tests", [/ci\.yml/, /job "test"/]],
    ["the test job given if: ${{ 0 }}", edit(WF(JOB(SETUP + TEST_STEP, "    if: ${{ 0 }}\n") + LINT)), "skip_tests", [/ci\.yml/, /job "test"/, /condition "0"/, /step "Run tests"/]],
    ["the test job run only on a schedule", edit(WF(JOB(SETUP + TEST_STEP, "    if: github.event_name == 'schedule'\n") + LINT)), "skip_tests", [/job "test"/, /condition/]],
    ["the test step run only by hand", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        if: github.event_name == 'workflow_dispatch'\n        run:")) + LINT)), "skip_tests", NAMES_STEP],
    ["the test step given if: false", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        if: false\n        run:")) + LINT)), "skip_tests", [/if: false/]],
    ["the test job given if: ${{ false }}", edit(WF(JOB(SETUP + TEST_STEP, "    if: ${{ false }}\n") + LINT)), "skip_tests", [/if: false/]],
    ["the test step given continue-on-error", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        continue-on-error: true\n        run:")) + LINT)), "continue_on_error", [/continue-on-error/]],
    ["the test job given continue-on-error", edit(WF(JOB(SETUP + TEST_STEP, "    continue-on-error: true\n") + LINT)), "continue_on_error", [/continue-on-error/]],
    ["the push trigger removed", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "[pull_request]")), "skip_tests", [/removes the trigger push/, /ci\.yml/, /job "test"/]],
    ["the triggers emptied to workflow_dispatch", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "workflow_dispatch")), "skip_tests", [/removes the trigger push/]],
    ["a branch filter put on push", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [nightly]\n  pull_request:")), "skip_tests", [/adds a branches filter to push/]],
    ["main taken out of the branches it ran on", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [release]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main, release]\n")), "skip_tests", [/takes "main" out of the branches of push/]],
    ["a path filter put on pull_request", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    paths: [docs/**]\n")), "skip_tests", [/adds a paths filter to pull_request/]],
    ["src/** added to paths-ignore", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    paths-ignore: [docs/**, src/**]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    paths-ignore: [docs/**]\n")), "skip_tests", [/adds "src\/\*\*" to the paths-ignore of push/]],
    ["push limited to tags", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    tags: [v*]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n")), "skip_tests", [/adds a tags filter to push/]],
    ["pull_request limited to opened", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  pull_request:\n    types: [opened]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  pull_request:\n")), "skip_tests", [/takes synchronize out of the types of pull_request/]],
    ["the test step run in a subfolder", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        working-directory: tests/unit\n        run:")) + LINT)), "skip_tests", [...NAMES_STEP, /in "tests\/unit" instead of "\."/]],
    ["the test step run in a subfolder by a cd", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: cd tests/unit && pytest")) + LINT)), "skip_tests", [...NAMES_STEP, /in "tests\/unit" instead of "\."/]],
    ["the unconditional test step deleted beside one that runs only on push", edit(
      WF(JOB(SETUP + "      - name: Slow tests\n        if: github.event_name == 'push'\n        run: pytest -m slow\n") + LINT),
      WF(JOB(SETUP + TEST_STEP + "      - name: Slow tests\n        if: github.event_name == 'push'\n        run: pytest -m slow\n") + LINT),
    ), "skip_tests", [/ci\.yml/, /job "test"/, /only in the step "Slow tests", which runs only if "github.event_name == 'push'"/]],
    ["the second of two test steps run only on a schedule", edit(
      WF(JOB(SETUP + TEST_STEP + "      - name: Slow tests\n        if: github.event_name == 'schedule'\n        run: pytest -m slow\n") + LINT),
      WF(JOB(SETUP + TEST_STEP + "      - name: Slow tests\n        run: pytest -m slow\n") + LINT),
    ), "skip_tests", [/step "Slow tests"/, /condition "github.event_name == 'schedule'"/]],
    ["the test step moved to a job added that runs only on a schedule", edit(
      WF(JOB(SETUP) + "  slow:\n    runs-on: ubuntu-latest\n    steps:\n" + SETUP + TEST_STEP.replace("        run:", "        if: github.event_name == 'schedule'\n        run:") + LINT, "[push, pull_request, schedule]"),
      WF(JOB(SETUP + TEST_STEP) + LINT, "[push, pull_request, schedule]"),
    ), "skip_tests", [/job "test"/, /only in the step "Run tests", which runs only if "github.event_name == 'schedule'"/]],
    ["the test step replaced by echo ok, a job added that runs only the slow tests", edit(
      WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: echo ok")) + "  slow:\n    runs-on: ubuntu-latest\n    steps:\n" + SETUP + "      - name: Slow tests\n        run: pytest -m slow\n" + LINT),
    ), "skip_tests", [/job "test"/, /adds -m/]],
    ["the test job's default working directory moved down", edit(WF(JOB(SETUP + TEST_STEP, "    defaults:\n      run:\n        working-directory: pkg/core\n") + LINT), WF(JOB(SETUP + TEST_STEP, "    defaults:\n      run:\n        working-directory: pkg\n") + LINT)), "skip_tests", [/in "pkg\/core" instead of "pkg"/]],
    ["every branch named on push, which leaves tag pushes out", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: ['**']\n  pull_request:\n")), "skip_tests", [/leaves tag pushes out of push/]],
    ["branches-ignore: [] put on push, which leaves tag pushes out", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: []\n  pull_request:\n")), "skip_tests", [/leaves tag pushes out of push/]],
    ["push given every branch but only v* tags", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: ['**']\n    tags: [v*]\n  pull_request:\n")), "skip_tests", [/adds a tags filter to push/]],
    ["branches: [main] swapped for a branches-ignore of main", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: [main]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n")), "skip_tests", [/adds "main" to the branches-ignore of push/]],
    ["release/** swapped for a branches-ignore of one release branch", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: [release/1.x]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main, 'release/**']\n")), "skip_tests", [/adds "release\/1\.x" to the branches-ignore of push/]],
    ["release/** swapped for a branches-ignore glob that may match its branches", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: ['release/old-*']\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: ['release/**']\n")), "skip_tests", [/adds "release\/old-\*" to the branches-ignore of push/]],
    ["paths: [src/**] swapped for a paths-ignore of every Markdown file", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    paths-ignore: ['**/*.md']\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    paths: ['src/**']\n")), "skip_tests", [/adds "\*\*\/\*\.md" to the paths-ignore of push/]],
    ["'*' put on pull_request's branches (it does not match release/1.x)", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    branches: ['*']\n")), "skip_tests", [/adds a branches filter to pull_request/]],
    ["every branch but main put on pull_request's branches", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    branches: ['**', '!main']\n")), "skip_tests", [/adds a branches filter to pull_request/]],
    ["mvn verify replaced by mvn compile", edit(WF(JOB("      - run: mvn -B compile\n")), WF(JOB("      - run: mvn -B verify\n"))), "skip_tests", [/drops mvn verify/]],
  ])("%s", (_name, c, rule, reasons) => expectRefusedWithWorkflowEdits(c, rule, reasons));
});

describe("with workflow edits allowed, fixes of the workflow that keep the tests running go through", () => {
  test.each<[string, Case]>([
    ["setup-python bumped from v4 to v5", edit(WF(JOB(SETUP.replace("setup-python@v4", "setup-python@v5") + TEST_STEP) + LINT))],
    ["a setup step added before the tests", edit(WF(JOB(SETUP + "      - run: sudo apt-get install -y libxml2-dev\n" + TEST_STEP) + LINT))],
    ["a Python version dropped from the matrix", edit(WF(JOB(SETUP + TEST_STEP, "", '"3.12"') + LINT))],
    ["a Python version added to the matrix", edit(WF(JOB(SETUP + TEST_STEP, "", '"3.11", "3.12", "3.13"') + LINT))],
    ["the test step renamed, its command kept", edit(WF(JOB(SETUP + TEST_STEP.replace("Run tests", "Tests")) + LINT))],
    ["the test command split into two steps that together run the same", edit(
      WF(JOB(SETUP + "      - name: Unit\n        run: pytest tests/unit\n      - name: Integration\n        run: pytest tests/integration\n") + LINT),
      WF(JOB(SETUP + "      - name: Run tests\n        run: pytest tests/unit tests/integration\n") + LINT),
    )],
    ["pytest run through python -m", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: python -m pytest")) + LINT))],
    ["the test job renamed", edit(WF(JOB(SETUP + TEST_STEP).replace("  test:", "  tests:") + LINT))],
    ["the test job moved to a workflow of its own", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: WF(LINT), ".github/workflows/tests.yml": WF(JOB(SETUP + TEST_STEP)) } }],
    ["the test step run always()", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        if: ${{ always() }}\n        run:")) + LINT))],
    ["a workflow_dispatch trigger added", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "[push, pull_request, workflow_dispatch]"))],
    ["a branch filter widened from main to every branch", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: ['*', '**/*']\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n"))],
    ["a release branch added to the filter", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main, 'release/**']\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n"))],
    ["tag pushes added beside the branch filter", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n    tags: [v*]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n"))],
    ["every branch named on pull_request", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    branches: ['**']\n"))],
    ["every branch named on pull_request after a negation it overrides", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    branches: ['!main', '**']\n"))],
    ["every path named on pull_request", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    paths: ['**']\n"))],
    ["every path named on push as **/*", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    paths: ['**/*']\n  pull_request:\n"))],
    ["every branch and every tag named on push", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: ['**']\n    tags: ['**']\n  pull_request:\n"))],
    ["branch pushes added to a push that ran on tags only", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    tags: [v*]\n    branches: [main]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    tags: [v*]\n"))],
    ["branch pushes but one added to a push that ran on tags only", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    tags: [v*]\n    branches-ignore: [gh-pages]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    tags: [v*]\n"))],
    ["branches: [main] swapped for a branches-ignore of another branch", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: [foo]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n"))],
    ["branches: [main] swapped for a branches-ignore glob that cannot match main", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: ['dependabot/**', 'gh-pages']\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: [main]\n"))],
    ["release/** swapped for a branches-ignore of main", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches-ignore: [main]\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n    branches: ['release/**']\n"))],
    ["paths: [src/**] swapped for a paths-ignore of docs/**", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  pull_request:\n    paths-ignore: ['docs/**']\n"), WF(JOB(SETUP + TEST_STEP) + LINT, "\n  pull_request:\n    paths: ['src/**']\n"))],
    ["branches-ignore: [] put on pull_request", edit(WF(JOB(SETUP + TEST_STEP) + LINT, "\n  push:\n  pull_request:\n    branches-ignore: []\n"))],
    ["a lint-only workflow's triggers narrowed", { before: { ".github/workflows/lint.yml": WF(LINT) }, after: { ".github/workflows/lint.yml": WF(LINT, "[pull_request]") } }],
    ["the test step run from the folder the project moved to", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        working-directory: python\n        run:")) + LINT), WF(JOB(SETUP + TEST_STEP.replace("        run:", "        working-directory: py\n        run:")) + LINT))],
    ["the test step's cd into its folder written as its working-directory", edit(WF(JOB(SETUP + TEST_STEP.replace("        run: pytest", "        working-directory: backend\n        run: pytest")) + LINT), WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: cd backend && pytest")) + LINT))],
    // A subshell's cd ends with it: read as the step's, the tests were taken for run in docs, only the tests below it.
    ["a docs build in a subshell put before the test step's runner", edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", "run: (cd docs && make html) && pytest")) + LINT))],
    ["the test step's working directory written as ./", edit(WF(JOB(SETUP + TEST_STEP.replace("        run:", "        working-directory: ./\n        run:")) + LINT))],
    ["a lint step's command changed", edit(WF(JOB(SETUP + TEST_STEP) + LINT.replace("ruff check .", "ruff check src tests")))],
    ["a job added that runs the slow tests only on a schedule, the test job kept", edit(
      WF(JOB(SETUP + TEST_STEP) + "  slow:\n    if: github.event_name == 'schedule'\n    runs-on: ubuntu-latest\n    steps:\n" + SETUP + "      - name: Slow tests\n        if: github.event_name == 'schedule'\n        run: pytest -m slow\n" + LINT, "[push, pull_request, schedule]"),
      WF(JOB(SETUP + TEST_STEP) + LINT, "[push, pull_request, schedule]"),
    )],
    ["a lint step's command changed beside a test step that already ran under a condition", edit(
      WF(JOB(SETUP + TEST_STEP + "      - name: Slow tests\n        if: github.event_name == 'push'\n        run: pytest -m slow\n") + LINT.replace("ruff check .", "ruff check src tests")),
      WF(JOB(SETUP + TEST_STEP + "      - name: Slow tests\n        if: github.event_name == 'push'\n        run: pytest -m slow\n") + LINT),
    )],

  ])("%s", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

/** A local composite action, as `uses: ./.github/actions/run-tests` runs it (steps are given at the workflow's indent). */
const ACTION_DIR = ".github/actions/run-tests";
const ACTION = `${ACTION_DIR}/action.yml`;
const COMPOSITE = (steps: string) =>
  `name: run tests\ninputs:\n  python-version:\n    default: "3.11"\nruns:\n  using: composite\n  steps:\n${steps.replace(/^ {4}/gm, "").replace(/^(\s*)run:/gm, "$1shell: bash\n$1run:")}`;
const ACTION_TEST = "      - name: Run tests\n        run: pytest\n";
const ACTION_SETUP = "      - name: Install\n        run: pip install -e .[test]\n";
const USES_ACTION = `      - uses: ./${ACTION_DIR}\n        with:\n          python-version: "3.11"\n`;
/** A reusable workflow a job calls with `uses: ./.github/workflows/tests.yml`. */
const CALLED = ".github/workflows/tests.yml";
const REUSABLE = (steps: string) => `name: tests\non: workflow_call\njobs:\n  pytest:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`;
const CALLS = `  test:\n    uses: ./${CALLED}\n`;
const VIA_ACTION = { [CI]: WF(JOB(SETUP + USES_ACTION) + LINT), [ACTION]: COMPOSITE(ACTION_SETUP + ACTION_TEST) };
const VIA_CALL = { [CI]: WF(CALLS + LINT), [CALLED]: REUSABLE(SETUP + TEST_STEP) };
const NAMES_ACTION = [/\.github\/workflows\/ci\.yml/, /job "test"/, /\.github\/actions\/run-tests\/action\.yml/];
const NAMES_CALLED = [/\.github\/workflows\/ci\.yml/, /job "test"/, /\.github\/workflows\/tests\.yml/];

/** The same local action, as a caller may spell its `uses:`. */
const USES_AS = (uses: string) => USES_ACTION.replace(`./${ACTION_DIR}`, uses);
const ECHOED = COMPOSITE(ACTION_SETUP + ACTION_TEST.replace("run: pytest", "run: echo ok"));

describe("a local action is the same whichever way its uses: spells its folder", () => {
  test.each<[string, string]>([
    ["with a trailing slash", `./${ACTION_DIR}/`],
    ["with a doubled slash", "./.github/actions//run-tests"],
    ["through a ..", "./.github/actions/x/../run-tests"],
    ["by its action.yml (GitHub fails the job; read as its folder, the echo is still found)", `./${ACTION}`],
  ])("named %s, its test step replaced by echo ok, is refused", (_name, uses) =>
    expectRefusedWithWorkflowEdits({ before: { ...VIA_ACTION, [CI]: WF(JOB(SETUP + USES_AS(uses)) + LINT) }, after: { [ACTION]: ECHOED } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]),
  );
  test.each<[string, string]>([
    ["with a trailing slash", `./${ACTION_DIR}/`],
    ["by its action.yml", `./${ACTION}`],
  ])("its uses: rewritten %s is accepted", (_name, uses) => expectAcceptedWithWorkflowEdits({ before: VIA_ACTION, after: { [CI]: WF(JOB(SETUP + USES_AS(uses)) + LINT) } }));

  // A Windows or macOS runner opens the checkout case-insensitively: there `./.github/actions/Run-Tests` runs
  // .github/actions/run-tests/action.yml (on Linux the job fails, which is no green run either).
  const FOLDED = { ...VIA_ACTION, [CI]: WF(JOB(SETUP + USES_AS("./.github/actions/Run-Tests")).replace("ubuntu-latest", "windows-latest") + LINT) };
  test("named in another case on a Windows job, its test step replaced by echo ok, is refused", () =>
    expectRefusedWithWorkflowEdits({ before: FOLDED, after: { [ACTION]: ECHOED } }, "skip_tests", [/job "test"/, /\.github\/actions\/run-tests\/action\.yml/, /drops pytest/]));
  test("its Action.yml, the only edit, its test step replaced by echo ok on a Windows job, is refused", () => {
    const CAPS = `${ACTION_DIR}/Action.yml`;
    const before = { [CI]: FOLDED[CI].replace("Run-Tests", "run-tests"), [CAPS]: VIA_ACTION[ACTION] };
    return expectRefusedWithWorkflowEdits({ before, after: { [CAPS]: ECHOED } }, "skip_tests", [/job "test"/, /run-tests\/Action\.yml/, /drops pytest/]);
  });
  test.each<[string, Case]>([
    ["named in another case on a Windows job, its setup step changed", { before: FOLDED, after: { [ACTION]: COMPOSITE(ACTION_SETUP.replace("[test]", "[test,yaml]") + ACTION_TEST) } }],
    ["named in another case on a Windows job, its uses: re-spelled in its folder's case", { before: FOLDED, after: { [CI]: VIA_ACTION[CI].replace("ubuntu-latest", "windows-latest") } }],
  ])("%s is accepted", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

/** A local action and a reusable workflow that run the command their caller passes as `cmd` (or its default). */
const ACTION_CMD = (dflt: string) => `name: run tests\ninputs:\n  cmd:\n    default: ${dflt}\nruns:\n  using: composite\n  steps:\n  - name: Run tests\n    shell: bash\n    run: \${{ inputs.cmd }}\n`;
const USES_CMD = (cmd: string) => `      - uses: ./${ACTION_DIR}\n${cmd ? `        with:\n          cmd: ${cmd}\n` : ""}`;
const VIA_INPUT = { [CI]: WF(JOB(SETUP + USES_CMD("pytest")) + LINT), [ACTION]: ACTION_CMD("make check") };
const REUSABLE_CMD = (dflt: string) =>
  `name: tests\non:\n  workflow_call:\n    inputs:\n      cmd:\n        type: string\n        default: ${dflt}\njobs:\n  pytest:\n    runs-on: ubuntu-latest\n    steps:\n${SETUP}      - name: Run tests\n        run: \${{inputs.cmd}}\n`;
const CALLS_CMD = (cmd: string) => `  test:\n    uses: ./${CALLED}\n${cmd ? `    with:\n      cmd: ${cmd}\n` : ""}`;
const VIA_CALL_INPUT = { [CI]: WF(CALLS_CMD("pytest") + LINT), [CALLED]: REUSABLE_CMD("make check") };
/** The same, the input reaching the shell through the step's `env:` (`run` one of `$CMD`, `${CMD}`, `"$CMD"`). */
const ACTION_ENV_CMD = (dflt: string, run = "$CMD") => ACTION_CMD(dflt).replace("    run: ${{ inputs.cmd }}\n", `    env:\n      CMD: \${{ inputs.cmd }}\n    run: ${run}\n`);
const VIA_ENV_INPUT = (run?: string) => ({ [CI]: WF(JOB(SETUP + USES_CMD("pytest")) + LINT), [ACTION]: ACTION_ENV_CMD("make check", run) });
const REUSABLE_ENV_CMD = (dflt: string) => REUSABLE_CMD(dflt).replace("    runs-on: ubuntu-latest\n", "    runs-on: ubuntu-latest\n    env:\n      CMD: ${{ inputs.cmd }}\n").replace("run: ${{inputs.cmd}}", "run: ${CMD}");
const VIA_CALL_ENV_INPUT = { [CI]: WF(CALLS_CMD("pytest") + LINT), [CALLED]: REUSABLE_ENV_CMD("make check") };
/** A plain workflow's test step running the command its `env:` holds. */
const ENV_TEST_STEP = (cmd: string, run = "$TEST_CMD") => `      - name: Run tests\n        env:\n          TEST_CMD: ${cmd}\n        run: ${run}\n`;

describe("a local action or reusable workflow running the command its caller passes is read with that command", () => {
  test.each<[string, Case, string, RegExp[]]>([
    ["the caller's cmd changed from pytest to echo ok", { before: VIA_INPUT, after: { [CI]: WF(JOB(SETUP + USES_CMD("echo ok")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the caller's cmd narrowed to a folder", { before: VIA_INPUT, after: { [CI]: WF(JOB(SETUP + USES_CMD("pytest tests/unit")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /narrows pytest/]],
    ["the caller's cmd dropped, the default echoes", { before: { ...VIA_INPUT, [ACTION]: ACTION_CMD("echo ok") }, after: { [CI]: WF(JOB(SETUP + USES_CMD("")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the action's default changed from pytest to echo ok, the caller passing none", { before: { [CI]: WF(JOB(SETUP + USES_CMD("")) + LINT), [ACTION]: ACTION_CMD("pytest") }, after: { [ACTION]: ACTION_CMD("echo ok") } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the reusable workflow's caller's cmd changed from pytest to echo ok", { before: VIA_CALL_INPUT, after: { [CI]: WF(CALLS_CMD("echo ok") + LINT) } }, "skip_tests", [...NAMES_CALLED, /drops pytest/]],
    ["the folder the caller passes for the action's test step moved down", {
      before: { [CI]: WF(JOB(SETUP + USES_CMD("pytest").replace("          cmd:", "          dir: .\n          cmd:")) + LINT), [ACTION]: ACTION_CMD("pytest").replace("    run:", "    working-directory: ${{ inputs.dir }}\n    run:") },
      after: { [CI]: WF(JOB(SETUP + USES_CMD("pytest").replace("          cmd:", "          dir: tests/unit\n          cmd:")) + LINT) },
    }, "skip_tests", [...NAMES_ACTION, /in "tests\/unit" instead of "\."/]],
    ["the caller's cmd changed to echo ok, the action running it as $CMD from its env", { before: VIA_ENV_INPUT(), after: { [CI]: WF(JOB(SETUP + USES_CMD("echo ok")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the caller's cmd changed to echo ok, the action running it as ${CMD}", { before: VIA_ENV_INPUT("${CMD} -q"), after: { [CI]: WF(JOB(SETUP + USES_CMD("echo ok")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the caller's cmd changed to echo ok, the action running it as \"$CMD\"", { before: VIA_ENV_INPUT('"$CMD"'), after: { [CI]: WF(JOB(SETUP + USES_CMD("echo ok")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the reusable workflow's caller's cmd changed to echo ok, its job's env carrying it", { before: VIA_CALL_ENV_INPUT, after: { [CI]: WF(CALLS_CMD("echo ok") + LINT) } }, "skip_tests", [...NAMES_CALLED, /drops pytest/]],
    ["a plain step's env TEST_CMD changed from pytest to echo ok", { before: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest")) + LINT) }, after: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("echo ok")) + LINT) } }, "skip_tests", [...NAMES_STEP, /drops pytest/]],
    // In single quotes the shell leaves $TEST_CMD as written: it looks for a program named "$TEST_CMD", and pytest no longer runs.
    ["a plain step's $TEST_CMD put in single quotes", { before: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest")) + LINT) }, after: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest", `"'$TEST_CMD'; echo done"`)) + LINT) } }, "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the reusable workflow's default changed to echo ok, the caller passing none", { before: { [CI]: WF(CALLS_CMD("") + LINT), [CALLED]: REUSABLE_CMD("pytest") }, after: { [CALLED]: REUSABLE_CMD("echo ok") } }, "skip_tests", [...NAMES_CALLED, /drops pytest/]],
  ])("%s", (_name, c, rule, reasons) => expectRefusedWithWorkflowEdits(c, rule, reasons));

  test.each<[string, Case]>([
    ["the caller's cmd changed from pytest to python -m pytest", { before: VIA_INPUT, after: { [CI]: WF(JOB(SETUP + USES_CMD("python -m pytest")) + LINT) } }],
    ["the action's default changed, the caller passing its own", { before: VIA_INPUT, after: { [ACTION]: ACTION_CMD("echo ok") } }],
    ["the caller's cmd dropped, the default running the same", { before: { ...VIA_INPUT, [ACTION]: ACTION_CMD("pytest") }, after: { [CI]: WF(JOB(SETUP + USES_CMD("")) + LINT) } }],
    ["the action's step written out with the command its caller passed", { before: VIA_INPUT, after: { [ACTION]: ACTION_CMD("make check").replace("${{ inputs.cmd }}", "pytest") } }],
    ["the reusable workflow's caller's cmd changed to python -m pytest", { before: VIA_CALL_INPUT, after: { [CI]: WF(CALLS_CMD("python -m pytest") + LINT) } }],
    ["the caller's cmd changed to python -m pytest, the action running it as $CMD from its env", { before: VIA_ENV_INPUT(), after: { [CI]: WF(JOB(SETUP + USES_CMD("python -m pytest")) + LINT) } }],
    ["the action's $CMD written out as the command its caller passed", { before: VIA_ENV_INPUT(), after: { [ACTION]: ACTION_CMD("make check").replace("${{ inputs.cmd }}", "pytest") } }],
    ["a plain step's env TEST_CMD changed from pytest to python -m pytest", { before: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest")) + LINT) }, after: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("python -m pytest")) + LINT) } }],
    // The runner fills ${{ env.TEST_CMD }} in before the shell reads the quotes: the step runs pytest.
    ["a plain step's $TEST_CMD written as '${{ env.TEST_CMD }}'", { before: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest")) + LINT) }, after: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest", `"'\${{ env.TEST_CMD }}'"`)) + LINT) } }],
    ["a plain step's $TEST_CMD written out as pytest", { before: { [CI]: WF(JOB(SETUP + ENV_TEST_STEP("pytest")) + LINT) }, after: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) } }],
  ])("%s", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

describe("the tests a job runs through a local composite action or reusable workflow are compared too", () => {
  test.each<[string, Case, string, RegExp[]]>([
    ["the test step moved into a local action that echoes", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: WF(JOB(SETUP + USES_ACTION) + LINT), [ACTION]: COMPOSITE("      - name: Echo\n        run: echo ok\n") } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the test job moved into a reusable workflow that echoes", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: WF(CALLS + LINT), [CALLED]: REUSABLE(SETUP + "      - run: echo ok\n") } }, "skip_tests", [...NAMES_CALLED, /drops pytest/]],
    ["the local action's test step replaced by echo ok, its caller unchanged", { before: VIA_ACTION, after: { [ACTION]: COMPOSITE(ACTION_SETUP + ACTION_TEST.replace("run: pytest", "run: echo ok")) } }, "skip_tests", [...NAMES_ACTION, /step "Run tests"/, /drops pytest/]],
    ["the local action's test step run only on a schedule", { before: VIA_ACTION, after: { [ACTION]: COMPOSITE(ACTION_SETUP + ACTION_TEST.replace("        run:", "        if: github.event_name == 'schedule'\n        run:")) } }, "skip_tests", [...NAMES_ACTION, /condition "github.event_name == 'schedule'"/, /step "Run tests"/]],
    ["the local action's test command narrowed to a folder", { before: VIA_ACTION, after: { [ACTION]: COMPOSITE(ACTION_SETUP + ACTION_TEST.replace("run: pytest", "run: pytest tests/unit")) } }, "skip_tests", [...NAMES_ACTION, /narrows pytest/]],
    ["the called workflow's test step replaced by echo ok, its caller unchanged", { before: VIA_CALL, after: { [CALLED]: REUSABLE(SETUP + TEST_STEP.replace("run: pytest", "run: echo ok")) } }, "skip_tests", [...NAMES_CALLED, /drops pytest/]],
    ["the step using the local action removed, the action unchanged", { before: VIA_ACTION, after: { [CI]: WF(JOB(SETUP) + LINT) } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the step using the local action run only by hand", { before: VIA_ACTION, after: { [CI]: WF(JOB(SETUP + USES_ACTION.replace("        with:", "        if: github.event_name == 'workflow_dispatch'\n        with:")) + LINT) } }, "skip_tests", [...NAMES_ACTION, /condition "github.event_name == 'workflow_dispatch'"/]],
    ["the called workflow's test job run only on a schedule, its caller unchanged", { before: VIA_CALL, after: { [CALLED]: REUSABLE(SETUP + TEST_STEP).replace("    runs-on:", "    if: github.event_name == 'schedule'\n    runs-on:") } }, "skip_tests", [...NAMES_CALLED, /condition/]],
    ["the job calling the reusable workflow removed", { before: VIA_CALL, after: { [CI]: WF(LINT) } }, "skip_tests", [...NAMES_CALLED, /removes/]],
    ["the test job moved into a reusable workflow that nothing calls", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: WF(LINT), [CALLED]: REUSABLE(SETUP + TEST_STEP) } }, "skip_tests", [/ci\.yml/, /job "test"/, /removes/]],
    ["the local action the tests ran in deleted, its caller unchanged (a Dockerfile may be there instead)", { before: VIA_ACTION, after: { [ACTION]: null } }, "skip_tests", [...NAMES_ACTION, /drops pytest/]],
    ["the push trigger of a workflow whose job calls the tests removed", { before: VIA_CALL, after: { [CI]: WF(CALLS + LINT, "[pull_request]") } }, "skip_tests", [/removes the trigger push/, /ci\.yml/, /job "test"/]],
  ])("%s", (_name, c, rule, reasons) => expectRefusedWithWorkflowEdits(c, rule, reasons));

  test.each<[string, Case]>([
    ["the local action's setup step changed", { before: VIA_ACTION, after: { [ACTION]: COMPOSITE(ACTION_SETUP.replace("[test]", "[test,yaml]") + ACTION_TEST) } }],
    ["the test step moved into a local action that runs the same command", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: WF(JOB(SETUP + USES_ACTION) + LINT), [ACTION]: COMPOSITE(ACTION_TEST) } }],
    ["the test job moved into a reusable workflow that runs the same steps", { before: { [CI]: WF(JOB(SETUP + TEST_STEP) + LINT) }, after: { [CI]: WF(CALLS + LINT), [CALLED]: REUSABLE(SETUP + TEST_STEP) } }],
    ["the local action's python-version input bumped by its caller", { before: VIA_ACTION, after: { [CI]: WF(JOB(SETUP + USES_ACTION.replace('"3.11"', '"3.12"')) + LINT) } }],
    ["the local action's python-version default bumped", { before: VIA_ACTION, after: { [ACTION]: COMPOSITE(ACTION_SETUP + ACTION_TEST).replace('"3.11"', '"3.12"') } }],
    ["a remote action's version bumped beside a local action", { before: VIA_ACTION, after: { [CI]: WF(JOB(SETUP.replace("checkout@v4", "checkout@v5") + USES_ACTION) + LINT) } }],
  ])("%s", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

/** A test step that runs a script of the repository, which runs the tests. */
const SCRIPT = "scripts/test.sh";
const SH = (body: string) => `#!/usr/bin/env bash\nset -euo pipefail\n${body}`;
const RUNS_SCRIPT = (run: string) => WF(JOB(SETUP + `      - name: Run tests\n        run: ${run}\n`) + LINT);
const VIA_SCRIPT = { [CI]: RUNS_SCRIPT(`./${SCRIPT}`), [SCRIPT]: SH("pytest -q\n") };

describe("a test step running a repository script: the script's tests are the step's", () => {
  // The script alone edited is no workflow edit: refused by default, as check-test-entry-script finds it.
  test.each<[string, Case, RegExp]>([
    ["the script run by ./scripts/test.sh drops pytest", { before: VIA_SCRIPT, after: { [SCRIPT]: SH("echo ok\n") } }, /scripts\/test\.sh/],
    ["the script run by bash ci/test.sh drops pytest", { before: { [CI]: RUNS_SCRIPT("bash ci/test.sh"), "ci/test.sh": SH("pytest -q\n") }, after: { "ci/test.sh": SH("echo ok\n") } }, /ci\/test\.sh/],
    ["the script run by env -C ci ./test.sh drops pytest", { before: { [CI]: RUNS_SCRIPT("env -C ci ./test.sh"), "ci/test.sh": SH("pytest -q\n") }, after: { "ci/test.sh": SH("echo ok\n") } }, /ci\/test\.sh/],
    ["the script a local action's step runs drops pytest", {
      before: { [CI]: WF(JOB(SETUP + USES_ACTION) + LINT), [ACTION]: COMPOSITE(`      - run: ./${SCRIPT}\n`), [SCRIPT]: SH("pytest -q\n") },
      after: { [SCRIPT]: SH("echo ok\n") },
    }, /scripts\/test\.sh/],
  ])("%s", (_name, c, reason) => expectRefusedUnlessAllowed(c, "skip_tests", reason));

  test.each<[string, Case, string, RegExp[]]>([
    ["the step running the script deleted", { before: VIA_SCRIPT, after: { [CI]: WF(JOB(SETUP) + LINT) } }, "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the step pointed at a new script that echoes", { before: VIA_SCRIPT, after: { [CI]: RUNS_SCRIPT("./scripts/quick.sh"), "scripts/quick.sh": SH("echo ok\n") } }, "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the step running the script run only on a schedule", { before: VIA_SCRIPT, after: { [CI]: RUNS_SCRIPT(`./${SCRIPT}`).replace("        run:", "        if: github.event_name == 'schedule'\n        run:") } }, "skip_tests", [...NAMES_STEP, /condition/]],
  ])("%s", (_name, c, rule, reasons) => expectRefusedWithWorkflowEdits(c, rule, reasons));

  test.each<[string, Case]>([
    ["the script given a setup line", { before: VIA_SCRIPT, after: { [SCRIPT]: SH("export PYTHONHASHSEED=0\npytest -q\n") } }],
    // `env -C ci ./test.sh` runs ci/test.sh, not the test.sh beside the workflow's folder, which runs nothing of CI's.
    ["a test.sh at the root, beside the ci/test.sh env -C ci runs, edited", {
      before: { [CI]: RUNS_SCRIPT("env -C ci ./test.sh"), "ci/test.sh": SH("pytest -q\n"), "test.sh": SH("pytest -q\n") },
      after: { "test.sh": SH("echo ok\n") },
    }],
  ])("%s", (_name, c) => expectAccepted(c));

  test.each<[string, Case]>([
    ["the step running the script with bash", { before: VIA_SCRIPT, after: { [CI]: RUNS_SCRIPT(`bash ${SCRIPT}`) } }],
    ["the step's setup changed beside it", { before: VIA_SCRIPT, after: { [CI]: VIA_SCRIPT[CI].replace("setup-python@v4", "setup-python@v5") } }],
    ["the step pointed at a new script that runs the same tests", { before: VIA_SCRIPT, after: { [CI]: RUNS_SCRIPT("./scripts/ci.sh"), "scripts/ci.sh": SH("pip install -e .\npytest -q\n") } }],
  ])("%s", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

describe("a workflow the patch does not touch, and cannot be read, is left out of the comparison", () => {
  // Every workflow is read when one is edited: a dangling symlink beside them (an old workflow renamed away) must
  // not refuse every workflow fix of the repository.
  test.each([
    ["a dangling symlink", (repo: string) => symlink("gone.yml", join(repo, ".github/workflows/old.yml"))],
    ["a file too large to read", (repo: string) => writeFile(join(repo, ".github/workflows/generated.yml"), `# ${"x".repeat(GUARD_READ_MAX_BYTES)}\n`)],
  ])("%s in .github/workflows/ beside an action bump", async (_what, put) => {
    const before = WF(JOB(SETUP + TEST_STEP) + LINT);
    const { diff, repo, cleanup } = await gitDiff({ before: { ".github/workflows/ci.yml": before }, after: { ".github/workflows/ci.yml": before.replace("setup-python@v4", "setup-python@v5") } });
    try {
      await put(repo);
      const r = await applyPatch(diff, repo, { config: configWith(["workflow_edits"]), dryRun: true });
      if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.refusal)}`);
    } finally {
      await cleanup();
    }
  });
});

describe("a workflow or local action the patch leaves GitHub unable to run is refused, whatever allow.* says", () => {
  const GOOD = WF(JOB(SETUP + TEST_STEP) + LINT);
  const BAD = `${GOOD}  bad: [\n`;
  const RUNS_NOTHING = /GitHub would fail every run of it/;
  // Unparseable, GitHub fails every run of the workflow ("Invalid workflow file") before a test starts: no green CI.
  test.each<[string, Case, RegExp[]]>([
    ["a workflow left unparseable", edit(BAD), [/\.github\/workflows\/ci\.yml unparseable \(at the end of the file: Flow sequence .* end with a \]\)/, RUNS_NOTHING]],
    ["a workflow's on: trigger removed", edit(GOOD.replace("on: [push, pull_request]\n", "")), [/ci\.yml without an on: trigger/, RUNS_NOTHING]],
    ["a workflow's jobs emptied", edit("name: ci\non: [push, pull_request]\njobs: {}\n"), [/ci\.yml without a jobs: mapping/, RUNS_NOTHING]],
    ["the test job's runs-on removed", edit(WF(JOB(SETUP + TEST_STEP).replace("    runs-on: ubuntu-latest\n", "") + LINT)), [/the job "test" having neither runs-on nor uses/, RUNS_NOTHING]],
    ["the test step's run removed, its name left", edit(WF(JOB(SETUP + TEST_STEP.replace("        run: pytest\n", "")) + LINT)), [/step 4 \("Run tests"\) of the job "test" having neither run nor uses/, RUNS_NOTHING]],
    ["a new workflow added unparseable", { before: { [CI]: GOOD }, after: { ".github/workflows/lint.yml": "on: push\njobs:\n  lint:\n    runs-on: ubuntu-latest: x\n    steps: []\n" } }, [/lint\.yml unparseable \(line 4 "runs-on: ubuntu-latest: x": Nested mappings/, RUNS_NOTHING]],
    ["a workflow unparseable before the patch, edited and still unparseable", edit(BAD.replace("checkout@v4", "checkout@v5"), BAD), [/ci\.yml unparseable/, /did not run before the patch either/]],
    ["the local action left unparseable", { before: VIA_ACTION, after: { [ACTION]: `${COMPOSITE(ACTION_SETUP + ACTION_TEST)}  bad: [\n` } }, [/run-tests\/action\.yml unparseable/, /GitHub would fail every job that uses it/]],
    ["the local action's run step left without its shell", { before: VIA_ACTION, after: { [ACTION]: COMPOSITE(ACTION_SETUP + ACTION_TEST).replace(/ +shell: bash\n/, "") } }, [/action\.yml with step 1 \("Install"\) running a command without the shell/]],
  ])("%s", (_name, c, reasons) => expectRefusedWhateverAllowed(c, "workflow_invalid", reasons));

  test.each<[string, Case]>([
    // GitHub failed every run of it: the fix may be the workflow's.
    ["a workflow unparseable before the patch, repaired by it", edit(GOOD, BAD)],
    ["a workflow without on: before the patch, given one", edit(GOOD, GOOD.replace("on: [push, pull_request]\n", ""))],
    ["an action's version bumped beside an unparseable workflow the patch leaves alone", { before: { [CI]: GOOD, ".github/workflows/old.yml": "on: push\njobs: [\n" }, after: { [CI]: GOOD.replace("checkout@v4", "checkout@v5") } }],
    ["a job calling a reusable workflow, with uses and no runs-on", { before: VIA_CALL, after: { [CI]: WF(CALLS + LINT.replace("ruff check .", "ruff check src")) } }],
  ])("%s is accepted", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

describe("a step running its tests through bash -c or sh -c is judged by the command the inner shell runs", () => {
  const RUN = (run: string) => edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", `run: ${run}`)) + LINT));
  const FROM = (before: string, after: string) => edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", `run: ${after}`)) + LINT), WF(JOB(SETUP + TEST_STEP.replace("run: pytest", `run: ${before}`)) + LINT));
  const ENV = (cmd: string, run: string) => WF(JOB(SETUP + ENV_TEST_STEP(cmd, run)) + LINT);
  test.each<[string, Case, string, RegExp[]]>([
    ["pytest given -k inside bash -c", RUN(`bash -c "pytest -k smoke"`), "skip_tests", [/ci\.yml/, /job "test"/, /adds -k/]],
    ["pytest given -k 'not slow' inside bash -c", RUN(`bash -c "pytest -k 'not slow'"`), "skip_tests", [/excludes tests/]],
    ["pytest narrowed to a folder inside sh -c", RUN(`sh -c 'pytest tests/unit'`), "skip_tests", [/ci\.yml/, /job "test"/, /narrows pytest/]],
    ["pytest narrowed inside bash -eo pipefail -c, piped to tee", RUN(`bash -eo pipefail -c "pytest tests/unit | tee log.txt"`), "skip_tests", [/narrows pytest/]],
    ["a bash -c test step's pytest replaced by echo ok", FROM(`bash -c 'pytest -q'`, `bash -c 'echo ok'`), "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["a bash -c test step's pytest given -k", FROM(`bash -c 'pytest -q'`, `bash -c 'pytest -q -k smoke'`), "skip_tests", [/ci\.yml/, /job "test"/, /adds -k/]],
    // The outer shell leaves '$TEST_CMD' as written; the inner bash reads it from the environment the step's env: sets.
    ["the env TEST_CMD an sh -c '$TEST_CMD' runs changed to echo ok", { before: { [CI]: ENV("pytest", `sh -c '$TEST_CMD'`) }, after: { [CI]: ENV("echo ok", `sh -c '$TEST_CMD'`) } }, "skip_tests", [...NAMES_STEP, /drops pytest/]],
    ["the env TEST_CMD a bash -c \"$TEST_CMD\" runs given -k", { before: { [CI]: ENV("pytest", `bash -c "$TEST_CMD"`) }, after: { [CI]: ENV("pytest -k smoke", `bash -c "$TEST_CMD"`) } }, "skip_tests", [/ci\.yml/, /job "test"/, /adds -k/]],
    ["$TEST_CMD run through bash -c, only echoed there", { before: { [CI]: ENV("pytest", "$TEST_CMD") }, after: { [CI]: ENV("pytest", `bash -c 'echo "$TEST_CMD"'`) } }, "skip_tests", [...NAMES_STEP, /drops pytest/]],
    // The words after the script are its $0, $1…: "$@" passes pytest what follows `sh`.
    ["-k passed to bash -c 'pytest \"$@\"' as an argument", FROM(`bash -c 'pytest -q "$@"' bash`, `bash -c 'pytest -q "$@"' bash -k smoke`), "skip_tests", [/ci\.yml/, /job "test"/, /adds -k/]],
  ])("%s", (_name, c, rule, reasons) => expectRefusedWithWorkflowEdits(c, rule, reasons));

  test.each<[string, Case]>([
    ["the test step written as bash -c 'pytest'", RUN(`bash -c 'pytest'`)],
    ["the test step written as bash -ec \"python -m pytest\"", RUN(`bash -ec "python -m pytest"`)],
    ["$TEST_CMD run through sh -c '$TEST_CMD'", { before: { [CI]: ENV("pytest", "$TEST_CMD") }, after: { [CI]: ENV("pytest", `sh -c '$TEST_CMD'`) } }],
    ["the env TEST_CMD a bash -c '$TEST_CMD' runs changed to python -m pytest", { before: { [CI]: ENV("pytest", `bash -c '$TEST_CMD'`) }, after: { [CI]: ENV("python -m pytest", `bash -c '$TEST_CMD'`) } }],
    ["sh -c 'pytest \"$@\"' sh tests/ written as pytest tests/", FROM(`sh -c 'pytest "$@"' sh tests/`, `pytest tests/`)],
  ])("%s is accepted", (_name, c) => expectAcceptedWithWorkflowEdits(c));
});

describe("a step running its tests behind a wrapper given options (sudo -E, timeout 600, nice -n 10) is judged by the command it wraps", () => {
  const FROM = (before: string, after: string) => edit(WF(JOB(SETUP + TEST_STEP.replace("run: pytest", `run: ${after}`)) + LINT), WF(JOB(SETUP + TEST_STEP.replace("run: pytest", `run: ${before}`)) + LINT));
  test.each<[string, string, RegExp[]]>([
    ["sudo -E pytest", "sudo -E pytest -k fast", [/adds -k/]],
    ["sudo -u runner -E pytest", "sudo -u runner -E pytest -k fast", [/adds -k/]],
    ["timeout 600 pytest tests/", "timeout 600 pytest tests/unit", [/narrows pytest/]],
    ["timeout -k 10s 20m pytest", "timeout -k 10s 20m pytest -m smoke", [/adds -m/]],
    ["env -u CI pytest", "env -u CI pytest tests/unit", [/narrows pytest/]],
    ["env -i PATH=$PATH pytest", "env -i PATH=$PATH pytest -k fast", [/adds -k/]],
    ["nice -n 10 go test ./...", "nice -n 10 go test ./pkg/a", [/narrows go test/]],
    ["ionice -c 3 pytest", "ionice -c 3 pytest tests/unit", [/narrows pytest/]],
    ["stdbuf -o L pytest", "stdbuf -o L pytest --lf", [/adds --lf/]],
    [`xvfb-run -s "-screen 0 1024x768x24" pytest`, `xvfb-run -s "-screen 0 1024x768x24" pytest tests/unit`, [/narrows pytest/]],
    ["time -f %e pytest", "time -f %e pytest -k fast", [/adds -k/]],
    ["uv run --with pytest-cov pytest", "uv run --with pytest-cov pytest -k fast", [/adds -k/]],
    ["sudo -E bash -c 'pytest'", "sudo -E bash -c 'pytest -k fast'", [/adds -k/]],
    ["env -i bash -c 'pytest tests/'", "env -i bash -c 'pytest tests/unit'", [/narrows pytest/]],
    // `retry` re-runs a failing command until it passes: no wrapper the tests are seen through.
    ["pytest", "retry -t 3 -- pytest", [/drops pytest/]],
    // A wrapper starting the runner in a folder it names is read as a `cd` there: what it runs is judged, with its folder.
    ["env -C sub pytest", "env -C sub pytest -k x", [/adds -k/]],
    ["sudo -D sub pytest tests/", "sudo -D sub pytest tests/unit", [/narrows pytest/]],
    ["uv run --directory d pytest", "uv run --directory d pytest -m smoke", [/adds -m/]],
    ["env -C sub bash -c 'pytest'", "env -C sub bash -c 'pytest -k x'", [/adds -k/]],
    ["pytest", "env -C tests/unit pytest", [/in "tests\/unit" instead of "\."/]],
    ["pytest", "env --chdir=tests/unit pytest", [/in "tests\/unit" instead of "\."/]],
    ["pytest", "sudo -D tests/unit pytest", [/in "tests\/unit" instead of "\."/]],
    ["pytest", "env -C tests/unit bash -c 'pytest'", [/in "tests\/unit" instead of "\."/]],
    ["uv run pytest", "uv run --directory tests/unit pytest", [/in "tests\/unit" instead of "\."/]],
    ["env -C pkg pytest", "env -C pkg/core pytest", [/in "pkg\/core" instead of "pkg"/]],
    ["cd pkg && pytest", "env -C pkg/core pytest", [/in "pkg\/core" instead of "pkg"/]],
    // The folder the runner starts in is where the moves before it lead, not only a leading `cd`.
    ["pytest", "pip check && cd tests/unit && pytest", [/in "tests\/unit" instead of "\."/]],
    // `sudo -i` starts it in the user's home, a folder it does not name: not seen through.
    ["pytest", "sudo -Ei pytest", [/drops pytest/]],
    // `command -v`, `type`, `which` only say where the program is: they run nothing.
    ["pytest", "command -v pytest", [/drops pytest/]],
    ["pytest", "command -V pytest", [/drops pytest/]],
    ["pytest", "type pytest", [/drops pytest/]],
    ["pytest", "which pytest", [/drops pytest/]],
    // A command line given to a wrapper as one string is judged as the commands it runs, as `bash -c '…'` is.
    ["pytest", "env -S 'pytest -k fast'", [/adds -k/]],
    ["pytest", "env --split-string='pytest' tests/unit", [/narrows pytest/]],
    ["npx jest", "npx -c 'jest src/a'", [/narrows jest/]],
    ["npm exec -c 'jest'", "npm exec -c 'jest -t fast'", [/adds -t/]],
    ["xvfb-run -a sh -c 'pytest'", "xvfb-run -a sh -c 'pytest -k fast'", [/adds -k/]],
  ])("%s → %s is refused", (before, after, reasons) => expectRefusedWithWorkflowEdits(FROM(before, after), "skip_tests", [/ci\.yml/, /job "test"/, ...reasons]));

  test.each<[string, string]>([
    ["pytest", "timeout 600 pytest"],
    ["pytest", "timeout -k 10s 20m pytest"],
    ["pytest", "sudo -u runner -E pytest"],
    ["pytest", "env -u CI PYTHONHASHSEED=0 pytest"],
    ["pytest", "nice -n 10 ionice -c3 stdbuf -oL pytest"],
    ["pytest", `xvfb-run --auto-servernum --server-args="-screen 0 1024x768x24" pytest`],
    ["pytest", "time -p catchsegv dbus-run-session -- pytest"],
    ["pytest", "sudo -E bash -c 'pytest'"],
    ["timeout 600 pytest tests/", "timeout 20m pytest tests/"],
    ["go test ./...", "nice -n 10 go test ./..."],
    ["uv run pytest", "uv run --with pytest-cov pytest"],
    ["cd sub && pytest", "env -C sub pytest"],
    ["env -C sub pytest", "sudo -D sub timeout 600 pytest"],
    ["pytest", "env -C . pytest"],
    // The folder a wrapper names is its own command's: pytest after it runs where it did.
    ["pytest", "env -C docs mkdocs build && pytest"],
    ["env -C pkg pytest", "env -C package pytest"],
    ["uv run --directory d pytest", "uv run --directory=d --with pytest-cov pytest"],
    ["pytest", "command -v pytest >/dev/null && pytest"],
    ["pytest", "command pytest"],
    ["pytest -k fast", "env -S 'pytest -k fast'"],
    ["npx jest", "npx -c 'jest'"],
    ["npx jest src", "npm exec --call='jest src'"],
    ["pytest", "xvfb-run -a sh -c 'pytest'"],
  ])("%s → %s is accepted", (before, after) => expectAcceptedWithWorkflowEdits(FROM(before, after)));
});
