import { countTokens } from "./count-tokens.js";

/**
 * Lossless shorthand for repeated log lines inside one excerpt, so a budget holds more of a failure that
 * prints the same message for every test or file (105 tests failing with one message, 71 download errors
 * that differ in a line number). A line is written as
 *
 *     [= line above]                  the same text as the line above
 *     [= 3 lines up]                  the same text as the line 3 lines up (at most LOOK_BACK)
 *     [= line above, "22" → "23"]     the line above with its only "22" replaced by "23" (also "N lines up")
 *
 * keeping its indentation, and only when that saves tokens. `expandRepeats` gives the lines back byte for
 * byte, which is how code that cuts an excerpt keeps every marker pointing at a line it kept.
 */
export const LOOK_BACK = 16;
/** A marker must save at least this many tokens, or the line stays as it is. */
const MIN_SAVING = 4;
const WORD = /[A-Za-z0-9_]/;
const MARKER = /^\s*\[= (?:line above|(\d+) lines up)(?:, "(.*)" → "(.*)")?\]$/;

/** The marker for `text` given the lines right above it (nearest last), or undefined when it saves too little. */
export function repeatMarker(above: readonly string[], text: string): string | undefined {
  if (text.trim().length < 16) return undefined;
  const indent = /^\s*/.exec(text)![0];
  let marker: string | undefined;
  for (let d = 1; d <= Math.min(LOOK_BACK, above.length); d++) {
    const ref = above[above.length - d]!;
    const where = d === 1 ? "line above" : `${d} lines up`;
    if (ref === text) {
      marker = `${indent}[= ${where}]`;
      break;
    }
    // Of the lines above, the one that needs the shortest substitution is named (in a run that
    // alternates two kinds of line, usually the one two up).
    const changed = changedPart(ref, text, indent);
    const m = changed && `${indent}[= ${where}, "${changed.old}" → "${changed.now}"]`;
    if (m && (!marker || m.length < marker.length)) marker = m;
  }
  if (!marker || marker.length >= text.length) return undefined;
  return countTokens(marker) + MIN_SAVING <= countTokens(text) ? marker : undefined;
}

/**
 * `text` as `prev` with one stretch replaced: the stretch is cut at word edges and widened until what it
 * replaces occurs once in `prev`, so the substitution has one reading.
 */
function changedPart(prev: string, text: string, indent: string): { old: string; now: string } | undefined {
  if (!prev.startsWith(indent) || /^\s/.test(prev.slice(indent.length))) return undefined;
  const max = Math.min(prev.length, text.length);
  let p = 0;
  while (p < max && prev[p] === text[p]) p++;
  let s = 0;
  while (s < max - p && prev[prev.length - 1 - s] === text[text.length - 1 - s]) s++;
  // Shared head and tail must be most of the line, or the marker is no shorter than the line.
  if (p + s < text.length * 0.6) return undefined;
  let a = p;
  let b = text.length - s;
  while (a > 0 && WORD.test(text[a - 1]!)) a--;
  while (b < text.length && WORD.test(text[b]!)) b++;
  const oldOf = () => prev.slice(a, prev.length - (text.length - b));
  while (a > 0 || b < text.length) {
    const old = oldOf();
    if (old.length > 0 && prev.indexOf(old) === a && prev.indexOf(old, a + 1) < 0) break;
    // Widen by one word (and the separators before it) on the side that has one, left first.
    if (a > 0) {
      a--;
      while (a > 0 && WORD.test(text[a - 1]!)) a--;
    } else {
      b++;
      while (b < text.length && WORD.test(text[b]!)) b++;
    }
  }
  const old = oldOf();
  const now = text.slice(a, b);
  if (old.length === 0 || prev.indexOf(old) !== a || prev.indexOf(old, a + 1) >= 0) return undefined;
  return { old, now };
}

/** Writes each line that repeats one above it (within `lines`) as its marker. */
export function compressRepeats(lines: readonly string[]): string[] {
  return lines.map((text, i) => repeatMarker(lines.slice(Math.max(0, i - LOOK_BACK), i), text) ?? text);
}

/** The inverse of `compressRepeats`: every marker replaced by the line it stands for. */
export function expandRepeats(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const m = MARKER.exec(line);
    const d = m ? Number(m[1] ?? 1) : 0;
    const ref = m && d <= out.length ? out[out.length - d]! : undefined;
    if (ref === undefined) out.push(line);
    else if (m![2] === undefined) out.push(ref);
    else {
      const at = ref.indexOf(m![2]);
      out.push(at < 0 ? line : ref.slice(0, at) + m![3]! + ref.slice(at + m![2].length));
    }
  }
  return out;
}

/** Lines `start` to `end` (exclusive) of an excerpt's text, written again so no marker points at a line cut off. */
export function sliceExcerptLines(text: string, start: number, end?: number): string[] {
  return compressRepeats(expandRepeats(text.split("\n")).slice(start, end));
}
