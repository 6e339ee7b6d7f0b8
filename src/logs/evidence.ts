/**
 * Bounded memory of the lines worth showing: candidates (lines with a signal) plus a little context
 * around them, and a ring of the most recent lines for the failing step's tail. Nothing else of the
 * log is kept, so memory does not grow with the log.
 */
import { redactHead } from "../core/redact.js";
import { detach } from "./line-reader.js";
import { reportsPassing } from "./prefilter.js";

export interface KeptLine {
  line: number;
  text: string;
  score: number;
  reason: string;
  /** True when nothing stronger than a passing keyword put the line here (decided before step weighting). */
  weak: boolean;
}

/** Evidence below this score is only shown next to stronger evidence. */
export const WEAK_SCORE = 4.5;

const MAX_TEXT = 600;
const CONTEXT_BEFORE = 2;
const CONTEXT_AFTER = 6;
/** How far the indented output under a strong failure (a go test's t.Log, a diff) is followed. */
const BLOCK_AFTER = 80;
const BLOCK_FROM_SCORE = 8;
/** Below any evidence, above nothing: such output fills budget nothing stronger wanted. */
const BLOCK_SCORE = 1.5;

export class EvidenceStore {
  private readonly kept = new Map<number, KeptLine>();
  // Parallel arrays, not an object per line: this runs for every line of a 100 MB log.
  private readonly ringLine: number[] = [];
  private readonly ringText: string[] = [];
  private ringStart = 0;
  /**
   * The evidence whose next lines are being kept. `block` is set while inside the indented output under a
   * strong failure: the failure line's indentation (deeper lines belong to it) and the last line it may reach.
   */
  private follow: { until: number; score: number; reason: string; from: number; block: { indent: number; until: number } | null } | null = null;

  constructor(
    private readonly maxKept = 20_000,
    private readonly ringSize = 200,
  ) {}

  /** Every line passes here (in order), with its signal score if it has one. */
  push(line: number, text: string, score: number, reason: string): void {
    // The ring holds short lines as slices (cheap, short-lived) and long ones as their clipped copy.
    const t = clip(text);
    if (this.ringLine.length < this.ringSize) {
      this.ringLine.push(line);
      this.ringText.push(t);
    } else {
      this.ringLine[this.ringStart] = line;
      this.ringText[this.ringStart] = t;
      this.ringStart = (this.ringStart + 1) % this.ringSize;
    }
    const f = this.follow;
    const inBlock = !!f?.block && line <= f.block.until && indentOf(t) > f.block.indent;
    if (f && line > f.until && !inBlock) this.follow = null;
    if (score > 0) {
      this.raise(line, t, score, reason);
      // A blank or unremarkable line between two pieces of evidence (e.g. inside a stack trace) belongs with them.
      const gap = this.recent(1);
      const before = this.recent(2);
      const keptBefore = before && this.kept.get(before.line);
      if (gap && keptBefore && !this.kept.has(gap.line) && !reportsPassing(gap.text)) this.raise(gap.line, gap.text, Math.min(score, keptBefore.score) - 0.5, keptBefore.reason);
      for (let d = 1; d <= CONTEXT_BEFORE; d++) {
        const prev = this.recent(d);
        if (prev && !reportsPassing(prev.text)) this.raise(prev.line, prev.text, score - 2 - d, `context of ${reason}`);
      }
      if (score >= 5 && (!this.follow || this.follow.until <= line + CONTEXT_AFTER || score > this.follow.score)) {
        // A message under the failing test (its t.Log line) keeps the test's block going.
        const block = inBlock ? f!.block : score >= BLOCK_FROM_SCORE ? { indent: indentOf(t), until: line + BLOCK_AFTER } : null;
        this.follow = { until: line + CONTEXT_AFTER, score, reason, from: line, block };
      }
    } else if (this.follow && !reportsPassing(t)) {
      const d = line - this.follow.from;
      const near = d <= CONTEXT_AFTER ? this.follow.score - 1 - 0.5 * d : 0;
      const s = inBlock ? Math.max(near, BLOCK_SCORE) : near;
      this.raise(line, t, s, `context of ${this.follow.reason}`);
    }
    if (this.kept.size > this.maxKept) this.prune();
  }

  /** The `n` lines before the current one (most recent first); used for a failing step's tail. */
  tail(n: number): { line: number; text: string }[] {
    const out: { line: number; text: string }[] = [];
    for (let d = 1; d <= Math.min(n, this.ringLine.length); d++) {
      const r = this.recent(d);
      if (r) out.push(r);
    }
    return out;
  }

  /** The last pushed line. */
  current(): { line: number; text: string } | undefined {
    return this.recent(0);
  }

  /**
   * Marks already-seen lines (e.g. a step's tail) as evidence. Callers may pass a line as the log had it (a
   * step's `Run` header, its echoed script): it is cut like any other, since the excerpt's redaction and
   * token counts cost more than linear time in a line's length.
   */
  raise(line: number, text: string, score: number, reason: string): void {
    if (score <= 0) return;
    const k = this.kept.get(line);
    if (!k) this.kept.set(line, { line, text: detach(clip(text)), score, reason, weak: score < WEAK_SCORE });
    else if (score > k.score) {
      k.score = score;
      k.reason = reason;
      k.weak = score < WEAK_SCORE;
    }
  }

  /** The current (last pushed) line counts as d=0. */
  private recent(d: number): { line: number; text: string } | undefined {
    const n = this.ringLine.length;
    if (d >= n) return undefined;
    const idx = n < this.ringSize ? n - 1 - d : (this.ringStart + n - 1 - d + n) % n;
    return { line: this.ringLine[idx]!, text: this.ringText[idx]! };
  }

  /** Drops the weakest half, older first among equals: the end of a log matters more. */
  private prune(): void {
    const all = [...this.kept.values()].sort((a, b) => a.score - b.score || a.line - b.line);
    for (const k of all.slice(0, Math.floor(all.length / 2))) this.kept.delete(k.line);
  }

  lines(): KeptLine[] {
    return [...this.kept.values()];
  }
}

/**
 * A line as evidence keeps its first MAX_TEXT characters; a line already cut comes back the same. The cut is
 * a copy: a slice would pin the whole line, and the ring's 200 lines of 1 MB each held 200 MB. It is redacted
 * before it is cut (excerpts.ts redacts the rest): a secret across the cut would otherwise reach the model as
 * a head no rule knows (`ghp_A1b2C3d…` is too short for a token, `postgres://u:pass…` has no `@`).
 */
export function clip(text: string): string {
  if (text.length <= MAX_TEXT) return text;
  return detach(redactHead(text, MAX_TEXT));
}

/** Leading whitespace; a line of only whitespace counts as indented as deep as it is long. */
function indentOf(text: string): number {
  let i = 0;
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  return i;
}
