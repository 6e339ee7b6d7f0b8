import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";
import { dedupeTests } from "../../src/logs/test-names.js";

// jest and go print a failing test's bare name; the file is on another line (jest's `FAIL <file>` header,
// go's `name_test.go:12:` log line). Runs compare failing tests by file and name when both name the file.
const snippet = (name: string) => readFileSync(new URL(`../../fixtures/logs/snippets/${name}`, import.meta.url), "utf8");
const tests = async (text: string) => (await analyzeLog(text)).failedTests;

describe("jest: the file of the FAIL header above a test's ● block", () => {
  test("a real Actions log, timestamps and all", async () => {
    expect(await tests(snippet("jest.log"))).toEqual([{ name: "victory-core › should export everything", file: "packages/victory-core/src/exports.test.ts" }]);
  });
  test("coloured output: the header's path split in dim and bold", async () => {
    expect(await tests(snippet("jest-colors.log"))).toEqual([{ name: "sum adds", file: "./sum.test.js" }]);
  });
  test("projects' badges, a PASS file's console block between, the summary's headers without badges: one name in two files is two tests", async () => {
    expect(await tests(snippet("jest-projects.log"))).toEqual([
      { name: "cart › adds an item", file: "web/src/cart.test.js" },
      { name: "cart › adds an item", file: "api/src/cart.test.js" },
    ]);
  });
  test("workers print each file's report whole: every block takes its own header's file, the run time after it is no part of it", async () => {
    const log = [
      "FAIL src/a.test.js (5.848 s)",
      "  ● a › one",
      "    expect(received).toBe(expected)",
      "FAIL src/b.test.ts (6.1 s, 48 MB heap size)",
      "  ● b › two",
      "  ● b › three",
      "Tests:       3 failed, 3 total",
    ].join("\n");
    expect(await tests(log)).toEqual([
      { name: "a › one", file: "src/a.test.js" },
      { name: "b › two", file: "src/b.test.ts" },
      { name: "b › three", file: "src/b.test.ts" },
    ]);
  });
  test("a PASS header ends the failing file before it: a ● after it is not that file's", async () => {
    const log = ["FAIL src/a.test.js", "  ● a › one", "PASS src/b.test.js", "  ● c › stray", "Tests:       2 failed, 2 total"].join("\n");
    expect(await tests(log)).toEqual([{ name: "a › one", file: "src/a.test.js" }, { name: "c › stray" }]);
  });
  test("the run's summary ends the last file", async () => {
    const log = ["FAIL src/a.test.js", "  ● a › one", "Test Suites: 1 failed, 1 total", "  ● later › other", "Tests:       1 failed, 1 total"].join("\n");
    expect(await tests(log)).toEqual([{ name: "a › one", file: "src/a.test.js" }, { name: "later › other" }]);
  });
});

describe("one test, several mentions", () => {
  test("a later mention that names the file completes an earlier bare one; the same name in another file is another test", () => {
    const kept = dedupeTests([{ name: "TestX" }, { name: "TestX", file: "x_test.go", line: 3 }, { name: "a › b", file: "a.test.js" }, { name: "a › b", file: "b.test.js" }, { name: "a › b" }]);
    expect(kept).toEqual([
      { name: "TestX", file: "x_test.go", line: 3 },
      { name: "a › b", file: "a.test.js" },
      { name: "a › b", file: "b.test.js" },
    ]);
  });
  test("a shorter spelling gives way to the full name only in the same file", () => {
    const kept = dedupeTests([{ name: "leaf", file: "b.test.js" }, { name: "a › leaf", file: "a.test.js" }, { name: "leaf" }]);
    expect(kept).toEqual([{ name: "leaf", file: "b.test.js" }, { name: "a › leaf", file: "a.test.js" }]);
  });
});
