import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { run as analyzeLogCli } from "../../src/cli/commands/analyze-log.js";
import { run as evalLogsCli } from "../../src/cli/commands/eval-logs.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (p: string) => join(root, "fixtures/logs", p);

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const o = jest.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, "write").mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "t0-logs-cli-"));
  await writeFile(join(dir, "empty.log"), "");
  await writeFile(join(dir, "binary.log"), Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 1, 2, 3]));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("analyze-log", () => {
  test("--json prints one object with exactly the documented fields", async () => {
    const r = await capture(() => analyzeLogCli([fixture("ci-logs/gha-cidiff/cidiff_11/fail.log"), "--json", "--budget-tokens", "500"]));
    expect(r.code).toBe(0);
    const a = JSON.parse(r.out);
    expect(Object.keys(a).sort()).toEqual(
      ["classification", "errors", "excerptTokens", "excerpts", "failedTests", "failingStep", "format", "lines", "locations", "status", "steps"].sort(),
    );
    expect(a.excerptTokens).toBeLessThanOrEqual(500);
    expect(a.status).toBe("failed");
  });
  test("readable report names the failing step and the test", async () => {
    const r = await capture(() => analyzeLogCli([fixture("ci-logs/gha-cidiff/cidiff_11/fail.log")]));
    expect(r.code).toBe(0);
    expect(r.out).toContain("failing step: build cidiff");
    expect(r.out).toContain("LogDifferTest.testGithubParsing()");
  });
  test.each([
    ["missing file", () => [join(dir, "nope.log")], /no such file/],
    ["empty file", () => [join(dir, "empty.log")], /is empty/],
    ["binary file", () => [join(dir, "binary.log")], /looks binary/],
    ["no file", () => [], /exactly one log file/],
    ["bad budget", () => [join(dir, "empty.log"), "--budget-tokens", "lots"], /--budget-tokens/],
    ["unknown option", () => [join(dir, "empty.log"), "--nope"], /Unknown option/],
  ])("%s: exit 2 with one line on stderr", async (_name, args, message) => {
    const r = await capture(() => analyzeLogCli(args()));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trimEnd().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(message);
  });
  test("through bin/t0-ci-bot.js the process exits 2 for a missing file", async () => {
    const err = await promisify(execFile)(process.execPath, [join(root, "bin/t0-ci-bot.js"), "analyze-log", join(dir, "nope.log")], { cwd: root }).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toMatch(/^analyze-log: cannot read .*nope\.log/);
  }, 30_000);
});

