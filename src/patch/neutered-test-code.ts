import { statementAt, statementKey, statementsOf } from "./assertion-statements.js";
import { ASSERTION } from "./greenwash-patterns.js";
import { same, splitTop } from "./hollow-assertion.js";
import type { AllowKey, Hunk } from "./types.js";

export interface NeuteredFinding {
  rule: AllowKey;
  reason: string;
  hunk: string;
  line: string;
}

interface NewLine {
  text: string;
  added: boolean;
}

/**
 * Test code a patch keeps but stops from running or from failing, which no count of tests or assertions
 * sees: an early `return` with the test's lines after it, a constant condition (`if False:`) put around
 * them, a None/null guard put around an assertion that ran unguarded, or a `try` whose broad `except`/`catch` swallows the assertion's failure. The lines after a hunk
 * are read from `before` (the file before the patch) where the hunk's old lines are found in it: a hunk
 * can end right on the line it adds.
 */
export function findNeuteredTestCode(hunks: Hunk[], before: string | null = null): NeuteredFinding[] {
  const oldLines = before === null ? [] : before.replace(/\r\n/g, "\n").split("\n");
  const out: NeuteredFinding[] = [];
  // A line the patch removes and adds back (re-indented, moved) was there before: it is not new.
  const removed = new Map<string, number>();
  for (const l of hunks.flatMap((h) => h.lines)) if (l.kind === "-") removed.set(l.text.trim(), (removed.get(l.text.trim()) ?? 0) + 1);
  // And a wrapped assertion as one statement: black re-wraps a line the guard's indent makes too long, in
  // parentheses of its own when it is a comparison (`assert (\n    x\n    == y\n)`), which the key leaves out.
  const wasThere = new Set([...removed.keys(), ...hunks.flatMap((h) => statementsOf(h, "-").filter((st) => st.changed).map((st) => st.text))].map(statementKey));
  for (const h of hunks) {
    const lines: NewLine[] = h.lines.filter((l) => l.kind !== "-").map((l) => ({ text: l.text, added: l.kind === "+" }));
    lines.push(...linesAfter(h, oldLines).map((text) => ({ text, added: false })));
    const found = (rule: AllowKey, reason: string, line: string) => {
      const left = removed.get(line.trim()) ?? 0;
      if (left > 0) removed.set(line.trim(), left - 1);
      else out.push({ rule, reason, hunk: h.header, line });
    };
    lines.forEach((l, i) => {
      if (l.added && deadAfterReturn(lines, i)) found("skip_tests", "returns early from a test, so the lines after it no longer run", l.text);
      else if (l.added && (CONSTANT_CONDITION.test(l.text) || selfCompared(l.text))) found("skip_tests", "puts test code under a condition that never changes, so it never runs or always returns", l.text);
      else if (l.added && guardsOldAssertion(lines, i, wasThere)) found("weaken_assertions", "runs an assertion only when its value is set (a None/null/truthiness guard), so a missing result passes", l.text);
      else if (l.added && CATCHES_ASSERTION.test(l.text)) found("weaken_assertions", "catches the failure of an assertion", l.text);
      else if (swallows(lines, i)) found("weaken_assertions", "wraps an assertion in a try whose broad except/catch swallows its failure", l.text);
    });
  }
  return out;
}

/** A few lines of `oldLines` that follow the hunk's old side, found where those lines are (the hint first). */
function linesAfter(h: Hunk, oldLines: string[]): string[] {
  const old = h.lines.filter((l) => l.kind !== "+").map((l) => l.text);
  if (old.length === 0 || oldLines.length === 0) return [];
  const at = (i: number) => old.every((t, k) => oldLines[i + k]?.trimEnd() === t.trimEnd());
  const hint = h.oldStart - 1;
  const start = hint >= 0 && at(hint) ? hint : oldLines.findIndex((_, i) => at(i));
  return start < 0 ? [] : oldLines.slice(start + old.length, start + old.length + 5);
}

const indent = (s: string) => /^\s*/.exec(s)![0].length;
const blank = (s: string) => /^\s*((#|\/\/).*)?$/.test(s);
/** Lines that may follow a `return` at its indentation without being dead code. */
const CLOSES_BLOCK = /^\s*([)\]}]|(case|default|else|elif|except|finally|catch|end)\b)/;

/** A bare statement `return …` (not the end of a block) followed, at its indentation, by code that can no longer run. */
function deadAfterReturn(lines: NewLine[], i: number): boolean {
  const text = lines[i]!.text;
  if (!/^\s*return\b/.test(text)) return false;
  const next = lines.slice(i + 1).find((l) => !blank(l.text));
  return next !== undefined && indent(next.text) === indent(text) && !CLOSES_BLOCK.test(next.text);
}

const CONSTANT = String.raw`(True|False|true|false|0|1|None|null|undefined|nil|!\s*(0|1|true|false)|not\s+(True|False))`;
/** `if False:`, `if (false) {`, `if true { return }`: a guard that is always or never taken. (`while True:` is a loop.) */
const CONSTANT_CONDITION = new RegExp(String.raw`^\s*(\}\s*else\s+)?(if|elif)\s*(\(\s*${CONSTANT}\s*\)|\s${CONSTANT}\s*(:|\{))`);

