import { describe, test, expect } from "@jest/globals";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countTokens } from "../logs/count-tokens.js";
import type { FetchedLogs } from "./fetched-logs.js";
import { fixRunExcerpts } from "./fix-run-excerpts.js";

const TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const steps = [
  { number: 1, name: "Set up job", status: "completed", conclusion: "success", started_at: "2026-11-23T12:00:00Z", completed_at: "2026-11-23T12:00:01Z" },
  { number: 2, name: "Unit tests", status: "completed", conclusion: "failure", started_at: "2026-11-23T12:00:01Z", completed_at: "2026-11-23T12:00:03Z" },
];
const logOf = (extra: string[]) => [
  "2026-11-23T12:00:01.0000000Z ##[group]Run npm test",
  "2026-11-23T12:00:01.0000000Z ##[endgroup]",
  ...extra.map((l) => `2026-11-23T12:00:02.0000000Z ${l}`),
  "2026-11-23T12:00:02.0000000Z not ok 1 - sum adds",
  `2026-11-23T12:00:02.0000000Z   AssertionError [ERR_ASSERTION]: 5 !== 6 with GITHUB_TOKEN=${TOKEN}`,
  "2026-11-23T12:00:02.1000000Z ##[error]Process completed with exit code 1.",
].join("\n") + "\n";

async function fetched(dir: string, logs: string[]): Promise<FetchedLogs> {
  const jobs = [];
  for (const [i, text] of logs.entries()) {
    await writeFile(join(dir, `${i}.log`), text);
    await writeFile(join(dir, `${i}.json`), JSON.stringify({ steps, annotations: [] }));
    jobs.push({ id: i, name: `test ${i}`, conclusion: "failure", log: { file: `${i}.log`, totalBytes: text.length, keptBytes: text.length, truncated: false }, meta: `${i}.json`, annotations: 0 });
  }
  return { logsDir: dir, workflow: { found: false }, jobs, skippedJobs: [] };
}

describe("fixRunExcerpts", () => {
  test("excerpts of every failed job of the fix run, redacted, each job within its share of the budget", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fix-run-"));
    try {
      const noise = Array.from({ length: 400 }, (_, i) => `noise line ${i} ${"x".repeat(60)}`);
      const out = await fixRunExcerpts(await fetched(dir, [logOf(noise), logOf([])]), 400);
      expect(out.map((e) => e.job)).toEqual(expect.arrayContaining(["test 0", "test 1"]));
      const all = JSON.stringify(out);
      expect(all).toContain("5 !== 6");
      expect(all).not.toContain(TOKEN);
      const job0 = out.filter((e) => e.job === "test 0").map((e) => e.text).join("\n");
      expect(countTokens(job0)).toBeLessThanOrEqual(200 * 1.2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("fixRunExcerpts: a matrix fix run failing one way", () => {
  test("its failing output is in the repair's context once, naming how many jobs printed it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fix-run-"));
    try {
      const out = await fixRunExcerpts(await fetched(dir, [logOf([]), logOf([]), logOf([])]), 900);
      expect(out.map((e) => e.job)).toEqual(["test 0 (the same in 2 other failed jobs)"]);
      expect(JSON.stringify(out).split("5 !== 6")).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("fixRunExcerpts: a value registered with ::add-mask::", () => {
  test("is masked in every job's excerpts, the jobs read before the one that registered it too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fix-run-"));
    try {
      const logs = [logOf(["login refused for walrus-copper-pliers"]), logOf(['echo "::add-mask::walrus-copper-pliers"', "login refused for walrus-copper-pliers"])];
      const all = JSON.stringify(await fixRunExcerpts(await fetched(dir, logs), 2000));
      expect(all).toContain("login refused for [REDACTED]");
      expect(all).not.toContain("walrus-copper");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
