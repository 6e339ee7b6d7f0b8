import { DotnetExtractor } from "./dotnet-extractor.js";
import { PlaywrightExtractor } from "./playwright-extractor.js";
import { signal, type Signal } from "./signal.js";
import { SwiftTestingExtractor } from "./swift-testing-extractor.js";
import { TapExtractor } from "./tap-extractor.js";
import { SPACED_METHOD_IN_CLASS } from "./test-names.js";
import type { FailedTest } from "./types.js";

/**
 * Failing-test extractors for the common runners. Stateful where the runner spreads a name over lines
 * (mocha's numbered failures, Surefire's "in <class>" header). Feed lines in order; `text` has no
 * timestamp or ANSI codes.
 */
export class TestExtractor {
  private mochaFailing = false;
  private mochaTitle: string[] | null = null;
  private surefireClass: string | null = null;
  private pytestSection = "";
  private phpunit = false;
  /** Lines read of Surefire's end-of-run list (`Failed tests:`, `Tests in error:`, `[ERROR] Failures:`); 0 outside one. */
  private surefireListLines = 0;
  /** Ant's JUnit report: the current `Testsuite:`, and a `Testcase:` waiting for its `FAILED` line. */
  private antSuite = "";
  private antCase = "";
  /** Inside CTest's end-of-run list (`The following tests FAILED:`). */
  private ctestList = false;
  /** An ExUnit failure header (`1) test adds (MathTest)`), named only once the next line gives its `.exs` file. */
  private exunitPending: string | null = null;
  /** After a dart test's failure header: 1 while its message is due, then 2 through its frames; 0 outside one. */
  private dartFailure = 0;
  private dartLines = 0;
  /** The file of jest's last `FAIL <file>` header: its `●` blocks follow it (a worker prints a file's report whole). */
  private jestFile: string | null = null;
  /**
   * go test's report lines (`--- FAIL: name`) of the block being read, by indentation: without -v a test's log
   * follows its report, one level deeper. `name` is emptied once the test has its file, and for a test that passed.
   */
  private goReports: { name: string; indent: number }[] = [];
  /** With -v a test logs under its `=== RUN` (or `=== CONT`/`=== NAME`), before its report: its first file:line. */
  private goRunning: string | null = null;
  private readonly goLogged = new Map<string, { file: string; line: number }>();
  private readonly tap = new TapExtractor();
  private readonly dotnet = new DotnetExtractor();
  private readonly playwright = new PlaywrightExtractor();
  private readonly swiftTesting = new SwiftTestingExtractor();

  /**
   * For lines the cheap pre-filter skipped: only keeps state that spans lines (mocha's failure list,
   * pytest's section headers) up to date.
   */
  track(text: string): Signal | null {
    // Ant prints a test's outcome on the line right after its Testcase line, or not at all.
    this.antCase = "";
    this.exunitPending = null;
    // Trimmed once: this runs on nearly every line of the log.
    const s = text.trim();
    const first = this.everyLine(s, text);
    if (first !== undefined) return first;
    // Playwright's `1 flaky` and the list under it, a Swift Testing issue's `↳` details: no keyword either.
    const playwright = this.playwright.track(s);
    if (playwright !== undefined) return playwright;
    const swift = this.swiftTesting.track(s);
    if (swift !== undefined) return swift;
    // A `(Not Run)` entry of CTest's list has no keyword the pre-filter knows.
    if (this.ctestList) return this.ctestEntry(s) ?? null;
    if (this.mochaFailing || this.mochaTitle) return this.mocha(text);
    if (this.surefireListLines > 0) return this.surefireEntry(s) ?? null;
    if (text.startsWith("=") || text.startsWith(" =")) return this.inspect(text);
    return null;
  }

