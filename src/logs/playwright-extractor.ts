import { signal, type Signal } from "./signal.js";
import type { FailedTest } from "./types.js";

/**
 * Playwright's list, line and dot reporters. A test is named `[project] › describe › title` (the project is
 * left out when the config has none), with its file and line. The list reporter prints a line per attempt
 * (`✘  2 [chromium] › a.spec.ts:3:5 › title (retry #1) (5.0s)`; older versions `✘  1) …`); every reporter then
 * prints each failure under a numbered header (`  1) [chromium] › a.spec.ts:3:5 › title ───`) and ends with
 * `  N failed`, `  N flaky` and `  N interrupted`, each over the tests it counts.
 *
 * A flaky test failed, then passed on a retry: it gets a header and `✘` lines like a failing one, and only the
 * `N flaky` list at the end tells them apart. `passedOnRetry` gives those tests so that they can be dropped.
 */
export class PlaywrightExtractor {
  /** The end-of-run list being read: its tests failed, passed on a retry, or were interrupted; "" outside one. */
  private list: "" | "failed" | "flaky" | "interrupted" = "";
  private readonly flaky: FailedTest[] = [];

  /** For lines the pre-filter skipped: `  1 flaky` has no keyword, and the list under it rarely does. */
  track(s: string): Signal | null | undefined {
    if (this.list === "" && !s.endsWith(" flaky")) return undefined;
    return this.inspect(s) ?? undefined;
  }

  inspect(s: string): Signal | null {
    let m: RegExpExecArray | null;
    if (this.list !== "") {
      if ((m = SUMMARY_ENTRY.exec(s))) return this.entry(m);
      this.list = "";
    }
    if (s.endsWith(" flaky") || s.endsWith(" failed") || s.endsWith(" interrupted")) {
      if ((m = /^\d+ (failed|flaky|interrupted)$/.exec(s))) {
        this.list = m[1] as "failed" | "flaky" | "interrupted";
        return this.list === "failed" ? signal(8, "test-failure", "playwright failures", { category: "test", failure: true }) : null;
      }
    }
    if (s.includes(" › ") && (m = FAILURE.exec(s))) {
      const name = m[1] ? `[${m[1]}] › ${m[4]}` : m[4]!;
      return signal(10, "test-failure", "failing test (playwright)", { test: { name, file: m[2]!, line: +m[3]! }, category: "test", failure: true });
    }
    return null;
  }

  /** Tests the run's summary lists as flaky: they failed, then passed on a retry. */
  passedOnRetry(): readonly FailedTest[] {
    return this.flaky;
  }

  private entry(m: RegExpExecArray): Signal | null {
    const test: FailedTest = { name: m[1] ? `[${m[1]}] › ${m[4]}` : m[4]!, file: m[2]!, line: +m[3]! };
    if (this.list === "failed") return signal(10, "test-failure", "failing test (playwright)", { test, category: "test", failure: true });
    if (this.list === "flaky") {
      if (this.flaky.length < MAX_FLAKY) this.flaky.push(test);
      // Worth showing beside the failure (the same code may break it next time), never a failing test.
      return signal(3, "error", "flaky test (playwright)");
    }
    return null;
  }
}

/** Whether `test` is one of the `flaky` ones: the same place, and the same name or a failing step inside it. */
export function isFlaky(test: FailedTest, flaky: readonly FailedTest[]): boolean {
  return flaky.some((f) => f.file === test.file && f.line === test.line && (f.name === test.name || test.name.startsWith(`${f.name} › `)));
}

const MAX_FLAKY = 500;
// `[project] › file:line:col › titles`; groups: project, file, line, titles.
const TITLE = /(?:\[([^\]]+)\] › )?([^\s:]+):(\d+):\d+ › (.+?)/.source;
// Playwright's durations (`640ms`, `5.1s`, `1.5m`) and the list reporter's `(retry #1)` before it.
const SUFFIX = /(?: \(retry #\d+\))?(?: \(\d+(?:\.\d+)?(?:ms|s|m|h|d)\))?/.source;
/**
 * A list reporter line for a failed attempt (`✘  2 [p] › …`, `x` where the terminal has no UTF-8, `✘  1) …`
 * in older versions), or a failure's numbered header padded with a rule of `─` (older versions: `=`).
 */
const FAILURE = new RegExp(`^(?:[✘x]\\s+\\d+\\)? |\\d+\\) )${TITLE}${SUFFIX}(?: [─=]+)?$`);
// An entry of the end-of-run lists: the header without its number.
const SUMMARY_ENTRY = new RegExp(`^${TITLE}(?: [─=]+)?$`);
