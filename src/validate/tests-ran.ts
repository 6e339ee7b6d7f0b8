import { stripAnsi } from "../logs/line-format.js";

/**
 * How many tests a run's output says ran (passed, failed or errored; skipped, xfailed and deselected ones did
 * not), from the summary line its runner prints last: pytest, jest/vitest, mocha, cargo test, RSpec,
 * unittest. Undefined when no summary is found (another runner, or output cut before it).
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
  return undefined;
}
