import { maskKeyBodies, redact } from "../core/redact.js";
import { countTokens } from "./count-tokens.js";
import type { KeptLine } from "./evidence.js";
import { compressRepeats, findRepeatedBlocks, LOOK_BACK, repeatMarker } from "./repeat-lines.js";
import type { Excerpt } from "./types.js";

/** How many rounds may spend the tokens that repeat markers saved over the estimate. */
const FILL_ROUNDS = 8;

/**
 * Picks the strongest evidence lines that fit `budgetTokens`, then merges them into line ranges.
 * Lines are taken by priority (score), so the budget goes to errors, failing tests and the failing
 * step's tail before any context. Tokens are counted only for lines that are considered. A line that
 * repeats one right above it costs only its marker, and a block that repeats lines above it one marker
 * for the whole block (see repeat-lines.ts).
 */
export function selectExcerpts(kept: KeptLine[], budgetTokens: number): { excerpts: Excerpt[]; tokens: number } {
  // Redacted before lines are compared: a repeat marker must never hold part of a secret the redactor
  // would have seen whole.
  maskKeyBodiesOf(kept);
  for (const k of kept) k.text = redact(k.text);
  const byLine = new Map(kept.map((k) => [k.line, k]));
  const lines = prepareLines(kept, byLine);
  const plain = fillBudget(lines, budgetTokens, new Map());
  const blocks = repeatedBlocks(byLine);
  if (blocks.size === 0) return plain;
  // Taken by score, the copies of a repeated block (a trace printed for each failing test) each cost their
  // lines before the block they repeat is chosen. Taken after it, they cost one marker but wait behind weaker
  // lines. Both are tried; the one that shows more evidence (by score) wins.
  const waiting = fillBudget(lines, budgetTokens, blocks);
  const shown = (r: { excerpts: Excerpt[] }) =>
    r.excerpts.reduce((sum, e) => {
      for (let l = e.startLine; l <= e.endLine; l++) sum += byLine.get(l)!.score;
      return sum;
    }, 0);
  return shown(waiting) > shown(plain) ? waiting : plain;
}

/**
 * A private key printed over many lines is redacted one line at a time here, and then no rule sees the
 * block: masked as a block first, as far as each run of consecutive kept lines goes.
 */
function maskKeyBodiesOf(kept: KeptLine[]): void {
  const byLine = new Map(kept.map((k) => [k.line, k]));
  for (const run of consecutiveRuns(kept.map((k) => k.line).sort((a, b) => a - b))) {
    const texts = run.map((l) => byLine.get(l)!.text);
    maskKeyBodies(texts);
    run.forEach((l, i) => (byLine.get(l)!.text = texts[i]!));
  }
}

/** The kept lines, in the order the budget goes to them, and what each costs. */
interface Lines {
  byLine: Map<number, KeptLine>;
  eligible: Set<number>;
  ordered: KeptLine[];
  fullCost: (k: KeptLine) => number;
  /** What `k` costs below the chosen lines right above it (its marker, if it repeats one of them). */
  costIn: (k: KeptLine, chosen: Set<number>) => number;
}

/** The order the budget goes to the kept lines in, and their costs (cached, shared by both fills). */
function prepareLines(kept: KeptLine[], byLine: Map<number, KeptLine>): Lines {
  const eligible = eligibleLines(kept, byLine);
  // Among equal scores the later run of lines goes first (the end of a log matters more), but a run is
  // taken top down, so each line finds the line it repeats already chosen and costs only its marker.
  const runEnd = new Map<number, number>();
  for (const k of [...kept].sort((a, b) => b.line - a.line)) {
    const below = byLine.get(k.line + 1);
    runEnd.set(k.line, below && below.score === k.score ? runEnd.get(below.line)! : k.line);
  }
  const ordered = kept.filter((k) => k.score >= 1).sort((a, b) => b.score - a.score || runEnd.get(b.line)! - runEnd.get(a.line)! || a.line - b.line);
  const full = new Map<number, number>();
  const fullCost = (k: KeptLine) => {
    let c = full.get(k.line);
    if (c === undefined) {
      c = countTokens(k.text) + 1;
      full.set(k.line, c);
    }
    return c;
  };
  // A line's marker depends on the run of chosen lines right above it. That run only grows (lines are
  // never dropped), so its length names the marker's context and the cost can be cached by it.
  const markerCost = new Map<string, number>();
  const costIn = (k: KeptLine, chosen: Set<number>) => {
    const above: string[] = [];
    for (let l = k.line - 1; chosen.has(l) && above.length < LOOK_BACK; l--) above.unshift(byLine.get(l)!.text);
    if (!above.length) return fullCost(k);
    const key = `${k.line}:${above.length}`;
    let c = markerCost.get(key);
    if (c === undefined) {
      const marker = repeatMarker(above, k.text);
      c = marker ? countTokens(marker) + 1 : fullCost(k);
      markerCost.set(key, c);
    }
    return c;
  };
  return { byLine, eligible, ordered, fullCost, costIn };
}

/** Where a line sits in a block that repeats kept lines right above it. */
interface InBlock {
  start: number;
  distance: number;
}

