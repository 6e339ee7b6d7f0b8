import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";
import { evaluateCase } from "../../src/logs/evaluate.js";
import { newLineParts, parseLineInto } from "../../src/logs/line-format.js";

// A job that runs its tests with `docker compose up` prints every line of the container behind compose's
// prefix (`test_1  | `, `web-1  | `): the runners' lines start after it.
const snippet = (name: string) => readFileSync(new URL(`../../fixtures/logs/snippets/${name}`, import.meta.url), "utf8");
const tests = async (text: string) => (await analyzeLog(text)).failedTests;
/** The lines of one log as the analyser reads them, in order (the bar's column is remembered across lines). */
const read = (lines: string[]) => {
  const parts = newLineParts();
  return lines.map((l) => parseLineInto(l, "plain", parts));
};

describe("docker compose's prefix is taken off a container's lines", () => {
  test("a real log (compose v1, coloured prefix): jest's suite that failed to run is read, its file named", async () => {
    const a = await analyzeLog(snippet("jest-compose.log"));
    expect(a.failedTests).toEqual([{ name: "./test-project.test.js", file: "./test-project.test.js" }]);
    expect(a.excerpts.map((e) => e.text).join("\n")).toContain("\nFAIL ./test-project.test.js\n");
  });

  test("the evaluation counts the suite's file as no test name: its label lists the tests that ran, none", async () => {
    const dir = fileURLToPath(new URL("../../fixtures/logs/snippets/", import.meta.url));
    const { result, analysis } = await evaluateCase({ id: "compose", log: "jest-compose.log", failed_tests: [], expected: { status: "broken" } }, dir, 4000);
    expect(analysis.failedTests).toHaveLength(1);
    expect(result.testsFound).toBe(0);
  });

  test("uncoloured (compose v2): once a second line has its bar in the same column; the output's own indentation stays", () => {
    expect(read(["web-1  | FAIL src/a.test.js", "web-1  |   ● a › one", "db-1   | ready", "web-1  |     at x (src/a.js:3:1)"])).toEqual([
      "web-1  | FAIL src/a.test.js",
      "  ● a › one",
      "ready",
      "    at x (src/a.js:3:1)",
    ]);
  });

  test("uncoloured, its first line too once compose said it attached to that container (v1 with the project's name, v2)", () => {
    expect(read(["Attaching to myapp_test_1", "test_1  | FAIL src/a.test.js"])).toEqual(["Attaching to myapp_test_1", "FAIL src/a.test.js"]);
    expect(read(["Attaching to web-1, db-1", "web-1  | --- FAIL: TestSum (0.00s)", "other_1 | x"])).toEqual(["Attaching to web-1, db-1", "--- FAIL: TestSum (0.00s)", "other_1 | x"]);
  });

  test("ordinary lines with a bar are left alone: a lone name_1 | line, a table whose bars move, a code frame", () => {
    expect(read(["col_1 | col_2", "row_1    | 3", "run_2 | 4", "    > 3 | const xfs = require('fs.extra');", "  node_1 | x"])).toEqual([
      "col_1 | col_2",
      "row_1    | 3",
      "run_2 | 4",
      "    > 3 | const xfs = require('fs.extra');",
      "  node_1 | x",
    ]);
  });

  test("pytest and go behind the prefix are read too", async () => {
    // Uncoloured, the first line is known to be compose's only by the next: here, as in real runs, not the report.
    const pytest = ["app_1  | collected 3 items", "app_1  | ============ FAILURES ============", "app_1  | FAILED tests/test_a.py::test_x - assert 1 == 2", "app_1  | ===== 1 failed in 0.1s ====="];
    expect(await tests(pytest.join("\n"))).toEqual([{ name: "tests/test_a.py::test_x", file: "tests/test_a.py" }]);
    const go = ["api-1  | go: downloading github.com/x/z v1.0.0", "api-1  | --- FAIL: TestSum (0.00s)", "api-1  |     sum_test.go:9: got 3, want 4", "api-1  | FAIL", "api-1  | FAIL\tgithub.com/x/y\t0.01s"];
    expect(await tests(go.join("\n"))).toEqual([{ name: "TestSum", file: "sum_test.go", line: 9, package: "github.com/x/y" }]);
  });
});
