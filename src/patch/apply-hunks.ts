import type { Hunk, HunkLine } from "./types.js";
import { redactHead } from "../core/redact.js";

/** A text file as lines; each line keeps its own `\r` so mixed line endings survive untouched. */
interface TextFile {
  lines: string[];
  finalNewline: boolean;
  crlf: boolean;
}

export interface ApplyHunksOptions {
  /** How far (in lines) from where the header says a hunk may be found. */
  maxOffset?: number;
  /** How many leading/trailing context lines may be ignored (GNU patch's fuzz). */
  maxFuzz?: number;
}

/** Where a hunk went: `at` is the 0-based line of the old file its first old line matched (or the new lines go before), `lines` what of it applied (fuzz drops outer context). */
export interface PlacedHunk {
  at: number;
  lines: HunkLine[];
}

export type ApplyHunksResult =
  | { ok: true; content: string; notes: string[]; placed?: PlacedHunk[] }
  | { ok: false; hunkIndex: number; reason: string };

const stripCr = (s: string) => (s.endsWith("\r") ? s.slice(0, -1) : s);
type Level = 0 | 1 | 2;
const LEVEL_NAMES = ["exact", "ignoring trailing whitespace", "ignoring whitespace"] as const;
const norm = (s: string, level: Level) =>
  level === 0 ? stripCr(s) : level === 1 ? stripCr(s).trimEnd() : stripCr(s).replace(/\s+/g, " ").trim();

function split(content: string): TextFile {
  const finalNewline = content.endsWith("\n");
  const lines = content === "" ? [] : content.split("\n");
  if (finalNewline) lines.pop();
  const crlfCount = lines.filter((l) => l.endsWith("\r")).length;
  return { lines, finalNewline, crlf: crlfCount > 0 && crlfCount * 2 >= lines.length - (finalNewline ? 0 : 1) };
}

function join(f: TextFile): string {
  if (f.lines.length === 0) return "";
  const lines = [...f.lines];
  if (!f.finalNewline) lines[lines.length - 1] = stripCr(lines[lines.length - 1]!);
  return lines.join("\n") + (f.finalNewline ? "\n" : "");
}

/** Content of a file created by the patch: its hunks' added lines. */
export function newFileContent(hunks: Hunk[]): ApplyHunksResult {
  const lines: HunkLine[] = [];
  for (const [i, h] of hunks.entries()) {
    if (h.lines.some((l) => l.kind !== "+")) {
      return { ok: false, hunkIndex: i, reason: "a hunk of a new file may only add lines ('+'); is the file really new?" };
    }
    lines.push(...h.lines);
  }
  const last = lines[lines.length - 1];
  return { ok: true, content: join({ lines: lines.map((l) => l.text), finalNewline: last ? !last.noEol : false, crlf: false }), notes: [] };
}

/**
 * Applies hunks in order: exact context where the header says first, then nearby offsets, then looser
 * whitespace, then fuzz (dropping outer context lines). Nothing is written: the caller gets the new text
 * or the first hunk that did not fit, with the reason.
 */
