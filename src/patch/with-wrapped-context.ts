import { applyHunks } from "./apply-hunks.js";
import { MAX_LINE, MAX_LINES, statementAt } from "./assertion-statements.js";
import type { Hunk, HunkLine } from "./types.js";

/**
 * `hunks` with the lines of `before` (the file before the patch) that a wrapped assertion crossing a hunk's edge
 * has outside it, added as context: git gives a hunk 3 lines of it, and prettier or black put an assertion's
 * head further up than that (`self.assertEqual(` with its arguments one to a line, the patch changing the last
 * of them) or its end further down. Read in the hunk alone, the part of it the hunk holds asserts nothing, and
 * a loosening there went through. Only the lines of that one statement are added: a line of another test near
 * the hunk is still not read with it. The hunks are found in `before` where the patch is applied; those that
 * are not (the patch does not apply, and is refused for that) are left as they are.
 */
export function withWrappedContext(before: string, hunks: Hunk[]): Hunk[] {
  const applied = applyHunks(before, hunks);
  if (!applied.ok || !applied.placed) return hunks;
  const file = before.split("\n").map((l) => l.replace(/\r$/, ""));
  // Cut as statementsOf cuts them, for the brackets to be counted in bounded time; the lines added are whole.
  const cut = (l: string) => (l.length > MAX_LINE ? l.slice(0, MAX_LINE) : l);
  const read = file.map(cut);
  const placed = applied.placed;
  const spans = placed.map((p) => ({ start: p.at, end: p.at + p.lines.filter((l) => l.kind !== "+").length }));
  return hunks.map((h, i) => {
    const p = placed[i];
    if (!p) return h;
    const { start, end } = spans[i]!;
    // Not into another hunk's lines: what the file has there is not what either side has.
    const prevEnd = Math.max(0, ...spans.filter((s, j) => j !== i && s.end <= start).map((s) => s.end));
    const nextStart = Math.min(file.length, ...spans.filter((s, j) => j !== i && s.start >= end).map((s) => s.start));
    const side = (kind: "-" | "+") => p.lines.filter((l) => l.kind === " " || l.kind === kind).map((l) => cut(l.text));
    const sides = [side("-"), side("+")];

    // Up: the furthest line whose statement, read on, runs into the hunk on either side.
    let up = start;
    for (let k = start - 1; k >= prevEnd && k > start - MAX_LINES && file[k]!.trim(); k--) {
      const above = read.slice(k, start);
      if (sides.some((s) => statementAt([...above, ...s], 0).end >= above.length)) up = k;
    }
    const prefix = read.slice(up, start);

    // Down: as many lines as the last statement begun in the hunk (its new head included) needs to close.
    const after = read.slice(end, Math.min(nextStart, end + MAX_LINES));
    let need = 0;
    for (const s of sides) {
      const lines = [...prefix, ...s, ...after];
      const inHunk = prefix.length + s.length;
      for (let j = 0; j < inHunk; j++) {
        const at = statementAt(lines, j);
        if (at.end >= inHunk) need = Math.max(need, at.end - inHunk + 1);
        j = at.end;
      }
    }
    if (prefix.length === 0 && need === 0) return h;
    const context = (texts: string[]) => texts.map((text): HunkLine => ({ kind: " ", text }));
    return { ...h, oldStart: up + 1, lines: [...context(file.slice(up, start)), ...p.lines, ...context(file.slice(end, end + need))] };
  });
}
