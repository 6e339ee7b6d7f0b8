import { showHiddenChars } from "../core/hidden-chars.js";
import {
  ASSERTION, CLOSE_TO, POSITIONAL_DELTA, POSITIONAL_PLACES, COVERAGE_FILES, COVERAGE_KEY, LINE_PATTERNS, METRIC_FILES, METRIC_KEY, PRECISION, SCRIPT_FILES,
  TEST_DEFINITION, TEST_FILE_NAME, TEST_MARKER, TEST_PATH, TOLERANCE, WARNINGS_KEY, WEAK_ASSERTION,
} from "./greenwash-patterns.js";
import { statementsOf } from "./assertion-statements.js";
import { findCargoHarnessOff } from "./cargo-harness-off.js";
import { findCfgOnTests } from "./cfg-on-tests.js";
import { findDroppedWarningErrors } from "./dropped-warning-errors.js";
import { findEnvRunnerFlags } from "./env-runner-flags.js";
import { foldedPath } from "./folded-path.js";
import { findGradleChecksOff } from "./gradle-checks-off.js";
import { findMavenTestsOff } from "./maven-tests-off.js";
import { findSwallowedStatus } from "./swallowed-status.js";
import { isHollowAssertion } from "./hollow-assertion.js";
import { findNeuteredTestCode } from "./neutered-test-code.js";
import { findRelaxedAssertions } from "./relaxed-assertion.js";
import { isPytestPlugin } from "./pytest-plugin.js";
import { RUNNER_PATTERNS } from "./runner-patterns.js";
import { addedLintExclusion } from "./lint-exclusions.js";
import { onlyBuildDirs } from "./only-build-dirs.js";
import { unrunPlace } from "./unrun-place.js";
import { findWidenedExceptions } from "./widened-exception.js";
import { findWideTolerance } from "./wide-tolerance.js";
import { withWrappedContext } from "./with-wrapped-context.js";
import type { AllowKey, FilePatch } from "./types.js";
import { redactHead } from "../core/redact.js";

export interface Finding {
  rule: AllowKey;
  file: string;
  hunk?: string;
  reason: string;
}

interface Line {
  text: string;
  hunk: string;
}

