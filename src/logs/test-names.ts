import type { FailedTest } from "./types.js";

/**
 * `method(pkg.Class)` where the method has spaces (a Kotlin test in backticks) or parameters in brackets
 * (`run[5: batchTest(mode=A)](pkg.Class)`): the class in parentheses is what ends the name. Groups: method,
 * class. Surefire's result lines use it too (test-extractors.ts).
 */
export const SPACED_METHOD_IN_CLASS = String.raw`(\S(?:[^()[\]]|\[[^\]]*\])*?)\(([\w$.]+\.[\w$]+)\)`;
const SPACED_NAME = new RegExp(`^${SPACED_METHOD_IN_CLASS}$`);

/**
 * One comparable form for test names printed by different runners and tools:
 * `m(pkg.Cls)` (Surefire), `Cls.m()` (Gradle), `pkg.Cls.m` (Ant), `tests/x.py::C::t` (pytest),
 * `t (mod.C)` (unittest), `a › b` (jest), `suite test:` (mocha). Lower-cased, `.`-separated.
 */
export function normalizeTestName(name: string): string {
  let n = name.trim().replace(/:$/, "").trim();
  // `method(pkg.Class)` and `method (pkg.Class)`: the class goes first. A Kotlin method may have spaces, and
  // a parameterised one its parameters in brackets (`run[5: batchTest(mode=A)](pkg.Class)`).
  const paren = /^([^\s()]+) ?\(([\w$.]+\.[\w$]+|[A-Z][\w$]*)\)$/.exec(n) ?? SPACED_NAME.exec(n);
  if (paren && !/^[\w$.]*\.[\w$]+\(/.test(n)) n = `${paren[2]}.${paren[1]}`;
  n = n.replace(/\(\)$/, "").replace(/\(\)(?=\[)/, "");
  n = n.replace(/\.py(?=::|$)/, "");
  n = n.replace(/^\((.*)\)$/, "$1");
  n = n.replace(/::|\s+›\s+|\s+>\s+|\$|[\\/]/g, ".");
  return n.replace(/\s+/g, " ").toLowerCase();
}

/** True when one normalised name is the other, or ends with it at a `.`/space boundary. */
export function sameTest(a: string, b: string): boolean {
  if (a === b) return true;
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  if (!long.endsWith(short)) return false;
  const before = long[long.length - short.length - 1];
  return before === "." || before === " ";
}

/**
 * Drops repeats, and names that are a shorter spelling of another one: jest's `✕ leaf` beside `● a › leaf`,
 * or Surefire's summary `Class.test` beside the parameterised runs `test[0](pkg.Class)` it stands for.
 * One name in two files is two tests; a mention that names the file completes an earlier one that did not
 * (go's `--- FAIL: TestX`, then its log line `x_test.go:12: …`).
 */
export function dedupeTests(tests: FailedTest[]): FailedTest[] {
  const norm = tests.map((t) => normalizeTestName(t.name));
  const unparameterised = norm.map((n) => n.replace(/\[[^\]]*\]$/, ""));
  const keep: FailedTest[] = [];
  const seen: string[] = [];
  tests.forEach((t, i) => {
    const n = norm[i]!;
    const same = keep.find((k, j) => seen[j] === n && sameFile(k, t));
    if (same) {
      if (same.file === undefined && t.file !== undefined) {
        same.file = t.file;
        if (t.line !== undefined) same.line = t.line;
      }
      if (same.package === undefined && t.package !== undefined) same.package = t.package;
      return;
    }
    if (norm.some((m, j) => j !== i && m.length > n.length && sameFile(tests[j]!, t) && (sameTest(m, n) || (m !== unparameterised[j] && sameTest(unparameterised[j]!, n))))) return;
    seen.push(n);
    keep.push({ ...t });
  });
  return keep;
}

/** Whether two mentions may be of one test: their files (and go packages) are the same, or one names none. */
function sameFile(a: FailedTest, b: FailedTest): boolean {
  const file = a.file === undefined || b.file === undefined || a.file === b.file;
  return file && (a.package === undefined || b.package === undefined || a.package === b.package);
}
