import { signal, type Signal } from "./signal.js";

/**
 * dotnet test: the VSTest console logger (`  Failed Name [3 ms]`, then `Error Message:` and `Stack Trace:`
 * blocks) and Microsoft.Testing.Platform's terminal reporter (`failed Name (3ms)`, then the message and frames
 * indented under it). A data-driven test's name keeps its arguments as the framework prints them: xUnit
 * `Ns.Cls.Adds(a: 1, b: 2, expected: 4)`, NUnit `Adds(1,2,4)`, MSTest `Adds (1,2,4)`. Each row is its own
 * result with its own message (one row failing says which inputs break), and `dotnet test --filter` reruns it.
 */
export class DotnetExtractor {
  /** Which block of a failed test's report the next line is in; "" outside one. */
  private block: "" | "message" | "stack" | "mtp" = "";
  private blockLines = 0;
  /** The block's message line is still to come: it is the error, the lines after it its detail. */
  private messageDue = false;

  /** A line inside a failed test's report; undefined outside one, or when the line ends it (it then gets the other rules). */
  inside(s: string, text: string): Signal | null | undefined {
    if (this.block === "") return undefined;
    if (++this.blockLines > MAX_BLOCK_LINES) return this.end();
    if (this.block === "mtp") {
      // Everything the reporter writes under a failed test is indented; the next test or the summary is not.
      if (s === "" || !text.startsWith("  ")) return this.end();
      return s.startsWith("at ") ? frame(s) : this.message();
    }
    if (s === "Stack Trace:") {
      this.block = "stack";
      return null;
    }
    if (VSTEST_END.test(s) || VSTEST_RESULT.test(s)) return this.end();
    if (this.block === "stack") return s.startsWith("at ") ? frame(s) : s === "" ? null : this.end();
    // The message: its first line is indented under the banner, the rest is printed as the framework wrote it
    // (xUnit's `Expected: 4` / `Actual:   3`, NUnit's `But was:  3`), up to the `Stack Trace:` banner.
    return s === "" ? null : this.message();
  }

  /** A line that names a failed test or opens its report; null when it is neither. */
  inspect(s: string): Signal | null {
    let m: RegExpExecArray | null;
    if (s === "Error Message:") {
      this.open("message");
      return null;
    }
    if (s.startsWith("Failed ") && (m = VSTEST_FAILED.exec(s))) {
      return signal(10, "test-failure", "failing test (dotnet)", { test: { name: (m[1] ?? m[2])! }, category: "test", failure: true });
    }
    if (s.startsWith("failed ") && (m = MTP_FAILED.exec(s))) {
      this.open("mtp");
      return signal(10, "test-failure", "failing test (dotnet)", { test: { name: m[1]! }, category: "test", failure: true });
    }
    if (s.startsWith("Test run summary: Failed!")) return signal(8, "test-failure", "dotnet test failures", { category: "test", failure: true });
    return null;
  }

  private open(block: "message" | "mtp"): void {
    this.block = block;
    this.blockLines = 0;
    this.messageDue = true;
  }

  private message(): Signal {
    const first = this.messageDue;
    this.messageDue = false;
    return signal(first ? 8 : 5, "exception", "test error (dotnet)");
  }

  private end(): undefined {
    this.block = "";
    return undefined;
  }
}

const MAX_BLOCK_LINES = 60;
// VSTest's duration: `< 1 ms`, `3 ms`, `2 s`, `1 m 5 s`, `1 h 2 m` (ConsoleLogger.GetFormattedDurationString; some
// versions write `3ms`, `> 1d`); a result with no duration has no brackets, so then only a dotted name (with its
// arguments) is taken.
const VSTEST_DURATION = /\[(?:< 1 ?ms|> 1d|\d+(?:\.\d+)? ?(?:h|m|s|ms)(?: \d+ ?(?:m|s|ms))*)\]/.source;
const VSTEST_FAILED = new RegExp(`^Failed (\\S.*?) ${VSTEST_DURATION}$|${/^Failed ((?:[\w`+<>]+\.)+[\w`+<>]+(?:\(.*\))?)$/.source}`);
/** Any test's result line: a message line that merely starts with "Failed" does not end a block. */
const VSTEST_RESULT = new RegExp(`^(?:Passed|Failed|Skipped) \\S.* ${VSTEST_DURATION}$`);
// Microsoft.Testing.Platform: `failed Name (4ms)`, `(1s 006ms)`; `failed (canceled) …` for a timeout, `failed (try 2) …` on a retry.
const MTP_FAILED = /^failed (?:\((?:canceled|cancelled|try \d+)\) )*(\S.*?) \((?:\d+(?:d|h|m|s|ms) ?)+\)$/;
// What follows a VSTest failure's blocks: the next result, the banners of its other output, the run's summary.
const VSTEST_END = /^(?:Standard (?:Output|Error) Messages:|Debug Traces Messages:|Additional Information Messages:|(?:Passed|Failed)!|Test Run |Total tests:|Results File:|\[xUnit\.net )/;

/** A frame of a .NET stack trace: VSTest's `in path:line N`, the testing platform's `in path:N`. */
function frame(s: string): Signal {
  const m = /\) in (.+\.(?:cs|fs|vb)):(?:line )?(\d+)$/.exec(s);
  if (!m) return signal(1, "stack-trace", "stack frame (dotnet)");
  return signal(3, "stack-trace", "stack frame (dotnet)", { location: { path: m[1]!, line: +m[2]! } });
}