  inspect(text: string): Signal | null {
    const s = text.trim();
    const first = this.everyLine(s, text);
    if (first !== undefined) return first;
    const go = this.goTest(s, text);
    if (go !== undefined) return go;
    const dart = this.dartHeader(s);
    if (dart) return dart;
    const swift = this.swiftTesting.inspect(s);
    if (swift) return swift;
    // Numbered failures that mocha's rule would take for its own: Playwright's and ExUnit's.
    const playwright = this.playwright.inspect(s);
    if (playwright) return playwright;
    const exunit = this.exunit(s);
    if (exunit) return exunit;
    const mocha = this.mocha(text);
    if (mocha) return mocha;
    if (this.ctestList) {
      const entry = this.ctestEntry(s);
      if (entry !== undefined) return entry;
    }
    const antCase = this.antCase;
    this.antCase = "";
    let m: RegExpExecArray | null;
    if (this.surefireListLines > 0) {
      const entry = this.surefireEntry(s);
      if (entry !== undefined) return entry;
    }
    if (s.includes("***") && (m = CTEST_RESULT.exec(s))) {
      return signal(10, "test-failure", "failing test (ctest)", { test: { name: m[1]! }, category: "test", failure: true });
    }
    if (s === "The following tests FAILED:") {
      this.ctestList = true;
      return signal(8, "test-failure", "failing tests (ctest)", { category: "test", failure: true });
    }
    // XCTest: `Class.test` on Linux, `-[Module.Class test]` on macOS (named Module.Class.test here).
    if (s.startsWith("Test Case '") && (m = /^Test Case '([^']+)' failed \(/.exec(s))) {
      const objc = /^-\[(\S+) (.+)\]$/.exec(m[1]!);
      const name = objc ? `${objc[1]}.${objc[2]}` : m[1]!;
      return signal(10, "test-failure", "failing test (xctest)", { test: { name }, category: "test", failure: true });
    }
    // bun test: `(fail) suite > test [0.13ms]`.
    if (s.startsWith("(fail) ") && (m = /^\(fail\) (.+?)(?: \[\d+(?:\.\d+)?m?s\])?$/.exec(s))) {
      return signal(10, "test-failure", "failing test (bun)", { test: { name: m[1]!.replace(/ > /g, " › ") }, category: "test", failure: true });
    }
    // deno test: `name ... FAILED (2ms)` as it runs; the ERRORS and FAILURES sections then give `name => ./file:line:col`.
    if (s.includes(" => ") && (m = DENO_FAILURE.exec(s))) {
      return signal(10, "test-failure", "failing test (deno)", { test: { name: m[1]!, file: m[2]!, line: +m[3]! }, category: "test", failure: true });
    }
    if (/^\S.*? \.\.\. FAILED \(\d+(?:\.\d+)?m?s\)$/.test(s)) return signal(9, "test-failure", "failing test (deno)", { category: "test", failure: true });
    const php = s.startsWith("There ") ? /^There (?:was|were) \d+ (?:failures?|errors?):$/.exec(s) : null;
    if (php) {
      this.phpunit = true;
      return signal(8, "test-failure", "phpunit failures", { category: "test", failure: true });
    }
    if (s.length === 0 || !mayBeTestLine(s, text)) return null;

