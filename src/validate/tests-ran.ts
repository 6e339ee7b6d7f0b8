import { stripAnsi } from "../logs/line-format.js";

/**
 * How much of the end of a command's output `testsRan` is given: the summaries are printed last. The failed CI
 * run's count for the same command is read from as much of its log (step-tests-ran.ts), so the two counts
 * are made from the same part of the same output.
 */
export const TESTS_RAN_TAIL_BYTES = 64 * 1024;

/**
 * How many tests a run's output says ran (passed, failed or errored; skipped, xfailed and deselected ones did
 * not), from the summary line its runner prints last: pytest, jest/vitest, mocha, cargo test, RSpec,
 * unittest, node --test, Maven surefire, and `go test -v` (its per-test result lines). Undefined when no summary is found (another runner, or output cut before it).
 */
export function testsRan(output: string): number | undefined {
  const text = stripAnsi(output);
  const sum = (re: RegExp, line: string) => [...line.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  // pytest: `==== 1 failed, 9 passed, 2 skipped in 0.52s ====` (the last such line).
  const pytest = [...text.matchAll(/^=+ (.*\b(passed|failed|errors?)\b.*) in [\d.]+s.*=+\s*$/gm)].pop();
  if (pytest) return sum(/(\d+) (passed|failed|errors?|xpassed)\b/g, pytest[1]!);
  // jest: `Tests:       1 failed, 9 passed, 10 total`; vitest: `Tests  1 failed | 9 passed (10)`.
  const jest = [...text.matchAll(/^\s*Tests:?\s+(.*)$/gm)].pop();
  if (jest && /\b(passed|failed)\b/.test(jest[1]!)) return sum(/(\d+) (passed|failed)\b/g, jest[1]!);
  // cargo: one `test result: ok. 9 passed; 1 failed; 2 ignored; …` per test binary.
  const cargo = [...text.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed;/gm)];
  if (cargo.length) return cargo.reduce((n, m) => n + Number(m[1]) + Number(m[2]), 0);
  // RSpec: `10 examples, 1 failure, 2 pending`.
  const rspec = [...text.matchAll(/^(\d+) examples?, \d+ failures?(?:, (\d+) pending)?/gm)].pop();
  if (rspec) return Number(rspec[1]) - Number(rspec[2] ?? 0);
  // mocha: `  9 passing (20ms)` and `  1 failing`.
  const passing = [...text.matchAll(/^\s*(\d+) passing\b/gm)].pop();
  if (passing) return Number(passing[1]) + Number(/^\s*(\d+) failing\b/m.exec(text)?.[1] ?? 0);
  // unittest: `Ran 10 tests in 0.01s` then `OK (skipped=2)`.
  const ran = [...text.matchAll(/^Ran (\d+) tests? in /gm)].pop();
  if (ran) return Number(ran[1]) - Number(/\bskipped=(\d+)/.exec(text.slice(ran.index))?.[1] ?? 0) - Number(/\bexpected failures=(\d+)/.exec(text.slice(ran.index))?.[1] ?? 0);
  // node --test: `# pass 9` / `# fail 1` (TAP) or `ℹ pass 9` / `ℹ fail 1` (spec), once for the whole run.
  const nodePass = [...text.matchAll(/^(?:#|\u2139) pass (\d+)\s*$/gm)].pop();
  if (nodePass) return Number(nodePass[1]) + Number(/^(?:#|\u2139) fail (\d+)\s*$/m.exec(text.slice(nodePass.index))?.[1] ?? 0);
  // surefire/failsafe: one `Tests run: 10, Failures: 1, Errors: 0, Skipped: 2` total per module (the per-class
  // lines go on with `, Time elapsed`); failures and errors are counted in `Tests run`, skipped ones are too.
  const surefire = [...text.matchAll(/^(?:\[\w+\] )?Tests run: (\d+), Failures: \d+, Errors: \d+, Skipped: (\d+)\s*$/gm)];
  if (surefire.length) return surefire.reduce((n, m) => n + Number(m[1]) - Number(m[2]), 0);
  // go test -v (`=== RUN` shows it): one `--- PASS:`/`--- FAIL:` per test and subtest. Without -v only failures
  // are listed, so a green run there has no count.
  if (/^=== RUN\s/m.test(text)) return [...text.matchAll(/^\s*--- (PASS|FAIL): /gm)].length;
  return undefined;
}
