import { JEST_CONFIG_FILE, VITEST_CONFIG_FILE } from "../core/test-config-files.js";
import type { AllowKey } from "./types.js";

/**
 * The patterns behind the green-washing rules. A pattern fires when a file's patch adds more matching
 * lines than it removes (moving an existing `@skip` is not adding one).
 */
export interface LinePattern {
  rule: AllowKey;
  re: RegExp;
  why: string;
  /** Limit to files whose repo path matches; absent = every file. */
  files?: RegExp;
  /** Also in any pytest plugin (see isPytestPlugin), whatever its path: it runs inside pytest as a conftest.py does. */
  pytestPlugins?: true;
}

/** Files where a shell command line can appear: CI configs, scripts, task runners, package manifests. */
export const SCRIPT_FILES = /(\.(sh|bash|zsh|ya?ml|json|toml|cfg|ini|mk|ps1|bat|cmd)$|(^|\/)(Makefile|GNUmakefile|Dockerfile[^/]*|Justfile|justfile|Taskfile[^/]*|Jenkinsfile|\.gitlab-ci\.yml)$)/;
export const MAKEFILES = /(^|\/)(Makefile|GNUmakefile|[^/]+\.mk)$/;
const RUBY = /\.rb$/;
const ESLINT_CONFIG = /(^|\/)(\.eslintrc(\.[a-z]+)?|eslint\.config\.[cm]?[jt]s)$/;
const PACKAGE_JSON = /(^|\/)package\.json$/;
const LINT_CONFIG = /(^|\/)(\.flake8|setup\.cfg|tox\.ini|pyproject\.toml|ruff\.toml|\.ruff\.toml|\.pylintrc|pylintrc|\.golangci\.ya?ml|clippy\.toml|\.rubocop\.yml)$/;
/** Repository paths that hold tests. */
export const TEST_PATH =
  /((^|\/)(tests?|__tests__|specs?|e2e|integration_tests?)\/|(^|\/)test_[^/]+\.py$|_test\.(py|go|rb|exs?)$|(^|\/)conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$|(Tests?|IT|Spec)\.(java|kt|scala|groovy|cs)$|_spec\.rb$)/;

/** One pattern matching what any of `res` matches. */
function anyOf(...res: RegExp[]): RegExp {
  return new RegExp(res.map((re) => `(?:${re.source})`).join("|"));
}

const PYTHON = /\.py$/;
/** Program source, not a tool's config (playwright.config.ts's `retries: process.env.CI ? 2 : 0` is the usual thing there). */
const SOURCE_NOT_CONFIG = /^(?!(.*\/)?[^/]*(\.config\.[cm]?[jt]s|rc\.[cm]?js)$).*\.(py|[cm]?[jt]sx?|go|rs|rb|java|kt|cs|php)$/;
/** Where coverage.py's omit and jest's coveragePathIgnorePatterns are read. */
const COVERAGE_CONFIG = /(^|\/)(\.coveragerc|setup\.cfg|tox\.ini|pyproject\.toml|package\.json|jest\.config\.[cm]?[jt]s|jest\.config\.json)$/;
const CONFTEST = /(^|\/)conftest\.py$/;
/** A jest/vitest/mocha setup or teardown file (jest.setup.js, globalTeardown.ts, test/global-setup.mjs): it runs in the test process. */
// Without the i flag: anyOf joins sources, not flags.
const RUNNER_HOOK_FILE = /(^|\/)[^/]*((jest|vitest|mocha|[Tt]ests?|[Ss]pec|[Gg]lobal)[^/]*([Ss]etup|[Tt]eardown)|([Ss]etup|[Tt]eardown)[^/]*([Tt]ests?|[Ss]pec|[Jj]est|[Vv]itest))[^/]*\.[cm]?[jt]sx?$/;
const CARGO_TOML = /(^|\/)Cargo\.toml$/;
const POM = /(^|\/)pom\.xml$/;
/** Arguments and JVM options Maven adds to every run from the project's .mvn/ folder. */
const MAVEN_CONFIG = /(^|\/)\.mvn\/(maven|jvm)\.config$/;
const YARNRC_YML = /(^|\/)\.yarnrc\.ya?ml$/;
/** npm's and yarn 1's per-project settings. */
const NPMRC = /(^|\/)\.(npmrc|yarnrc)$/;
/** Where jest/vitest read `passWithNoTests: true`, which turns "no test found" into a pass. */
const JEST_OR_VITEST_CONFIG = anyOf(PACKAGE_JSON, JEST_CONFIG_FILE, VITEST_CONFIG_FILE);

const RETRY = "re-runs a failing test until it passes, which hides a failure that comes and goes instead of fixing it";

