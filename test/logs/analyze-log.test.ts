import { createReadStream, readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";
import { countTokens } from "../../src/logs/count-tokens.js";
import { readLines } from "../../src/logs/line-reader.js";
import { expandRepeats } from "../../src/logs/repeat-lines.js";
import { StepTracker } from "../../src/logs/steps.js";

const fixture = (p: string) => new URL(`../../fixtures/logs/ci-logs/${p}`, import.meta.url);
const errorLines = (p: string) =>
  readFileSync(fixture(p), "utf8")
    .split("\n")
    .filter((l) => l.startsWith("E "))
    .flatMap((l) => {
      const [a, b] = l.slice(2).split("-").map(Number);
      return Array.from({ length: (b ?? a!) - a! + 1 }, (_, i) => a! + i);
    });
const covered = (a: { excerpts: { startLine: number; endLine: number }[] }, line: number) => a.excerpts.some((e) => e.startLine <= line && line <= e.endLine);

/** `text` as a stream of byte chunks of `size`, splitting characters and `\r\n` pairs where they fall. */
async function* bytesIn(text: string, size: number) {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("line splitting", () => {
  test("counts \\n only, strips one \\r, drops the BOM, survives split UTF-8", async () => {
    const bytes = Buffer.from("\ufeffa\r\nb\rc\r\n测试\n\nlast", "utf8");
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.subarray(i, i + 3);
    }
    const lines: string[] = [];
    for await (const l of readLines(chunks())) lines.push(l);
    // The streaming decoder drops the BOM; a carriage return inside a line stays (progress bars are handled later).
    expect(lines).toEqual(["a", "b\rc", "测试", "", "last"]);
  });
  test("a log written with lone \\r line ends (no \\n in its first 64 KB) is split on them; a short one stays one line", async () => {
    const body = Array.from({ length: 3000 }, (_, i) => `line ${i} of a stored Travis log`);
    const crOnly = `${body.join("\r")}\r\nafter\rthe end\r`;
    expect(crOnly.indexOf("\n")).toBeGreaterThan(1 << 16);
    const expected = [...body, "after", "the end"];
    // The last size cuts the one `\r\n` in two: it must still end one line, not two.
    for (const source of [crOnly, bytesIn(crOnly, 4096), bytesIn(crOnly, Buffer.byteLength(crOnly.slice(0, crOnly.indexOf("\n"))))]) {
      const lines: string[] = [];
      for await (const l of readLines(source)) lines.push(l);
      expect(lines).toEqual(expected);
    }
    const progress: string[] = [];
    for await (const l of readLines(bytesIn("Downloading 10%\rDownloading 50%\rDone", 5))) progress.push(l);
    expect(progress).toEqual(["Downloading 10%\rDownloading 50%\rDone"]);
    const a = await analyzeLog(`${body.slice(0, 2500).join("\r")}\rFAILED tests/test_x.py::test_y - AssertionError\rDone. Your build exited with 1.\r`);
    expect(a.lines).toBe(2502);
    expect(a.failedTests.map((t) => t.name)).toEqual(["tests/test_x.py::test_y"]);
  });
  test("a trailing newline does not add a line", async () => {
    const lines: string[] = [];
    for await (const l of readLines("x\ny\n")) lines.push(l);
    expect(lines).toEqual(["x", "y"]);
  });
});

describe("analyzeLog on whole real logs", () => {
  test("BOM log (pytest collection errors): BOM does not hide the first timestamp", async () => {
    const a = await analyzeLog(createReadStream(fixture("gha-bugswarm/27530380915.log")));
    expect(a.format).toBe("github-raw");
    expect(a.status).toBe("failed");
    expect(a.failedTests.map((t) => t.name)).toEqual(expect.arrayContaining(["tests/unit/vizro-ai/chains/test_llm_models.py", "tests/unit/vizro-ai/dashboard/nodes"]));
    expect(a.failingStep?.exitCode).toBe(2);
  });

  test("CRLF raw log: go compile errors are the excerpt, steps carry exit codes", async () => {
    const a = await analyzeLog(createReadStream(fixture("gha-cidiff/terraform-quickchecks-run118/fail.log")), { budgetTokens: 1500 });
    const text = readFileSync(fixture("gha-cidiff/terraform-quickchecks-run118/fail.log"), "utf8");
    expect(a.lines).toBe(text.split("\n").length - (text.endsWith("\n") ? 1 : 0));
    expect(a.classification).toBe("compile");
    expect(a.failingStep).toMatchObject({ name: "Run go test ./...", exitCode: 2, failed: true });
    for (const l of errorLines("gha-cidiff/terraform-quickchecks-run118/groundtruth")) expect(covered(a, l)).toBe(true);
    expect(a.excerpts.every((e) => !e.text.includes("\r"))).toBe(true);
    expect(a.locations[0]).toEqual({ path: "internal/command/cliconfig/credentials_test.go", line: 88, column: 9 });
  });

  test("gh run view --log layout: steps come from the step column", async () => {
    const a = await analyzeLog(createReadStream(fixture("gha-cidiff/cidiff_11/fail.log")));
    expect(a.format).toBe("gh-run-view");
    expect(a.steps.map((s) => s.name)).toContain("build cidiff");
    expect(a.failingStep?.name).toBe("build cidiff");
    expect(a.failedTests.map((t) => t.name)).toEqual(["LogDifferTest.testGithubParsing()"]);
    for (const l of errorLines("gha-cidiff/cidiff_11/groundtruth")) expect(covered(a, l)).toBe(true);
    expect(a.excerpts.every((e) => !/\d{4}-\d\d-\d\dT/.test(e.text.slice(0, 30)))).toBe(true);
  });

  test.each(["gha-bugswarm/2525375274.log", "gha-bugswarm/2536803026.log"])("passing job %s is not reported as failing", async (p) => {
    const a = await analyzeLog(createReadStream(fixture(p)));
    expect(a.status).toBe("passed");
    expect(a.failingStep).toBeNull();
    expect(a.failedTests).toEqual([]);
    expect(a.steps.every((s) => !s.failed)).toBe(true);
  });

  test("mocha failing test, with npm noise after it", async () => {
    const a = await analyzeLog(createReadStream(fixture("gha-bugswarm/2536167204.log")), { budgetTokens: 800 });
    expect(a.failedTests.map((t) => t.name)).toEqual(["shared.ops.scoreTask scores does not modify stats when task need approval:"]);
    expect(a.excerpts.some((e) => e.text.includes("TypeError: Cannot set property 'required' of undefined"))).toBe(true);
    expect(a.classification).toBe("test");
  });

  test("excerpts fit the budget, counted with the real tokenizer", async () => {
    for (const budget of [200, 1500]) {
      const a = await analyzeLog(createReadStream(fixture("gha-bugswarm/2536167204.log")), { budgetTokens: budget });
      const real = a.excerpts.reduce((n, e) => n + countTokens(e.text), 0);
      expect(real).toBe(a.excerptTokens);
      expect(real).toBeLessThanOrEqual(budget);
      expect(a.excerpts.length).toBeGreaterThan(0);
    }
  });

  test("a stack trace printed for each of 25 failures is shown once and a block marker: all of it fits, and it expands back exactly", async () => {
    const trace = ["[ERROR] No space left on device", "java.io.IOException: No space left on device"];
    for (let f = 0; f < 40; f++) trace.push(`    at org.example.generated.pkg${f}.Processor${f}.process (Processor${f}.java:${100 + f})`);
    const failures = Array.from({ length: 25 }, () => trace).flat();
    const lines = ["[INFO] start processing...", ...failures, "[INFO] BUILD FAILURE", "[ERROR] Failed to execute goal spoon:generate on project example"];
    const budget = Math.floor(countTokens(trace.join("\n")) * 1.5);
    const a = await analyzeLog(lines.join("\n"), { budgetTokens: budget });
    expect(a.excerptTokens).toBeLessThanOrEqual(budget);
    // Taken by score, the 25 error lines alone would take a third of the budget, each in its own excerpt.
    const covered = a.excerpts.reduce((n, e) => n + e.endLine - e.startLine + 1, 0);
    expect(covered).toBeGreaterThanOrEqual(failures.length);
    const block = a.excerpts.find((e) => e.text.includes("[= the 42 lines above, 24 more times]"));
    expect(block).toBeDefined();
    expect(expandRepeats(block!.text.split("\n"))).toEqual(lines.slice(block!.startLine - 1, block!.endLine));
  });

  test("a run of same-shaped long errors is written as markers after its first line: all of it fits, and it expands back exactly", async () => {
    const tail = "x".repeat(200);
    const lines = Array.from({ length: 40 }, (_, i) => `##[error]pkg/mod/k8s.io/api/register.go:${i * 3 + 10}:2: k8s.io/api@v0.23.4: Get "https://proxy.golang.org/k8s.io/api.zip": read: connection reset ${tail}`);
    const full = countTokens(lines.join("\n"));
    const a = await analyzeLog(lines.join("\n"), { budgetTokens: Math.floor(full / 4) });
    expect(a.excerpts.map((e) => [e.startLine, e.endLine])).toEqual([[1, 40]]);
    const shown = a.excerpts[0]!.text.split("\n");
    expect(shown[0]).toBe(lines[0]);
    // Numbers that jump by 3 are no counting run: each line names its change.
    expect(shown[1]).toBe('[= line above, "10" → "13"]');
    expect(expandRepeats(shown)).toEqual(lines);
  });

  test("a run of repeats is taken top down, so its markers are cheap before weaker lines take the budget", async () => {
    const ts = "2022-06-04T16:04:58.4626145Z ";
    const lines = [
      "##[group]Run go build -o dist/ .",
      "go build -o dist/ .",
      "shell: /usr/bin/bash -e {0}",
      "##[endgroup]",
      ...Array.from({ length: 60 }, (_, i) => `go: downloading github.com/example/module${i} v0.${i}.0-20200615164410-66371956d46c`),
      ...Array.from({ length: 40 }, (_, i) => `##[error]../../../go/pkg/mod/k8s.io/client-go@v0.23.4/kubernetes/scheme/register.go:${22 + i}:2: k8s.io/api@v0.23.4: Get "https://proxy.golang.org/k8s.io/api/@v/v0.23.4.zip": read tcp 10.1.0.82:52774->74.125.124.141:443: read: connection reset by peer`),
      "##[error]Process completed with exit code 1.",
    ];
    const a = await analyzeLog(lines.map((l) => ts + l).join("\n"), { budgetTokens: 900 });
    const shown = new Set(a.excerpts.flatMap((e) => Array.from({ length: e.endLine - e.startLine + 1 }, (_, i) => e.startLine + i)));
    for (let l = 65; l <= 104; l++) expect(shown.has(l)).toBe(true);
  });

  test("a message every failing test repeats costs a marker, so more failing tests fit the budget", async () => {
    const msg = "    testing.go:132: Incompatible Terraform version v1.3.0-dev: the configured backend is compatible with Terraform versions >= 0.1.0, <= 10.0.0.";
    const lines = Array.from({ length: 60 }, (_, i) => [`--- FAIL: TestRemote_case${String.fromCharCode(65 + (i % 26))}${i} (0.00s)`, msg]).flat();
    lines.push("FAIL\tgithub.com/hashicorp/terraform/internal/backend/remote\t0.112s");
    const plain = countTokens(lines.join("\n"));
    const a = await analyzeLog(lines.join("\n"), { budgetTokens: Math.floor(plain * 0.5) });
    const shown = new Set(a.excerpts.flatMap((e) => Array.from({ length: e.endLine - e.startLine + 1 }, (_, i) => e.startLine + i)));
    // Without markers half the budget holds at most half the lines.
    expect(shown.size).toBe(lines.length);
    expect(a.excerpts.flatMap((e) => e.text.split("\n"))).toContain("    [= 2 lines up]");
    expect(expandRepeats(a.excerpts.flatMap((e) => e.text.split("\n")))).toEqual(lines);
  });

  test("same result from a string, a byte stream and a stream of tiny chunks", async () => {
    const p = fixture("gha-cidiff/terraform-quickchecks-run118/fail.log");
    const text = readFileSync(p, "utf8");
    async function* tiny() {
      for (let i = 0; i < text.length; i += 7) yield text.slice(i, i + 7);
    }
    const [a, b, c] = await Promise.all([analyzeLog(text), analyzeLog(createReadStream(p)), analyzeLog(tiny())]);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });
});

describe("steps", () => {
  const log = [
    "2024-01-01T00:00:00.0000000Z Current runner version: '2.300.0'",
    "2024-01-01T00:00:01.0000000Z ##[group]Run npm ci",
    "2024-01-01T00:00:01.0000000Z \x1b[36;1mnpm ci\x1b[0m",
    "2024-01-01T00:00:01.0000000Z shell: /usr/bin/bash -e {0}",
    "2024-01-01T00:00:01.0000000Z ##[endgroup]",
    "2024-01-01T00:00:05.0000000Z added 10 packages",
    "2024-01-01T00:00:06.0000000Z ##[group]Run npm test",
    "2024-01-01T00:00:06.0000000Z \x1b[36;1mnpm test -- --ci --fail-on-error\x1b[0m",
    "2024-01-01T00:00:06.0000000Z ##[endgroup]",
    "2024-01-01T00:00:09.0000000Z src/a.test.ts(3,1): error TS2304: Cannot find name 'foo'.",
    "2024-01-01T00:00:09.5000000Z ##[error]Process completed with exit code 1.",
    "2024-01-01T00:00:10.0000000Z Post job cleanup.",
    "2024-01-01T00:00:10.1000000Z Cleaning up orphan processes",
  ].join("\n");

  test("Run headers bound steps; the header's echoed script is not evidence", async () => {
    const a = await analyzeLog(log);
    expect(a.steps).toEqual([
      { name: "Run npm ci", startLine: 2, endLine: 6, exitCode: null, failed: false },
      { name: "Run npm test", startLine: 7, endLine: 11, exitCode: 1, failed: true },
      { name: "Post job cleanup", startLine: 12, endLine: 12, exitCode: null, failed: false },
    ]);
    expect(a.failingStep?.name).toBe("Run npm test");
    expect(a.errors.map((e) => e.line)).toEqual([10, 11]);
    expect(a.errors.some((e) => e.line === 8)).toBe(false);
    expect(a.classification).toBe("compile");
  });

  test("API steps name the sections by timestamp", async () => {
    const a = await analyzeLog(log, {
      steps: [
        { number: 1, name: "Set up job", conclusion: "success", startedAt: "2024-01-01T00:00:00Z", completedAt: "2024-01-01T00:00:00Z" },
        { number: 2, name: "Install", conclusion: "success", startedAt: "2024-01-01T00:00:01Z", completedAt: "2024-01-01T00:00:05Z" },
        { number: 3, name: "Unit tests", conclusion: "failure", startedAt: "2024-01-01T00:00:06Z", completedAt: "2024-01-01T00:00:09Z" },
        { number: 4, name: "Post Run actions/checkout@v4", conclusion: "success", startedAt: "2024-01-01T00:00:10Z", completedAt: "2024-01-01T00:00:10Z" },
      ],
    });
    expect(a.steps.map((s) => s.name)).toEqual(["Install", "Unit tests", "Post Run actions/checkout@v4"]);
    expect(a.failingStep?.name).toBe("Unit tests");
  });

  test("API steps without timestamps name sections in order", async () => {
    const a = await analyzeLog(log, { steps: [{ number: 1, name: "Set up job" }, { number: 2, name: "Install" }, { number: 3, name: "Unit tests" }, { number: 4, name: "Post checkout" }] });
    expect(a.steps.map((s) => s.name)).toEqual(["Install", "Unit tests", "Post checkout"]);
  });
});

describe("Azure Pipelines logs", () => {
  // Written for these tests in the layout Azure Pipelines prints (its `##[section]` task sections).
  const azure = (name: string) => readFileSync(new URL(`../../fixtures/logs/azure/${name}`, import.meta.url), "utf8");

  test("task sections are the steps; the failing task's exit code, script and failing test are found", async () => {
    const a = await analyzeLog(azure("pytest-failed.log"), { budgetTokens: 120 });
    expect(a.steps.map((s) => [s.name, s.failed])).toEqual([
      ["Initialize job", false],
      ["Run tests", true],
      ["Finalize Job", false],
    ]);
    expect(a.failingStep).toMatchObject({ name: "Run tests", startLine: 4, endLine: 25, exitCode: 1 });
    expect(a.failedTests).toEqual([{ name: "tests/test_x.py::test_y", file: "tests/test_x.py" }]);
    expect(a.status).toBe("failed");
    // The task's banner and echoed script are its header, not evidence; the section line is shown as the log has it.
    expect(a.errors.map((e) => e.line)).not.toContain(11);
    expect(a.excerpts[0]!.text.split("\n")[0]).toBe("##[section]Starting: Run tests");
    for (const l of [19, 20, 22, 24]) expect(covered(a, l)).toBe(true);
  });

  test("the task's banner and echoed script are its header, not output; the script is its command", () => {
    const t = new StepTracker();
    const header = azure("pytest-failed.log")
      .split("\n")
      .map((l, i) => t.see(i + 1, l.replace(/^\S+Z /, "")));
    // Lines 4-12: `Starting: Run tests`, the banner, `Generating script.`, the script, the output rule.
    expect(header.slice(3, 12)).toEqual(Array(9).fill(true));
    expect(header[12]).toBe(false); // [command]/usr/bin/bash …: the task's output
    expect(t.commandOf(t.steps[1]!)).toEqual([{ line: 11, text: "python -m pytest -q" }]);
    expect(t.commandOf(t.steps[0]!)).toEqual([]);
  });

  test("with room, the script the failing task ran is shown with it", async () => {
    const a = await analyzeLog(azure("pytest-failed.log"), { budgetTokens: 1000 });
    expect(covered(a, 11)).toBe(true);
  });

  test("a job whose tasks all finished, down to Finalize Job, passed", async () => {
    const a = await analyzeLog(azure("pytest-passed.log"));
    expect(a.status).toBe("passed");
    expect(a.failingStep).toBeNull();
  });
});

describe("excerpt selection", () => {
  test("passing test titles and lone keywords do not take the budget; the failure does", async () => {
    const passing = Array.from({ length: 200 }, (_, i) => `    ✓ returns an error when item ${i} is not found`).join("\n");
    const keywords = Array.from({ length: 50 }, (_, i) => `note ${i}: the failure conditions are documented`).join("\n");
    const log = `${passing}\n${keywords}\n  1 failing\n\n  1) cart\n       adds tax:\n     AssertionError: expected 100 to equal 110\n      at Context.<anonymous> (test/cart.test.js:12:5)\n`;
    const a = await analyzeLog(log, { budgetTokens: 1000 });
    const shown = a.excerpts.map((e) => e.text).join("\n");
    expect(shown).toContain("AssertionError: expected 100 to equal 110");
    expect(shown).not.toContain("✓");
    expect(shown).not.toMatch(/note [0-3]?\d: /);
    expect(a.failedTests).toEqual([{ name: "cart adds tax:" }]);
  });
  test("one message repeated at many positions is worth less each time; the different error after it is shown", async () => {
    // A script compiles fixtures first (150 warnings-as-errors that did not stop it), then the real build fails.
    const noise = Array.from({ length: 150 }, (_, i) => `[ERROR] /w/examples/lang_63/src/Entities.java:[${60 + i},${20 + (i % 9)}] unmappable character for encoding UTF-8`).join("\n");
    const log = `compiling examples/lang_63/\n${noise}\n[INFO] BUILD START\n[ERROR] /w/src/main/java/LibParser.java:[23,29] cannot find symbol\n  symbol:   class ImportScanner\n[INFO] BUILD FAILURE\nFinished: FAILURE\n`;
    const a = await analyzeLog(log, { budgetTokens: 1500 });
    const shown = a.excerpts.map((e) => e.text).join("\n");
    expect(shown).toContain("LibParser.java:[23,29] cannot find symbol");
    expect(shown).toContain("[60,20] unmappable character");
  });
  const lineSet = (a: { excerpts: { startLine: number; endLine: number }[] }) =>
    new Set(a.excerpts.flatMap((e) => Array.from({ length: e.endLine - e.startLine + 1 }, (_, i) => e.startLine + i)));
  // Long enough that the rule showing a log's last lines (up to 175) does not reach the lines checked.
  const filler = Array.from({ length: 200 }, (_, i) => `downloading module ${i} of the next package`);
  test("the indented output under a failing test is followed to its end, not only its first lines", async () => {
    const output = Array.from({ length: 30 }, (_, i) => `        line ${i} of the state diff: "serial" ${i % 2 ? "-" : "+"} float64(${i})`);
    const log = ["=== RUN   TestWriteState", "--- FAIL: TestWriteState (0.00s)", "    state_test.go:427: incorrect client requests:", ...output, "FAIL", "FAIL\tgithub.com/x/states/remote\t0.018s", ...filler];
    const a = await analyzeLog(log.join("\n"), { budgetTokens: 4000 });
    const shown = lineSet(a);
    // Lines 4..33 are the test's output; before, context stopped six lines after the failure.
    for (let l = 4; l <= 33; l++) expect(shown.has(l)).toBe(true);
    expect(shown.has(50)).toBe(false);
  });
  test("a passing line beside a failure is not its context", async () => {
    const log = ["ok  \tgithub.com/x/addrs\t0.036s", "ok  \tgithub.com/x/backend\t0.037s", "--- FAIL: TestRemote (0.00s)", "    remote_test.go:10: unexpected version", "FAIL\tgithub.com/x/remote\t0.1s", "ok  \tgithub.com/x/states\t0.02s", "ok  \tgithub.com/x/statefile\t0.03s", ...filler];
    const a = await analyzeLog(log.join("\n"), { budgetTokens: 4000 });
    expect([...lineSet(a)].filter((l) => l <= 7).sort()).toEqual([3, 4, 5]);
  });
  test("failing table tests named by their inputs are not one test repeated: each keeps its rank", async () => {
    const msg = (i: number) => `        backend_test.go:${100 + i}: unexpected configure result for remote version ${i}.0`;
    const sub = Array.from({ length: 12 }, (_, i) => [`    --- FAIL: TestVerify/local_0.${i}.0,_remote_1.${i}.5 (0.00s)`, msg(i)]).flat();
    const lead = Array.from({ length: 40 }, (_, i) => `        debug ${i}: the backend answered with a long body that says nothing about the failure at all`);
    const log = ["--- FAIL: TestVerify (0.00s)", ...sub, "--- FAIL: TestOther (0.00s)", ...lead, "FAIL", "FAIL\tgithub.com/x/remote\t0.1s"];
    const a = await analyzeLog(log.join("\n"), { budgetTokens: 450 });
    const names = a.excerpts.flatMap((e) => e.text.split("\n")).filter((l) => l.includes("--- FAIL: TestVerify/"));
    expect(names).toHaveLength(12);
  });
});

describe("the failure's lead-up fills budget no evidence wanted", () => {
  const ts = (i: number) => `2024-01-01T00:00:${String(10 + Math.floor(i / 10)).padStart(2, "0")}.${String(i % 10)}000000Z`;
  // A tool's own report the rules know nothing about: 60 table rows, then the step fails.
  const report = Array.from({ length: 60 }, (_, i) => `| module-${i} | coverage ${40 + (i % 7)}% | below the threshold of 80% |`);
  const log = [
    "2024-01-01T00:00:00.0000000Z ##[group]Run ./build.sh",
    "2024-01-01T00:00:00.0000000Z \x1b[36;1m./build.sh\x1b[0m",
    "2024-01-01T00:00:00.0000000Z shell: /usr/bin/bash -e {0}",
    "2024-01-01T00:00:00.0000000Z ##[endgroup]",
    ...Array.from({ length: 40 }, (_, i) => `${ts(i)} compiled unit ${i}`),
    "2024-01-01T00:00:09.0000000Z ##[group]Run ./coverage-gate.sh --min 80",
    "2024-01-01T00:00:09.0000000Z \x1b[36;1m./coverage-gate.sh --min 80\x1b[0m",
    "2024-01-01T00:00:09.0000000Z \x1b[36;1mecho gate done\x1b[0m",
    "2024-01-01T00:00:09.0000000Z shell: /usr/bin/bash -e {0}",
    "2024-01-01T00:00:09.0000000Z env:",
    "2024-01-01T00:00:09.0000000Z   GATE: strict",
    "2024-01-01T00:00:09.0000000Z ##[endgroup]",
    ...report.map((r, i) => `${ts(i)} ${r}`),
    "2024-01-01T00:00:20.0000000Z ##[error]Process completed with exit code 3.",
  ].join("\n");
  const lineOf = (text: string) => log.split("\n").findIndex((l) => l.endsWith(text)) + 1;
  const shown = (a: { excerpts: { startLine: number; endLine: number }[] }) => new Set(a.excerpts.flatMap((e) => Array.from({ length: e.endLine - e.startLine + 1 }, (_, i) => e.startLine + i)));

  test("with room, the whole report before the exit code is shown, and the failing step's script", async () => {
    const a = await analyzeLog(log, { budgetTokens: 4000 });
    const lines = shown(a);
    for (const r of report) expect(lines.has(lineOf(r))).toBe(true);
    expect(lines.has(lineOf("./coverage-gate.sh --min 80\x1b[0m"))).toBe(true);
    expect(lines.has(lineOf("echo gate done\x1b[0m"))).toBe(true);
    // Header settings are not the command, and the step before passed.
    expect(lines.has(lineOf("GATE: strict"))).toBe(false);
    expect(lines.has(lineOf("compiled unit 39"))).toBe(false);
  });

  test("on a tight budget the lines nearest the failure come first", async () => {
    const a = await analyzeLog(log, { budgetTokens: 300 });
    const lines = shown(a);
    expect(lines.has(lineOf("##[error]Process completed with exit code 3."))).toBe(true);
    expect(lines.has(lineOf(report.at(-1)!))).toBe(true);
    expect(lines.has(lineOf(report[0]!))).toBe(false);
    expect(a.excerptTokens).toBeLessThanOrEqual(300);
  });

  test("a plain log's last line is part of its end", async () => {
    const plain = ["building", "linking", "error: undefined reference to `frob'", "collect2: ld returned 1 exit status", "giving up after 1 attempt"].join("\n");
    const a = await analyzeLog(plain, { budgetTokens: 1000 });
    expect(a.status).not.toBe("passed");
    expect(shown(a).has(5)).toBe(true);
  });
});

describe("builds the job went on past", () => {
  // A Jenkins job whose tests drive inner Maven builds that fail on purpose, then fails in its own build.
  const inner = (n: number) => [
    "[INFO] Scanning for projects...",
    `[INFO] Building example-${n} 1.0`,
    `[ERROR] Failed to execute goal org.pitest:pitest-maven:1.4.0:mutationCoverage (default-cli) on project example-${n}: Execution failed: java.lang.IllegalStateException: no tests found in module ${n}`,
    "java.lang.IllegalStateException: no tests found",
    ...Array.from({ length: 8 }, (_, i) => `\tat org.pitest.mutationtest.Runner${n}.stage${i}(Runner${n}.java:${10 + i})`),
    "[INFO] BUILD FAILURE",
    "[INFO] ------------------------------------------------------------------------",
    `[ERROR] Failed to execute goal org.pitest:pitest-maven:1.4.0:mutationCoverage (default-cli) on project example-${n}`,
    "[ERROR] -> [Help 1]",
    `[main] INFO MavenAutomaticBuilder - run maven in example-${n + 1}`,
  ];
  const own = [
    "[INFO] Reactor Summary for DSpot - Parent 3.2.1-SNAPSHOT:",
    "[INFO] DSpot - Diff Test Selection ........................ FAILURE [  8.818 s]",
    "[INFO] BUILD FAILURE",
    "[INFO] ------------------------------------------------------------------------",
    "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.7.0:testCompile (default-testCompile) on project dspot-diff-test-selection: Error while storing the mojo status: No space left on device",
    "[ERROR] ",
    "[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.",
    "[ERROR] After correcting the problems, you can resume the build with the command",
    "[ERROR]   mvn <goals> -rf :dspot-diff-test-selection",
    "Build step 'Execute shell' marked build as failure",
    "Finished: FAILURE",
  ];
  const log = ["Started by user admin", "[INFO] Scanning for projects...", "[INFO] Building DSpot - Parent", ...[1, 2, 3, 4, 5, 6].flatMap(inner), ...own].join("\n");
  const lines = log.split("\n");

  test("their errors rank below the build that ended the job: on a tight budget all of its report is shown", async () => {
    const a = await analyzeLog(log, { budgetTokens: 300 });
    const ownStart = lines.indexOf(own[0]!) + 1;
    for (let l = ownStart + 1; l <= lines.length; l++) expect([l, covered(a, l)]).toEqual([l, true]);
    expect(a.excerptTokens).toBeLessThanOrEqual(300);
  });
});

describe("plain logs from other CI systems", () => {
  test("ANSI colours and \\r progress bars are cleaned; the failure is found", async () => {
    const log = "\x1b[32mDownloading\x1b[0m 10%\r 50%\r100%\n\x1b[31mFAIL\x1b[39m src/x.test.js\n  \x1b[1m● math › adds\x1b[22m\n\n    expect(received).toBe(expected)\n";
    const a = await analyzeLog(log);
    expect(a.format).toBe("plain");
    expect(a.status).toBe("failed");
    expect(a.failedTests).toEqual([{ name: "math › adds", file: "src/x.test.js" }]);
    expect(a.excerpts.map((e) => e.text).join("\n")).not.toContain("\x1b");
    expect(a.excerpts.map((e) => e.text).join("\n")).not.toContain("10%");
  });
  test("a clean plain log is passed or unknown, never failed", async () => {
    expect((await analyzeLog("building\nBUILD SUCCESSFUL in 3s\n")).status).toBe("passed");
    expect((await analyzeLog("hello\nworld\n")).status).toBe("unknown");
    expect((await analyzeLog("[Pipeline] sh\n+ make\nFinished: SUCCESS\n")).status).toBe("passed");
  });
});

// The runner masks a value registered with `::add-mask::` only in what it prints after the command; each line is
// redacted on its own, so the use of the value on another line is masked by the analysis, log-wide.
describe("values the job registered with ::add-mask::", () => {
  test("are masked in every line the analysis quotes, before or after the command, as is and URL-encoded", async () => {
    const ts = "2024-01-02T03:04:05.0000000Z";
    const log = [
      `${ts} ##[group]Run ./make-token.sh`,
      `${ts} ./make-token.sh`,
      `${ts} ##[endgroup]`,
      `${ts} generated walrus-copper-pliers for the deploy`,
      `${ts} ##[group]Run echo "::add-mask::walrus-copper-pliers"`,
      `${ts} echo "::add-mask::walrus-copper-pliers"`,
      `${ts} ##[endgroup]`,
      `${ts} ##[group]Run npm test`,
      `${ts} npm test`,
      `${ts} ##[endgroup]`,
      `${ts} Error: login refused for walrus-copper-pliers at https://reg.example.com/?k=walrus-copper-pliers%21`,
      `${ts} npm ERR! GET https://reg.example.com/login?pw=walrus-copper-pliers 401`,
      `${ts} ##[error]Process completed with exit code 1.`,
    ].join("\n");
    const a = await analyzeLog(log, { budgetTokens: 2000 });
    const shown = JSON.stringify(a);
    expect(shown).toContain("[REDACTED]");
    expect(shown).not.toContain("walrus-copper");
    expect(a.errors.some((e) => e.text.includes("login refused for [REDACTED]"))).toBe(true);
  });
});
