/** A tag still open at the end of a piece is kept for the next one up to this size; longer, the file is not read as a report. */
const MAX_TAG_CHARS = 64 * 1024;
/** Enough of a markup start to tell `<![CDATA[`, `<!--` and the names looked for (`testsuites` is the longest) from the rest. */
const LOOKAHEAD = 12;
const NAME = /<(\/?)([A-Za-z_][\w.:-]*)/y;

/** Where the tag whose name ends at `from` ends: its `>`, not one inside a quoted attribute value (`name="a > b"`). */
function tagEnd(s: string, from: number): number {
  let quote = "";
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ">") return i;
  }
  return -1;
}

/**
 * Counts the tests that ran in a JUnit XML report pushed in pieces: `<testcase>` elements without a `<skipped>`
 * child (failed and errored ones ran). Not `<testsuite tests= skipped=>`: every JUnit writer (Gradle, surefire
 * and failsafe, jest-junit, pytest, gotestsum) writes one `<testcase>` per test with `<skipped>` for a skip,
 * while the attributes differ (`disabled` for `skipped` in some, optional in the schema), a `<testsuites>`
 * root repeats the total (jest-junit, pytest) and some reporters nest suites whose attributes sum their
 * children's. A surefire test re-run (`rerunFailingTestsCount`) is one `<testcase>` with `<flakyFailure>`
 * children, counted once; pytest's xfail is a `<skipped>`, not counted, as in its summary.
 *
 * A scan, not a parse (no XML parser is a dependency): text in CDATA sections and comments is passed over (a
 * test's captured output may print `<testcase`), and escaped text cannot hold a `<`. A file whose first
 * element is not `<testsuite>` or `<testsuites>` is not a report: `isReport` says so as soon as it is seen,
 * so its reader can stop.
 */
export class TestcaseCounter {
  ran = 0;
  /** The first element's name ("" until seen). */
  root = "";
  /** A tag longer than MAX_TAG_CHARS: not a report this can count. */
  malformed = false;
  private carry = "";
  private mode: "text" | "cdata" | "comment" = "text";
  private open = false;
  private skipped = false;

  get isReport(): boolean | undefined {
    if (this.malformed) return false;
    return this.root ? this.root === "testsuite" || this.root === "testsuites" : undefined;
  }

  push(piece: string): void {
    this.scan(this.carry + piece, false);
  }

  end(): void {
    this.scan(this.carry, true);
  }

  private scan(s: string, final: boolean): void {
    this.carry = "";
    let i = 0;
    while (i < s.length && this.isReport !== false) {
      if (this.mode !== "text") {
        const close = this.mode === "cdata" ? "]]>" : "-->";
        const j = s.indexOf(close, i);
        // The close may be cut between two pieces: its first two characters wait for the next.
        if (j < 0) return void (final ? undefined : (this.carry = s.slice(Math.max(i, s.length - 2))));
        this.mode = "text";
        i = j + close.length;
        continue;
      }
      const lt = s.indexOf("<", i);
      if (lt < 0) return;
      if (!final && s.length - lt < LOOKAHEAD) return void (this.carry = s.slice(lt));
      if (s.startsWith("<![CDATA[", lt)) {
        this.mode = "cdata";
        i = lt + 9;
        continue;
      }
      if (s.startsWith("<!--", lt)) {
        this.mode = "comment";
        i = lt + 4;
        continue;
      }
      NAME.lastIndex = lt;
      const m = NAME.exec(s);
      if (!m) {
        i = lt + 1;
        continue;
      }
      const [tag, closing, name] = m as unknown as [string, string, string];
      i = lt + tag.length;
      if (!this.root) this.root = name;
      if (name === "testcase") {
        if (closing) {
          if (this.open && !this.skipped) this.ran++;
          this.open = false;
          continue;
        }
        const end = tagEnd(s, i);
        if (end < 0) {
          if (s.length - lt > MAX_TAG_CHARS) this.malformed = true;
          else if (!final) this.carry = s.slice(lt);
          return;
        }
        if (s[end - 1] === "/") this.ran++;
        else {
          this.open = true;
          this.skipped = false;
        }
        i = end + 1;
      } else if (name === "skipped" && !closing && this.open) this.skipped = true;
    }
  }
}
