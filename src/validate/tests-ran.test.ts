import { describe, expect, test } from "@jest/globals";
import { testsRan } from "./tests-ran.js";

describe("testsRan", () => {
  test.each<[string, string, number | undefined]>([
    ["pytest, red", "tests/test_a.py F.........\n===== 1 failed, 9 passed in 0.52s =====\n", 10],
    ["pytest, a skip and a deselection", "===== 9 passed, 1 skipped, 2 deselected in 0.40s =====\n", 9],
    ["pytest, xfailed", "==== 9 passed, 1 xfailed in 0.3s ====\n", 9],
    ["jest", "Test Suites: 1 passed, 1 total\nTests:       1 failed, 9 passed, 10 total\n", 10],
    ["jest, a skip", "Tests:       1 skipped, 9 passed, 10 total\n", 9],
    ["vitest", " Test Files  1 passed (1)\n      Tests  9 passed | 1 skipped (10)\n", 9],
    ["cargo, two binaries", "test result: ok. 4 passed; 0 failed; 1 ignored; 0 measured\ntest result: FAILED. 5 passed; 1 failed; 0 ignored\n", 10],
    ["rspec", "10 examples, 0 failures, 1 pending\n", 9],
    ["mocha", "  9 passing (20ms)\n  1 failing\n", 10],
    ["unittest", "Ran 10 tests in 0.01s\n\nOK (skipped=2)\n", 8],
    ["go test without -v: no count", "go test ./...\nok  \tcalc\t0.01s\n", undefined],
    ["go test -v, a subtest and a skip", "=== RUN   TestAdd\n=== RUN   TestAdd/neg\n--- PASS: TestAdd (0.00s)\n    --- PASS: TestAdd/neg (0.00s)\n=== RUN   TestSub\n    calc_test.go:9: flaky\n--- SKIP: TestSub (0.00s)\n=== RUN   TestMul\n    calc_test.go:14: got 5\n--- FAIL: TestMul (0.00s)\nFAIL\nFAIL\tcalc\t0.002s\n", 3],
    ["go test -v, two packages", "=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\nok  \ta\t0.01s\n=== RUN   TestB\n--- PASS: TestB (0.00s)\nPASS\nok  \tb\t0.01s\n", 2],
    ["node --test, TAP", "1..3\n# tests 3\n# suites 0\n# pass 1\n# fail 1\n# cancelled 0\n# skipped 1\n# todo 0\n# duration_ms 137.3\n", 2],
    ["node --test, spec reporter", "\u2139 tests 3\n\u2139 suites 0\n\u2139 pass 1\n\u2139 fail 1\n\u2139 cancelled 0\n\u2139 skipped 1\n\u2139 todo 0\n\u2139 duration_ms 167.4\n", 2],
    ["maven surefire, two modules", "[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 1, Time elapsed: 0.03 s - in calc.CalcTest\n[INFO] Results:\n[INFO] \n[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 1\n[ERROR] Tests run: 3, Failures: 1, Errors: 1, Skipped: 0, Time elapsed: 0.02 s <<< FAILURE! - in io.IoTest\n[ERROR] Tests run: 3, Failures: 1, Errors: 1, Skipped: 0\n", 6],
  ])("%s", (_name, output, n) => expect(testsRan(output)).toBe(n));
});
