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

describe("jest: a suite that failed to run is its file", () => {
  test("a missing module: the file under its FAIL header is the failing entry, once though the summary repeats it", async () => {
    const log = [
      "FAIL src/a.test.js",
      "  ● Test suite failed to run",
      "",
      "    Cannot find module 'fs.extra' from 'generator.js'",
      "",
      "Summary of all failing tests",
      "FAIL src/a.test.js",
      "  ● Test suite failed to run",
      "Test Suites: 1 failed, 1 total",
    ].join("\n");
    expect(await tests(log)).toEqual([{ name: "src/a.test.js", file: "src/a.test.js" }]);
  });
  test("without a FAIL header above it there is no file to name", async () => {
    expect(await tests(["  ● Test suite failed to run", "    SyntaxError: Unexpected token", "Test Suites: 1 failed, 1 total"].join("\n"))).toEqual([]);
  });
});

describe("go test: the file:line of a failing test's first log line", () => {
  test("without -v (a real log): the log under each report, a subtest's one level deeper; a parent that logged nothing has no file", async () => {
    const pkg = "github.com/hashicorp/terraform/internal/cloud";
    expect(await tests(snippet("go-test.log"))).toEqual([
      { name: "TestCloud_PrepareConfig", file: "backend_test.go", line: 143, package: pkg },
      { name: "TestCloud_PrepareConfigWithEnvVars", package: pkg },
      { name: "TestCloud_PrepareConfigWithEnvVars/with_no_organization_attribute_or_env_var", file: "backend_test.go", line: 217, package: pkg },
    ]);
  });
  test("with -v (a real log): the subtest logged under its === CONT, long before its report", async () => {
    expect(await tests(snippet("go-test-verbose.crlf.log"))).toEqual([
      { name: "TestProviderTampering" },
      { name: "TestProviderTampering/cache_dir_totally_gone", file: "providers_tamper_test.go", line: 76 },
    ]);
  });
  test("a test that failed without a message (t.Fail) is named without a file; the next test's log is not its", async () => {
    const log = ["--- FAIL: TestQuiet (0.00s)", "--- FAIL: TestLoud (0.00s)", "    loud_test.go:9: got 1, want 2", "FAIL", "FAIL\tgithub.com/x/y\t0.01s"].join("\n");
    expect(await tests(log)).toEqual([
      { name: "TestQuiet", package: "github.com/x/y" },
      { name: "TestLoud", file: "loud_test.go", line: 9, package: "github.com/x/y" },
    ]);
  });
  test("the first log line names the file, later ones and a multi-line message's continuation do not replace it", async () => {
    const log = ["--- FAIL: TestSum (0.00s)", "    sum_test.go:9: got 3", "        want 4", "    helper.go:30: cleanup", "FAIL"].join("\n");
    expect(await tests(log)).toEqual([{ name: "TestSum", file: "sum_test.go", line: 9 }]);
  });
  test("a parent's own log after its subtest's report is the parent's", async () => {
    const log = ["--- FAIL: TestP (0.00s)", "    --- PASS: TestP/a (0.00s)", "    --- FAIL: TestP/b (0.00s)", "    p_test.go:40: teardown failed", "FAIL"].join("\n");
    expect(await tests(log)).toEqual([{ name: "TestP", file: "p_test.go", line: 40 }, { name: "TestP/b" }]);
  });
  test("a test and its log line count once toward the cap on listed tests", async () => {
    const lines = Array.from({ length: 600 }, (_, i) => [`--- FAIL: TestCase${i} (0.00s)`, `    case_test.go:${i + 1}: boom ${i}`]).flat();
    const found = await tests([...lines, "FAIL"].join("\n"));
    expect(found).toHaveLength(500);
    expect(found[499]).toEqual({ name: "TestCase499", file: "case_test.go", line: 500 });
  });
  test("go before 1.14 indented a test's log with a tab", async () => {
    const log = ["--- FAIL: TestOld (0.00s)", "\told_test.go:7: boom", "FAIL"].join("\n");
    expect(await tests(log)).toEqual([{ name: "TestOld", file: "old_test.go", line: 7 }]);
  });
  test("with -v, a test of the same name in the next package does not take the first package's log", async () => {
    const log = [
      "=== RUN   TestA",
      "    a_test.go:5: note",
      "--- PASS: TestA (0.00s)",
      "ok  \tgithub.com/x/one\t0.01s",
      "=== RUN   TestA",
      "--- FAIL: TestA (0.00s)",
      "FAIL",
      "FAIL\tgithub.com/x/two\t0.01s",
    ].join("\n");
    expect(await tests(log)).toEqual([{ name: "TestA", package: "github.com/x/two" }]);
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

describe("go test: the package's result line names the package of the tests reported before it", () => {
  test("each test takes its own package; one name in two packages (same base file name) is two tests", async () => {
    const log = [
      "--- FAIL: TestSum (0.00s)",
      "    calc_test.go:12: got 3, want 4",
      "FAIL",
      "FAIL\tgithub.com/org/repo/internal/calc\t0.01s",
      "--- FAIL: TestSum (0.00s)",
      "    calc_test.go:30: overflow",
      "FAIL",
      "FAIL\tgithub.com/org/repo/pkg/calc\t0.02s",
      "FAIL",
    ].join("\n");
    expect(await tests(log)).toEqual([
      { name: "TestSum", file: "calc_test.go", line: 12, package: "github.com/org/repo/internal/calc" },
      { name: "TestSum", file: "calc_test.go", line: 30, package: "github.com/org/repo/pkg/calc" },
    ]);
  });
  test("a log cut before the package's line leaves the package unknown", async () => {
    expect(await tests(["--- FAIL: TestSum (0.00s)", "    calc_test.go:12: got 3"].join("\n"))).toEqual([{ name: "TestSum", file: "calc_test.go", line: 12 }]);
  });
});
