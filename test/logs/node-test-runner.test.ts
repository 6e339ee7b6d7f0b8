import { execFile } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";

// Real output of Node's test runner (TAP and spec reporters) over fixtures/repos/node-sum, whose `sum`
// subtracts, plus a file with nested suites and a failing TODO test.
let dir = "";
const run = (reporter: string, file?: string) =>
  new Promise<string>((resolve) => {
    const args = ["--test", `--test-reporter=${reporter}`, ...(file ? [file] : [])];
    const env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", NODE_OPTIONS: "" };
    execFile(process.execPath, args, { cwd: dir, env }, (_err, stdout, stderr) => resolve(stdout + stderr));
  });

const NESTED = `import { describe, it, test } from "node:test";
import assert from "node:assert/strict";
describe("math", () => {
  it("adds", () => assert.equal(1 + 1, 3));
  it("passes", () => assert.ok(true));
  describe("inner", () => {
    it("deep", () => { throw new Error("boom in deep"); });
  });
});
test("later", { todo: true }, () => assert.fail("not yet"));
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "t0-node-test-"));
  await cp(new URL("../../fixtures/repos/node-sum", import.meta.url), dir, { recursive: true });
  await writeFile(join(dir, "nested.test.mjs"), NESTED);
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("node --test", () => {
  test("TAP: failing test, its error, its location, classified as test", async () => {
    const log = await run("tap", "test/math.test.js");
    expect(log).toContain("not ok 1 - sum adds");
    const a = await analyzeLog(log, { budgetTokens: 1500 });
    expect(a.status).toBe("failed");
    expect(a.classification).toBe("test");
    expect(a.failedTests).toEqual([{ name: "sum adds" }]);
    expect(a.locations).toContainEqual({ path: join(dir, "test/math.test.js"), line: 5, column: 1 });
    expect(a.errors.map((e) => e.text)).toEqual(expect.arrayContaining(["not ok 1 - sum adds", "Expected values to be strictly equal:"]));
    const shown = a.excerpts.map((e) => e.text).join("\n");
    expect(shown).toContain("not ok 1 - sum adds");
    expect(shown).toContain("-1 !== 5");
    expect(shown).toContain("# fail 1");
  });

  test("spec reporter: ✖ lines name the test, `test at` gives file:line", async () => {
    const log = await run("spec", "test/math.test.js");
    expect(log).toContain("✖ sum adds (");
    const a = await analyzeLog(log, { budgetTokens: 1500 });
    expect(a.classification).toBe("test");
    expect(a.failedTests).toEqual([{ name: "sum adds" }]);
    expect(a.locations).toContainEqual({ path: "test/math.test.js", line: 5, column: 1 });
  });

  test("TAP: nested suites give full names; parents and TODO failures are not failing tests", async () => {
    const log = await run("tap", "nested.test.mjs");
    const a = await analyzeLog(log, { budgetTokens: 1500 });
    expect(a.failedTests.map((t) => t.name)).toEqual(["math › adds", "math › inner › deep"]);
    expect(a.errors.map((e) => e.text)).toContain("error: 'boom in deep'");
    expect(a.classification).toBe("test");
  });

  test("spec reporter: a suite whose children failed is not a failing test", async () => {
    const a = await analyzeLog(await run("spec", "nested.test.mjs"), { budgetTokens: 1500 });
    expect(a.failedTests.map((t) => t.name)).toEqual(["adds", "deep"]);
  });

  test("a passing TAP run has no failing tests", async () => {
    const a = await analyzeLog("TAP version 13\n# Subtest: x\nok 1 - x\n  ---\n  duration_ms: 1\n  ...\n1..1\n# tests 1\n# pass 1\n# fail 0\n");
    expect(a.failedTests).toEqual([]);
    expect(a.status).not.toBe("failed");
  });
});

describe("tape", () => {
  // Real output of tape 5.9.0 (`node t.mjs`) for a test whose sum subtracts.
  const TAPE = `TAP version 13
# sum adds
not ok 1 should be strictly equal
  ---
    operator: equal
    expected: |-
      5
    actual: |-
      -1
    at: Test.<anonymous> (file:///tmp/an2-tape/t.mjs:2:29)
    stack: |-
      Error: should be strictly equal
          at Test.assert [as _assert] (/tmp/an2-tape/node_modules/tape/lib/test.js:492:48)
          at Test.strictEqual (/tmp/an2-tape/node_modules/tape/lib/test.js:670:7)
          at Test.<anonymous> (file:///tmp/an2-tape/t.mjs:2:29)
          at Test.run (/tmp/an2-tape/node_modules/tape/lib/test.js:126:28)
          at Immediate.next [as _onImmediate] (/tmp/an2-tape/node_modules/tape/lib/results.js:158:7)
          at process.processImmediate (node:internal/timers:483:21)
  ...
# product multiplies
ok 2 should be strictly equal

1..2
# tests 2
# pass  1
# fail  1
`;

  test("the test is the comment above the failing assertion; `at:` gives the location", async () => {
    const a = await analyzeLog(TAPE, { budgetTokens: 1500 });
    expect(a.status).toBe("failed");
    expect(a.classification).toBe("test");
    expect(a.failedTests).toEqual([{ name: "sum adds" }]);
    expect(a.locations).toContainEqual({ path: "/tmp/an2-tape/t.mjs", line: 2, column: 29 });
    expect(a.excerpts.map((e) => e.text).join("\n")).toContain("not ok 1 should be strictly equal");
  });

  test("node --test comments (test output) are not taken for tape test names", async () => {
    const log = "TAP version 13\n# hello from a test\n# Subtest: adds\nnot ok 1 - adds\n  ---\n  error: 'nope'\n  ...\n1..1\n# fail 1\n";
    expect((await analyzeLog(log)).failedTests).toEqual([{ name: "adds" }]);
  });
});
