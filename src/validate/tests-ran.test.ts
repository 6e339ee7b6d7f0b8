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
    ["no summary", "go test ./...\nok  \tcalc\t0.01s\n", undefined],
  ])("%s", (_name, output, n) => expect(testsRan(output)).toBe(n));
});
