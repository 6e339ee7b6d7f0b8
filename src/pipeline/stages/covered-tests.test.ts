import { describe, expect, test } from "@jest/globals";
import { coveredTests, testIdentity } from "./covered-tests.js";

describe("coveredTests: which failing tests an open fix PR's runs failed too", () => {
  test("a name in another file is another test", () => {
    expect(coveredTests([{ name: "test_slug", file: "tests/test_a.py" }], [{ name: "test_slug", file: "tests/test_b.py" }])).toBeUndefined();
    expect(coveredTests([{ name: "tests/test_a.py::test_slug", file: "tests/test_a.py" }], [{ name: "tests/test_b.py::test_slug", file: "tests/test_b.py" }])).toBeUndefined();
  });

  test("a pytest node id and the same name given with its file are one test, matched by file and name", () => {
    expect(coveredTests([{ name: "test_slug", file: "./tests/test_a.py" }], [{ name: "tests/test_a.py::test_slug", file: "tests/test_a.py" }])).toEqual({ matched: ["tests/test_a.py::test_slug"], byNameOnly: false });
  });

  test("a side naming no file: the name decides, and the match says so", () => {
    expect(coveredTests([{ name: "TestSlug" }], [{ name: "TestSlug" }, { name: "TestOther" }])).toEqual({ matched: ["TestSlug"], byNameOnly: true });
    expect(coveredTests([{ name: "test_slug" }], [{ name: "test_slug", file: "tests/test_b.py" }])).toEqual({ matched: ["test_slug"], byNameOnly: true });
  });

  test("every test must be among theirs; no tests is never covered", () => {
    expect(coveredTests([{ name: "a" }, { name: "b" }], [{ name: "a" }])).toBeUndefined();
    expect(coveredTests([], [{ name: "a" }])).toBeUndefined();
  });

  test("a file that failed as a whole (a collection error) is that file", () => {
    expect(testIdentity({ name: "tests/test_a.py", file: "tests/test_a.py" })).toEqual({ file: "tests/test_a.py", name: "", label: "tests/test_a.py" });
    expect(coveredTests([{ name: "tests/test_a.py", file: "tests/test_a.py" }], [{ name: "tests/test_b.py", file: "tests/test_b.py" }])).toBeUndefined();
  });
});
