import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "@jest/globals";

const runner = fileURLToPath(new URL("../../bench/run.ts", import.meta.url));
/**
 * `npm run bench -- <args>` with arguments that must stop before any benchmark starts (they cost minutes of CPU).
 * The 50 s timeout stops such a run; below it, room for a loaded CI machine to start tsx (1-2 s here).
 */
const bench = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", runner, ...args], { encoding: "utf8", timeout: 50_000 });

describe("npm run bench: arguments", () => {
  test("--help prints the benchmark names and exits 0 without running any", () => {
    const r = bench("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run bench -- \[name\.\.\.\]/);
    expect(r.stdout).toContain("store, intake, analyze-log");
    expect(r.stdout).not.toContain("==");
  }, 60_000);

  // Only unknown names here: with a real one beside it, a runner without the check would start that benchmark.
  test("a name that is no benchmark is a usage error (exit 2): a typo used to pass as 'skipped', exit 0", () => {
    const r = bench("intak", "--hepl");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown benchmark "intak"');
    expect(r.stderr).toContain('unknown benchmark "--hepl"');
    expect(r.stdout).toBe("");
  }, 60_000);
});
