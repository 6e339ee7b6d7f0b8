import { countTokens } from "./count-tokens.js";
import type { KeptLine } from "./evidence.js";
import type { Excerpt } from "./types.js";

/**
 * Picks the strongest evidence lines that fit `budgetTokens`, then merges them into line ranges.
 * Lines are taken by priority (score), so the budget goes to errors, failing tests and the failing
 * step's tail before any context. Tokens are counted only for lines that are considered.
 */
export function selectExcerpts(kept: KeptLine[], budgetTokens: number): { excerpts: Excerpt[]; tokens: number } {
  const byLine = new Map(kept.map((k) => [k.line, k]));
  shortenRepeats(byLine);
  const eligible = eligibleLines(kept);
  const ordered = kept.filter((k) => k.score >= 1).sort((a, b) => b.score - a.score || b.line - a.line);
  const cost = new Map<number, number>();
  const costOf = (k: KeptLine) => {
    let c = cost.get(k.line);
    if (c === undefined) {
      c = countTokens(k.text) + 1;
      cost.set(k.line, c);
    }
    return c;
  };
  let budget = budgetTokens;
  for (let attempt = 0; attempt < 4; attempt++) {
    const chosen = new Set<number>();
    let used = 0;
    for (const k of ordered) {
      if (!eligible.has(k.line)) continue;
      const c = costOf(k);
      if (used + c > budget) continue;
      chosen.add(k.line);
      used += c;
      if (budget - used < 2) break;
    }
    // Bridge one-line gaps when the gap line is known and still fits: ranges read better than fragments.
    for (const line of [...chosen]) {
      const gap = byLine.get(line + 1);
      if (!chosen.has(line + 1) && chosen.has(line + 2) && gap && used + costOf(gap) <= budget) {
        chosen.add(line + 1);
        used += costOf(gap);
      }
    }
    const excerpts = toRanges([...chosen].sort((a, b) => a - b), byLine);
    const tokens = excerpts.reduce((n, e) => n + countTokens(e.text), 0);
    if (tokens <= budgetTokens) return { excerpts, tokens };
    budget -= tokens - budgetTokens + 4;
  }
  return { excerpts: [], tokens: 0 };
}

function toRanges(lines: number[], byLine: Map<number, KeptLine>): Excerpt[] {
  const out: Excerpt[] = [];
  let i = 0;
  while (i < lines.length) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++;
    const members = lines.slice(i, j + 1).map((l) => byLine.get(l)!);
    const top = members.reduce((a, b) => (b.score > a.score ? b : a));
    out.push({
      startLine: lines[i]!,
      endLine: lines[j]!,
      reason: top.reason.replace(/^context of /, ""),
      text: members.map((m) => m.text).join("\n"),
    });
    i = j + 1;
  }
  return out;
}

const REPEAT_KEEP = 100;

/**
 * In a run of lines of the same shape (the same error for 70 files, say), every line after the first is
 * cut to its start: the pattern and each line's distinguishing head stay visible for a fraction of the tokens.
 */
function shortenRepeats(byLine: Map<number, KeptLine>): void {
  const shape = (t: string) => t.replace(/\d+/g, "0").slice(0, 40);
  for (const k of [...byLine.values()].sort((a, b) => a.line - b.line)) {
    const prev = byLine.get(k.line - 1);
    if (!prev || k.text.length <= REPEAT_KEEP + 20) continue;
    if (shape(prev.text) === shape(k.text)) k.text = `${k.text.slice(0, REPEAT_KEEP)}…`;
  }
}

/**
 * A weak line (a keyword in passing, a lone stack frame) is worth tokens only as part of a block of kept
 * lines that holds real evidence: a stack trace below its exception, say, but not a passing test's title.
 */
function eligibleLines(kept: KeptLine[]): Set<number> {
  const sorted = [...kept].sort((a, b) => a.line - b.line);
  const out = new Set<number>();
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1]!.line === sorted[j]!.line + 1) j++;
    const block = sorted.slice(i, j + 1);
    const strong = block.filter((k) => !k.weak).map((k) => k.line);
    for (const k of block) {
      if (strong.length === 0) break;
      // Frames and context follow their evidence through the block; a passing keyword only right beside it.
      const near = strong.some((l) => Math.abs(l - k.line) <= 2);
      if (!k.weak || near || k.reason !== "error keyword") out.add(k.line);
    }
    i = j + 1;
  }
  return out;
}
