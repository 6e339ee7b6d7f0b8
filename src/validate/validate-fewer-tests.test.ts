import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandPlan } from "./select-commands.js";
import { validateWorkspace, type ValidationSettings } from "./validate-workspace.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const settings = (extra: Partial<ValidationSettings> = {}): ValidationSettings => ({
  sandbox: { kind: "none", reason: "test" },
  network: false,
  setupTimeoutMs: 30_000,
  validateTimeoutMs: 30_000,
  maxOutputBytes: 256 * 1024,
  reproduceFirst: true,
  ...extra,
});
/** A pytest stand-in: red with `before` unpatched, green with `after` once the patch wrote `patched`. */
const plan = (before: string, after: string): CommandPlan => ({
  setup: [],
  validate: [{ command: `if [ -f patched ]; then echo "===== ${after} in 0.1s ====="; else echo "===== ${before} in 0.1s ====="; exit 1; fi`, source: "default" }],
  skipped: [],
});

async function run(before: string, after: string, extra: Partial<ValidationSettings> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "t0-fewer-"));
  dirs.push(dir);
  return validateWorkspace({ workspaceDir: dir, plan: plan(before, after), settings: settings(extra), apply: async () => {
    await writeFile(join(dir, "patched"), "");
    return { files: ["patched"] };
  } });
}

describe("validation compares how many tests ran before and after the patch", () => {
  test("green by running fewer tests (one now skipped) fails validation", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped");
    expect(report.verdict).toBe("failed");
    expect(report.testsRan).toEqual({ before: 10, after: 9 });
    expect(report.evidence).toMatchObject({ before: "red", after: "green", note: expect.stringMatching(/fewer tests ran with the patch \(9\) than without it \(10\)/) });
  });

  test("the same tests, now passing, pass", async () => {
    const report = await run("1 failed, 9 passed", "10 passed");
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toEqual({ before: 10, after: 10 });
  });

  test("a test added passes", async () => {
    expect((await run("1 failed, 9 passed", "11 passed")).verdict).toBe("passed");
  });

  test("fewer tests pass where the repository allows skipping or deleting tests", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { fewerTestsAllowed: true });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toEqual({ before: 10, after: 9 });
  });

  test("no comparison without the unpatched run", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { reproduceFirst: false });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toBeUndefined();
  });

  test("without the unpatched run, CI's count for the same command is recorded beside the one here, and fewer here does not fail", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { reproduceFirst: false, ciTestsRan: 10 });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toBeUndefined();
    expect(report.ciTestsRan).toEqual({ ci: 10, after: 9 });
  });

  test("with the unpatched run, fewer than before still fails, CI's count only recorded", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { ciTestsRan: 10 });
    expect(report.verdict).toBe("failed");
    expect(report.ciTestsRan).toEqual({ ci: 10, after: 9 });
  });

  test("CI's log of the step was cut: recorded as such, with the count here", async () => {
    const report = await run("1 failed, 9 passed", "10 passed", { reproduceFirst: false, ciTestsRan: "cut" });
    expect(report.ciTestsRan).toEqual({ ci: "cut", after: 10 });
  });
});
