import type { FailureContext } from "../../core/failure-context.js";
import { compressRepeats, expandRepeats } from "../../logs/repeat-lines.js";

/** Rough size in tokens of what the context adds to a prompt (JSON length / 4, as gpt-style tokenizers average). */
export const approxTokens = (ctx: FailureContext): number => Math.ceil(JSON.stringify(ctx).length / 4);

/**
 * A smaller copy of a context for a second try after a context-length error: drops the least useful
 * parts first (commit diff, test config, manifests, previous-attempt logs, annotations, snippets from the
 * end) and then cuts the middle of long log excerpts, keeping their first and last lines, until the
 * context is at most `factor` of its size. What was dropped is listed in `budget.dropped` for the prompt.
 */
export function shrinkFailureContext(ctx: FailureContext, factor = 0.5): FailureContext {
  const target = Math.floor(approxTokens(ctx) * factor);
  const out: FailureContext = structuredClone(ctx);
  const dropped = [...out.budget.dropped];
  const fits = () => approxTokens(out) <= target;
  const steps: Array<[string, () => boolean]> = [
    ["head_commit_diff", () => (out.head_commit_diff !== undefined ? (delete out.head_commit_diff, true) : false)],
    ["test_config", () => (out.test_config?.length ? (delete out.test_config, true) : false)],
    ["manifests", () => (out.manifests.length ? ((out.manifests = out.manifests.map((m) => ({ path: m.path }))), true) : false)],
    ["previous_attempt.excerpts", () => (out.previous_attempt?.excerpts ? (delete out.previous_attempt.excerpts, true) : false)],
    ["annotations", () => (out.annotations?.length ? (delete out.annotations, true) : false)],
  ];
  for (const [name, drop] of steps) {
    if (fits()) break;
    if (drop()) dropped.push(name);
  }
  while (!fits() && out.snippets.length > 1) dropped.push(`snippet ${out.snippets.pop()!.path}`);
  for (let keep = 200; !fits() && keep >= 10; keep = Math.floor(keep / 2)) {
    out.excerpts = out.excerpts.map((e) => ({ ...e, text: cutMiddle(e.text, keep, true) }));
    if (out.previous_attempt) out.previous_attempt.patch = cutMiddle(out.previous_attempt.patch, keep);
  }
  if (!fits() && out.snippets.length) dropped.push(`snippet ${out.snippets.pop()!.path}`);
  if (approxTokens(out) < approxTokens(ctx) && !dropped.includes("log excerpt middles") && out.excerpts.some((e, i) => e.text !== ctx.excerpts[i]?.text)) {
    dropped.push("log excerpt middles");
  }
  out.budget = { tokens: Math.max(1, Math.floor(ctx.budget.tokens * factor)), used: approxTokens(out), dropped };
  return out;
}

/**
 * Keeps the first third and the last two thirds of `keepLines` lines (and of ~160 chars a line, for
 * minified output). A log excerpt (`excerpt`) is cut in the lines its repeat markers stand for and each part
 * written again, so no marker points into the cut and the count says how many log lines went; a patch is cut
 * as plain text.
 */
function cutMiddle(text: string, keepLines: number, excerpt = false): string {
  const written = text.split("\n");
  let out = text;
  if (written.length > keepLines) {
    const lines = excerpt ? expandRepeats(written) : written;
    const write = excerpt ? compressRepeats : (part: string[]) => part;
    const head = Math.ceil(keepLines / 3);
    out = [...write(lines.slice(0, head)), `[... ${lines.length - keepLines} lines cut to fit the model's context ...]`, ...write(lines.slice(-(keepLines - head)))].join("\n");
  }
  const maxChars = keepLines * 160;
  if (out.length <= maxChars) return out;
  const head = Math.ceil(maxChars / 3);
  return `${out.slice(0, head)}[... ${out.length - maxChars} characters cut ...]${out.slice(-(maxChars - head))}`;
}
