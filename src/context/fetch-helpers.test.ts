import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import fc from "fast-check";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { keepLogTail } from "./log-tail.js";
import { mapLogSections, type ApiStepTimes } from "./log-steps.js";
import { findWorkflowJob, findWorkflowStep, parseWorkflow } from "./workflow-steps.js";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/context");
const LOG = join(FIX, "logs/svgo-2320994299.log");
let tmp: string;
let log: Buffer;
let steps: ApiStepTimes[];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "t0-ctx-"));
  log = await readFile(LOG);
  steps = JSON.parse(await readFile(join(FIX, "svgo-steps.json"), "utf8"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function* chunks(buf: Buffer, sizes: number[]): AsyncIterable<Uint8Array> {
  let at = 0;
  for (const s of sizes) {
    if (at >= buf.length) break;
    yield buf.subarray(at, at + s);
    at += s;
  }
  if (at < buf.length) yield buf.subarray(at);
}

describe("keepLogTail", () => {
  test("a log under the cap is kept byte for byte", async () => {
    const r = await keepLogTail(chunks(log, [1000, 7, 50_000]), 10 * 1024 * 1024, join(tmp, "whole.log"));
    expect(r).toMatchObject({ totalBytes: log.length, keptBytes: log.length, truncated: false });
    expect((await readFile(join(tmp, "whole.log"))).equals(log)).toBe(true);
  });

  test("over the cap: keeps preamble, failure tail, step headers from the middle, and says so", async () => {
    const cap = 16 * 1024;
    const r = await keepLogTail(chunks(log, [4096]), cap, join(tmp, "cut.log"));
    const text = await readFile(join(tmp, "cut.log"), "utf8");
    expect(r.truncated).toBe(true);
    expect(r.keptBytes).toBeLessThanOrEqual(cap);
    expect(r.totalBytes).toBe(log.length);
    expect(text).toContain("Job defined at: svg/svgo/.github/workflows/main.yml");
    expect(text).toContain("##[error]Process completed with exit code 1.");
    expect(text).toContain("##[group]Run yarn install");
    expect(text).toMatch(/\[t0-ci-bot\] log cut: \d+ bytes/);
    // Whole lines only: every kept line is a line of the original.
    const original = new Set(log.toString("utf8").split("\n"));
    const foreign = text.split("\n").filter((l) => l && !original.has(l));
    expect(foreign).toHaveLength(1); // the marker
  });

  test("the result does not depend on how the stream is chunked", async () => {
    const reference = await keepLogTail(chunks(log, []), 20_000, join(tmp, "ref.log"));
    const expected = await readFile(join(tmp, "ref.log"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 9000 }), { maxLength: 60 }), async (sizes) => {
        const r = await keepLogTail(chunks(log, sizes), 20_000, join(tmp, "prop.log"));
        expect(r).toEqual(reference);
        expect((await readFile(join(tmp, "prop.log"))).equals(expected)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  // A `\r` progress bar is one line of many MB. Joining the pieces read so far on every chunk copied the
  // line once per 64 KB: 73 s for a 40 MB line. Counted here as bytes joined, not as time.
  test("a line much longer than the cap is joined once, not once per chunk", async () => {
    const line = Buffer.alloc(8 * 1024 * 1024, 0x61);
    const input = Buffer.concat([line, Buffer.from("\nError: boom\n")]);
    const joined = jest.spyOn(Buffer, "concat");
    try {
      const r = await keepLogTail(chunks(input, Array(200).fill(65_536)), 1024 * 1024, join(tmp, "bar.log"));
      const bytes = joined.mock.results.reduce((n, res) => n + (res.value as Buffer).length, 0);
      expect(bytes).toBeLessThan(4 * 1024 * 1024);
      expect(r).toMatchObject({ totalBytes: line.length + 13, truncated: true });
      expect((await readFile(join(tmp, "bar.log"), "utf8")).endsWith("\nError: boom\n")).toBe(true);
    } finally {
      joined.mockRestore();
    }
  });

  test("a single huge line without newlines is bounded too", async () => {
    const r = await keepLogTail(chunks(Buffer.alloc(300_000, 0x61), [65_536]), 8 * 1024, join(tmp, "line.log"));
    expect(r.truncated).toBe(true);
    expect(r.keptBytes).toBeLessThanOrEqual(8 * 1024);
  });
});

describe("mapLogSections", () => {
  test("lines log step headers up with the API steps by timestamp", async () => {
    const sections = await mapLogSections(LOG, steps);
    expect(sections.map((s) => [s.header, s.stepNumber])).toEqual([
      ["actions/checkout@v2", 2],
      ["actions/setup-node@v2", 3],
      ["yarn install", 4],
      ["yarn test", 5],
    ]);
    expect(log.toString("utf8").split("\n")[sections[3]!.line - 1]).toContain("##[group]Run yarn test");
  });

  test("without timestamps in the API steps it falls back to the order", async () => {
    const untimed = steps.map(({ startedAt: _s, completedAt: _c, ...s }) => s);
    const sections = await mapLogSections(LOG, untimed);
    expect(sections.map((s) => s.stepNumber)).toEqual([2, 3, 4, 5]);
  });

  test("a header as long as a one-line script is cut: it is the failing step's name and command in the context", async () => {
    const blob = "QUJD".repeat(25_000);
    const file = join(tmp, "long-header.log");
    await writeFile(file, `2024-05-01T10:00:00.1000000Z ##[group]Run echo ${blob} | base64 -d > key.bin\n2024-05-01T10:00:00.2000000Z ##[endgroup]\n`);
    const [section] = await mapLogSections(file, []);
    expect(section!.header).toBe(`echo ${blob.slice(0, 295)}…`);
  });

  // The header is the script's first line as the workflow wrote it (YAML's "\e" is ESC): it is the failing
  // step's name and command in what the model is sent, so it is read as the log analyser reads a line.
  test("a header's escape sequences are dropped, hyperlinks and titles included, as the log analyser drops them", async () => {
    const file = join(tmp, "escaped-header.log");
    await writeFile(file, "2024-05-01T10:00:00.1000000Z ##[group]Run \x1b]8;;https://evil.example/\x07npm\x1b]8;;\x07 \x1b]0;t\x07test \x1b[38:2::255:0:0m--ci\x1b[0m\n");
    const [section] = await mapLogSections(file, []);
    expect(section!.header).toBe("npm test --ci");
  });
});

describe("workflow steps", () => {
  let wf: ReturnType<typeof parseWorkflow>;
  beforeAll(async () => void (wf = parseWorkflow(await readFile(join(FIX, "svgo-main.yml"), "utf8"))));

  test("finds the failing step's full run: script by its display name", () => {
    const job = findWorkflowJob(wf!, "Test")!;
    expect(job.key).toBe("test");
    const step = findWorkflowStep(job, { number: 5, name: "Run yarn test" }, steps);
    expect(step?.run).toBe('yarn test\necho "tests done"\n');
  });

  test("matrix job names and named steps with a working directory", () => {
    const job = findWorkflowJob(wf!, "Test regressions (windows-latest)")!;
    expect(job.key).toBe("regression");
    const apiSteps = [{ number: 1, name: "Set up job" }, { number: 2, name: "Run actions/checkout@v2" }, { number: 3, name: "Run regression suite" }];
    expect(findWorkflowStep(job, apiSteps[2]!, apiSteps)).toMatchObject({ run: "yarn test-regression", workingDirectory: "test" });
  });

  test("falls back to the position when the name does not match", () => {
    const job = findWorkflowJob(wf!, "Lint")!;
    const apiSteps = [{ number: 1, name: "Set up job" }, { number: 2, name: "Checkout" }, { number: 3, name: "Install" }, { number: 4, name: "Lint it" }];
    expect(findWorkflowStep(job, apiSteps[3]!, apiSteps)?.run).toBe("yarn lint");
  });

  // validate/ matches steps by exact display name only: for a step named with an expression it has
  // nothing but this record, so a missing workflow-wide default ran the script in the wrong directory/shell.
  test("workflow-wide defaults.run apply to a step that sets neither, key by key under the job's own", () => {
    const jobs = parseWorkflow([
      "defaults:",
      "  run:",
      "    working-directory: app",
      "    shell: pwsh",
      "jobs:",
      "  test:",
      "    runs-on: ${{ matrix.os }}",
      "    steps:",
      "      - uses: actions/checkout@v4",
      "      - name: Test on ${{ matrix.os }}",
      "        run: npm test",
      "  lint:",
      "    defaults:",
      "      run:",
      "        shell: bash",
      "    steps:",
      "      - run: npm run lint",
      "      - run: npm run fmt",
      "        working-directory: tools",
      "",
    ].join("\n"))!;
    const apiSteps = [{ number: 1, name: "Set up job" }, { number: 2, name: "Run actions/checkout@v4" }, { number: 3, name: "Test on ubuntu-latest" }];
    expect(findWorkflowStep(findWorkflowJob(jobs, "test (ubuntu-latest)")!, apiSteps[2]!, apiSteps)).toMatchObject({ run: "npm test", workingDirectory: "app", shell: "pwsh" });
    const lint = findWorkflowJob(jobs, "lint")!;
    const lintSteps = [{ number: 1, name: "Set up job" }, { number: 2, name: "Run npm run lint" }, { number: 3, name: "Run npm run fmt" }];
    expect(findWorkflowStep(lint, lintSteps[1]!, lintSteps)).toMatchObject({ workingDirectory: "app", shell: "bash" });
    expect(findWorkflowStep(lint, lintSteps[2]!, lintSteps)).toMatchObject({ workingDirectory: "tools", shell: "bash" });
  });

  test("a file that is not a workflow gives null", () => {
    expect(parseWorkflow("just: [a, b")).toBeNull();
    expect(parseWorkflow("name: x\n")).toBeNull();
  });
});
