import { describe, expect, test } from "@jest/globals";
import { BuildEpisodes } from "./build-episodes.js";

function episodesOf(lines: string[]): BuildEpisodes {
  const e = new BuildEpisodes();
  lines.forEach((text, i) => e.see(i + 1, text));
  return e;
}

describe("BuildEpisodes", () => {
  const log = [
    "+ ./build-examples.sh", // 1: script output, before any build
    "[INFO] Scanning for projects...", // 2: inner build starts
    "[ERROR] /w/ex/A.java:[3,9] cannot find symbol", // 3
    "[INFO] BUILD FAILURE", // 4
    "[INFO] ------------------------------------------------------------------------", // 5
    "[INFO] Total time:  1.2 s", // 6
    "[ERROR] Failed to execute goal compile on project ex", // 7: Maven's details under the verdict
    "[ERROR] -> [Help 1]", // 8
    "bash: pom.bak: No space left on device", // 9: the script again, between builds
    "[INFO] Scanning for projects...", // 10
    "[ERROR] Tests run: 3, Failures: 1", // 11
    "[INFO] BUILD FAILURE", // 12
    "[ERROR] Failed to execute goal surefire on project main", // 13
  ];

  test("a build the job went on past is survived, with Maven's details under its verdict; the last one is not", () => {
    const e = episodesOf(log);
    expect(e.count).toBe(2);
    expect([2, 3, 4, 7, 8].map((l) => e.survived(l))).toEqual([true, true, true, true, true]);
    expect([10, 11, 12, 13].map((l) => e.survived(l))).toEqual([false, false, false, false]);
  });

  test("what the script printed outside any build is never survived", () => {
    const e = episodesOf(log);
    expect(e.survived(1)).toBe(false);
    expect(e.survived(9)).toBe(false);
  });

  test("a last build that succeeded is survived, but what came after it is what ended the job", () => {
    const e = episodesOf(["[INFO] Scanning for projects...", "[WARNING] flaky retry: connection reset", "[INFO] BUILD SUCCESS", "[INFO] Total time:  3 s", "ERROR: no tag class, spoon has failed"]);
    expect([1, 2, 3].map((l) => e.survived(l))).toEqual([true, true, true]);
    expect([4, 5].map((l) => e.survived(l))).toEqual([false, false]);
  });

  test("a verdict with no start line above it holds only itself; a log without verdicts has no episodes", () => {
    const e = episodesOf(["error: first", "BUILD FAILED in 3s", "error: second", "BUILD FAILED in 2s"]);
    expect([1, 2, 3, 4].map((l) => e.survived(l))).toEqual([false, true, false, false]);
    expect(episodesOf(["just output", "error: x"]).count).toBe(0);
  });
});