describe("eval-logs", () => {
  test("scores the fixture manifest, beside the baseline", async () => {
    const r = await capture(() => evalLogsCli([fixture("ci-logs/manifest.jsonl"), "--budget-tokens", "1500", "--json"]));
    expect(r.code).toBe(0);
    const { cases, totals } = JSON.parse(r.out);
    expect(cases).toHaveLength(6);
    const all = totals["all except terraform"];
    expect(totals.all.cases).toBe(6);
    expect(all.errorLineRecall).toBe(1);
    expect(all.testRecall).toBe(1);
    expect(all.passingAsFailing).toBe(0);
    expect(all.passingRuns).toBe(1);
    expect(all.passingRunsAsFailing).toBe(0);
    expect(all.baselinePassingAsFailing).not.toBeNull();
    expect(totals["cidiff terraform"].cases).toBe(1);
    expect(all.meanTokens).toBeLessThanOrEqual(1500);
  });
  test("a manifest from another source is totalled as a whole, not under ci-logs' group names", async () => {
    await writeFile(join(dir, "jenkins.log"), "[INFO] Building\nFAILED tests/test_a.py::test_x - assert 0\nFinished: FAILURE\n");
    await writeFile(join(dir, "other.jsonl"), `${JSON.stringify({ id: "jenkins-1", log: "jenkins.log", failed_tests: ["tests/test_a.py::test_x"], error_spans: [{ kind: "error", start: 2, end: 2 }] })}\n`);
    const r = await capture(() => evalLogsCli([join(dir, "other.jsonl"), "--json"]));
    expect(r.code).toBe(0);
    const { totals } = JSON.parse(r.out);
    expect(Object.keys(totals)).toEqual(["all"]);
    expect(totals.all).toMatchObject({ cases: 1, errorLineRecall: 1, testRecall: 1 });
  });
  test("a manifest row's group puts it under that source's total, whatever its id", async () => {
    // Two different logs: byte-identical ones are counted once.
    for (const n of [1, 2]) await writeFile(join(dir, `j${n}.log`), `[INFO] Building ${n}\nFAILED tests/test_a.py::test_x - assert 0\nFinished: FAILURE\n`);
    const rows = [
      { id: "oos-1", group: "cidiff", log: "j1.log", error_spans: [{ kind: "error", start: 2, end: 2 }] },
      { id: "oos-2", group: "terraform", log: "j2.log", error_spans: [{ kind: "error", start: 2, end: 2 }] },
    ];
    await writeFile(join(dir, "grouped.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
    const r = await capture(() => evalLogsCli([join(dir, "grouped.jsonl"), "--json"]));
    expect(r.code).toBe(0);
    const { totals } = JSON.parse(r.out);
    expect(Object.keys(totals)).toEqual(["all", "all except terraform", "cidiff", "cidiff terraform"]);
    expect(totals["cidiff terraform"].cases).toBe(1);
  });
  test("the ceiling: labels longer than the budget cap the recall any verbatim excerpt can reach", async () => {
    // 40 labelled trace lines of about 20 tokens each: about 800 tokens, so 300 tokens hold at most a third.
    const frames = Array.from({ length: 40 }, (_, i) => `\tat org.example.service.OrderService${i}.refundPartialOrder(OrderService${i}.java:${100 + i})`);
    await writeFile(join(dir, "long.log"), ["[INFO] Building", "java.lang.IllegalStateException: refund failed", ...frames, "Finished: FAILURE", ""].join("\n"));
    await writeFile(join(dir, "long.jsonl"), `${JSON.stringify({ id: "long-1", log: "long.log", error_spans: [{ kind: "error", start: 2, end: 42 }] })}\n`);
    const at = async (budget: number) => JSON.parse((await capture(() => evalLogsCli([join(dir, "long.jsonl"), "--budget-tokens", String(budget), "--json"]))).out);
    const tight = await at(300);
    const ceiling = tight.totals.all.ceilingMeanCaseErrorLineRecall;
    expect(ceiling).toBeGreaterThan(0.2);
    expect(ceiling).toBeLessThan(0.5);
    expect(tight.cases[0].errorHits).toBeLessThanOrEqual(tight.cases[0].ceilingErrorHits);
    expect((await at(4000)).totals.all.ceilingMeanCaseErrorLineRecall).toBe(1);
  });
  // A downloaded labelled set's ids are someone else's text: its table shows them, not their escape sequences.
  test("a case id with escape sequences is shown escaped in the table", async () => {
    await writeFile(join(dir, "tty.log"), "[INFO] Building\nFAILED tests/test_a.py::test_x - assert 0\nFinished: FAILURE\n");
    await writeFile(join(dir, "tty.jsonl"), `${JSON.stringify({ id: "case\x1b]0;owned\x07\u202e1", log: "tty.log", error_spans: [{ kind: "error", start: 2, end: 2 }] })}\n`);
    const r = await capture(() => evalLogsCli([join(dir, "tty.jsonl")]));
    expect(r.code).toBe(0);
    expect(r.out).toContain("case\\x1b]0;owned\\x07\\u202e1");
    expect(r.out).not.toMatch(/[\x1b\x07\u202e]/);
  });
  test("an unknown group: exit 2 naming the line and the groups", async () => {
    await writeFile(join(dir, "badgroup.jsonl"), '{"id":"a","log":"x.log"}\n{"id":"b","log":"x.log","group":"jenkins"}\n');
    const r = await capture(() => evalLogsCli([join(dir, "badgroup.jsonl")]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 2: "group" must be one of bugswarm, cidiff, terraform, other/);
  });
  test("missing manifest: exit 2", async () => {
    const r = await capture(() => evalLogsCli([join(dir, "none.jsonl")]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read/);
  });
  test("bad manifest line: exit 2 naming the line", async () => {
    await writeFile(join(dir, "bad.jsonl"), '{"id":"a","log":"x.log"}\nnot json\n');
    const r = await capture(() => evalLogsCli([join(dir, "bad.jsonl")]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 2/);
  });
});
