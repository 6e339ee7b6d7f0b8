import type { FilePatch } from "./types.js";

/** A cfg attribute other than `#[cfg(test)]` itself: `#[cfg(not(target_os = "linux"))]`, `#[cfg(feature = "slow")]`. */
const CFG = /^\s*#\[cfg\((?!test\)\])/;
/** A file-wide cfg (`#![cfg(unix)]`) leaves the whole file out, an integration test file's tests with it. */
const INNER_CFG = /^\s*#!\[cfg\(/;
/** What a cfg written above it leaves out of the test build: a test function or a test module. */
const TEST_ITEM = /^\s*(#\[(\w+::)*(test|rstest|test_case|quickcheck|proptest)\b|(pub(\([^)]*\))?\s+)?mod\s+tests?\b|(async\s+)?fn\s+test_)/;
/** Lines between an attribute and its item: other attributes, comments, blank lines. */
const BETWEEN = /^\s*(#\[|\/\/|$)/;

/**
 * A cfg the patch puts on an existing Rust test, or on an existing test file: where the cfg does not hold
 * (`not(target_os = "linux")` on CI's Linux, a feature CI does not enable) the test is compiled out and does
 * not run, without even the `ignored` an #[ignore] reports. Returns the attribute line and its hunk.
 */
export function findCfgOnTests(fp: FilePatch, testFile: boolean): { line: string; hunk: string } | undefined {
  if (!fp.path.endsWith(".rs")) return undefined;
  for (const h of fp.hunks) {
    const lines = h.lines.filter((l) => l.kind !== "-");
    // A test the patch adds under a cfg is a new test that runs where it holds; one it removes and adds back is not new.
    const removed = new Set(h.lines.filter((l) => l.kind === "-").map((l) => l.text.trim()));
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.kind !== "+") continue;
      if (testFile && fp.status !== "added" && INNER_CFG.test(l.text)) return { line: l.text, hunk: h.header };
      if (!CFG.test(l.text)) continue;
      let j = i + 1;
      while (j < lines.length && BETWEEN.test(lines[j]!.text) && !TEST_ITEM.test(lines[j]!.text)) j++;
      const item = lines[j];
      if (item && TEST_ITEM.test(item.text) && (item.kind === " " || removed.has(item.text.trim()))) return { line: l.text, hunk: h.header };
    }
  }
  return undefined;
}