const MAX_LINE = 2000;
const SNAPSHOT_FILE = /(^|\/)__snapshots__\/|\.snap$/;
const LINT_IGNORE_FILE = /(^|\/)\.(eslintignore|prettierignore|stylelintignore|rubocop_todo\.yml)$/;
/** ESLint, ruff/flake8 and golangci-lint configs, which can list files the linter skips. */
const LINT_CONFIG_FILE = /(^|\/)(\.eslintrc(\.[a-z]+)?|eslint\.config\.[cm]?[jt]s|\.flake8|setup\.cfg|tox\.ini|pyproject\.toml|ruff\.toml|\.ruff\.toml|\.golangci\.ya?ml)$/;
/** One case of a test table: `(1, 2, 3),`, `[1, 2],`, `{"a", 1},`, `pytest.param(1, id="one"),`. */
const TABLE_ROW = /^\s*([(\[{].*[)\]}]|pytest\.param\(.*\))\s*,\s*(#.*|\/\/.*)?$/;
const CFG_TEST = /#!?\[cfg\(test\)\]/;
/** Gradle's and Maven's wrapper scripts and yarn 2+'s release, which run in place of the build tool. */
const RUNNER_WRAPPER = /(^|\/)(gradlew(\.bat)?|mvnw(\.cmd)?)$|(^|\/)\.yarn\/releases\//;
const WORKFLOWS = /^\.github\/workflows\//;
/**
 * Local actions (`uses: ./.github/actions/test`, or `uses: ./` for the action.yml at the root of an
 * action's own repository): their steps run in CI like a workflow's.
 */
const LOCAL_ACTIONS = /^\.github\/actions\/|(^|\/)action\.ya?ml$/;

export const isTestPath = (p: string) => TEST_PATH.test(p);
export const hasTestMarkers = (content: string | null) => content !== null && TEST_MARKER.test(content);
// `#[...]`/`#![...]` are Rust attributes, not comments.
const isComment = (s: string) => /^\s*(#(?![[!])|\/\/|\/\*|\*|--\s)/.test(s);
/**
 * A line quoted in a refusal, which the job record, the retry prompt and `jobs show` carry: JSON-quoted, with
 * the bidi, invisible and control characters JSON leaves raw shown as escapes, so the reason reads as it is.
 * Redacted before the cut: the head of a secret a cut goes through is too short for its rule.
 */
export const quote = (s: string) => showHiddenChars(JSON.stringify(redactHead(s.trim(), 100)));

/**
 * Everything in one file's patch that would make CI green without fixing anything. `oldContent` is the
 * file before the patch (null when added), used to spot test files whose path does not say so.
 */
export function findGreenwashing(fp: FilePatch, oldContent: string | null): Finding[] {
  const file = fp.path;
  const findings: Finding[] = [];
  const add = (rule: AllowKey, reason: string, hunk?: string) => findings.push({ rule, file, reason, ...(hunk ? { hunk } : {}) });
  const testFile = isTestPath(file) || (fp.oldPath !== null && isTestPath(fp.oldPath)) || hasTestMarkers(oldContent);

  // Workflow and action paths are matched as a case-insensitive runner checks them out (see foldedPath).
  const either = (re: RegExp) => re.test(foldedPath(file)) || (fp.oldPath !== null && re.test(foldedPath(fp.oldPath)));
  if (either(WORKFLOWS)) {
    add("workflow_edits", "the patch edits a GitHub Actions workflow; fix the code, or allow workflow_edits in .github/ci-bot.yml");
  } else if (either(LOCAL_ACTIONS)) {
    add("workflow_edits", "the patch edits a local GitHub Action (.github/actions/ or an action.yml), whose steps CI runs; fix the code, or allow workflow_edits in .github/ci-bot.yml");
  }
  if (fp.status === "deleted" && testFile) add("delete_tests", "the patch deletes a test file");
  // Without `--ci`, jest and vitest write a missing snapshot from whatever the code now produces, and pass.
  if (fp.status === "deleted" && SNAPSHOT_FILE.test(file)) add("delete_tests", "the patch deletes a snapshot file, which the next test run writes anew from the code's current output");
  if (fp.status === "renamed" && fp.oldPath !== null) {
    const from = fp.oldPath;
    // Out of the test folders, or (for a file that holds tests) to a name the runner does not collect:
    // test/sum.test.js → test/sum.js, Django's app/tests.py → app/checks.py.
    const wasTest = isTestPath(from) || hasTestMarkers(oldContent);
    if ((isTestPath(from) && !isTestPath(file)) || (wasTest && TEST_FILE_NAME.test(from) && !TEST_FILE_NAME.test(file))) {
      add("delete_tests", `the patch moves the test file ${from} where the test runner will not find it`);
    } else if (TEST_FILE_NAME.test(from) || hasTestMarkers(oldContent)) {
      // A test name kept, in a place the runner skips: test/node_modules/, tests/build/, calc_windows_test.go.
      const place = unrunPlace(from, file);
      if (place) add("delete_tests", `the patch moves the test file ${from} to ${file}: ${place}`);
    }
  }

  const added: Line[] = [];
  const removed: Line[] = [];
  for (const h of fp.hunks) {
    for (const l of h.lines) {
      // Long lines are cut: the patterns look at the start of a statement, and backtracking stays bounded.
      const text = l.text.length > MAX_LINE ? l.text.slice(0, MAX_LINE) : l.text;
      if (l.kind === "+") added.push({ text, hunk: h.header });
      else if (l.kind === "-") removed.push({ text, hunk: h.header });
    }
  }

  // A path added to a linter's ignore file is no longer linted (build output aside).
  if (LINT_IGNORE_FILE.test(file)) {
    const ignored = added.find((l) => l.text.trim() && !/^\s*#/.test(l.text) && !onlyBuildDirs(l.text.trim()) && !removed.some((r) => r.text.trim() === l.text.trim()));
    if (ignored) add("lower_thresholds", `the patch stops the linter checking ${quote(ignored.text)}`, ignored.hunk);
  }
  if (LINT_CONFIG_FILE.test(file)) {
    const excluded = addedLintExclusion(fp.hunks, oldContent);
    if (excluded) add("lower_thresholds", `the patch adds ${quote(excluded.path)} to the files the linter skips`, excluded.hunk);
  }

  const plugin = isPytestPlugin(fp, oldContent);
  for (const p of [...LINE_PATTERNS, ...RUNNER_PATTERNS]) {
    if (p.files && !p.files.test(file) && !(p.pytestPlugins && plugin)) continue;
    const plus = added.filter((l) => p.re.test(l.text));
    const minus = removed.filter((l) => p.re.test(l.text)).length;
    if (plus.length > minus) add(p.rule, `${p.why}: ${quote(plus[0]!.text)}`, plus[0]!.hunk);
  }

  const swallowed = findSwallowedStatus(fp, oldContent);
  if (swallowed) add("or_true", `the patch ${swallowed.why}: ${quote(swallowed.line)}`, swallowed.hunk);
  for (const e of findEnvRunnerFlags(fp)) {
    add("skip_tests", `the patch sets ${e.variable} to ${quote(e.value)}, which ${e.variable === "GOFLAGS" ? "go test" : "pytest"} adds to every run's arguments: ${e.flag}, ${e.why}`, e.hunk);
  }
  for (const d of findDroppedWarningErrors(fp, oldContent)) {
    add("lower_thresholds", `the patch drops ${d.switch} from ${quote(d.line)}, so warnings that failed the run now pass`, d.hunk);
  }
  const harness = findCargoHarnessOff(fp, oldContent);
  if (harness) add("skip_tests", `the patch turns libtest off for a [[test]] target (harness = false), so cargo runs the file's main instead of its #[test] functions: ${quote(harness.line)}`, harness.hunk);
  // The wrappers are the build tool as the project runs it: `./gradlew test` is whatever gradlew says. A mode change (chmod +x) has no hunk.
  if (RUNNER_WRAPPER.test(file) && fp.status !== "deleted" && fp.hunks.length > 0) {
    add("skip_tests", `the patch edits ${file}, the wrapper every run of the build tool (its tests included) goes through; regenerate it with the tool (gradle wrapper, mvn wrapper:wrapper, yarn set version) instead`);
  }
  for (const g of findGradleChecksOff(fp)) add(g.rule, `the patch ${g.why}: ${quote(g.line)}`, g.hunk);
  for (const m of findMavenTestsOff(fp, oldContent)) add("skip_tests", `the patch ${m.why}: ${quote(m.line)}`, m.hunk);

  // `#[cfg(test)]` swapped for a cfg cargo test does not set (`#[cfg(feature = "never")]`): the module's tests are compiled out.
  const cfgTest = (ls: Line[]) => ls.filter((l) => CFG_TEST.test(l.text)).length;
  if (cfgTest(removed) > cfgTest(added) && added.some((l) => /#!?\[cfg\(/.test(l.text))) {
    add("skip_tests", "the patch replaces #[cfg(test)] with another cfg, so cargo test no longer builds the tests under it", removed.find((l) => CFG_TEST.test(l.text))!.hunk);
  }

  const cfg = findCfgOnTests(fp, testFile);
  if (cfg) add("skip_tests", `the patch puts a cfg on Rust tests, which compiles them out wherever it does not hold (CI's cargo test included): ${quote(cfg.line)}`, cfg.hunk);

  if (fp.status !== "deleted") {
    const defsGone = removed.filter((l) => !isComment(l.text) && TEST_DEFINITION.test(l.text));
    const defsNew = added.filter((l) => !isComment(l.text) && TEST_DEFINITION.test(l.text));
    if (defsGone.length > defsNew.length) {
      const gone = firstNotKept(defsGone, defsNew);
      add("delete_tests", `the patch removes the test ${quote(gone.text)} (or comments it out)`, gone.hunk);
    }
  }

  // The assertion checks read statements: an assertion wrapped across a hunk's edge is read whole, from the file.
  const wrapped = testFile && oldContent !== null ? { ...fp, hunks: withWrappedContext(oldContent, fp.hunks) } : fp;
  if (testFile && fp.status !== "deleted") {
    checkAssertions(wrapped, add);
    for (const f of findNeuteredTestCode(wrapped.hunks, oldContent)) add(f.rule, `the patch ${f.reason}: ${quote(f.line)}`, f.hunk);
    for (const w of findWidenedExceptions(wrapped.hunks)) {
      add("weaken_assertions", `the patch loosens the assertion ${quote(w.removed)} to ${quote(w.added)}, dropping ${w.lost}: it passes for whatever the code now throws`, w.hunk);
    }
    // A case dropped from a table of cases (a parametrize list, test.each, a Go table) is a test deleted.
    const rows = (ls: Line[]) => ls.filter((l) => TABLE_ROW.test(l.text));
    const rowsGone = rows(removed);
    if (rowsGone.length > rows(added).length) {
      const gone = firstNotKept(rowsGone, rows(added));
      add("delete_tests", `the patch removes the case ${quote(gone.text)} from a table of test cases`, gone.hunk);
    }
  }
  if (testFile) {
    checkTolerances(wrapped, add);
    const wide = findWideTolerance(wrapped.hunks);
    if (wide) add("weaken_assertions", `the patch gives an exact assertion ${wide.what}, which lets a wrong result through: ${quote(wide.line)}`, wide.hunk);
  }
  checkThresholds(file, added, removed, add);
  return findings;
}

type Add = (rule: AllowKey, reason: string, hunk?: string) => void;

/** The first of `gone` that the patch does not add back as it was (a line moved is not gone), else the first. */
function firstNotKept(gone: Line[], added: Line[]): Line {
  const kept = new Set(added.map((l) => l.text.trim()));
  return gone.find((l) => !kept.has(l.text.trim())) ?? gone[0]!;
}

function checkAssertions(fp: FilePatch, add: Add) {
  // Statements, not lines: a wrapped assertion's subject and matcher sit on lines of their own.
  const changed = (kind: "-" | "+") => fp.hunks.flatMap((h) => statementsOf(h, kind).filter((s) => s.changed).map((s): Line => ({ text: s.text, hunk: h.header })));
  const removed = changed("-");
  const added = changed("+");
  const isAssert = (l: Line) => !isComment(l.text) && ASSERTION.test(l.text);
  const weak = (l: Line) => WEAK_ASSERTION.test(l.text) || isHollowAssertion(l.text);
  const strong = (l: Line) => isAssert(l) && !weak(l);
  const strongGone = removed.filter(strong);
  const strongNew = added.filter(strong);
  if (strongGone.length <= strongNew.length) {
    // As many assertions as before, but one that pinned a value now only bounds it: `toBe(3)` → `toBeGreaterThan(0)`.
    const relaxed = findRelaxedAssertions(fp.hunks, fp.path.endsWith(".go"))[0];
    if (relaxed) {
      add("weaken_assertions", `the patch replaces the exact assertion ${quote(relaxed.removed)} with the weaker ${quote(relaxed.added)}, which passes for many wrong values`, relaxed.hunk);
    }
    return;
  }
  const gone = firstNotKept(strongGone, strongNew);
  const weaker = added.find((l) => isAssert(l) && weak(l));
  add(
    "weaken_assertions",
    weaker
      ? `the patch replaces the assertion ${quote(gone.text)} with the weaker ${quote(weaker.text)}`
      : `the patch removes the assertion ${quote(gone.text)} without an equivalent replacement`,
    gone.hunk,
  );
}

/** Numbers found by `re`: keyed by its first group when it has two, else under `fixedKey`. */
function values(lines: string[], re: RegExp, fixedKey = "digits"): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const line of lines) {
    for (const m of line.matchAll(re)) {
      const key = (m.length > 2 ? m[1]! : fixedKey).toLowerCase();
      const v = Number((m.length > 2 ? m[2]! : m[1]!).replace(/_/g, ""));
      if (!Number.isFinite(v)) continue;
      out.set(key, [...(out.get(key) ?? []), v]);
    }
  }
  return out;
}

function checkTolerances(fp: FilePatch, add: Add) {
  for (const h of fp.hunks) {
    // Statements, not lines: a positional tolerance (`assertAlmostEqual(\n    a,\n    b,\n    7,\n)`) is read with its call.
    const changed = (kind: "-" | "+") => statementsOf(h, kind).filter((s) => s.changed).map((s) => s.text);
    const minus = changed("-");
    const plus = changed("+");
    if (minus.length === 0 || plus.length === 0) continue;
    let done = false;
    const compare = (re: RegExp, looser: (before: number, after: number) => boolean, what: string, key?: string) => {
      if (done) return;
      const before = values(minus, re, key);
      const after = values(plus, re, key);
      for (const [key, b] of before) {
        const a = after.get(key);
        if (!a) continue;
        const bv = what === "tolerance" ? Math.max(...b) : Math.min(...b);
        const av = what === "tolerance" ? Math.max(...a) : Math.min(...a);
        if (looser(bv, av)) {
          add("weaken_assertions", `the patch loosens the ${what} ${key} from ${bv} to ${av}`, h.header);
          done = true;
          return;
        }
      }
    };
    compare(TOLERANCE, (b, a) => a > b, "tolerance");
    compare(PRECISION, (b, a) => a < b, "precision");
    compare(CLOSE_TO, (b, a) => a < b, "precision", "toBeCloseTo digits");
    compare(POSITIONAL_DELTA, (b, a) => a > b, "tolerance", "delta");
    compare(POSITIONAL_PLACES, (b, a) => a < b, "precision", "places");
  }
}

function checkThresholds(file: string, added: Line[], removed: Line[], add: Add) {
  const plus = added.map((l) => l.text);
  const minus = removed.map((l) => l.text);
  const hunkOf = (key: string) => removed.find((l) => l.text.toLowerCase().includes(key))?.hunk;
  const lowered = (re: RegExp, what: string) => {
    const before = values(minus, re);
    const after = values(plus, re);
    for (const [key, b] of before) {
      const a = after.get(key);
      if (!a) return add("lower_thresholds", `the patch removes the ${what} ${key} (${Math.min(...b)})`, hunkOf(key));
      if (Math.min(...a) < Math.min(...b)) {
        return add("lower_thresholds", `the patch lowers the ${what} ${key} from ${Math.min(...b)} to ${Math.min(...a)}`, hunkOf(key));
      }
    }
  };
  if (COVERAGE_FILES.test(file)) lowered(COVERAGE_KEY, "coverage threshold");
  if (METRIC_FILES.test(file)) lowered(METRIC_KEY, "coverage threshold");
  if (COVERAGE_FILES.test(file) || SCRIPT_FILES.test(file)) {
    const before = values(minus, WARNINGS_KEY);
    const after = values(plus, WARNINGS_KEY);
    for (const [key, b] of before) {
      const a = after.get(key);
      const bv = Math.max(...b);
      if (!a) {
        add("lower_thresholds", `the patch removes the warning budget ${key} (${bv})`, hunkOf(key));
        break;
      }
      const av = Math.max(...a);
      if (av > bv || (av < 0 && bv >= 0)) {
        add("lower_thresholds", `the patch raises the warning budget ${key} from ${bv} to ${av}`, hunkOf(key));
        break;
      }
    }
  }
}
