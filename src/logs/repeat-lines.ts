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
 * keeping its indentation, and only when that saves tokens. A block of lines that repeats lines above it (the
 * same stack trace printed for each failing test, a summary that prints the errors again) is one line:
 *
 *     [= the 71 lines above, 27 more times]     those 71 lines again, 27 times over
 *     [= 36 lines copied from 40 lines up]      the 36 lines starting 40 lines up, again
 *
 * and a run of lines that each repeat the line above with one number one higher (an error for each line of a
 * file) is one line too:
 *
 *     [= 17 lines: the line above with "go:22" counting up to "go:39"]
 *
 * `expandRepeats` gives the lines back byte for byte, which is how code that cuts an excerpt keeps every
 * marker pointing at a line it kept.
 */
export const LOOK_BACK = 16;
/** A marker must save at least this many tokens, or the line stays as it is. */
const MIN_SAVING = 4;
const WORD = /[A-Za-z0-9_]/;
const MARKER = /^\s*\[= (?:line above|(\d+) lines up)(?:, "(.*)" → "(.*)")?\]$/;
const COUNTING_MARKER = /^\[= (\d+) lines: the line above with "(.*)" counting up to "(.*)"\]$/;
const BLOCK_MARKER = /^\[= (?:the (?:line|(\d+) lines) above, (?:once more|(\d+) more times)|(\d+) lines copied from (\d+) lines up)\]$/;
/** How far up a repeated block may find the lines it repeats. */
const BLOCK_BACK = 400;
/** A block marker stands for at least this many lines; fewer are left to line markers. */
const MIN_BLOCK = 3;
/** Earlier lines with the same text tried as the start of a block, nearest first. */
const BLOCK_CANDIDATES = 32;

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

/** Lines `start` to `start + length - 1` repeat, in order, the lines `distance` up (the two may overlap). */
export interface RepeatedBlock {
  start: number;
  length: number;
  distance: number;
}

/**
 * The blocks of `lines` that repeat lines above them, found top down, longest first (at least MIN_BLOCK lines,
 * repeating lines at most BLOCK_BACK up). A block may overlap what it repeats: a trace printed 28 times is
 * one block, 27 traces long, repeating from one trace up.
 */
export function findRepeatedBlocks(lines: readonly string[]): RepeatedBlock[] {
  const seen = new Map<string, number[]>();
  const note = (j: number) => {
    const at = seen.get(lines[j]!);
    if (at) at.push(j);
    else seen.set(lines[j]!, [j]);
  };
  const out: RepeatedBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const at = seen.get(lines[i]!) ?? [];
    let best: RepeatedBlock | undefined;
    for (let c = at.length - 1; c >= Math.max(0, at.length - BLOCK_CANDIDATES) && i - at[c]! <= BLOCK_BACK; c--) {
      const j = at[c]!;
      let n = 1;
      while (i + n < lines.length && lines[j + n] === lines[i + n]) n++;
      if (n >= MIN_BLOCK && (!best || n > best.length)) best = { start: i, length: n, distance: i - j };
    }
    const len = best ? best.length : 1;
    if (best) out.push(best);
    for (let j = i; j < i + len; j++) note(j);
    i += len;
  }
  return out;
}

/** The markers for a repeated block and how many of its lines they stand for (the rest left to line markers). */
function blockMarkers({ length, distance: d }: RepeatedBlock): { markers: string[]; covered: number } {
  const times = Math.floor(length / d);
  const rest = length % d;
  const copy = (n: number) => `[= ${n} lines copied from ${d} lines up]`;
  if (times === 0) return { markers: [copy(length)], covered: length };
  const what = d === 1 ? "the line above" : `the ${d} lines above`;
  const markers = [`[= ${what}, ${times === 1 ? "once more" : `${times} more times`}]`];
  if (rest >= MIN_BLOCK) markers.push(copy(rest));
  return { markers, covered: times * d + (rest >= MIN_BLOCK ? rest : 0) };
}

/** Writes each block that repeats lines above it, and each line that repeats one, as its marker (within `lines`). */
export function compressRepeats(lines: readonly string[]): string[] {
  const blocks = new Map(findRepeatedBlocks(lines).map((b) => [b.start, b]));
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const block = blocks.get(i);
    const packed = block && blockMarkers(block);
    if (packed && countTokens(packed.markers.join("\n")) + MIN_SAVING <= countTokens(lines.slice(i, i + packed.covered).join("\n"))) {
      out.push(...packed.markers);
      i += packed.covered;
      continue;
    }
    const run = countingRun(lines, i);
    if (run && countTokens(run.marker) + MIN_SAVING <= countTokens(lines.slice(i, i + run.length).join("\n"))) {
      out.push(run.marker);
      i += run.length;
      continue;
    }
    out.push(repeatMarker(lines.slice(Math.max(0, i - LOOK_BACK), i), lines[i]!) ?? lines[i]!);
    i++;
  }
  return out;
}

