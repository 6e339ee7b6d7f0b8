import { describe, expect, test } from "@jest/globals";
import { outOfTestpaths } from "./out-of-testpaths.js";

describe("outOfTestpaths", () => {
  test.each<[string, string, string[] | undefined, string | undefined]>([
    ["tests/test_a.py", "legacy/test_a.py", ["tests"], "tests"],
    ["tests/test_a.py", "tests/unit/test_a.py", ["./tests/"], undefined],
    ["tests/test_a.py", "legacy/test_a.py", undefined, undefined],
    // pytest expands globs in testpaths.
    ["pkgs/api/tests/test_a.py", "pkgs/api/test_a.py", ["pkgs/*/tests"], "pkgs/*/tests"],
    ["pkgs/api/tests/test_a.py", "pkgs/web/tests/test_a.py", ["pkgs/*/tests"], undefined],
    // A file that was not collected before is not moved out.
    ["scripts/test_a.py", "legacy/test_a.py", ["tests"], undefined],
  ])("%s → %s under %j", (from, to, testpaths, left) => {
    expect(outOfTestpaths(from, to, testpaths)).toBe(left);
  });
});
