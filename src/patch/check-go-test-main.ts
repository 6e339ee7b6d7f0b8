import type { Add } from "./types.js";

const TEST_MAIN = /\bfunc\s+TestMain\s*\(\s*(\w+)\s+\*\s*testing\.M\s*\)\s*\{/;

/**
 * Whether TestMain, if the file has one, hands the tests a chance to run: it calls `m.Run()` or passes `m`
 * on (gitea's `unittest.MainTest(m)` calls it there). Null when the file has no TestMain.
 */
function testMainRuns(text: string): boolean | null {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  const m = TEST_MAIN.exec(code);
  if (!m) return null;
  const name = m[1]!;
  // The body, to its closing brace: a `m` elsewhere in the file is another variable.
  let depth = 1;
  let end = m.index + m[0].length;
  while (end < code.length && depth > 0) {
    if (code[end] === "{") depth++;
    else if (code[end] === "}") depth--;
    end++;
  }
  const body = code.slice(m.index + m[0].length, end);
  return new RegExp(`\\b${name}\\.Run\\(\\s*\\)|[(,]\\s*${name}\\s*[,)]`).test(body);
}

/**
 * A Go test file whose TestMain no longer runs the tests: without `m.Run()`, go test runs none of the
 * package's tests and exits 0 (dominikh/go-tools#1033). A TestMain that already did not run them is left alone.
 */
export function checkGoTestMain(old: string, now: string, add: Add): void {
  if (testMainRuns(now) !== false || testMainRuns(old) === false) return;
  add("skip_tests", "the patch leaves TestMain without calling m.Run(), so go test runs none of the package's tests and passes", "TestMain");
}
