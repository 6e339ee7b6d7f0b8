import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeRawLogs } from "./remove-raw-logs.js";

let tmp: string;
beforeAll(async () => void (tmp = await mkdtemp(join(tmpdir(), "t0-raw-logs-"))));
afterAll(() => rm(tmp, { recursive: true, force: true }));

describe("removeRawLogs", () => {
  test("keeps the redacted context and the workflow file; removes logs, step meta and fix-branch runs", async () => {
    const dir = join(tmp, "job.logs");
    await mkdir(join(dir, "fix-run-9"), { recursive: true });
    for (const f of ["1.log", "1.json", "context.json", "workflow.yml", "fix-run-9/2.log"]) await writeFile(join(dir, f), "x");
    expect(await removeRawLogs(dir)).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(["context.json", "workflow.yml"]);
  });

  // A job whose workspace went (an operator retry) or whose fetch-logs never ran.
  test("a logs directory that is not there has nothing to remove", async () => {
    expect(await removeRawLogs(join(tmp, "missing.logs"))).toBe(0);
  });
});
