import { describe, expect, test } from "@jest/globals";
import type { Hunk, HunkLine } from "./types.js";
import { findWidenedExceptions } from "./widened-exception.js";

const hunk = (header: string, lines: string[]): Hunk => ({ header, oldStart: 1, lines: lines.map((l): HunkLine => ({ kind: l[0] as HunkLine["kind"], text: l.slice(1) })) });
const lost = (...hunks: Hunk[]) => findWidenedExceptions(hunks).map((w) => w.lost);

describe("findWidenedExceptions", () => {
  test.each<[string, string[], string[]]>([
    ["a tuple holding Exception", ["-    with pytest.raises((ValueError, KeyError)):", "+    with pytest.raises((ValueError, Exception)):"], ["the exception type (ValueError, KeyError) for the catch-all (ValueError, Exception)"]],
    ["expected_exception= by keyword", ["-    with pytest.raises(expected_exception=ValueError):", "+    with pytest.raises(expected_exception=Exception):"], ["the exception type ValueError for the catch-all Exception"]],
    ["a Kotlin-style ::class.java", ["-    assertThrows(IllegalStateException::class.java) { f() }", "+    assertThrows(RuntimeException::class.java) { f() }"], ["the exception type IllegalStateException for the catch-all RuntimeException"]],
    ["vitest's toThrowError(/regex/) emptied", ["-  await expect(load()).rejects.toThrowError(/not found/);", "+  await expect(load()).rejects.toThrowError();"], ["the expected message /not found/"]],
    // Paired in order: the first call kept, the second loosened.
    // A formatter's wrap: the call's type or message sits on a line of its own, read with the call.
    ["black's wrapped pytest.raises", ["-    with pytest.raises(", '-        ValueError, match="mean requires at least one data point"', "-    ):", "+    with pytest.raises(Exception):", "         mean([])"], ["the exception type ValueError for the catch-all Exception"]],
    ["prettier's wrapped toThrow(message)", ["-  expect(() => parseConfig(text)).toThrow(", '-    "config.yml: expected a mapping at the top level, got a list",', "-  );", "+  expect(() => parseConfig(text)).toThrow();"], ['the expected message "config.yml: expected a mapping at the top level, got a list"']],
    ["the second of two calls", ["-  expect(a).toThrow(TypeError);", "-  expect(b).toThrow(RangeError);", "+  expect(a).toThrow(TypeError);", "+  expect(b).toThrow(Error);"], ["the exception type RangeError for the catch-all Error"]],
  ])("flags %s", (_name, lines, want) => {
    expect(lost(hunk("@@ -1 +1 @@", lines))).toEqual(want);
  });

  test.each<[string, Hunk[]]>([
    // Only the same kind of call is compared: a pytest.raises removed is not paired with a toThrow added.
    ["another kind of call added", [hunk("@@ -1 +1 @@", ["-    with pytest.raises(ValueError):", "+    expect(f).toThrow();"])]],
    // Another hunk may be another test: only a removal and an addition in one hunk are the same call changed.
    ["the removal and the addition in different hunks", [hunk("@@ -1 +1 @@", ["-    with pytest.raises(ValueError):"]), hunk("@@ -9 +9 @@", ["+    with pytest.raises(Exception):"])]],
    ["a lowercase variable given to toThrow", [hunk("@@ -1 +1 @@", ["-  expect(f).toThrow(expected);", "+  expect(f).toThrow(expected.message);"])]],
    ["a call black wraps", [hunk("@@ -1 +1 @@", ['-    with pytest.raises(ValueError, match="mean requires at least one data point"):', "+    with pytest.raises(", '+        ValueError, match="mean requires at least one data point"', "+    ):"])]],
    ["a wrapped call's type made more specific", [hunk("@@ -1 +1 @@", ["     with pytest.raises(", '-        Exception, match="mean requires at least one data point"', '+        StatisticsError, match="mean requires at least one data point"', "     ):"])]],
    ["a call that only moves", [hunk("@@ -1 +1 @@", ["-    with pytest.raises(ValueError, match='x'):", "+    with pytest.raises(ValueError, match='x'):  # empty input"])]],
  ])("does not flag %s", (_name, hunks) => {
    expect(lost(...hunks)).toEqual([]);
  });
});