/** `if false && got != want {`, `if (got !== want && false)`: a condition ANDed with a constant falsehood. */
const ANDED_FALSE = new RegExp(String.raw`^\s*(\}\s*else\s+)?(if|elif)\b.*(\b(false|False|0)\s*(&&|and\b)|(&&|\band)\s*(false|False|0)\s*\)?\s*(:|\{|$))`);

/** `if got != got {`: a condition comparing a value with itself. */
function selfCompared(text: string): boolean {
  if (ANDED_FALSE.test(text)) return true;
  // The condition is cut out by hand: a lazy `(.*?)` between `\s*` runs takes cubic time on a long line of spaces.
  const rest = /^\s*(?:\}\s*else\s+)?(?:if|elif)\b(.*)$/.exec(text)?.[1]?.trimEnd();
  const cond = rest === undefined ? undefined : (/[{:]$/.test(rest) ? rest.slice(0, -1) : rest).trim();
  if (!cond) return false;
  const inner = cond.replace(/^\((.*)\)$/, "$1");
  for (const op of ["!==", "!=", "==="]) {
    const sides = splitTop(inner, op);
    if (sides.length === 2 && same(sides[0]!, sides[1]!)) return true;
  }
  return false;
}

/** `except AssertionError`, `contextlib.suppress(AssertionError)`, JUnit's `catch (AssertionError e)`. */
const CATCHES_ASSERTION = /\bexcept\b[^:]*\bAssertionError\b|\bsuppress\s*\([^)]*\b(AssertionError|Exception|BaseException)\b|\bcatch\s*\(\s*(final\s+)?(AssertionError|AssertionFailedError|Throwable|Error)\b/;

/** A bare `except:`, `except Exception`/`BaseException`, or any JS `catch`: each also catches a failed assertion. */
// `(\}\s*)?catch`, not `\}?\s*catch`: two `\s*` in a row after `^` take quadratic time on a long line of spaces.
const BROAD_CATCH = /^\s*(except\s*(\(?\s*(Base)?Exception\b[^:]*)?(\s+as\s+\w+)?\s*:|(\}\s*)?catch\b(\s*\(\s*\w*\s*\))?\s*\{)/;
/** What a handler does when it does not swallow: re-raise, fail the test, or assert on the error. */
const HANDLES = new RegExp(String.raw`\b(raise|throw|fail|pytest\.fail)\b|${ASSERTION.source}`);

/**
 * The broad handler at `i`, when the patch added it or its `try`, closes a `try` holding an assertion and
 * does nothing with what it catches.
 */
function swallows(lines: NewLine[], i: number): boolean {
  const handler = lines[i]!;
  if (!BROAD_CATCH.test(handler.text)) return false;
  const at = indent(handler.text);
  let start = -1;
  for (let j = i - 1; j >= 0; j--) {
    const t = lines[j]!.text;
    if (blank(t) || indent(t) > at) continue;
    if (/^\s*try\s*(:|\{)/.test(t)) start = j;
    break;
  }
  if (start < 0 || !(handler.added || lines[start]!.added)) return false;
  if (!lines.slice(start + 1, i).some((l) => ASSERTION.test(l.text))) return false;
  const body: string[] = [];
  // A one-line handler (`} catch {}`, `except: pass` on one line) has its body on the same line.
  const rest = handler.text.replace(BROAD_CATCH, "");
  if (rest.trim()) body.push(rest);
  for (const l of lines.slice(i + 1)) {
    if (!blank(l.text) && indent(l.text) <= at) break;
    body.push(l.text);
  }
  return !body.some((t) => HANDLES.test(t));
}

/** `if result is not None:`, `if (x != null) {`, `if x != nil {`, `if result:`, `if (result) {`: a guard on a value being there. */
const PRESENCE_GUARD =
  /^\s*if\s*(\(\s*[\w.[\]'"]+(\s*(!==?|!=)\s*(null|undefined))?\s*\)\s*\{|\s[\w.[\]'"]+(\s+(is\s+not|!=)\s+(None|nil))?\s*(:|\{))\s*$/;

/**
 * The presence guard at `i` wraps an assertion the patch only re-indented (it was there before, unguarded):
 * a result that is now None or null skips the check it used to fail. A new assertion under a new guard is
 * a test added, not one loosened.
 */
function guardsOldAssertion(lines: NewLine[], i: number, wasThere: Set<string>): boolean {
  const guard = lines[i]!.text;
  if (!PRESENCE_GUARD.test(guard)) return false;
  const at = indent(guard);
  const texts = lines.map((l) => l.text);
  for (let j = i + 1; j < lines.length; j++) {
    const l = lines[j]!;
    if (blank(l.text)) continue;
    if (indent(l.text) <= at) break;
    if (l.added && ASSERTION.test(l.text) && (wasThere.has(statementKey(l.text)) || wasThere.has(statementKey(statementAt(texts, j).text)))) return true;
  }
  return false;
}