export const LINE_PATTERNS: LinePattern[] = [
  // skip_tests — Python
  // `@pytest.mark.skip`, and `@mark.skip` after `from pytest import mark`.
  { rule: "skip_tests", re: /@(\w+\.)?mark\.(skip|skipif|xfail)\b/, why: "marks a test skip/xfail" },
  // `item.add_marker(pytest.mark.skip(...))`, `pytest.param(..., marks=mark.xfail)`.
  { rule: "skip_tests", re: /(^|[^\w.@])(\w+\.)?mark\.(skip|skipif|xfail)\b/, why: "skips tests through a pytest mark", files: PYTHON },
  {
    rule: "skip_tests",
    // Any slice assigned: `items[:] = kept`, `items[1:] = []`.
    re: /\bpytest_deselected\s*\(|\bitems\s*\[[^\]]*:[^\]]*\]\s*=(?!=)|\bitems\.(remove|pop|clear)\s*\(|\bdel\s+items\s*\[/,
    why: "drops collected tests in a conftest.py or pytest plugin",
    files: CONFTEST,
    pytestPlugins: true,
  },
  { rule: "skip_tests", re: /\bpytest\.(skip|xfail)\s*\(/, why: "skips a test at run time" },
  // pytest_ignore_collect returning True leaves a path out of collection, as collect_ignore does.
  { rule: "skip_tests", re: /\bdef\s+pytest_ignore_collect\b/, why: "makes pytest skip collecting files (pytest_ignore_collect)", files: PYTHON },
  { rule: "skip_tests", re: /\bpytestmark\s*=.*\bmark\.(skip|skipif|xfail)\b/, why: "skips a whole test module" },
  { rule: "skip_tests", re: /@unittest\.(skip\w*|expectedFailure)\b/, why: "marks a unittest test skipped" },
  // The same decorators imported by name: `from unittest import skip`.
  { rule: "skip_tests", re: /^\s*@(skip|skipIf|skipUnless|expectedFailure)\b/, why: "marks a unittest test skipped", files: PYTHON },
  // A setup file runs before every test file: a module of the project mocked there is mocked in all of them.
  { rule: "skip_tests", re: /\b(jest|vi)\.(mock|doMock)\s*\(\s*["'`](\.{1,2}\/|@\/|~\/|src\/|<rootDir>)/, why: "replaces a module of the project with a mock in every test (in a setup file)", files: RUNNER_HOOK_FILE },
  // `item.add_marker("skip")` and `getattr(pytest.mark, "xfail")` name the mark as a string.
  { rule: "skip_tests", re: /\badd_marker\s*\(\s*["'](skip|skipif|xfail)["']|\bgetattr\s*\(\s*(pytest\.)?mark\s*,\s*["'](skip|skipif|xfail)["']/, why: "skips tests through a pytest mark named as a string", files: PYTHON },
  { rule: "skip_tests", re: /\bimportorskip\s*\(/, why: "skips the tests when a module cannot be imported (importorskip)", files: PYTHON },
  // pytest skips a parametrize with no cases; vitest registers no test for an empty each table.
  { rule: "skip_tests", re: /\bparametrize\s*\(\s*("[^"]*"|'[^']*'|[^,]+),\s*(\[\s*\]|\(\s*\))\s*[,)]|\.each\s*\(\s*\[\s*\]\s*\)/, why: "gives a parametrized test no cases, so it does not run" },
  // Code that knows it runs under the test runner or in CI can pass there and be wrong everywhere else.
  {
    rule: "skip_tests",
    re: /\b(PYTEST_CURRENT_TEST|PYTEST_VERSION|JEST_WORKER_ID|VITEST_WORKER_ID|VITEST_POOL_ID|GITHUB_ACTIONS)\b|["']pytest["']\s+in\s+sys\.modules|\bprocess\.env\.(CI|VITEST)\b|\benviron(\.get)?\s*[[(]\s*["']CI["']|\bimport\.meta\.env\.VITEST\b/,
    why: "makes the code behave differently under the test runner or in CI",
    files: SOURCE_NOT_CONFIG,
  },
  // Hooks that decide how a test runs or what its outcome is: a conftest.py can make every failure a pass.
  {
    rule: "skip_tests",
    re: /\bdef\s+pytest_(runtest_(call|makereport|protocol)|pyfunc_call|report_teststatus)\b|\bexitstatus\s*=(?!=)|\.outcome\s*=\s*["'](passed|skipped)|\bforce_(result|exception)\s*\(/,
    why: "overrides how pytest runs or reports tests",
    files: PYTHON,
  },
  // Exiting with success from a test or its setup ends the run before failures are counted.
  // Go's TestMain ending in os.Exit(0) without m.Run() runs no test.
  { rule: "skip_tests", re: /\b(process\.exit|sys\.exit|os\._exit|os\.Exit)\s*\(\s*0?\s*\)/, why: "exits the test process with success", files: anyOf(TEST_PATH, RUNNER_HOOK_FILE), pytestPlugins: true },
  // The status set for the end instead of exiting at once: `process.exitCode = 0` in a teardown, `process.exit = () => {}` so a failure
  // cannot exit. Not in test files, where a CLI's tests stub process.exit and reset exitCode (and jest's workers do not decide the status).
  { rule: "skip_tests", re: /\bprocess\.exitCode\s*=\s*0\b|\bprocess\.exit\s*=(?!=)/, why: "overrides the test process's exit status", files: anyOf(RUNNER_HOOK_FILE, JEST_OR_VITEST_CONFIG) },
  { rule: "skip_tests", re: /\bpytest\.exit\s*\((.*\breturncode\s*=\s*0\b|[^,()]*,\s*0\s*\))/, why: "ends the pytest run with success (pytest.exit(..., returncode=0))", files: PYTHON },
  // What pytest selects, set from a conftest.py or plugin rather than the command line: `-m`, `-k`, `--deselect`, or the arguments themselves.
  {
    rule: "skip_tests",
    re: /\bconfig\.option\.(markexpr|keyword|deselect|ignore|ignore_glob|collectonly|setuponly|setupplan|lf|last_failed)\s*=(?!=)|\bconfig\.args\s*(\[[^\]]*\]\s*)?=(?!=)|\bdef\s+pytest_(cmdline_preparse|load_initial_conftests)\b/,
    why: "changes which tests pytest selects from inside its configuration",
    files: PYTHON,
  },
  // pytest and nose do not collect a class or module that sets __test__ = False.
  { rule: "skip_tests", re: /\b__test__\s*=\s*False\b/, why: "stops pytest collecting the tests (__test__ = False)", files: PYTHON },
  // Replaced assertion functions: `global.expect = …`, `TestCase.assertEqual = lambda *a: None`.
  {
    rule: "weaken_assertions",
    re: /\b(global|globalThis|window)\s*\.\s*(expect|assert)\s*=(?!=)|\.assert([A-Z_]\w*)?\s*=\s*(lambda\b|None\b|\(\s*\)\s*=>)/,
    why: "replaces the assertion functions",
  },
  // `globalThis.it = (name, fn) => orig(name, () => { try { fn() } catch {} })` in a setup file: every test defined through it is changed.
  { rule: "skip_tests", re: /\b(global|globalThis|window)\s*\.\s*(it|test|describe|fit|xit|specify|suite)\s*=(?!=)/, why: "replaces the functions tests are defined with" },
  { rule: "skip_tests", re: /\bself\.skipTest\s*\(|\braise\s+(unittest\.)?SkipTest\b/, why: "skips a unittest test" },
  // skip_tests — JS/TS (jest, vitest, mocha, jasmine, playwright)
  // Also through a modifier (`test.concurrent.skip`, Playwright's `test.describe.serial.skip`) or a bracket (`it["skip"]`).
  {
    rule: "skip_tests",
    re: /\b(it|test|describe|context|suite|specify)(\.(concurrent|sequential|serial|parallel|each))?(\.(skip|skipIf|runIf|todo|failing|fails|fixme)\b|\s*\[\s*["'`](skip|skipIf|runIf|todo|failing|fails|fixme|only)["'`]\s*\])/,
    why: "skips a test",
  },
  // node:test and vitest: `test("a", { skip: true }, () => …)`; any value but false skips.
  {
    rule: "skip_tests",
    re: /\b(it|test|describe|context|suite|specify)\s*\(.*\{[^{}]*\b(skip|todo)\s*:\s*(?!false\b|undefined\b|null\b)[^\s,}]/,
    why: "skips a test through its options",
  },
  // mocha `this.skip()`, node:test `t.skip()`, vitest `ctx.skip()`: only in test files (parsers have skip() methods too).
  { rule: "skip_tests", re: /\b(this|t|ctx|context)\.(skip|todo)\s*\(/, why: "skips a test at run time", files: TEST_PATH },
  // jasmine's pending() inside a test body skips the rest of it (jest-jasmine2, karma-jasmine).
  { rule: "skip_tests", re: /^\s*pending\s*\(/, why: "marks a jasmine test pending, which skips it", files: /(\.(test|spec)\.|(^|\/)(tests?|specs?|__tests__)\/.*\.)[cm]?[jt]sx?$/ },
  { rule: "skip_tests", re: /\b(it|test|describe|context|suite)(\.(concurrent|sequential|serial|parallel|each))?\.only\b/, why: "focuses one test (.only), which skips all the others" },
  { rule: "skip_tests", re: /(^|[^\w.$])(xit|xtest|xdescribe|xcontext|xspecify)\s*\(/, why: "skips a test (x-prefixed)" },
  { rule: "skip_tests", re: /(^|[^\w.$])(fit|fdescribe|ftest)\s*\(/, why: "focuses one test, which skips all the others" },
  // skip_tests — Go, Rust, JVM, .NET, Ruby
  { rule: "skip_tests", re: /\b[tb]\.Skip(f|Now)?\s*\(/, why: "skips a Go test" },
  { rule: "skip_tests", re: /^\s*\/\/\s*(\+build\s+ignore|go:build\s+ignore)\b/, why: "excludes a Go file from the build and its tests" },
  { rule: "skip_tests", re: /#\[ignore\b|#\[cfg_attr\(.*\bignore\b/, why: "marks a Rust test #[ignore]" },
  // `test = false` / `doctest = false` on a [lib], [[bin]] or [[test]] target: cargo test no longer runs its tests.
  { rule: "skip_tests", re: /^\s*(doc)?test\s*=\s*false\b/, why: "stops cargo test running a target's tests", files: CARGO_TOML },
  // yarn 2+ runs the script yarnPath names for every command, `yarn test` included.
  { rule: "skip_tests", re: /^\s*yarnPath\s*:/, why: "points yarn at another program (yarnPath), which runs every yarn command, the test script included", files: YARNRC_YML },
  // The program every npm script runs under (`npm test` runs `<script-shell> -c "jest"`): /bin/true passes them all.
  { rule: "skip_tests", re: /^\s*script-shell\s*=/, why: "changes the shell npm runs every script with (script-shell), the test script included", files: NPMRC },
  // `#[cfg(all(test, any()))]`: `any()` is false, `not(test)` is false under cargo test.
  { rule: "skip_tests", re: /#!?\[cfg(_attr)?\(.*(\bany\(\s*\)|\bnot\(\s*test\s*\))/, why: "compiles Rust tests out with a cfg that is never true" },
  // Build constraints leave a test file out of every build that does not match them.
  { rule: "skip_tests", re: /^\s*\/\/\s*(go:build|\+build)\s/, why: "adds a build constraint to a Go test file", files: /_test\.go$/ },
  { rule: "skip_tests", re: /@(Disabled\w*|Ignore)\b/, why: "disables a JVM test" },
  // TestNG's own switch: `@Test(enabled = false)`.
  { rule: "skip_tests", re: /@Test\s*\(.*\benabled\s*=\s*false\b/, why: "disables a JVM test" },
  // JUnit 5 runs an @EnabledOnOs/@EnabledIf test only where its condition holds; an assumption skips the rest.
  { rule: "skip_tests", re: /@Enabled(On|If|For)\w*\b/, why: "runs a JVM test only under a condition" },
  { rule: "skip_tests", re: /\bassume(True|False|That|NotNull)?\s*\(/, why: "makes a JVM test skip itself when an assumption fails", files: /\.(java|kt|scala|groovy)$/ },
  // A test that expects its own failure: a panic, an AssertionError, any Throwable.
  { rule: "weaken_assertions", re: /#\[should_panic\b/, why: "makes a Rust test pass when it panics" },
  {
    rule: "weaken_assertions",
    re: /\b(raises|assertRaises)\s*\(\s*\(?\s*(AssertionError|BaseException)\b|\bassertThrows\s*\(\s*(AssertionError|AssertionFailedError|Throwable)\.class|\bexpected(Exceptions)?\s*=\s*\{?\s*(AssertionError|Throwable)\.class/,
    why: "expects the test's own assertion to fail",
    files: TEST_PATH,
  },
  { rule: "skip_tests", re: /\bassum(e|ptions?\.assume)(True|That)?\s*\(\s*false\s*\)/i, why: "makes a test skip itself via an assumption" },
  { rule: "skip_tests", re: /\[\s*Ignore\b|\b(Fact|Theory)\s*\(\s*Skip\s*=/, why: "skips a .NET test" },
  { rule: "skip_tests", re: /^\s*(skip|pending|xit)\b\s*(\(|["']|$)/, why: "skips an RSpec/minitest test", files: RUBY },
  // RSpec's other x-prefixed groups and examples, with or without parentheses: `RSpec.xdescribe Calc do`, `xexample "adds" do`.
  { rule: "skip_tests", re: /^\s*(RSpec\.)?x(describe|context|specify|example|feature|scenario)\b/, why: "skips an RSpec group or example (x-prefixed)", files: RUBY },
  // Metadata on a group or example: `it "adds", skip: "flaky" do`, `describe Calc, :pending do`.
  { rule: "skip_tests", re: /^\s*(RSpec\.)?(describe|context|it|specify|example|feature|scenario)\b.*,\s*(:(skip|pending)\b|(skip|pending):\s*(?!false\b|nil\b)\S)/, why: "skips an RSpec example through its metadata", files: RUBY },
  { rule: "skip_tests", re: /^\s*(RSpec\.)?f(describe|context|it|specify|example|feature|scenario)\b|^\s*(RSpec\.)?(describe|context|it|specify|example|feature|scenario)\b.*,\s*(:focus\b|focus:\s*true\b)/, why: "focuses one RSpec example or group, which skips all the others (with filter_run_when_matching :focus)", files: RUBY },
  // skip_tests — test runner flags in scripts and workflows
  {
    rule: "skip_tests",
    re: /(--deselect\b|(^|\s)--ignore(-glob)?[= ]|\s-k\s+["']?not\b|testPathIgnorePatterns|(^|\s)-skip[= ]|--skip\b|-DskipTests\b|-Dmaven\.test\.skip|--exclude-tests?\b)/,
    why: "excludes tests from the test command",
    files: SCRIPT_FILES,
  },
  // skip_tests — Maven: a pom.xml property or plugin setting, and .mvn/maven.config, which every mvn run reads as its first arguments.
  { rule: "skip_tests", re: /<(skipTests|skipITs|maven\.test\.skip(\.exec)?|skipExec)>\s*true\s*</, why: "skips the Maven test run", files: POM },
  { rule: "skip_tests", re: /<(testFailureIgnore|maven\.test\.failure\.ignore)>\s*true\s*</, why: "lets the Maven build pass with failing tests (testFailureIgnore)", files: POM },
  // surefire's `<exclude>**/CalcTest.java</exclude>` and `<excludedGroups>slow</excludedGroups>`; a resource or coverage exclude names no test class.
  { rule: "skip_tests", re: /<excluded?Groups>|<exclude>[^<]*(Tests?|IT|TestCase|Spec)\b[^<]*<\/exclude>/, why: "leaves tests out of the Maven test run", files: POM },
  {
    rule: "skip_tests",
    re: /(^|\s)-D(skipTests|skipITs|maven\.test\.skip|maven\.test\.failure\.ignore|testFailureIgnore|test|it\.test|groups|excludedGroups)(=|\s|$)/,
    why: "gives every mvn run a property that skips, deselects or ignores tests",
    files: MAVEN_CONFIG,
  },
  // A processor or runner of the project's own sees, and can rewrite, every result: `testResultsProcessor: "<rootDir>/ci/results.js"`.
  { rule: "skip_tests", re: /["']?\b(testResultsProcessor|testRunner|runner)["']?\s*:\s*["'`](\.{1,2}\/|<rootDir>|\/)/, why: "hands the test run or its results to a script of the project's own", files: JEST_OR_VITEST_CONFIG },
  { rule: "skip_tests", re: /["']?\bpassWithNoTests["']?\s*:\s*true\b/, why: "lets the test run pass when it finds no tests", files: JEST_OR_VITEST_CONFIG },
  // skip_tests — retries: a test that fails now and then (a race, an order dependence, a leak) passes on a
  // later try and CI goes green with the fault still there. A deterministic failure is not fixed by them either.
  { rule: "skip_tests", re: /(^|[^\w.])(\w+\.)?mark\.flaky\b|^\s*@flaky\b/, why: RETRY, files: PYTHON },
  { rule: "skip_tests", re: /\bjest\.retryTimes\s*\(|\bthis\.retries\s*\(\s*[1-9]|\.configure\s*\(.*\bretries\s*:\s*[1-9]/, why: RETRY },
  // vitest's per-test option: `test("a", { retry: 3 }, () => …)`.
  { rule: "skip_tests", re: /\b(it|test|describe|suite|context|specify)(\.\w+)*\s*\(.*\{[^{}]*\bretry\s*:\s*[1-9]/, why: RETRY, files: TEST_PATH },
  { rule: "skip_tests", re: /^\s*["']?retry["']?\s*:\s*[1-9]/, why: RETRY, files: VITEST_CONFIG_FILE },
  { rule: "skip_tests", re: /<((surefire|failsafe)\.)?rerunFailingTestsCount>\s*[1-9]/, why: RETRY, files: POM },
  { rule: "skip_tests", re: /-D(surefire|failsafe)\.rerunFailingTestsCount=\s*[1-9]/, why: RETRY, files: anyOf(SCRIPT_FILES, MAVEN_CONFIG) },
  // The test-retry plugin's `retry { maxRetries = 3 }`.
  { rule: "skip_tests", re: /\bmaxRetries\s*(=|\.set\s*\(|\()\s*[1-9]/, why: RETRY, files: /\.gradle(\.kts)?$/ },
  { rule: "skip_tests", re: /\bretry:\s*[1-9]|:retry\s*=>\s*[1-9]|\bdefault_retry_count\s*=\s*[1-9]/, why: RETRY, files: RUBY },
  { rule: "skip_tests", re: /\[\s*(Retry|RetryFact|RetryTheory)\b/, why: RETRY, files: /\.cs$/ },
  { rule: "skip_tests", re: /@(RetryingTest|RepeatedIfExceptionsTest|Flaky)\b/, why: RETRY, files: /\.(java|kt|scala|groovy)$/ },
  { rule: "skip_tests", re: /^\s*retries\s*=\s*([1-9]|\{)/, why: RETRY, files: /(^|\/)\.config\/nextest\.toml$/ },
  // A step or job that never runs passes: `if: false` where workflow edits are allowed.
  { rule: "skip_tests", re: /^\s*(-\s+)?if\s*:\s*(["']?false["']?|\$\{\{\s*false\s*\}\}|["']?\$\{\{\s*false\s*\}\}["']?)\s*(#.*)?$/, why: "turns a CI step or job off (if: false)", files: /(^|\/)\.github\/(workflows|actions)\/.*\.ya?ml$|(^|\/)action\.ya?ml$|(^|\/)\.gitlab-ci\.yml$/i },
  // continue_on_error
  { rule: "continue_on_error", re: /\bcontinue-on-error\s*:\s*(true|["']?\$\{\{)/, why: "lets a failing step or job pass (continue-on-error)" },
  { rule: "continue_on_error", re: /\ballow_failure\s*:\s*true\b/, why: "lets a failing job pass (allow_failure)" },
  // or_true
  // `/bin/true`, `/usr/bin/echo`: the same commands by their full path.
  { rule: "or_true", re: /\|\|\s*(?:(?:\/usr)?\/bin\/)?(true\b|:(?=\s|$|;|["'])|exit\s+0\b|echo\b)/, why: "swallows a command's failure (|| true)", files: SCRIPT_FILES },
  { rule: "or_true", re: /\bset\s+\+e\b|\bset\s+\+o\s+errexit\b/, why: "turns off exit-on-error (set +e)", files: SCRIPT_FILES },
  // `trap 'exit 0' EXIT` (or ERR, under set -e) replaces the script's exit status with success, whatever failed.
  { rule: "or_true", re: /\btrap\s+(['"])[^'"]*\bexit\s+0\b[^'"]*\1\s+(.*\s)?(EXIT|ERR|0)\b/, why: "makes the script exit with success whatever failed (trap 'exit 0')", files: SCRIPT_FILES },
  { rule: "or_true", re: /;\s*((?:(?:\/usr)?\/bin\/)?true|exit\s+0)\s*["']?\s*,?\s*$/, why: "ends a command with '; true' / '; exit 0'", files: SCRIPT_FILES },
  { rule: "or_true", re: /^\t-[^\s-]/, why: "prefixes a make command with '-' so its failure is ignored", files: MAKEFILES },
  // lower_thresholds — suppressions and disabled lint rules
  { rule: "lower_thresholds", re: /eslint-disable|@ts-ignore|@ts-nocheck|istanbul ignore|c8 ignore|v8 ignore/, why: "suppresses a lint, type or coverage check" },
  { rule: "lower_thresholds", re: /#\s*(noqa|type:\s*ignore|pylint:\s*disable|pragma:\s*no\s*cover)\b/, why: "suppresses a Python lint/type/coverage check" },
  { rule: "lower_thresholds", re: /\/\/\s*nolint\b|#!?\[allow\(|@SuppressWarnings\b|#pragma\s+warning\s+disable|\/\/\s*rubocop:disable/, why: "suppresses a lint warning" },
  {
    rule: "lower_thresholds",
    re: /["']?[\w@/-]+["']?\s*:\s*(["']off["']|0\b|\[\s*(["']off["']|0\b))/,
    why: "turns an ESLint rule off",
    files: ESLINT_CONFIG,
  },
  // In package.json a `0` is as likely a retry count as a rule level: only "off" counts there.
  { rule: "lower_thresholds", re: /["'][\w@/-]+["']\s*:\s*(["']off["']|\[\s*["']off["'])/, why: "turns an ESLint rule off", files: PACKAGE_JSON },
  { rule: "lower_thresholds", re: /^\s*(extend-)?(ignore|disable|extend-ignore)\s*=/, why: "adds ignored lint codes", files: LINT_CONFIG },
  { rule: "lower_thresholds", re: /^\s*\[?\s*"?(tool\.ruff\.)?(lint\.)?per-file-ignores\b/, why: "adds lint codes ignored per file", files: LINT_CONFIG },
  // mypy's and pyright's checks, turned off for a module or the project.
  {
    rule: "lower_thresholds",
    re: /^\s*(ignore_errors\s*=\s*(true|True|1)\b|(strict|strict_optional|check_untyped_defs|disallow_\w+|warn_return_any)\s*=\s*(false|False|0)\b)/,
    why: "turns a mypy check off",
    files: /(^|\/)(\.?mypy\.ini|setup\.cfg|pyproject\.toml)$/,
  },
  {
    rule: "lower_thresholds",
    re: /["']?\b(report\w+)["']?\s*[=:]\s*(false\b|["'](none|off)["'])|["']?\btypeCheckingMode["']?\s*[=:]\s*["'](off|basic)["']/,
    why: "turns a pyright check off",
    files: /(^|\/)(pyrightconfig\.json|pyproject\.toml)$/,
  },
  // Files left out of coverage count as covered by nothing: a coverage gate then measures the rest.
  { rule: "lower_thresholds", re: /^\s*omit\s*=|\bcoveragePathIgnorePatterns\b/, why: "leaves files out of coverage", files: COVERAGE_CONFIG },
  // `.IGNORE:` or `MAKEFLAGS += -i` makes make ignore every failing recipe line.
  { rule: "or_true", re: /^\.IGNORE\s*:|\bMAKEFLAGS\b.*(\s-[a-zA-Z]*i\b|--ignore-errors)/, why: "makes make ignore failing commands", files: MAKEFILES },
  { rule: "or_true", re: /\bmake\b[^;&|]*\s(-[a-zA-Z]*i|--ignore-errors)\b/, why: "runs make ignoring failing commands (-i)", files: SCRIPT_FILES },
];

/** Lines that define a test (removing more of them than are added deletes tests). */
export const TEST_DEFINITION =
  /^\s*((async\s+)?def\s+test\w*\s*\(|class\s+Test\w*|(it|test|describe|specify|context)\s*\(\s*["'`]|func\s+(Test|Benchmark|Fuzz)\w*\s*\(|#\[(\w+::)*test\]|@(Test|ParameterizedTest|RepeatedTest|TestFactory)\b|\[(Test|Fact|Theory|TestMethod|TestCase)\b|(it|describe|context|specify|test)\s+["'])/;

/**
 * File names test runners find tests by (pytest/unittest/Django `test*.py`, `*_test.go`, `*.test.js`,
 * surefire's `*Test.java`, …): a test file renamed away from these is no longer run.
 */
export const TEST_FILE_NAME =
  /((^|\/)(test_[^/]*|tests?)\.py$|_test\.(py|go|rb|exs?)$|(^|\/)test_[^/]*\.rb$|(^|\/)conftest\.py$|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)__tests__\/|(Tests?|IT|TestCase|Spec)\.(java|kt|scala|groovy|cs)$|(^|\/)Test[^/]*\.(java|kt|scala|groovy)$|_spec\.rb$)/;

/** A file's text shows it holds tests even though its path does not (Rust `#[cfg(test)]`, …). */
export const TEST_MARKER = /#\[cfg\(test\)\]|#\[(\w+::)*test\]|^\s*def test_|@Test\b|^func Test\w+\(t \*testing\.T\)|^\s*(describe|it|test)\s*\(\s*["'`]/m;

export const ASSERTION =
  /(^\s*assert\b|\bexpect\s*\{|\b(pytest\.)?(raises|warns|deprecated_call)\s*\(|\bassert\w*!?\s*\(|\bexpect\s*\(|\b(require|assert)\.\w+\s*\(|\bt\.(Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\bself\.(assert|fail)\w*\s*\(|\.should\b|\bverify\s*\(|\bShould\w*\s*\()/;

/**
 * Assertions that prove (almost) nothing: a replacement by one of these is a loosening. An empty
 * `toMatchInlineSnapshot()` is filled in with whatever the code produces on the next run. A lower bound of
 * zero or less (`toBeGreaterThanOrEqual(0)`) holds for nearly any count or sum, and `assert x in (3, 4)`
 * accepts a wrong answer beside the right one.
 */
export const WEAK_ASSERTION =
  /(\.toBeGreaterThanOrEqual\s*\(\s*(-\s*)?0*(\.0*)?\s*\)|\.toBeGreaterThan(OrEqual)?\s*\(\s*-\s*[\d.]+\s*\)|\sin\s+[([{][^()[\]{},]+(,[^()[\]{},]+)+,?[)\]}]\s*(#.*)?$|\.(toEqual|toStrictEqual|toBe|toMatchObject)\s*\(\s*expect\.any\s*\([^()]*\)\s*\)|\.toMatchObject\s*\(\s*\{\s*\}\s*\)|\.(toEqual|toMatchObject)\s*\(\s*expect\.objectContaining\s*\(\s*\{\s*\}\s*\)\s*\)|\bexpect\s*\(\s*typeof\b|\.(to|not_to|to_not)\s+(be_truthy|be_falsey|be_present|be_an?\b|be_kind_of\b|be_instance_of\b|be_an_instance_of\b)|\.(not_to|to_not)\s+(be_nil|eq|eql|equal|be_empty)\b|\.toMatchInlineSnapshot\s*\(\s*\)|\.(not\.)?(toBeDefined|toBeTruthy|toBeFalsy|toBeInstanceOf)\s*\(\s*\)|\.not\.(toBeNull|toBeUndefined)\s*\(\s*\)|\.not\.(toBe|toEqual|toStrictEqual)\s*\(|\bassertNotEquals?\s*\(|\bassert\.(notEqual|notStrictEqual|notDeepEqual|NotEqual)\s*\(|\bassert_ne!\s*\(|expect\.anything\s*\(|\.toHaveBeenCalled\s*\(\s*\)|\bassert(NotNull|IsNotNone|IsNotNil|\.ok|\.exists)\s*\(|\bassert(True|False)\s*\(\s*(true|false|True|False)\s*\)|^\s*assert\s+(True|1|not\s+(False|None))\s*(#.*)?$|^\s*assert\s+[\w.]+\s*(#.*)?$|^\s*assert\s+.+\s+is\s+not\s+None\s*(#.*)?$|\bassert!\s*\(\s*true\s*\)|expect\s*\(\s*true\s*\)\.toBe\(\s*true\s*\)|\bassert\.(NotNil|NotEmpty|True\(\s*t\s*,\s*true\s*\))|\bNotNil\s*\()/;

/** Tolerance parameters: a larger value is looser. */
export const TOLERANCE = /\b(rtol|atol|abs_tol|rel_tol|abs|rel|delta|tol|tolerance|epsilon|eps)\s*[=:]\s*([0-9][0-9._]*(?:e-?\d+)?)/gi;
/** Precision parameters: a smaller value is looser. */
export const PRECISION = /\b(places|decimal|digits|precision)\s*[=:]\s*(\d+)/gi;
/** JUnit `assertEquals(expected, actual, delta)`, testify `InDelta(t, a, b, delta)`: positional tolerances. */
export const POSITIONAL_DELTA =
  /\b(?:assert(?:Array)?Equals|InDelta|InEpsilon)\s*\((?:[^,()]|\([^()]*\))+,(?:[^,()]|\([^()]*\))+,(?:(?:[^,()]|\([^()]*\))+,)?\s*([0-9][0-9._]*(?:e-?\d+)?)[fFdD]?\s*\)/g;
/** unittest `assertAlmostEqual(a, b, places)`. */
export const POSITIONAL_PLACES = /\bassert(?:Not)?AlmostEquals?\s*\((?:[^,()]|\([^()]*\))+,(?:[^,()]|\([^()]*\))+,\s*(\d+)\s*\)/g;
export const CLOSE_TO = /toBeCloseTo\s*\([^,()]+(?:\([^()]*\))?[^,()]*,\s*(\d+)\s*\)/g;

/** Coverage-like thresholds (lower is looser) and warning budgets (higher is looser). */
export const COVERAGE_KEY =
  /(--cov-fail-under|--fail-under|fail_under|fail-under|minimum_coverage|min_coverage|coverage_threshold|minCoverage|<minimum>)\s*["']?\s*[=:]?\s*["']?\s*(\d+(?:\.\d+)?)/g;
/** jest/vitest/nyc/codecov per-metric thresholds, only meaningful in their config files. */
export const METRIC_KEY = /\b(branches|functions|lines|statements|target|threshold)\s*["']?\s*[=:]\s*["']?\s*(\d+(?:\.\d+)?)/g;
export const METRIC_FILES = anyOf(
  JEST_CONFIG_FILE,
  VITEST_CONFIG_FILE,
  /(^|\/)(karma\.(config|conf)\.[cm]?[jt]s|karma\.config\.json|package\.json|\.nycrc(\.(json|ya?ml))?|\.c8rc(\.json)?|codecov\.ya?ml)$/,
);
export const WARNINGS_KEY = /(--max-warnings|max_warnings|maxWarnings|max-warnings)\s*["']?\s*[=:]?\s*["']?\s*(-?\d+)/g;
/** Config and build files where a coverage gate lives (not source code, where `minimum = 3` is just code). */
export const COVERAGE_FILES =
  /(^|\/)([^/]*\.config\.[cm]?[jt]s|package\.json|[^/]*\.(toml|cfg|ini|ya?ml|mk|sh)|\.coveragerc|\.nycrc[^/]*|\.c8rc[^/]*|Makefile|noxfile\.py|build\.gradle(\.kts)?|pom\.xml)$/;