/** The number that differs between `prev` and `text` when all else is equal: where it starts and both values. */
function numberStep(prev: string, text: string): { at: number; from: string; to: string } | undefined {
  let p = 0;
  while (p < prev.length && p < text.length && prev[p] === text[p]) p++;
  while (p > 0 && /\d/.test(prev[p - 1]!)) p--;
  const from = /^\d+/.exec(prev.slice(p))?.[0];
  const to = /^\d+/.exec(text.slice(p))?.[0];
  if (!from || !to || from.length > 15 || String(Number(from)) !== from || prev.slice(p + from.length) !== text.slice(p + to.length)) return undefined;
  return { at: p, from, to };
}

/**
 * The run of lines from `i` on (at least MIN_BLOCK) that each are the line above with one number one higher,
 * and its marker. The number is named with enough of the line around it to occur once in each line it is
 * read from.
 */
function countingRun(lines: readonly string[], i: number): { marker: string; length: number } | undefined {
  if (i === 0) return undefined;
  const first = numberStep(lines[i - 1]!, lines[i]!);
  if (!first || Number(first.to) !== Number(first.from) + 1) return undefined;
  const prev = lines[i - 1]!;
  const once = (line: string, part: string) => line.indexOf(part) >= 0 && line.indexOf(part) === line.lastIndexOf(part);
  const start = Number(first.from);
  // Widened one character each side at a time while a line of the run holds the named part twice.
  for (let left = first.at, right = first.at + first.from.length; ; ) {
    const before = prev.slice(left, first.at);
    const after = prev.slice(first.at + first.from.length, right);
    const named = (n: number) => `${before}${n}${after}`;
    let n = 0;
    let ambiguous = false;
    for (let j = i; j < lines.length; j++) {
      const step = numberStep(lines[j - 1]!, lines[j]!);
      const value = start + (j - i);
      if (!step || step.from !== String(value) || Number(step.to) !== value + 1) break;
      if (!once(lines[j - 1]!, named(value))) {
        ambiguous = true;
        break;
      }
      const at = lines[j - 1]!.indexOf(named(value));
      if (lines[j - 1]!.slice(0, at) + named(value + 1) + lines[j - 1]!.slice(at + named(value).length) !== lines[j]) break;
      n++;
    }
    if (!ambiguous || (left === 0 && right === prev.length) || right - left > 40) {
      if (n < MIN_BLOCK) return undefined;
      return { marker: `[= ${n} lines: the line above with "${named(start)}" counting up to "${named(start + n)}"]`, length: n };
    }
    left = Math.max(0, left - 1);
    right = Math.min(prev.length, right + 1);
  }
}

/** The inverse of `compressRepeats`: every marker replaced by the line it stands for. */
export function expandRepeats(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const b = BLOCK_MARKER.exec(line);
    if (b) {
      // "the line above": d 1; "the D lines above": d D; "N lines copied from D lines up": d D.
      const d = Number(b[1] ?? b[4] ?? 1);
      const n = b[3] !== undefined ? Number(b[3]) : d * Number(b[2] ?? 1);
      if (d >= 1 && d <= out.length) {
        for (let k = 0; k < n; k++) out.push(out[out.length - d]!);
        continue;
      }
    }
    const c = COUNTING_MARKER.exec(line);
    const counted = c && out.length > 0 ? countUp(out[out.length - 1]!, Number(c[1]), c[2]!, c[3]!) : undefined;
    if (counted) {
      out.push(...counted);
      continue;
    }
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

/** The `n` lines a counting marker stands for after `line`, or undefined when it does not read as one. */
function countUp(line: string, n: number, firstPart: string, lastPart: string): string[] | undefined {
  const step = numberStep(firstPart, lastPart);
  if (!step || Number(step.to) - Number(step.from) !== n) return undefined;
  const named = (k: number) => `${firstPart.slice(0, step.at)}${k}${firstPart.slice(step.at + step.from.length)}`;
  const out: string[] = [];
  let prev = line;
  for (let k = Number(step.from); k < Number(step.to); k++) {
    const at = prev.indexOf(named(k));
    if (at < 0) return undefined;
    prev = prev.slice(0, at) + named(k + 1) + prev.slice(at + named(k).length);
    out.push(prev);
  }
  return out;
}