export function applyHunks(content: string, hunks: Hunk[], opts: ApplyHunksOptions = {}): ApplyHunksResult {
  const maxOffset = opts.maxOffset ?? 2000;
  const maxFuzz = opts.maxFuzz ?? 2;
  const file = split(content);
  const originalLast = file.lines.length - 1;
  const out: string[] = [];
  let cursor = 0; // first line of the original not yet copied to out
  let delta = 0; // how far actual positions drifted from the headers
  let finalNewline = file.finalNewline;
  const notes: string[] = [];
  const eol = file.crlf ? "\r" : "";
  const placed: PlacedHunk[] = [];

  // Models sometimes emit hunks out of order; the headers say where they go (a stable sort keeps ties in order).
  const ordered = hunks.map((hunk, hi) => ({ hunk, hi })).sort((a, b) => a.hunk.oldStart - b.hunk.oldStart || a.hi - b.hi);
  for (const { hunk, hi } of ordered) {
    const old = hunk.lines.filter((l) => l.kind !== "+");
    // Where the header puts the first old line; `@@ -N,0` (nothing removed, no context) means "after line N".
    const declared = old.length === 0 ? hunk.oldStart : Math.max(0, hunk.oldStart - 1);
    const expected = Math.max(cursor, declared + delta);
    let found: { pos: number; skipHead: number; skipTail: number; level: Level } | undefined;

    if (old.length === 0) {
      // Pure insertion: `@@ -N,0 +M,k @@` inserts after line N.
      const pos = Math.min(expected, file.lines.length);
      found = { pos, skipHead: 0, skipTail: 0, level: 0 };
    } else {
      found = search(file.lines, old, expected, cursor, maxOffset, maxFuzz);
    }
    if (!found) {
      return { ok: false, hunkIndex: hi, reason: describeMiss(file.lines, old, expected) };
    }
    const { pos, skipHead, skipTail, level } = found;
    const body = hunk.lines.slice(indexOfNth(hunk.lines, skipHead), hunk.lines.length - tailCut(hunk.lines, skipTail));
    const matchedOld = old.length - skipHead - skipTail;
    if (pos - skipHead !== expected || skipHead + skipTail > 0 || level > 0) {
      notes.push(
        `hunk ${hi + 1} applied at line ${pos + 1} (offset ${pos - skipHead - expected >= 0 ? "+" : ""}${pos - skipHead - expected}` +
          `${skipHead + skipTail > 0 ? `, fuzz ${Math.max(skipHead, skipTail)}` : ""}, ${LEVEL_NAMES[level]})`,
      );
    }
    placed[hi] = { at: pos, lines: body };
    out.push(...file.lines.slice(cursor, pos));
    let oi = pos;
    for (const l of body) {
      if (l.kind === " ") out.push(file.lines[oi++]!);
      else if (l.kind === "-") oi++;
      else out.push(l.text + eol);
    }
    cursor = pos + matchedOld;
    delta = pos - skipHead - declared;
    if (cursor === file.lines.length && tailCut(hunk.lines, skipTail) === 0) {
      const lastNew = [...body].reverse().find((l) => l.kind !== "-");
      const lastOld = [...body].reverse().find((l) => l.kind !== "+");
      if (lastNew?.noEol) finalNewline = false;
      else if (lastOld?.noEol) finalNewline = true;
    }
  }
  out.push(...file.lines.slice(cursor));
  // The old last line had no newline; if lines now follow it, it needs this file's line ending.
  if (!file.finalNewline && originalLast >= 0 && file.crlf) {
    const idx = out.indexOf(file.lines[originalLast]!);
    if (idx >= 0 && idx < out.length - 1 && !out[idx]!.endsWith("\r")) out[idx] += "\r";
  }
  return { ok: true, content: join({ lines: out, finalNewline: out.length > 0 && finalNewline, crlf: file.crlf }), notes, placed };
}

function search(lines: string[], old: HunkLine[], expected: number, min: number, maxOffset: number, maxFuzz: number) {
  const leadCtx = countWhile(old, (l) => l.kind === " ");
  const trailCtx = countWhile([...old].reverse(), (l) => l.kind === " ");
  for (let fuzz = 0; fuzz <= maxFuzz; fuzz++) {
    const skipHead = Math.min(fuzz, leadCtx);
    const skipTail = Math.min(fuzz, trailCtx);
    if (fuzz > 0 && skipHead + skipTail === 0) break;
    const want = old.slice(skipHead, old.length - skipTail);
    if (want.length === 0) break;
    for (const level of [0, 1, 2] as const) {
      const w = want.map((l) => norm(l.text, level));
      const start = expected + skipHead;
      const last = lines.length - want.length;
      for (let d = 0; d <= maxOffset; d++) {
        const a = start - d;
        const b = start + d;
        if (a < min && b > last) break;
        if (a >= min && a <= last && matches(lines, a, w, level)) return { pos: a, skipHead, skipTail, level };
        if (d > 0 && b >= min && b <= last && matches(lines, b, w, level)) return { pos: b, skipHead, skipTail, level };
      }
    }
  }
  return undefined;
}

function matches(lines: string[], at: number, want: string[], level: Level): boolean {
  for (let i = 0; i < want.length; i++) if (norm(lines[at + i]!, level) !== want[i]) return false;
  return true;
}

function countWhile<T>(xs: T[], p: (x: T) => boolean): number {
  let n = 0;
  while (n < xs.length && p(xs[n]!)) n++;
  return n;
}

/** Index in hunk.lines after skipping the first `n` old-side (context) lines. */
function indexOfNth(lines: HunkLine[], n: number): number {
  let seen = 0;
  let i = 0;
  while (seen < n && i < lines.length) {
    if (lines[i]!.kind === " ") seen++;
    i++;
  }
  return i;
}

function tailCut(lines: HunkLine[], n: number): number {
  let seen = 0;
  let i = 0;
  while (seen < n && i < lines.length) {
    if (lines[lines.length - 1 - i]!.kind === " ") seen++;
    i++;
  }
  return i;
}

function describeMiss(lines: string[], old: HunkLine[], expected: number): string {
  const first = old.find((l) => l.kind === "-") ?? old[0]!;
  const around = lines.findIndex((l) => norm(l, 2) === norm(first.text, 2));
  const want = JSON.stringify(redactHead(first.text, 80));
  if (around < 0) return `the lines it changes are not in the file (looked for ${want}); regenerate the diff against the current file`;
  const got = lines.slice(expected, expected + 1).map((l) => JSON.stringify(stripCr(l))).join("") || "(end of file)";
  return `its context does not match the file near line ${expected + 1} (file has ${got}; ${want} is at line ${around + 1} but the surrounding lines differ); regenerate the diff against the current file`;
}
