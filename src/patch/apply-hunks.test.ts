import { describe, expect, test } from "@jest/globals";
import { applyHunks, newFileContent } from "./apply-hunks.js";
import type { Hunk, HunkLine } from "./types.js";

const h = (oldStart: number, ...spec: string[]): Hunk => ({
  header: `@@ -${oldStart} @@`,
  oldStart,
  lines: spec.map((s): HunkLine => (s === "\\" ? { kind: " ", text: "\\" } : { kind: s[0] as HunkLine["kind"], text: s.slice(1) })),
});
const noEol = (hunk: Hunk, index: number): Hunk => {
  hunk.lines[index]!.noEol = true;
  return hunk;
};
const text = (...lines: string[]) => lines.map((l) => `${l}\n`).join("");
const applied = (content: string, hunks: Hunk[]) => {
  const r = applyHunks(content, hunks);
  if (!r.ok) throw new Error(r.reason);
  return r;
};

describe("applyHunks", () => {
  const file = text("a", "b", "c", "d", "e", "f", "g", "h");

  test("exact match where the header says", () => {
    expect(applied(file, [h(2, " b", "-c", "+C", " d")]).content).toBe(text("a", "b", "C", "d", "e", "f", "g", "h"));
  });

  test("later hunks follow the drift of earlier ones", () => {
    const r = applied(file, [h(1, " a", "+a2", "+a3", " b"), h(6, " f", "-g", " h")]);
    expect(r.content).toBe(text("a", "a2", "a3", "b", "c", "d", "e", "f", "h"));
    expect(r.notes).toEqual([]);
  });

  test("hunks given out of order are applied in header order; a failure names the hunk as given", () => {
    expect(applied(file, [h(6, " f", "-g", " h"), h(1, " a", "+a2", " b")]).content).toBe(text("a", "a2", "b", "c", "d", "e", "f", "h"));
    expect(applyHunks(file, [h(6, "-nope"), h(1, " a", "+a2", " b")])).toMatchObject({ ok: false, hunkIndex: 0 });
  });

  test("a hunk is never applied before the end of the previous one", () => {
    const twice = text("x", "y", "x", "y");
    expect(applied(twice, [h(1, " x", "-y", "+Y1"), h(1, " x", "-y", "+Y2")]).content).toBe(text("x", "Y1", "x", "Y2"));
  });

  test("fuzz drops at most 2 outer context lines; 3 wrong ones fail with the reason", () => {
    expect(applied(file, [h(2, " B?", " c", "-d", "+D", " e", " F?")]).content).toBe(text("a", "b", "c", "D", "e", "f", "g", "h"));
    const r = applyHunks(file, [h(2, " X", " Y", " Z", "-d", "+D", " e")]);
    expect(r).toMatchObject({ ok: false, hunkIndex: 0, reason: expect.stringContaining("surrounding lines differ") });
  });

  test("removed lines must match: fuzz never skips a '-' line", () => {
    expect(applyHunks(file, [h(3, "-C", "+c")])).toMatchObject({ ok: false, reason: expect.stringContaining("not in the file") });
  });

  test("search is bounded by maxOffset", () => {
    const long = text(...Array.from({ length: 50 }, (_, i) => `l${i}`));
    expect(applyHunks(long, [h(1, "-l40", "+L40")], { maxOffset: 10 })).toMatchObject({ ok: false });
    expect(applyHunks(long, [h(1, "-l40", "+L40")], { maxOffset: 40 })).toMatchObject({ ok: true });
  });

  test("CRLF files keep CRLF on added lines; mixed files keep each line's ending", () => {
    expect(applied("a\r\nb\r\nc\r\n", [h(2, "-b", "+B", "+B2")]).content).toBe("a\r\nB\r\nB2\r\nc\r\n");
    expect(applied("a\r\nb\nc\r\nd\r\n", [h(3, "-c", "+C")]).content).toBe("a\r\nb\nC\r\nd\r\n");
  });

  test("final newline: kept when untouched, removed or added only when the hunk says so", () => {
    expect(applied("a\nb", [h(1, "-a", "+A", " b")]).content).toBe("A\nb");
    expect(applied("a\nb", [noEol(h(1, " a", "-b", "+B"), 1)]).content).toBe("a\nB\n");
    expect(applied("a\nb", [noEol(noEol(h(1, " a", "-b", "+B"), 1), 2)]).content).toBe("a\nB");
    expect(applied("a\nb\n", [noEol(h(1, " a", "-b", "+B"), 2)]).content).toBe("a\nB");
    // Lines appended after a last line without newline: that line gets the file's CRLF, the file still ends without one.
    expect(applied("a\r\nb", [h(2, " b", "+c")]).content).toBe("a\r\nb\r\nc");
  });

  test("pure insertions use the header position; deleting everything gives an empty file", () => {
    expect(applied(text("a", "b"), [h(1, "+x")]).content).toBe(text("a", "x", "b"));
    expect(applied(text("a", "b"), [h(0, "+x")]).content).toBe(text("x", "a", "b"));
    expect(applied(text("a", "b"), [h(1, "-a", "-b")]).content).toBe("");
  });

  test("new files: only '+' lines; no final newline when marked", () => {
    expect(newFileContent([h(0, "+x", "+y")])).toMatchObject({ ok: true, content: "x\ny\n" });
    expect(newFileContent([noEol(h(0, "+x", "+y"), 1)])).toMatchObject({ ok: true, content: "x\ny" });
    expect(newFileContent([h(0, " x", "+y")])).toMatchObject({ ok: false });
  });
});

describe("applyHunks reasons", () => {
  test("the line looked for is redacted before it is cut", () => {
    const token = "ghp_Zx81kQmT0pLwR4vN7bYc2dHs9fJg6tKe3aUq";
    const wanted = `API = connect("${"y".repeat(35)}", token="${token}")`;
    const r = applyHunks(text("a", "b"), [h(1, `-${wanted}`, "+x")]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).not.toContain(token.slice(0, 12));
  });
});