/** The lines of each run of consecutive kept lines that a block marker could stand for. */
function repeatedBlocks(byLine: Map<number, KeptLine>): Map<number, InBlock> {
  const out = new Map<number, InBlock>();
  for (const run of consecutiveRuns([...byLine.keys()].sort((a, b) => a - b))) {
    const first = run[0]!;
    for (const b of findRepeatedBlocks(run.map((l) => byLine.get(l)!.text))) {
      for (let n = 0; n < b.length; n++) out.set(first + b.start + n, { start: first + b.start, distance: b.distance });
    }
  }
  return out;
}

/**
 * The greedy fill behind `selectExcerpts`. With `blocks`, a line of a repeated block whose lines above are not
 * all chosen yet waits until every other line was considered, then is taken in line order: by then the block
 * it repeats is chosen (and it costs a share of one marker) or it is costed like any line.
 */
function fillBudget(lines: Lines, budgetTokens: number, blocks: Map<number, InBlock>): { excerpts: Excerpt[]; tokens: number } {
  const { byLine, eligible, ordered, fullCost, costIn } = lines;
  const blockCost = countTokens("[= the 71 lines above, 27 more times]") + 1;
  const ready = (line: number, chosen: Set<number>) => {
    const b = blocks.get(line)!;
    for (let l = line - b.distance; l < line; l++) if (!chosen.has(l)) return false;
    return true;
  };
  // A line of a block costs the marker if it starts what is written as a marker, else nothing.
  const blockLineCost = (line: number, chosen: Set<number>) => (chosen.has(line - 1) && blocks.get(line - 1)?.start === blocks.get(line)!.start ? 0 : blockCost);
  let budget = budgetTokens;
  for (let attempt = 0; attempt < 4; attempt++) {
    const chosen = new Set<number>();
    let used = 0;
    let result = { excerpts: [] as Excerpt[], tokens: 0 };
    for (let round = 0; round < FILL_ROUNDS; round++) {
      const before = chosen.size;
      const waiting: KeptLine[] = [];
      for (const k of ordered) {
        if (chosen.has(k.line) || !eligible.has(k.line)) continue;
        const inBlock = blocks.has(k.line);
        if (inBlock && !ready(k.line, chosen)) {
          waiting.push(k);
          continue;
        }
        const c = inBlock ? blockLineCost(k.line, chosen) : costIn(k, chosen);
        if (used + c > budget) continue;
        chosen.add(k.line);
        used += c;
        if (budget - used < 2) break;
      }
      for (const k of waiting.sort((a, b) => a.line - b.line)) {
        if (chosen.has(k.line)) continue;
        const c = ready(k.line, chosen) ? blockLineCost(k.line, chosen) : costIn(k, chosen);
        if (used + c > budget) continue;
        chosen.add(k.line);
        used += c;
      }
      // Bridge one-line gaps when the gap line is known and still fits: ranges read better than fragments.
      for (const line of [...chosen]) {
        const gap = byLine.get(line + 1);
        if (!chosen.has(line + 1) && chosen.has(line + 2) && gap && used + fullCost(gap) <= budget) {
          chosen.add(line + 1);
          used += fullCost(gap);
        }
      }
      const excerpts = toRanges([...chosen].sort((a, b) => a - b), byLine);
      result = { excerpts, tokens: excerpts.reduce((n, e) => n + countTokens(e.text), 0) };
      // A line costed in full before the lines above it were chosen is often a cheaper marker in the
      // text: spend what that saved in another round.
      if (result.tokens > budget || chosen.size === before) break;
      used = result.tokens;
    }
    if (result.tokens <= budgetTokens) return result;
    budget -= result.tokens - budgetTokens + 4;
  }
  return { excerpts: [], tokens: 0 };
}

function toRanges(lines: number[], byLine: Map<number, KeptLine>): Excerpt[] {
  return consecutiveRuns(lines).map((run) => {
    const members = run.map((l) => byLine.get(l)!);
    const top = members.reduce((a, b) => (b.score > a.score ? b : a));
    return {
      startLine: run[0]!,
      endLine: run.at(-1)!,
      reason: top.reason.replace(/^context of /, ""),
      text: compressRepeats(members.map((m) => m.text)).join("\n"),
    };
  });
}

/** Ascending line numbers cut where they stop following on one from the other. */
function consecutiveRuns(lines: number[]): number[][] {
  const out: number[][] = [];
  for (const l of lines) {
    const run = out.at(-1);
    if (run && run.at(-1)! + 1 === l) run.push(l);
    else out.push([l]);
  }
  return out;
}

/**
 * A weak line (a keyword in passing, a lone stack frame) is worth tokens only as part of a block of kept
 * lines that holds real evidence: a stack trace below its exception, say, but not a passing test's title.
 */
function eligibleLines(kept: KeptLine[], byLine: Map<number, KeptLine>): Set<number> {
  const out = new Set<number>();
  for (const run of consecutiveRuns(kept.map((k) => k.line).sort((a, b) => a - b))) {
    const block = run.map((l) => byLine.get(l)!);
    const strong = block.filter((k) => !k.weak).map((k) => k.line);
    if (strong.length === 0) continue;
    for (const k of block) {
      // Frames and context follow their evidence through the block; a passing keyword only right beside it.
      const near = strong.some((l) => Math.abs(l - k.line) <= 2);
      if (!k.weak || near || k.reason !== "error keyword") out.add(k.line);
    }
  }
  return out;
}
