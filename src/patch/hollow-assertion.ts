/**
 * An assertion that still reads as one but can no longer fail: it compares a value with itself
 * (`assert add(1, 2) == add(1, 2)`, `expect(f()).toBe(f())`, `assertEquals(x, x)`), or ORs its condition
 * with a constant truth (`assert add(1, 2) == 3 or True`). Counting assertions does not see these, as the
 * line stays an assertion; replacing a real one by one of these is a loosening.
 */
export function isHollowAssertion(line: string): boolean {
  const text = line.trim().replace(/;$/, "");
  if (/\bor\s+(True|1)\b|\|\|\s*(true|1)\b/.test(text)) return true;
  // `expect(p).resolves.toBe(1)` neither awaited nor returned: the test ends before the promise settles.
  if (/\bexpect\s*\(.*\)\s*\.(resolves|rejects)\b/.test(text) && !/^(await|return)\b|=>\s*expect\b/.test(text)) return true;
  const expect = /\bexpect\s*\(/.exec(text);
  if (expect) {
    const actual = argsAt(text, expect.index + expect[0].length - 1);
    const matcher = actual && /^\s*\.(toBe|toEqual|toStrictEqual)\s*\(/.exec(text.slice(actual.end));
    if (actual && matcher) {
      const expected = argsAt(text, actual.end + matcher[0].length - 1);
      if (expected && sameArgs(actual.args, expected.args)) return true;
    }
  }
  const py = /^assert\s+(.+)$/.exec(text);
  if (py) {
    // `assert a == b, "message"`: the message is not a side.
    const cond = splitTop(py[1]!, ",")[0]!.trim();
    const sides = splitTop(cond, "==");
    if (sides.length === 2 && same(sides[0]!, sides[1]!)) return true;
    // `assert (a == b, "message")` asserts a tuple, which is never empty: always true (Python warns, and runs it).
    // (Not `assert(a, "message")` without the space: that is also node's assert call.)
    const paren = cond.startsWith("(") ? argsAt(cond, 0) : undefined;
    if (paren && paren.end === cond.length && paren.args.length >= 2) return true;
  }
  // `self.assertTrue(actual, expected)`, written for assertEqual: the second argument is the failure message,
  // so it passes for any truthy value.
  const truthy = /\bself\.assert(True|_)\s*\(/.exec(text);
  if (truthy) {
    const a = argsAt(text, truthy.index + truthy[0].length - 1);
    if (a && a.args.length >= 2 && !/^\s*(msg\s*=|[rbfu]*["'])/i.test(a.args[1]!)) return true;
  }
  const call = /\b(assert(?:Equals?|_eq!?|\.(?:equal|strictEqual|deepEqual|deepStrictEqual|Equal|Equalf|EqualValues))|self\.assert(?:Equal|Equals|ListEqual|DictEqual))\s*\(/.exec(text);
  if (call) {
    const a = argsAt(text, call.index + call[0].length - 1);
    if (a) {
      // testify's assert.Equal(t, expected, actual) takes the test first.
      const args = /^assert\.(Equal|Equalf|EqualValues)$/.test(call[1]!) ? a.args.slice(1) : a.args;
      if (args.length >= 2 && same(args[0]!, args[1]!)) return true;
    }
  }
  return false;
}

export const same = (a: string, b: string) => a.replace(/\s+/g, "") === b.replace(/\s+/g, "") && a.trim() !== "";
const sameArgs = (a: string[], b: string[]) => a.length === 1 && b.length === 1 && same(a[0]!, b[0]!);

/** The comma-separated arguments of the call whose `(` is at `open`, and where its `)` ends; undefined when unbalanced. */
export function argsAt(text: string, open: number): { args: string[]; end: number } | undefined {
  const close = walkCode(text, open, (i, depth) => (depth === 1 && ")]}".includes(text[i]!) ? "stop" : undefined));
  return close < 0 ? undefined : { args: splitTop(text.slice(open + 1, close), ","), end: close + 1 };
}

/** `text` split on `sep` where it is outside brackets and quotes. */
export function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  walkCode(text, 0, (i, depth) => {
    if (depth !== 0 || "([{)]}".includes(text[i]!) || !text.startsWith(sep, i)) return;
    if (sep === "==" && (text[i + 2] === "=" || "!<>=".includes(text[i - 1] ?? ""))) return;
    out.push(text.slice(start, i));
    start = i + sep.length;
    return sep.length - 1;
  });
  out.push(text.slice(start));
  return out;
}

/**
 * Walks `text` from `from` past quoted strings, calling `at` for every other character with the bracket depth
 * before it. `at` returns how many more characters it took, or "stop"; the index it stopped at, or -1.
 */
function walkCode(text: string, from: number, at: (i: number, depth: number) => number | "stop" | undefined): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      quote = c;
      continue;
    }
    const took = at(i, depth);
    if (took === "stop") return i;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else i += took ?? 0;
  }
  return -1;
}