    // pytest: short summary, xdist progress, verbose progress, collection errors.
    // A parameter id may hold spaces: `FAILED tests/t.py::test_x[ok 2:30pm now] - AssertionError`.
    if ((m = /^(?:\[gw\d+\]\s*(?:\[\s*\d+%\]\s*)?)?(FAILED|ERROR)\s+([\w./\\-]+?(?:\.py)?(?:::[^\s[]+?)*(?:\[[^\]]*\])?)(?:\s+-\s+.*)?$/.exec(s))) {
      const name = m[2]!;
      if (name.includes("/") || name.includes("::") || name.endsWith(".py")) {
        const file = name.split("::")[0];
        return signal(10, "test-failure", "failing test (pytest)", { test: { name, file }, category: "test", failure: true });
      }
    }
    if ((m = /^(\S+\.py::\S+)\s+(FAILED|ERROR)\b/.exec(s))) {
      return signal(9, "test-failure", "failing test (pytest)", { test: { name: m[1]!, file: m[1]!.split("::")[0] }, category: "test", failure: true });
    }
    if ((m = /^_{3,}\s+ERROR collecting (\S+)\s+_{3,}$/.exec(s))) {
      return signal(9, "test-failure", "collection error (pytest)", { test: { name: m[1]!, file: m[1]! }, category: "test", failure: true });
    }
    if ((m = /^={3,} ?([A-Za-z][\w ]*?) ?={3,}$/.exec(s))) {
      this.pytestSection = m[1]!.toUpperCase();
      return this.pytestSection === "FAILURES" || this.pytestSection === "ERRORS" ? signal(7, "test-failure", `pytest ${m[1]!.toLowerCase()}`) : null;
    }
    // The run's last line closes the report: a `___ name ___` after it is another tool's (tox's "summary").
    if (s.startsWith("=") && PYTEST_RESULT.test(s)) {
      this.pytestSection = "";
      return FAILED_COUNT.test(s) ? signal(8, "test-failure", "pytest result", { category: "test", failure: true }) : null;
    }
    const inFailures = this.pytestSection === "FAILURES" || this.pytestSection === "ERRORS";
    // Outside the failures section, only a full rule of underscores is a section header.
    if ((m = PYTEST_HEADER.exec(s)) && (inFailures || (m[1]!.length >= 3 && m[3]!.length >= 3))) {
      const name = m[2]!.replace(/^\[doctest\] /, "");
      if (inFailures && /^[\w.:\[\]-]|^\[/.test(name) && !/\s/.test(name.replace(/\[.*\]$/, ""))) {
        return signal(9, "test-failure", "failing test (pytest)", { test: { name }, category: "test", failure: true });
      }
      return signal(inFailures ? 6 : 3, "test-failure", "pytest section header");
    }
    if (/^E\s{2,}\S/.test(text)) return signal(8, "exception", "pytest assertion");
    // unittest: subTest names may hold commas or dashes; a generated test's name carries its arguments
    // (`test_x('./a.json', ...) (tests.test.Cls)`).
    if ((m = /^(FAIL|ERROR): ([^\s(]+) \(([\w.]+)\)/.exec(s) ?? /^(FAIL|ERROR): ([A-Za-z_]\w*\(.*\)) \(((?:\w+\.)*\w+)\)$/.exec(s))) {
      return signal(10, "test-failure", "failing test (unittest)", { test: { name: `${m[2]} (${m[3]})` }, category: "test", failure: true });
    }
    // nose: the test's dotted path, a generator test's arguments after it.
    if ((m = /^(?:FAIL|ERROR): ((?:[A-Za-z_]\w*\.)+[A-Za-z_]\w*(?:\(.*\))?)$/.exec(s))) {
      return signal(10, "test-failure", "failing test (nose)", { test: { name: m[1]! }, category: "test", failure: true });
    }
    // go test (its report lines are read by goTest)
    if (/^FAIL\s+\S+\s+\[build failed\]/.test(s)) return signal(9, "compile", "go build failed", { category: "compile", failure: true });
    if ((m = /^FAIL\s+(\S+)\s+[\d.]+s$/.exec(s))) return signal(8, "test-failure", "failing package (go)", { goPackage: m[1]!, category: "test", failure: true });
    // cargo test
    if ((m = /^test (\S+) \.\.\. FAILED$/.exec(s))) {
      return signal(10, "test-failure", "failing test (cargo)", { test: { name: m[1]! }, category: "test", failure: true });
    }
    if (/^---- \S+ stdout ----$/.test(s)) return signal(8, "test-failure", "failing test output (cargo)");
    // jest / vitest
    if ((m = /^● (.+)$/.exec(s))) {
      const name = m[1]!.trim();
      // jest's own notices under the same mark, not tests.
      if (name === "Console" || name.startsWith("Cannot log after tests are done")) return null;
      if (/^Test suite failed to run/.test(name)) {
        // The file failed as a whole (a syntax error, a missing module): like pytest's collection error, the
        // file is the failing entry, so a fix's runs can be matched on it.
        const test = this.jestFile ? { test: { name: this.jestFile, file: this.jestFile } } : {};
        return signal(9, "test-failure", "test suite failed to run (jest)", { ...test, category: "test", failure: true });
      }
      return signal(10, "test-failure", "failing test (jest)", { test: this.jestFile ? { name, file: this.jestFile } : { name }, category: "test", failure: true });
    }
    if ((m = /^(?:FAIL|×|❯)\s+(\S+\.[cm]?[jt]sx?)\s+>\s+(.+?)(?:\s+\d+m?s)?$/.exec(s))) {
      return signal(10, "test-failure", "failing test (vitest)", { test: { name: m[2]!.replace(/\s+>\s+/g, " › "), file: m[1]! }, category: "test", failure: true });
    }
    if (this.jestHeader(s)) return signal(8, "test-failure", "failing test file (jest)", { category: "test", failure: true });
    if (/^(?:✕|×)\s+\S/.test(s)) return signal(7, "test-failure", "failing test (jest)", { category: "test" });
    // Maven Surefire / Failsafe
    if ((m = /Tests run:.*<<< (?:FAILURE|ERROR)!.* in (\S+)$/.exec(s))) {
      this.surefireClass = m[1]!;
      return signal(8, "test-failure", "failing test class (surefire)", { category: "test", failure: true });
    }
    if (s.includes("<<< ") && (m = /^(?:\[ERROR\]\s+)?([^\s(]+?)(?:\(([\w$.]+)\))?(?:\s+--)?\s+Time elapsed:.*<<< (?:FAILURE|ERROR)!/.exec(s) ?? SUREFIRE_SPACED.exec(s))) {
      const method = m[1]!;
      const cls = m[2];
      const name = cls ? `${method}(${cls})` : method.includes(".") || !this.surefireClass ? method : `${this.surefireClass}.${method}`;
      return signal(10, "test-failure", "failing test (surefire)", { test: { name }, category: "test", failure: true });
    }
    // Gradle
    if ((m = /^([A-Za-z_][\w$.]*(?: > [^>]+?)+) FAILED$/.exec(s))) {
      return signal(10, "test-failure", "failing test (gradle)", { test: { name: m[1]!.replace(/ > /g, ".") }, category: "test", failure: true });
    }
    // Gradle with a test logger that prints the method's full name: `pkg.SomeTest.method FAILED`.
    if ((m = /^([a-z_][\w$]*(?:\.[\w$]+)*\.[A-Z][\w$]*\.[a-z_][\w$]*) FAILED$/.exec(s))) {
      return signal(10, "test-failure", "failing test (gradle)", { test: { name: m[1]! }, category: "test", failure: true });
    }
    // Surefire's summary at the end of the run; entries follow on their own lines.
    if ((m = /^(?:Failed tests:|Tests in error:|\[ERROR\] (?:Failures|Errors):)\s*(.*)$/.exec(s))) {
      this.surefireListLines = 1;
      return (m[1] ? this.surefireEntry(m[1]) : null) ?? signal(8, "test-failure", "failing tests (surefire)", { category: "test", failure: true });
    }
    // Ant JUnit and the JUnit Platform console launcher
    if ((m = /^(?:\[junit\] )?Testsuite: ([\w$.]+)$/.exec(s))) {
      this.antSuite = m[1]!;
      return null;
    }
    if ((m = /^(?:\[junit\] )?Testcase: (\S+) took [\d.]+ sec$/.exec(s))) {
      this.antCase = m[1]!;
      return null;
    }
    if (antCase && /^(?:\[junit\]\s*)?(?:FAILED|Caused an ERROR)$/.test(s)) {
      const name = this.antSuite ? `${this.antSuite}.${antCase}` : antCase;
      return signal(10, "test-failure", "failing test (junit)", { test: { name }, category: "test", failure: true });
    }
    if ((m = /Testcase: (\w+)\(([\w$.]+)\):\s*(?:FAILED|Caused an ERROR)/.exec(s))) {
      return signal(10, "test-failure", "failing test (junit)", { test: { name: `${m[2]}.${m[1]}` }, category: "test", failure: true });
    }
    if ((m = /MethodSource \[className = '([\w$.]+)', methodName = '(\w+)'/.exec(s))) {
      return signal(9, "test-failure", "failing test (junit)", { test: { name: `${m[1]}.${m[2]}` }, category: "test", failure: true });
    }
    // RSpec re-run lines, minitest, PHPUnit, dotnet test
    if ((m = /^rspec (\.?\/?\S+?):(\d+) # (.+)$/.exec(s))) {
      return signal(10, "test-failure", "failing test (rspec)", { test: { name: m[3]!, file: m[1]!, line: +m[2]! }, category: "test", failure: true });
    }
    if ((m = /^([A-Z]\w*(?:::\w+)*#\w+) \[(\S+?):(\d+)\]:?$/.exec(s))) {
      return signal(10, "test-failure", "failing test (minitest)", { test: { name: m[1]!, file: m[2]!, line: +m[3]! }, category: "test", failure: true });
    }
    if (this.phpunit && (m = /^\d+\) ([\w\\]+::\w+)/.exec(s))) {
      return signal(10, "test-failure", "failing test (phpunit)", { test: { name: m[1]! }, category: "test", failure: true });
    }
    const dotnet = this.dotnet.inspect(s);
    if (dotnet) return dotnet;
    if (/^\[junit\] (?:Tests? run:.*(?:Failures|Errors): [1-9]|Failures \(\d+\):|Test \S+ FAILED)/.test(s)) return signal(8, "test-failure", "junit failures", { category: "test", failure: true });
    return null;
  }

  /** Tests that failed and then passed on a retry (Playwright's `N flaky` list): not failing tests. */
  passedOnRetry(): readonly FailedTest[] {
    return this.playwright.passedOnRetry();
  }

  /**
   * Where a runner's report ends, read on every line (a passing line goes to `track`, not `inspect`): go's
   * report block at the first line not indented under it, go's tests of a package at its `ok`/`FAIL` line,
   * jest's file at a `PASS` header (a passing file prints its console output under it) and at the run's summary.
   */
  private runBoundaries(s: string, text: string): void {
    const indented = isIndented(text);
    if (!indented) this.goReports.length = 0;
    if (this.goRunning !== null || this.goLogged.size > 0) {
      if (!indented && GO_PACKAGE_RESULT.test(s)) {
        this.goLogged.clear();
        this.goRunning = null;
      }
    }
    if (this.jestFile !== null && (s.startsWith("PASS") ? JEST_HEADER.test(s) : s.startsWith("Test Suites:"))) this.jestFile = null;
  }

  /**
   * jest's header for a test file, `FAIL path/a.test.js` or `PASS …`, maybe with a project's name before the
   * path and the run time after it (`FAIL  web  src/a.test.tsx (5.2 s)`): the `●` blocks after a FAIL are
   * that file's tests, and nothing after a PASS is. True for a FAIL header.
   */
  private jestHeader(s: string): boolean {
    const m = s.startsWith("FAIL") || s.startsWith("PASS") ? JEST_HEADER.exec(s) : null;
    if (!m) return false;
    this.jestFile = m[1] === "FAIL" ? m[2]! : null;
    return m[1] === "FAIL";
  }

  /**
   * go test's `=== RUN`, `--- FAIL: name` and `    name_test.go:12: message` lines: a failing test named with
   * the file:line of its first log line, printed under its report (without -v, one level deeper) or before it
   * under its `=== RUN` (-v). A test that logged nothing (`t.Fail()`, a parent of failing subtests) has no
   * file. Undefined for a line that is none of these, so the other rules read it.
   */
  private goTest(s: string, text: string): Signal | null | undefined {
    const indented = isIndented(text);
    let m: RegExpExecArray | null;
    if (s.startsWith("=== ") && (m = /^=== (RUN|CONT|NAME|PAUSE)\s+(\S+)$/.exec(s))) {
      if (m[1] !== "PAUSE") this.goRunning = m[2]!;
      return null;
    }
    if (s.startsWith("--- ") && (m = /^(\s*)--- (FAIL|PASS|SKIP): (\S+)/.exec(text))) {
      const indent = indentWidth(m[1]!);
      const name = m[3]!;
      this.popGoReports(indent);
      this.goRunning = null;
      const logged = m[2] === "FAIL" ? this.goLogged.get(name) : undefined;
      this.goReports.push({ name: m[2] === "FAIL" && !logged ? name : "", indent });
      if (m[2] !== "FAIL") return null;
      return signal(10, "test-failure", "failing test (go)", { test: logged ? { name, ...logged } : { name }, awaitsPackage: true, category: "test", failure: true });
    }
    if (indented && (m = GO_LOG_LINE.exec(text))) {
      const at = { file: m[2]!, line: +m[3]! };
      this.popGoReports(indentWidth(m[1]!));
      const report = this.goReports.at(-1);
      if (report) {
        if (!report.name) return undefined;
        const name = report.name;
        report.name = "";
        // The score of error-extractors' "message at a source location": the line ranks as it did, and now names the test.
        return signal(5, "test-failure", "failing test message (go)", { test: { name, ...at }, awaitsPackage: true, category: "test" });
      }
      if (this.goRunning && !this.goLogged.has(this.goRunning) && this.goLogged.size < 10_000) this.goLogged.set(this.goRunning, at);
    }
    return undefined;
  }

  /** Drops the reports a line at this indentation is no longer under. */
  private popGoReports(indent: number): void {
    while (this.goReports.length > 0 && this.goReports.at(-1)!.indent >= indent) this.goReports.pop();
  }

  /** ExUnit's `1) name (Module)`, confirmed by the `.exs` location on the next line. */
  private exunit(s: string): Signal | null {
    const pending = this.exunitPending;
    this.exunitPending = null;
    let m: RegExpExecArray | null;
    if (pending && (m = /^(\S+\.exs):(\d+)$/.exec(s))) {
      return signal(10, "test-failure", "failing test (exunit)", { test: { name: pending, file: m[1]!, line: +m[2]! }, category: "test", failure: true });
    }
    if (s.endsWith(")") && (m = /^\d+\) (\S.*) \(([A-Z][\w.]*)\)$/.exec(s))) this.exunitPending = `${m[1]} (${m[2]})`;
    return null;
  }

  /**
   * dart test: the GitHub reporter (its default on Actions) opens a group per failure, `::group::❌ name (failed)`,
   * which the log shows as `##[group]…`; the expanded reporter prints `00:00 +0 -1: name [E]`.
   */
  private dartHeader(s: string): Signal | null {
    let m: RegExpExecArray | null;
    let name: string | undefined;
    if (s.startsWith("##[group]❌ ") && (m = /^##\[group\]❌ (.+?) \(failed(?: after test completion)?\)$/.exec(s))) name = m[1]!;
    else if (s.endsWith(" [E]") && (m = DART_EXPANDED.exec(s))) name = m[1]!;
    else if (s.endsWith("Some tests failed.") && DART_FAILED.test(s)) return signal(8, "test-failure", "dart test failures", { category: "test", failure: true });
    if (name === undefined) return null;
    this.dartFailure = 1;
    this.dartLines = 0;
    // `loading test.dart [E]`: the file failed to load; its error follows like a test's.
    if (name.startsWith("loading ")) return signal(9, "test-failure", "test file failed to load (dart)", { category: "test", failure: true });
    return signal(10, "test-failure", "failing test (dart)", { test: { name }, category: "test", failure: true });
  }

  /** A line under a dart failure's header: its message, then frames (`test.dart 6:33  main.<fn>`); undefined once it is over. */
  private dartLine(s: string): Signal | null | undefined {
    if (s === "" || s === "##[endgroup]" || ++this.dartLines > 50) {
      this.dartFailure = 0;
      return undefined;
    }
    if (this.dartFailure === 1) {
      this.dartFailure = 2;
      return signal(8, "exception", "test error (dart)");
    }
    const m = /^(\S+\.dart) (\d+):(\d+) +\S/.exec(s);
    if (!m) return signal(5, "exception", "test error (dart)");
    // Frames in the SDK or a package are not the project's code.
    if (/^(?:dart|package):/.test(m[1]!)) return signal(1, "stack-trace", "stack frame (dart)");
    return signal(4, "stack-trace", "stack frame (dart)", { location: { path: m[1]!, line: +m[2]!, column: +m[3]! } });
  }

  /**
   * What every line goes through first, whether the pre-filter passed it (`inspect`) or not (`track`): TAP's
   * state, the runners' report boundaries, and a failure block's lines, which rarely hold a keyword (a dotnet
   * test's message and frames, a dart failure's). Undefined when the line is none of TAP's or a block's.
   */
  private everyLine(s: string, text: string): Signal | null | undefined {
    const tap = this.tap.see(text);
    if (tap) return tap;
    this.runBoundaries(s, text);
    return this.insideFailure(s, text);
  }

  /** A line of a failure block a header opened (a dotnet test's report, a dart failure); undefined outside one. */
  private insideFailure(s: string, text: string): Signal | null | undefined {
    const dotnet = this.dotnet.inside(s, text);
    if (dotnet !== undefined) return dotnet;
    return this.dartFailure > 0 ? this.dartLine(s) : undefined;
  }

  /** One entry of CTest's list of failed tests (`2 - math_sum (Failed)`); undefined once the list is over. */
  private ctestEntry(s: string): Signal | null | undefined {
    const m = /^\d+ - (.+?) \([^()]+\)$/.exec(s);
    if (!m) {
      this.ctestList = false;
      return undefined;
    }
    return signal(10, "test-failure", "failing test (ctest)", { test: { name: m[1]! }, category: "test", failure: true });
  }

  /**
   * One line of Surefire's summary list: `Class.method:42 message` (2.x), `method(pkg.Class): message`
   * (older), `method on instance method(pkg.Class)(…)` (TestNG). Undefined once the list is over, so the
   * line gets the other rules; a message's continuation lines are skipped.
   */
  private surefireEntry(s: string): Signal | null | undefined {
    const e = s.replace(/^\[ERROR\]\s*/, "");
    if (e === "" || /^(?:Tests run:|\[(?:INFO|WARNING)\])/.test(e) || ++this.surefireListLines > 2_000) {
      this.surefireListLines = 0;
      return undefined;
    }
    let m: RegExpExecArray | null;
    let name: string | undefined;
    if ((m = /^(\w+) on instance \w+\(([\w$.]+)\)/.exec(e))) name = `${m[2]}.${m[1]}`;
    else if ((m = /^(\w+)\(([\w$.]+)\)(?::|$)/.exec(e))) name = `${m[2]}.${m[1]}`;
    else if ((m = /^([A-Za-z_][\w$]*(?:\.[\w$]+)*)\.([^.:\s][^:]*?):\d+(?:\s|->|$)/.exec(e))) name = `${m[1]}.${m[2]}`;
    if (!name) return /^Run \d+:/.test(e) ? null : signal(4, "test-failure", "failing test message (surefire)");
    return signal(10, "test-failure", "failing test (surefire)", { test: { name }, category: "test", failure: true });
  }

  /** mocha prints "N failing", then "  1) suite\n     sub\n       test title:" blocks. */
  private mocha(text: string): Signal | null {
    const s = text.trim();
    const c = s.charCodeAt(0);
    // Every mocha line of interest starts with a count or a number, or is a title inside a failure.
    if (!(c >= 48 && c <= 57) && !this.mochaFailing) return null;
    if (/^\d+ failing$/.test(s)) {
      this.mochaFailing = true;
      return signal(8, "test-failure", "mocha failures", { category: "test", failure: true });
    }
    if (/^\d+ passing\b/.test(s)) {
      this.mochaFailing = false;
      this.mochaTitle = null;
    }
    if (!this.mochaFailing) {
      if (/^\d+\) \S/.test(s) && /^\s+\d+\) /.test(text)) return signal(6, "test-failure", "failing test (mocha)", { category: "test" });
      return null;
    }
    const m = /^(\d+)\) (.+)$/.exec(s);
    if (m) {
      this.mochaTitle = [m[2]!];
      if (s.endsWith(":")) return this.finishMocha();
      return signal(9, "test-failure", "failing test (mocha)");
    }
    if (this.mochaTitle) {
      if (s === "") return null;
      this.mochaTitle.push(s);
      if (s.endsWith(":")) return this.finishMocha();
      if (this.mochaTitle.length > 8) this.mochaTitle = null;
      return signal(9, "test-failure", "failing test (mocha)");
    }
    return null;
  }

  private finishMocha(): Signal {
    const name = this.mochaTitle!.join(" ");
    this.mochaTitle = null;
    return signal(10, "test-failure", "failing test (mocha)", { test: { name }, category: "test", failure: true });
  }
}

// A failing test's name centred in underscores (pytest): long names leave room for only one each side.
const PYTEST_HEADER = /^(_+)\s+(?:ERROR at (?:setup|teardown) of )?(\S.*?)\s+(_+)$/;
// pytest's last line: `==== 1 failed, 96 passed, 2 warnings in 7.32s ====`.
const PYTEST_RESULT = /^={3,} (?:\d+ [a-z]+(?:, )?)+ in [\d.]+ ?s(?:econds)?\b.*={3,}$/;
/** A count of failures, as in a test run's result line. */
export const FAILED_COUNT = /\b[1-9]\d* (?:failed|failures?|errors?|failing)\b/i;
/** A Surefire test whose name has spaces or parameters in brackets (`SPACED_METHOD_IN_CLASS`). */
const SUREFIRE_SPACED = new RegExp(String.raw`^(?:\[ERROR\]\s+)?${SPACED_METHOD_IN_CLASS}(?:\s+--)?\s+Time elapsed:.*<<< (?:FAILURE|ERROR)!`);
// CTest's result line for a test that failed, crashed or timed out (`2/4 Test #2: math_sum ....***Failed  0.01 sec`).
const CTEST_RESULT = /^\d+\/\d+ Test +#\d+: (\S+) ?\.*\s*\*\*\*(?:Failed|Exception|Timeout)\b/;
// dart test's expanded reporter: `00:00 +3 ~1 -1: name [E]` (time, passed, skipped, failed).
const DART_EXPANDED = /^(?:\d+:\d+ )?\+\d+(?: ~\d+)? -\d+: (.+) \[E\]$/;
const DART_FAILED = /^(?:\d+:\d+ )?\+\d+(?: ~\d+)? -\d+: Some tests failed\.$/;
const DENO_FAILURE = /^(\S.*?) => (\.{0,2}\/?[^\s:]+\.[cm]?[jt]sx?):(\d+):\d+$/;
// jest's file header: status, maybe a project's name, the path, maybe the run time and heap size in parentheses.
const JEST_HEADER = /^(FAIL|PASS) +(?:\S+ +)*?(\S+\.[cm]?[jt]sx?)(?: +\([^()]*\))?$/;
// A go test's log line (`t.Error`, `t.Log`): indented, the file's base name and line first.
const GO_LOG_LINE = /^(\s+)([\w.+-]+\.go):(\d+): ?/;
// go test's result for a package (`ok  	pkg	0.1s`, `FAIL	pkg	0.2s`, or the bare `FAIL` / `PASS` before it):
// the next package may have tests of the same names.
const GO_PACKAGE_RESULT = /^(?:(?:ok|FAIL)\s+\S+\s|(?:FAIL|PASS)$)/;
// One scan instead of a dozen `includes`: this runs on every candidate line.
const TEST_LINE_HINT = /FAIL|ERROR|[●✕×#]|Time elapsed|Test(?:case|suite)|Tests in error|MethodSource|\[junit\]|::| => |^(?:[_=❯]|---|test |rspec |Failed |failed |Error Message:|Test run summary|\(fail\) )/;

/** Cheap gate: every rule below needs one of these, and most log lines have none. */
function mayBeTestLine(s: string, text: string): boolean {
  return TEST_LINE_HINT.test(s) || text.startsWith("E ");
}

function isIndented(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 32 || c === 9;
}

/** Leading whitespace as columns: go's older releases indented a test's log with a tab. */
function indentWidth(ws: string): number {
  let n = 0;
  for (const c of ws) n += c === "\t" ? 4 : 1;
  return n;
}
