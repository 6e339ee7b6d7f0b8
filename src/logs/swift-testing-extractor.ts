import { signal, type Signal } from "./signal.js";

/**
 * Swift Testing (swift-testing, Swift 6; `swift test` runs it after XCTest, each with its own lines). Its
 * console recorder (Event.HumanReadableOutputRecorder) writes, after a symbol:
 *
 *   ✘ Test addition() recorded an issue at CalcTests.swift:12:5: Expectation failed: (sum → 5) == 4
 *   ✘ Test sub(a:b:) recorded an issue with 2 arguments a → 5, b → 3 at CalcTests.swift:20:5: Expectation failed: …
 *   ↳ a comment or detail of the issue above         ± a difference
 *   ✘ Test "Display name" failed after 0.002 seconds with 1 issue.
 *   ✘ Suite CalcTests failed after 0.003 seconds with 2 issues.
 *   ✘ Test run with 5 tests failed after 0.004 seconds with 2 issues.
 *
 * The fail symbol is ✘ on Linux and macOS, × on Windows (Consolas lacks ✘; √ and ◊ replace ✔ and ◇ there), and
 * SF Symbols' private-use xmark.diamond.fill (U+100884) on a macOS terminal that asks for it; colour is off when
 * the output is not a terminal, as on a runner. A known issue (`withKnownIssue`) has its own symbol and does not
 * fail the test. A parameterised test is one test whose issues name their arguments: it is named once, as the
 * runner counts it, and the issue lines (evidence) say which arguments failed.
 */
export class SwiftTestingExtractor {
  /** Lines since an issue, while its `↳` details may follow; 0 outside. */
  private afterIssue = 0;

  /** For lines the pre-filter skipped: an issue's `↳` details hold no keyword. */
  track(s: string): Signal | null | undefined {
    return this.afterIssue > 0 ? this.inspect(s) ?? undefined : undefined;
  }

  inspect(s: string): Signal | null {
    const c = s.charCodeAt(0);
    if (this.afterIssue > 0) {
      if ((c === DETAILS || c === DIFFERENCE) && ++this.afterIssue <= MAX_DETAILS) return signal(6, "exception", "test issue detail (swift testing)");
      this.afterIssue = 0;
    }
    if (c !== FAIL && c !== FAIL_WINDOWS && c !== FAIL_SF_HIGH) return null;
    let m: RegExpExecArray | null;
    if ((m = ISSUE.exec(s))) {
      this.afterIssue = 1;
      const location = m[4] ? { location: { path: m[4], line: +m[5]!, column: +m[6]! } } : {};
      const test = m[1] === "Test" ? testName(m[2]!) : undefined;
      return signal(10, "test-failure", "test issue (swift testing)", { ...(test ? { test: { name: test } } : {}), ...location, category: "test", failure: true });
    }
    if ((m = RUN_FAILED.exec(s))) return signal(8, "test-failure", "swift testing failures", { category: "test", failure: true });
    if ((m = ENDED_FAILED.exec(s))) {
      const test = m[1] === "Test" ? testName(m[2]!) : undefined;
      if (!test) return signal(8, "test-failure", "failing suite (swift testing)", { category: "test", failure: true });
      return signal(10, "test-failure", "failing test (swift testing)", { test: { name: test }, category: "test", failure: true });
    }
    return null;
  }
}

const FAIL = 0x2718; // ✘ HEAVY BALLOT X
const FAIL_WINDOWS = 0xd7; // × MULTIPLICATION SIGN
const FAIL_SF_HIGH = 0xdbc2; // first half of U+100884, SF Symbols' xmark.diamond.fill
const DETAILS = 0x21b3; // ↳ (→ on Windows is left out: too common a start of other lines)
const DIFFERENCE = 0xb1; // ±
const MAX_DETAILS = 20;
const SYMBOL = /(?:✘|×|\uDBC2\uDC84) ?/.source;
// `Test`/`Suite`, then a function's name (`addition()`, `sub(a:b:)`), a type's, or a display name in quotes.
const SUBJECT = /(Test|Suite) ("[^"]*"|\S+)/.source;
// Groups: kind, name, arguments, file, line, column.
const ISSUE = new RegExp(`^${SYMBOL} ${SUBJECT} recorded an issue(?: with \\d+ arguments? (.*?))?(?: at ([^\\s:]+):(\\d+):(\\d+))?: `);
const ENDED_FAILED = new RegExp(`^${SYMBOL} ${SUBJECT} failed after \\S+ seconds?(?: with \\d+ issues?.*)?\\.$`);
const RUN_FAILED = new RegExp(`^${SYMBOL} Test run with \\d+ tests? failed after `);

/** The test's name as printed, a display name without its quotes; none when the recorder had no test. */
function testName(raw: string): string | undefined {
  if (raw === "«unknown»") return undefined;
  return raw.startsWith('"') ? raw.slice(1, -1) : raw;
}
