import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeJob } from "../../test/helpers/make-job.js";
import { analyzeLog } from "../logs/analyze-log.js";
import { countTokens } from "../logs/count-tokens.js";
import { buildFailureContext, type AnalysedJob } from "./build-failure-context.js";

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), "t0-bfc-"))));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A pytest job's log as GitHub shows it: the same failing assertion, this job's timings. */
function pytestLog(seconds: string): string {
  const lines = [
    "##[group]Run python -m pytest -q",
    "python -m pytest -q",
    "##[endgroup]",
    "F.                                                                       [100%]",
    "=================================== FAILURES ===================================",
    "______________________________ test_slugify_hyphens ______________________________",
    "",
    "    def test_slugify_hyphens():",
    ">       assert slugify('Hello World') == 'hello-world'",
    "E       AssertionError: assert 'hello_world' == 'hello-world'",
    "",
    "tests/test_slug.py:4: AssertionError",
    "=========================== short test summary info ============================",
    "FAILED tests/test_slug.py::test_slugify_hyphens - AssertionError: assert 'hello_world' == 'hello-world'",
    `1 failed, 1 passed in ${seconds}s`,
    "##[error]Process completed with exit code 1.",
  ];
  return lines.map((l, i) => `2026-12-01T10:00:${String(i).padStart(2, "0")}.${seconds.replace(".", "")}00000Z ${l}`).join("\n") + "\n";
}

