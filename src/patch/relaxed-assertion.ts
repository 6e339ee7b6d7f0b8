import { statementsOf } from "./assertion-statements.js";
import { argsAt, same, splitTop } from "./hollow-assertion.js";
import type { Hunk } from "./types.js";

export interface RelaxedAssertion {
  hunk: string;
  removed: string;
  added: string;
}

/**
 * What one assertion line says about its values. `exact`: they are equal (`toBe(3)`, `== 3`, `assertEquals`).
 * `loose`: only a relation or a truth holds (`> 0`, `toBeTruthy()`, `!= 0`, `assertIsNotNone`), which many
 * wrong values meet. `inclusive`: a bound the value itself may sit on (`>= 100`, `toBeLessThanOrEqual(3)`).
 */
interface Claim {
  kind: "exact" | "loose";
  sides: string[];
  inclusive?: boolean;
}

/** Values that are not a subject: literals, and the absent and boolean values an exact check against is a different question. */
const LITERAL = /^(-?\.?\d[\w.]*|["'`].*["'`]|[rbfu]+["'].*["']|:\w+|None|null|nil|undefined|true|false|True|False)$/;
/** An expected absent or boolean value: `toBe(null)` → `not.toBeNull()` flips the question rather than loosening it. */
const NOT_A_VALUE = /^(None|null|nil|undefined|NULL|true|false|True|False|TRUE|FALSE)$/;

const exact = (sides: string[]): Claim | undefined => (sides.some((s) => NOT_A_VALUE.test(s.trim())) ? undefined : { kind: "exact", sides });
const loose = (sides: string[], inclusive = false): Claim => ({ kind: "loose", sides, ...(inclusive ? { inclusive } : {}) });

/** jest/vitest matchers (not negated) and what they claim about `expect(subject)` given their arguments. */
const JEST: Record<string, (subject: string, args: string[]) => Claim | undefined> = {
  toBe: (s, a) => exact([s, a[0]!]),
  toEqual: (s, a) => exact([s, a[0]!]),
  toStrictEqual: (s, a) => exact([s, a[0]!]),
  toBeGreaterThan: (s, a) => loose([s, a[0]!]),
  toBeLessThan: (s, a) => loose([s, a[0]!]),
  toBeGreaterThanOrEqual: (s, a) => loose([s, a[0]!], true),
  toBeLessThanOrEqual: (s, a) => loose([s, a[0]!], true),
  toBeTruthy: (s) => loose([s]),
  toBeFalsy: (s) => loose([s]),
  toBeDefined: (s) => loose([s]),
  toBePositive: (s) => loose([s]),
  toBeNegative: (s) => loose([s]),
  // A length is one property of the value, not the value: `toEqual([1, 2])` → `toHaveLength(2)` passes for `[7, 9]`.
  toHaveLength: (s) => loose([s]),
};

/** AssertJ's `assertThat(subject).isEqualTo(v)` and its relational matchers. */
const ASSERTJ: Record<string, (subject: string, args: string[]) => Claim | undefined> = {
  isEqualTo: (s, a) => exact([s, a[0]!]),
  isGreaterThan: (s, a) => loose([s, a[0]!]),
  isLessThan: (s, a) => loose([s, a[0]!]),
  isGreaterThanOrEqualTo: (s, a) => loose([s, a[0]!], true),
  isLessThanOrEqualTo: (s, a) => loose([s, a[0]!], true),
  isNotEqualTo: (s) => loose([s]),
  isPositive: (s) => loose([s]),
  isNegative: (s) => loose([s]),
  isNotZero: (s) => loose([s]),
  isNotNull: (s) => loose([s]),
  isNotEmpty: (s) => loose([s]),
  hasSize: (s) => loose([s]),
  isTrue: (s) => condition(s),
};

/** Assertion calls by name: `pair` takes (expected, actual) in either order, `cond` takes a condition, `one` a value. */
type Call = { exact?: true; loose?: true; inclusive?: true; cond?: true; one?: true; skipFirst?: true };
const CALLS: Record<string, Call> = {
  // unittest (the self. is dropped before lookup), JUnit, Rust, node/chai assert, testify (after its t).
  assertEqual: { exact: true }, assertEquals: { exact: true }, assertListEqual: { exact: true }, assertDictEqual: { exact: true },
  assertTupleEqual: { exact: true }, assertSetEqual: { exact: true }, assertSequenceEqual: { exact: true }, assertCountEqual: { exact: true },
  assertArrayEquals: { exact: true }, assertIterableEquals: { exact: true }, assertSame: { exact: true }, assertIs: { exact: true },
  "assert_eq!": { exact: true },
  "assert.equal": { exact: true }, "assert.strictEqual": { exact: true }, "assert.deepEqual": { exact: true }, "assert.deepStrictEqual": { exact: true },
  "assert.Equal": { exact: true, skipFirst: true }, "assert.Equalf": { exact: true, skipFirst: true }, "assert.EqualValues": { exact: true, skipFirst: true }, "assert.Exactly": { exact: true, skipFirst: true },
  "require.Equal": { exact: true, skipFirst: true }, "require.EqualValues": { exact: true, skipFirst: true },
  assertGreater: { loose: true }, assertLess: { loose: true }, assertGreaterEqual: { loose: true, inclusive: true }, assertLessEqual: { loose: true, inclusive: true },
  assertNotEqual: { loose: true }, assertNotEquals: { loose: true }, assertIsNot: { loose: true }, assertNotSame: { loose: true }, "assert_ne!": { loose: true },
  "assert.notEqual": { loose: true }, "assert.notStrictEqual": { loose: true }, "assert.notDeepEqual": { loose: true },
  "assert.isAbove": { loose: true }, "assert.isBelow": { loose: true }, "assert.isAtLeast": { loose: true, inclusive: true }, "assert.isAtMost": { loose: true, inclusive: true },
  "assert.Greater": { loose: true, skipFirst: true }, "assert.Less": { loose: true, skipFirst: true }, "assert.NotEqual": { loose: true, skipFirst: true },
  "assert.GreaterOrEqual": { loose: true, inclusive: true, skipFirst: true }, "assert.LessOrEqual": { loose: true, inclusive: true, skipFirst: true },
  "require.Greater": { loose: true, skipFirst: true }, "require.NotEqual": { loose: true, skipFirst: true },
  assertIsNotNone: { one: true }, assertNotNull: { one: true }, "assert.isNotNull": { one: true }, "assert.exists": { one: true }, "assert.isDefined": { one: true },
  "assert.isOk": { one: true }, "assert.NotNil": { one: true, skipFirst: true }, "assert.NotZero": { one: true, skipFirst: true }, "assert.Positive": { one: true, skipFirst: true },
  "assert.NotEmpty": { one: true, skipFirst: true }, "require.NotNil": { one: true, skipFirst: true }, "require.NotZero": { one: true, skipFirst: true },
  assertTrue: { cond: true }, "assert!": { cond: true }, "assert.ok": { cond: true }, "assert.isTrue": { cond: true },
  "assert.True": { cond: true, skipFirst: true }, "require.True": { cond: true, skipFirst: true },
};
/** `self.assertEqual(`, `Assertions.assertEquals(`, `assert.Equal(`, `assert_eq!(`, `assert(`. */
const CALL = /(?:^|[^\w.])(?:self\.|[A-Z]\w*\.)?((?:assert|require)\.\w+|assert\w*!?)\s*\(/;

/** The comparison operators of a condition, longest first; `is not` before `is`, `not in` before `in`. */
const COMPARISON = ["===", "!==", "==", "!=", ">=", "<=", " is not ", " not in ", " is ", " in ", ">", "<"];

/**
 * A condition as a claim: `a == b` exact; `a > b`, `a != b`, `0 < a < 10`, `a in xs` loose; a bare value a
 * truth about it. Negations, `and`/`or` and anything past our little parsing are no claim.
 */
function condition(text: string): Claim | undefined {
  let cond = text.trim().replace(/;$/, "").trim();
  while (cond.startsWith("(") && argsAt(cond, 0)?.end === cond.length && argsAt(cond, 0)!.args.length === 1) cond = cond.slice(1, -1).trim();
  if (!cond || /^(not\b|!(?!=))/.test(cond)) return undefined;
  if (["&&", "||", " and ", " or ", " if "].some((op) => splitTop(cond, op).length > 1)) return undefined;
  for (const op of COMPARISON) {
    // `=>` (an arrow) and `->` are not comparisons; `<`/`>` inside generics are rare on an assertion line.
    const sides = splitTop(cond, op).map((s) => s.trim());
    if (sides.length < 2 || sides.some((s) => !s || /^[=>]/.test(s) || /[=-]$/.test(s))) continue;
    if (sides.length > 2) return loose(sides);
    if (op === "===" || op === "==" || op === " is ") return exact(sides);
    return loose(sides, op === ">=" || op === "<=");
  }
  return loose([cond]);
}

/** Go's `if got != want {` says the test fails unless they are equal: the failure condition inverted. */
function goFailure(cond: string): Claim | undefined {
  if (["&&", "||"].some((op) => splitTop(cond, op).length > 1)) return undefined;
  for (const op of ["!=", "==", ">=", "<=", ">", "<"]) {
    const sides = splitTop(cond, op).map((s) => s.trim());
    if (sides.length !== 2 || sides.some((s) => !s || /^=/.test(s))) continue;
    if (sides.some((s) => s === "nil")) return undefined;
    if (op === "!=") return exact(sides);
    // `if got < 100` fails below 100: 100 itself passes.
    return loose(sides, op === "<" || op === ">");
  }
  return undefined;
}

/** What the assertion on `line` claims, if it is one this reads. */
export function claimOf(line: string, go = false): Claim | undefined {
  // A commented-out assertion asserts nothing, before or after.
  if (/^\s*(#(?!\[)|\/\/|\/\*|\*)/.test(line)) return undefined;
  const text = line.trim().replace(/\s+(#|\/\/)[^"'`]*$/, "").replace(/;$/, "");
  const goIf = go ? /^if\s+(?:[^;{]*;\s*)?(.+?)\s*\{$/.exec(text) : null;
  if (goIf) return goFailure(goIf[1]!);
  const chain = /\b(expect|assertThat)\s*\(/.exec(text);
  if (chain) {
    const subject = argsAt(text, chain.index + chain[0].length - 1);
    if (!subject) return undefined;
    // Hamcrest: `assertThat(actual, is(3))`, `assertThat("reason", actual, greaterThan(0))`.
    if (chain[1] === "assertThat" && subject.args.length >= 2) return hamcrest(subject.args.slice(-2).map((a) => a.trim()) as [string, string]);
    if (subject.args.length !== 1) return undefined;
    return chained(chain[1]!, subject.args[0]!.trim(), text.slice(subject.end));
  }
  // Python's `assert cond, "message"`, node's `assert(cond, "message")`; `assert (a) == b` is Python's too.
  const bare = /^assert(?![\w.!])\s*(.+)$/.exec(text);
  if (bare) {
    const rest = bare[1]!;
    const call = rest.startsWith("(") ? argsAt(rest, 0) : undefined;
    return condition(call?.end === rest.length ? call.args[0]! : splitTop(rest, ",")[0]!);
  }
  const call = CALL.exec(text);
  if (!call) return undefined;
  const spec = CALLS[call[1]!];
  const at = argsAt(text, call.index + call[0].length - 1);
  if (!spec || !at) return undefined;
  let args = spec.skipFirst ? at.args.slice(1) : at.args;
  // JUnit 4's assertEquals("message", expected, actual).
  if (spec.exact && args.length >= 3 && /^\s*["']/.test(args[0]!)) args = args.slice(1);
  if (spec.cond) return args[0] === undefined ? undefined : condition(args[0]);
  if (spec.one) return args[0] === undefined ? undefined : loose([args[0].trim()]);
  if (args.length < 2) return undefined;
  const sides = args.slice(0, 2).map((a) => a.trim());
  return spec.exact ? exact(sides) : loose(sides, spec.inclusive);
}

/** A Hamcrest matcher on `actual`: `is(3)`, `equalTo(3)`, `is(equalTo(3))` exact; `greaterThan(0)`, `notNullValue()`, `not(…)` loose. */
function hamcrest([actual, matcher]: [string, string]): Claim | undefined {
  const call = (text: string) => {
    const m = /^(?:\w+\.)?(\w+)\s*\(/.exec(text);
    const a = m ? argsAt(text, m[0].length - 1) : undefined;
    return m && a && a.end === text.length ? { name: m[1]!, args: a.args.map((s) => s.trim()) } : undefined;
  };
  let m = call(matcher);
  if (m?.name === "is" && m.args.length === 1 && call(m.args[0]!)) m = call(m.args[0]!);
  if (!m) return undefined;
  if (/^(is|equalTo|sameInstance)$/.test(m.name) && m.args.length === 1) return exact([actual, m.args[0]!]);
  if (/^(greaterThan|lessThan)$/.test(m.name)) return loose([actual, m.args[0]!]);
  if (/^(greaterThanOrEqualTo|lessThanOrEqualTo)$/.test(m.name)) return loose([actual, m.args[0]!], true);
  if (/^(not|notNullValue|hasSize|anything|instanceOf|isA)$/.test(m.name)) return loose([actual]);
  return undefined;
}

/** The rest of `expect(subject)` / `assertThat(subject)`: a jest, chai, RSpec or AssertJ matcher. */
function chained(head: string, subject: string, rest: string): Claim | undefined {
  const rspec = /^\s*\.(to|not_to|to_not)\b\s*(.*)$/.exec(rest);
  if (head === "expect" && rspec && !/^\.(to|not_to|to_not)\s*\./.test(rest.trim())) {
    if (rspec[1] !== "to") return loose([subject]);
    let m = rspec[2]!.trim();
    if (m.startsWith("(") && argsAt(m, 0)?.end === m.length) m = m.slice(1, -1).trim();
    const rel = /^be\s*(==|>=|<=|>|<)\s*(.+)$/.exec(m);
    if (rel) return rel[1] === "==" ? exact([subject, rel[2]!]) : loose([subject, rel[2]!], rel[1] === ">=" || rel[1] === "<=");
    const eq = /^(eq|eql|equal|be|match_array|contain_exactly)\s*(\(\s*(.*)\s*\)|\s+(.+))$/.exec(m);
    if (eq) return exact([subject, (eq[3] ?? eq[4])!.trim()]);
    if (/^(be_truthy|be_falsey|be_positive|be_negative|be_nonzero|be_present|be_an?\b|be_kind_of|be_instance_of|be_an_instance_of|be_between|have_attributes)/.test(m)) return loose([subject]);
    return undefined;
  }
  // jest/vitest/AssertJ: one call; chai: a chain of words, perhaps ending in a call.
  const words: string[] = [];
  let i = 0;
  let args: string[] | undefined;
  for (;;) {
    const m = /^\s*\.\s*(\w+)/.exec(rest.slice(i));
    if (!m) break;
    words.push(m[1]!);
    i += m[0].length;
    if (/^\s*\(/.test(rest.slice(i))) {
      const open = i + rest.slice(i).indexOf("(");
      const a = argsAt(rest, open);
      if (!a) return undefined;
      args = a.args.map((s) => s.trim());
      i = a.end;
      if (words[0]?.startsWith("to")) break;
    }
  }
  if (words.length === 0) return undefined;
  if (words.includes("not") || words.includes("resolves") || words.includes("rejects")) return words.includes("not") ? loose([subject]) : undefined;
  const last = words[words.length - 1]!;
  const first = args?.[0];
  if (head === "assertThat") return ASSERTJ[last]?.(subject, args ?? []);
  const jest = JEST[words[0]!];
  if (jest && words.length === 1) {
    // `toBe(true)` on a comparison is the comparison: `expect(n > 0).toBe(true)`.
    if (words[0] === "toBe" && first === "true") return condition(subject);
    return first === undefined && !/^(toBeTruthy|toBeFalsy|toBeDefined|toBePositive|toBeNegative)$/.test(words[0]!) ? undefined : jest(subject, args ?? []);
  }
  // chai: expect(x).to.equal(3), .to.be.above(0), .to.be.at.least(1), .to.be.ok, .to.exist, .to.have.lengthOf(2).
  if (/^(equal|equals|eq|eql|eqls)$/.test(last) && first !== undefined) return exact([subject, first]);
  if (/^(above|gt|greaterThan|below|lt|lessThan)$/.test(last) && first !== undefined) return loose([subject, first]);
  if (/^(least|gte|most|lte)$/.test(last) && first !== undefined) return loose([subject, first], true);
  if (last === "true" && words[0] === "to") return condition(subject);
  if (/^(ok|exist|lengthOf|length|finite)$/.test(last) && words[0] === "to") return loose([subject]);
  return undefined;
}

/** The body of a Go `if` that fails the test. */
const GO_FAILS = /\b(t|b|f|tb)\.(Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\bpanic\s*\(/;
/** `x` of `len(x)`, `x.length`, `x.size()`, `len(x)` in Go, `x.len()` in Rust. */
const lengthOf = (side: string) => /^len\((.+)\)$/.exec(side)?.[1] ?? /^(.+)\.(length|size\(\)|len\(\)|Length|Count)$/.exec(side)?.[1];
const isSubject = (s: string) => !LITERAL.test(s.trim());

/**
 * Exact assertions replaced by relational or truthy ones on the same subject, in the same hunk: a removed
 * line said the value equals something (`expect(sum([1, 2])).toBe(3)`, `assert add(1, 2) == 3`, `if Add(1, 2)
 * != 3 {`), and the added lines only say it is above, below, not equal to something, or truthy
 * (`toBeGreaterThan(0)`, `assert add(1, 2)`, `if Add(1, 2) <= 0 {`), which many wrong values pass. Only one
 * hunk is compared: a `result` asserted in another hunk is most likely another test's value. Not a loosening:
 * the subject still asserted exactly (another expected value, `toBe` → `toEqual`), and a bound at the very value
 * the exact assertion expected (`toBe(100)` → `toBeGreaterThanOrEqual(100)`: a timing that may run over).
 * `go`: the file is Go, where an assertion is an `if` on the failure condition.
 */
export function findRelaxedAssertions(hunks: Hunk[], go = false): RelaxedAssertion[] {
  const out: RelaxedAssertion[] = [];
  for (const h of hunks) {
    // The lines of one side of the hunk (its context included), and what each claims.
    // Statements, not lines: a wrapped assertion's subject and expected value sit on lines of their own.
    const side = (kind: "-" | "+") => {
      const statements = statementsOf(h, kind);
      return statements.flatMap(({ text, changed }, i) => {
        const c = claimOf(text, go);
        // In Go an `if` is an assertion when its body fails the test: `if n != 3 { return }` is test code.
        if (!c || (go && /^\s*if\b/.test(text) && !GO_FAILS.test(statements[i + 1]?.text ?? ""))) return [];
        return [{ c, text, changed }];
      });
    };
    const after = side("+");
    const added = after.filter((a) => a.changed);
    if (added.length === 0) continue;
    for (const r of side("-")) {
      if (!r.changed || r.c.kind !== "exact") continue;
      const on = (c: Claim) => c.sides.findIndex((s) => r.c.sides.some((x) => isSubject(x) && same(x, s)));
      // Still asserted exactly, on an added line or one the patch keeps; or a field or element of it is (`result
      // == 3` → `result.value == 3`: the value became an object), which pins more than the field alone, accepted.
      // Not its length: that is the loosening below.
      const member = (c: Claim) => c.sides.some((s) => {
        const t = s.trim();
        return lengthOf(t) === undefined && r.c.sides.some((x) => isSubject(x) && t.startsWith(x.trim()) && /^(\?\.|\.|\[)/.test(t.slice(x.trim().length)));
      });
      if (after.some((a) => a.c.kind === "exact" && (on(a.c) >= 0 || member(a.c)))) continue;
      // `x == [1, 2]` → `len(x) == 2` or `len(x) > 0`: the length is one property of the value, as toHaveLength is.
      const onLength = (c: Claim) => c.sides.some((s) => {
        const of = lengthOf(s.trim());
        return of !== undefined && r.c.sides.some((x) => isSubject(x) && same(x, of));
      });
      const weaker = added.find((a) => {
        if (onLength(a.c)) return true;
        const j = on(a.c);
        if (a.c.kind !== "loose" || j < 0) return false;
        if (!a.c.inclusive || a.c.sides.length !== 2 || r.c.sides.length !== 2) return true;
        // The bound is the value the exact assertion expected: `toBe(100)` → `toBeGreaterThanOrEqual(100)`.
        const i = r.c.sides.findIndex((x) => same(x, a.c.sides[j]!));
        return !same(r.c.sides[1 - i]!, a.c.sides[1 - j]!);
      });
      if (weaker) out.push({ hunk: h.header, removed: r.text, added: weaker.text });
    }
  }
  return out;
}
