import { redact } from "../core/redact.js";
import { countTokens } from "./count-tokens.js";
import type { KeptLine } from "./evidence.js";
import { compressRepeats, LOOK_BACK, repeatMarker } from "./repeat-lines.js";
import type { Excerpt } from "./types.js";

/** How many rounds may spend the tokens that repeat markers saved over the estimate. */
const FILL_ROUNDS = 8;

/**
 * Picks the strongest evidence lines that fit `budgetTokens`, then merges them into line ranges.
 * Lines are taken by priority (score), so the budget goes to errors, failing tests and the failing
 * step's tail before any context. Tokens are counted only for lines that are considered. A line that
 * repeats one right above it costs only its marker (see repeat-lines.ts).
 */
export function selectExcerpts(kept: KeptLine[], budgetTokens: number): { excerpts: Excerpt[]; tokens: number } {
  // Redacted before lines are compared: a repeat marker must never hold part of a secret the redactor
  // would have seen whole.
  for (const k of kept) k.text = redact(k.text);
  const byLine = new Map(kept.map((k) => [k.line, k]));
  const eligible = eligibleLines(kept);
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
  let budget = budgetTokens;
  for (let attempt = 0; attempt < 4; attempt++) {
    const chosen = new Set<number>();
    let used = 0;
    let result = { excerpts: [] as Excerpt[], tokens: 0 };
    for (let round = 0; round < FILL_ROUNDS; round++) {
      const before = chosen.size;
      for (const k of ordered) {
        if (chosen.has(k.line) || !eligible.has(k.line)) continue;
        const c = costIn(k, chosen);
        if (used + c > budget) continue;
        chosen.add(k.line);
        used += c;
        if (budget - used < 2) break;
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
      text: compressRepeats(members.map((m) => m.text)).join("\n"),
    });
    i = j + 1;
  }
  return out;
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