describe("buildFailureContext", () => {
  test("a matrix whose jobs fail the same way: the failing output is in the context once, every job still listed", async () => {
    const names = ["test (ubuntu-latest, 3.11)", "test (ubuntu-latest, 3.12)", "test (macos-latest, 3.11)", "test (macos-latest, 3.12)", "test (windows-latest, 3.11)"];
    const jobs: AnalysedJob[] = [];
    for (const [i, name] of names.entries()) {
      const analysis = await analyzeLog(pytestLog(`0.0${i + 2}`), { budgetTokens: 600 });
      jobs.push({ fetched: { id: i + 1, name, conclusion: "failure", log: { file: `${i}.log`, totalBytes: 1, keptBytes: 1, truncated: false }, meta: `${i}.json`, annotations: 0 }, analysis, annotations: [] });
    }
    expect(jobs[0]!.analysis.excerpts.length).toBeGreaterThan(0);

    const context = await buildFailureContext({ job: makeJob(), dir, jobs, headCommitDiff: null, budgetTokens: 8000, countTokens });

    expect(context.failing_jobs.map((j) => j.name)).toEqual(names);
    const text = JSON.stringify(context.excerpts);
    expect(context.excerpts[0]!.job).toBe("test (ubuntu-latest, 3.11) (the same in 4 other failed jobs)");
    expect(text.split("AssertionError: assert 'hello_world' == 'hello-world'").length - 1).toBe(jobs[0]!.analysis.excerpts.map((e) => e.text).join("\n").split("AssertionError: assert 'hello_world' == 'hello-world'").length - 1);
  });

  test("jobs failing in different ways each keep their output", async () => {
    const other = pytestLog("0.02").replaceAll("hello_world", "hello world");
    const jobs: AnalysedJob[] = [];
    for (const [i, log] of [pytestLog("0.02"), other].entries()) {
      jobs.push({ fetched: { id: i + 1, name: `test ${i}`, conclusion: "failure", log: { file: `${i}.log`, totalBytes: 1, keptBytes: 1, truncated: false }, meta: `${i}.json`, annotations: 0 }, analysis: await analyzeLog(log, { budgetTokens: 600 }), annotations: [] });
    }

    const context = await buildFailureContext({ job: makeJob(), dir, jobs, headCommitDiff: null, budgetTokens: 8000, countTokens });

    expect(context.excerpts.map((e) => e.job)).toEqual(["test 0", "test 1"]);
  });

  // GitHub keeps an annotation's text as the step printed it: `::error::` after a coloured `echo -e`, a
  // reporter that colours its messages. The log's lines lose their codes (line-format); so do these.
  test("annotations reach the context without colour codes", async () => {
    const analysis = await analyzeLog(pytestLog("0.02"), { budgetTokens: 600 });
    const annotations = [
      { path: "tests/test_slug.py", startLine: 4, endLine: 4, level: "failure" as const, title: "\x1b[1mtest_slugify_hyphens\x1b[22m", message: "\x1b[31mAssertionError: assert 'hello_world' == 'hello-world'\x1b[0m" },
    ];
    const jobs: AnalysedJob[] = [{ fetched: { id: 1, name: "test", conclusion: "failure", log: { file: "0.log", totalBytes: 1, keptBytes: 1, truncated: false }, meta: "0.json", annotations: 1 }, analysis, annotations }];

    const context = await buildFailureContext({ job: makeJob(), dir, jobs, headCommitDiff: null, budgetTokens: 8000, countTokens });

    expect(context.annotations).toEqual([{ path: "tests/test_slug.py", line: 4, level: "failure", message: "test_slugify_hyphens: AssertionError: assert 'hello_world' == 'hello-world'" }]);
    expect(JSON.stringify(context)).not.toContain("\\u001b");
  });

  test("go's base file names become the checkout's paths: the package's directory, a helper of go's no location", async () => {
    const repo = await mkdtemp(join(tmpdir(), "t0-bfc-go-"));
    try {
      const body = Array.from({ length: 20 }, (_, i) => `// line ${i + 2}`).join("\n");
      for (const [p, c] of Object.entries({
        "go.mod": "module github.com/org/repo\n",
        "internal/calc/calc_test.go": `package calc\n${body}\n`,
        "pkg/calc/calc_test.go": `package calc\n${body}\n`,
        "internal/testing.go": "package internal\n",
      })) {
        await mkdir(join(repo, p, ".."), { recursive: true });
        await writeFile(join(repo, p), c);
      }
      const log = [
        "--- FAIL: TestSum (0.00s)",
        "    calc_test.go:12: got 3, want 4",
        "--- FAIL: TestRace (0.00s)",
        "    testing.go:1465: race detected during execution of test",
        "FAIL",
        "FAIL\tgithub.com/org/repo/internal/calc\t0.01s",
        "FAIL",
      ].join("\n");
      const analysis = await analyzeLog(log, { budgetTokens: 600 });
      const jobs: AnalysedJob[] = [{ fetched: { id: 1, name: "test", conclusion: "failure", log: { file: "0.log", totalBytes: 1, keptBytes: 1, truncated: false }, meta: "0.json", annotations: 0 }, analysis, annotations: [] }];

      const context = await buildFailureContext({ job: makeJob(), dir: repo, jobs, headCommitDiff: null, budgetTokens: 8000, countTokens });

      expect(context.failed_tests).toEqual([
        { name: "TestSum", file: "internal/calc/calc_test.go", line: 12 },
        { name: "TestRace", file: "testing.go", line: 1465 },
      ]);
      expect(context.locations.map((l) => `${l.path}:${l.line}`)).toEqual(["internal/calc/calc_test.go:12"]);
      expect(context.snippets.map((s) => [s.path, s.startLine, s.endLine])).toEqual([["internal/calc/calc_test.go", 2, 22]]);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
  test("jest's suite paths from a container's workdir (/app) or with ./ become the checkout's files", async () => {
    const repo = await mkdtemp(join(tmpdir(), "t0-bfc-jest-"));
    try {
      for (const p of ["package.json", "src/cart.test.js", "src/util.test.js"]) {
        await mkdir(join(repo, p, ".."), { recursive: true });
        await writeFile(join(repo, p), "\n");
      }
      const log = [
        "FAIL /app/src/cart.test.js",
        "  ● cart › adds an item",
        "",
        "    expect(received).toBe(expected) // Object.is equality",
        "",
        "FAIL ./src/util.test.js",
        "  ● Test suite failed to run",
        "",
        "    Cannot find module './trim' from 'src/util.test.js'",
        "",
        "Test Suites: 2 failed, 2 total",
        "Tests:       1 failed, 1 total",
      ].join("\n");
      const analysis = await analyzeLog(log, { budgetTokens: 600 });
      const jobs: AnalysedJob[] = [{ fetched: { id: 1, name: "test", conclusion: "failure", log: { file: "0.log", totalBytes: 1, keptBytes: 1, truncated: false }, meta: "0.json", annotations: 0 }, analysis, annotations: [] }];

      const context = await buildFailureContext({ job: makeJob(), dir: repo, jobs, headCommitDiff: null, budgetTokens: 8000, countTokens });

      expect(context.failed_tests).toEqual([
        { name: "cart › adds an item", file: "src/cart.test.js" },
        { name: "src/util.test.js", file: "src/util.test.js" },
      ]);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
