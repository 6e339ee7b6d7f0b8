import { ASSERTION } from "./greenwash-patterns.js";
import { argsAt } from "./hollow-assertion.js";
import type { Hunk } from "./types.js";

/** One statement of one side of a hunk: a line, or an assertion a formatter wrapped over several, joined. */
export interface Statement {
  text: string;
  /** One of its lines is removed (old side) or added (new side); false when all are context. */
  changed: boolean;
}

// Long lines are cut: the patterns look at the start of a statement, and backtracking stays bounded.
export const MAX_LINE = 2000;
/** More lines than prettier or black give one assertion: past that the brackets are not an assertion's. */
export const MAX_LINES = 40;
const isComment = (s: string) => /^\s*(#(?![[!])|\/\/|\/\*|\*|--\s)/.test(s);

/**
 * The brackets still open after `text`, on top of `open`; undefined when it closes more than is open. Quotes
 * are skipped (within the line: a string a formatter wraps is closed on each line), and so is a trailing comment.
 */
function openAfter(text: string, open: string[]): string[] | undefined {
  const stack = [...open];
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "#" || (c === "/" && text[i + 1] === "/")) break;
    else if ("([{".includes(c)) stack.push(c);
    else if (")]}".includes(c) && stack.pop() !== "([{"[")]}".indexOf(c)]) return undefined;
  }
  return stack;
}

/**
 * `next` put after `statement` as a formatter's wrap reads: no space inside brackets or before `.`, and the
 * trailing comma before a closing bracket dropped, so `expect(\n  f(x),\n).toBe(3);` reads `expect(f(x)).toBe(3);`.
 */
function glue(statement: string, next: string): string {
  if (/^[)\]}]/.test(next)) return statement.replace(/,\s*$/, "") + next;
  if (/[([{]\s*$/.test(statement) || next.startsWith(".")) return statement.trimEnd() + next;
  return `${statement.trimEnd()} ${next}`;
}

/**
 * The statements of one side of a hunk (its context and its `kind` lines), in order. An assertion whose line
 * leaves a `(` or `[` open (prettier's `expect(\n  total(order),\n).toBe(1234);`, black's `assert (\n    f(x)\n
 * == 3\n)` and `self.assertEqual(\n    a,\n    3,\n)`) is joined up to where its brackets close, so what it
 * asserts on is read with what it asserts, as is a chain carried on below it (`expect(x)\n  .toBe(3);`). Any
 * other line is a statement of its own, as is an assertion whose brackets do not close before a blank line or
 * the hunk's end (the rest of it is not in the patch).
 */
export function statementsOf(h: Hunk, kind: "-" | "+"): Statement[] {
  const lines = h.lines
    .filter((l) => l.kind === kind || l.kind === " ")
    .map((l) => ({ text: l.text.length > MAX_LINE ? l.text.slice(0, MAX_LINE) : l.text, changed: l.kind !== " " }));
  const texts = lines.map((l) => l.text);
  const out: Statement[] = [];
  for (let i = 0; i < lines.length; i++) {
    const at = statementAt(texts, i);
    out.push({ text: at.text, changed: lines.slice(i, at.end + 1).some((l) => l.changed) });
    i = at.end;
  }
  return out;
}

/**
 * The statement that starts on line `i` of `lines` (joined as statementsOf joins it) and the index of its
 * last line: for a check that walks the lines itself and needs the whole of an assertion found on one.
 */
export function statementAt(lines: string[], i: number): { text: string; end: number } {
  const cut = (t: string) => (t.length > MAX_LINE ? t.slice(0, MAX_LINE) : t);
  const end = wrappedEnd(lines, i);
  if (end === undefined) return { text: cut(lines[i]!), end: i };
  const text = lines.slice(i + 1, end + 1).reduce((s, l) => glue(s, cut(l).trim()), cut(lines[i]!).trimEnd());
  return { text: cut(text), end };
}

/** The index of the line that ends the assertion wrapped from line `i`, or undefined when it is not one. */
function wrappedEnd(lines: string[], i: number): number | undefined {
  const head = lines[i]!;
  if (isComment(head) || !ASSERTION.test(head)) return undefined;
  let open = openAfter(head, []);
  // A block left open alone (`expect(() => {` leaves `(` too; `if got != want {` does not) is not a wrap.
  if (!open || (open.length > 0 && !open.some((c) => c !== "{"))) return undefined;
  let end = i;
  for (let j = i + 1; j < lines.length && j < i + MAX_LINES; j++) {
    const line = lines[j]!;
    if (!line.trim()) break;
    // With its brackets closed, it goes on only on a line that carries on its chain: `expect(x)\n  .toBe(3);`.
    if (open.length === 0 && (!line.trim().startsWith(".") || /;\s*$/.test(lines[end]!))) break;
    open = openAfter(line, open);
    if (!open) break;
    if (open.length === 0) end = j;
  }
  return end > i ? end : undefined;
}

/**
 * A statement as a key to compare by: without spaces, and without the parentheses black puts round a condition
 * too long for its line (`assert (\n    x\n    == y\n)`, joined `assert (x == y)`), so an assertion reads the
 * same wrapped and unwrapped. A tuple (`assert (x, "message")`) keeps them: it is another assertion.
 */
export function statementKey(text: string): string {
  let t = text.trim();
  const head = /^assert\s*\(/.exec(t);
  const inner = head ? argsAt(t, head[0].length - 1) : undefined;
  if (inner && inner.args.length === 1 && /^\s*(,|$)/.test(t.slice(inner.end))) t = `assert ${inner.args[0]!}${t.slice(inner.end)}`;
  return t.replace(/\s+/g, "");
}
