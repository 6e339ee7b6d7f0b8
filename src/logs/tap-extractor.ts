import { signal, type Signal } from "./signal.js";
import type { SourceLocation } from "./types.js";

// Cheap gate, anchored so a non-TAP line costs one attempt at position 0.
const TAP_START = /^\s*(?:not ok\b|ok\b|# |Bail out!|TAP version|✖ |test at )/;
// The directive is looked for in the description: one pattern for both made a line of spaces cost its square.
export const NOT_OK = /^(\s*)not ok \d+(?: -)?(?: (.*))?$/i;
const DIRECTIVE = /(?:^|\s)#\s*(?:TODO|SKIP)\b/i;
const OK = /^(\s*)ok \d+\b/;
const SUBTEST = /^(\s*)# Subtest: (.+)$/;
const FAIL_SUMMARY = /^\s*# fail\s+([1-9]\d*)\s*$/;
const BATS_AT = /^# \(in test file (.+), line (\d+)\)$/;
// tape names a test with a bare comment, then prints one test point per assertion.
const TAPE_NAME = /^# (?!(?:tests|suites|pass|fail|cancelled|skipped|skip|todo|duration_ms|time=)\b)(\S.*)$/;
// Node's spec reporter: `✖ name (1.23ms)`; a suite line looks the same and comes after its children.
const SPEC_FAIL = /^(\s*)✖ (.+?) \(\d+(?:\.\d+)?m?s\)(?: # (TODO|SKIP)\b.*)?$/i;
// karma-mocha-reporter: an indented `✖ title` with no duration; its summary line (`✖ 2 tests failed`) is not indented.
const KARMA_FAIL = /^\s+✖ (?!\d+ (?:problems?|tests? failed)\b)(\S.*?)\s*$/;
const KARMA_SKIPPED = /\(skipped\)\s*$/;
const SPEC_AT = /^\s*test at (\S+?):(\d+)(?::(\d+))?$/;
const YAML_LOCATION = /^\s*location: '(.+?):(\d+):(\d+)'$/;
// tape and node-tap put the failing assertion's frame under `at:`.
const YAML_AT = /^\s*at:\s+(?:.*\()?(?:file:\/\/)?([^()\s]+?):(\d+):(\d+)\)?$/;
const YAML_MESSAGE = /^\s*(?:error|message):\s*(.*)$/;

/** First characters TAP_START can match: n o # B T t, or any space or non-ASCII (`\s` is wide; ✖). */
function mayStartTap(c: number): boolean {
  return c === 0x6e || c === 0x6f || c === 0x23 || c === 0x42 || c === 0x54 || c === 0x74 || c <= 0x20 || c >= 0x80;
}

/**
 * TAP (node --test's default outside a terminal, node-tap, tape) and Node's spec reporter. TAP names a
 * failure on `not ok N - name`, then a YAML block (`---` … `...`) with the error, `location:` and stack.
 * Nested tests are indented under `# Subtest:` lines and printed before their parent; a parent whose
 * children failed is not itself a failing test. Feed every line in order.
 */
export class TapExtractor {
  private subtests: { indent: number; name: string }[] = [];
  /** Indents at which a test point failed since the enclosing one closed. */
  private failedAt = new Set<number>();
  private specFailedAt = new Set<number>();
  private tapeName = "";
  /** node --test and node-tap announce tests with `# Subtest:`; then bare comments are output, not names. */
  private sawSubtest = false;
  /** After bats' `# (in test file x.bats, line 4)`: its indented comments are the failed command's output. */
  private batsFailure = false;
  private yaml: { indent: number; message: "none" | "next" | "body"; lines: number } | null = null;

  see(text: string): Signal | null {
    if (this.yaml) return this.inYaml(text);
    if (!mayStartTap(text.charCodeAt(0)) || !TAP_START.test(text)) return null;
    let m: RegExpExecArray | null;
    if (text.includes("✖")) return this.spec(text);
    if ((m = SPEC_AT.exec(text))) return signal(6, "test-failure", "failing test location (node --test)", { location: loc(m[1]!, m[2]!, m[3]) });
    if ((m = SUBTEST.exec(text))) {
      const indent = m[1]!.length;
      this.subtests = this.subtests.filter((s) => s.indent < indent);
      this.subtests.push({ indent, name: m[2]!.trim() });
      this.sawSubtest = true;
      return null;
    }
    if ((m = OK.exec(text))) {
      this.batsFailure = false;
      this.close(m[1]!.length);
      return null;
    }
    if ((m = NOT_OK.exec(text))) {
      this.batsFailure = false;
      const indent = m[1]!.length;
      const rest = m[2] ?? "";
      const directive = DIRECTIVE.exec(rest);
      const childFailed = [...this.failedAt].some((i) => i > indent);
      const prefix = this.subtests.filter((s) => s.indent < indent).map((s) => s.name);
      this.close(indent);
      // A TODO or SKIP failure is expected: neither it nor its diagnostic is evidence.
      if (directive) return null;
      this.yaml = { indent, message: "none", lines: 0 };
      this.failedAt.add(indent);
      if (childFailed) return signal(6, "test-failure", "failing parent test (tap)", { category: "test" });
      // tape's test point is an assertion message ("should be strictly equal"); the test is the comment above.
      const own = !this.sawSubtest && this.tapeName !== "" ? this.tapeName : rest.trim();
      const name = [...prefix, own].filter((n) => n !== "").join(" › ");
      if (name === "") return signal(9, "test-failure", "failing test (tap)", { category: "test", failure: true });
      return signal(10, "test-failure", "failing test (tap)", { test: { name }, category: "test", failure: true });
    }
    // bats comments a failure with its place and the command that failed: not a test's name, as tape's comments are.
    if ((m = BATS_AT.exec(text))) {
      this.batsFailure = true;
      return signal(7, "test-failure", "failing test location (bats)", { location: { path: m[1]!, line: +m[2]! } });
    }
    if (this.batsFailure && /^# {3}\S/.test(text)) return signal(8, "exception", "test error (bats)");
    if ((m = TAPE_NAME.exec(text))) {
      this.tapeName = m[1]!.trim();
      return null;
    }
    if ((m = FAIL_SUMMARY.exec(text))) return signal(8, "test-failure", "tap failures", { category: "test", failure: true });
    if (/^\s*Bail out!/.test(text)) return signal(9, "test-failure", "tap bail out", { category: "test", failure: true });
    return null;
  }

  private spec(text: string): Signal | null {
    const m = SPEC_FAIL.exec(text);
    if (!m) {
      const k = KARMA_SKIPPED.test(text) ? null : KARMA_FAIL.exec(text);
      return k ? signal(10, "test-failure", "failing test (karma)", { test: { name: k[1]! }, category: "test", failure: true }) : null;
    }
    if (m[3]) return null;
    const indent = m[1]!.length;
    const childFailed = [...this.specFailedAt].some((i) => i > indent);
    for (const i of [...this.specFailedAt]) if (i > indent) this.specFailedAt.delete(i);
    this.specFailedAt.add(indent);
    if (childFailed) return signal(6, "test-failure", "failing suite (node --test)", { category: "test" });
    return signal(10, "test-failure", "failing test (node --test)", { test: { name: m[2]! }, category: "test", failure: true });
  }

  /** Inside the YAML diagnostic of a failing (or any) test point; only a failure's block is kept as evidence. */
  private inYaml(text: string): Signal | null {
    const y = this.yaml!;
    const s = text.trim();
    y.lines++;
    if (y.lines === 1 && s !== "---") {
      this.yaml = null;
      return this.see(text);
    }
    if (s === "..." || y.lines > 200) {
      this.yaml = null;
      return null;
    }
    if (y.lines === 1) return null;
    const depth = text.length - text.trimStart().length;
    if (y.message !== "none") {
      if (y.message === "next" && depth > y.indent + 2) {
        y.message = "body";
        return signal(8, "exception", "test error (tap)");
      }
      if (y.message === "body" && (depth > y.indent + 2 || s === "")) return s === "" ? null : signal(5, "exception", "test error (tap)");
      y.message = "none";
    }
    let m: RegExpExecArray | null;
    if ((m = YAML_LOCATION.exec(text)) || (m = YAML_AT.exec(text))) {
      return signal(7, "test-failure", "failing test location (tap)", { location: loc(m[1]!, m[2]!, m[3]) });
    }
    if ((m = YAML_MESSAGE.exec(text))) {
      const v = m[1]!.trim();
      if (v === "|-" || v === "|" || v === ">-" || v === "" || v === ">") {
        y.message = "next";
        return null;
      }
      return signal(8, "exception", "test error (tap)");
    }
    return null;
  }

  private close(indent: number): void {
    this.subtests = this.subtests.filter((s) => s.indent < indent);
    for (const i of [...this.failedAt]) if (i > indent) this.failedAt.delete(i);
  }
}

function loc(path: string, line: string, column: string | undefined): SourceLocation {
  const p = path.startsWith("file://") ? decodeURI(path.slice("file://".length)) : path;
  return column === undefined ? { path: p, line: +line } : { path: p, line: +line, column: +column };
}
