import { statementsOf } from "./assertion-statements.js";
import { argsAt } from "./hollow-assertion.js";
import type { Hunk } from "./types.js";

export interface WidenedException {
  hunk: string;
  removed: string;
  added: string;
  /** What was lost, for the refusal: "the exception type ValueError for Exception", "the message \"…\"". */
  lost: string;
}

/** What an assertion that expects an exception demands of it. */
interface Expects {
  /** The call, so that only the same kind of call is compared (pytest.raises with pytest.raises). */
  family: string;
  /** The expected type when it is not a catch-all base; undefined when none or a base. */
  type?: string;
  /** The written type, catch-all or not. */
  written?: string;
  /** The message (or pattern) the exception must match. */
  message?: string;
}

/**
 * Calls that expect an exception, and which of their arguments say what kind. The bases each language's
 * every exception (or nearly) derives from: expecting one of them passes for any failure of the code.
 */
const CALLS: Array<{ family: string; re: RegExp; broad: RegExp; read: (name: string, args: string[]) => Omit<Expects, "family" | "type"> & { type?: string } }> = [
  {
    family: "pytest.raises",
    re: /\bpytest\.raises\s*\(/g,
    broad: /^(builtins\.)?(Exception|BaseException)$/,
    read: (_name, args) => {
      const kw = (k: string) => args.find((a) => new RegExp(`^\\s*${k}\\s*=`).test(a))?.replace(/^[^=]*=/, "").trim();
      const positional = args.filter((a) => !/^\s*\w+\s*=/.test(a));
      return { type: positional[0]?.trim() || kw("expected_exception"), message: kw("match") };
    },
  },
  {
    family: "assertRaises",
    re: /\bassertRaises(Regexp?|Regex)?\s*\(/g,
    broad: /^(builtins\.)?(Exception|BaseException)$/,
    read: (name, args) => ({ type: args[0]?.trim(), message: /Regex/.test(name) ? args[1]?.trim() : undefined }),
  },
  {
    family: "assertThrows",
    re: /\bassertThrows(Exactly)?\s*\(/g,
    broad: /^(java\.lang\.)?(Exception|Throwable|RuntimeException|Error)$/,
    read: (_name, args) => ({ type: args[0]?.trim().replace(/(\.class|::class(\.java)?)$/, "") }),
  },
  {
    family: "toThrow",
    re: /\.(toThrow|toThrowError)\s*\(/g,
    broad: /^(Error|Object)$/,
    read: (_name, args) => {
      const a = args[0]?.trim();
      if (!a) return {};
      // A class is a capitalised name; anything else (a string, a regex, an object) is matched against the message.
      return /^[A-Z][\w.$]*$/.test(a) ? { type: a } : { message: a };
    },
  },
];

function expectations(line: string): Expects[] {
  const out: Expects[] = [];
  for (const c of CALLS) {
    for (const m of line.matchAll(c.re)) {
      const call = argsAt(line, m.index + m[0].length - 1);
      if (!call) continue;
      const args = call.args.length === 1 && call.args[0]!.trim() === "" ? [] : call.args;
      const got = c.read(m[0], args);
      const written = got.type || undefined;
      // A tuple of types holding a base is as broad as the base.
      const parts = written === undefined ? [] : written.replace(/^\(|\)$/g, "").split(",").map((s) => s.trim()).filter(Boolean);
      const broad = parts.some((p) => c.broad.test(p));
      out.push({ family: c.family, written, type: written !== undefined && !broad ? written : undefined, message: got.message || undefined });
    }
  }
  return out;
}

/**
 * Assertions that expect an exception, loosened in place: the same hunk removes a call that names a
 * specific type (or a message) and adds the same kind of call naming a catch-all base (or none) instead,
 * e.g. `pytest.raises(ValueError)` → `pytest.raises(Exception)`, `toThrow("empty")` → `toThrow()`. Such an
 * assertion passes for whatever the code now throws. A type swapped for another specific one, or a message
 * added, is not a loosening; removed and added calls of a kind are paired in their order in the hunk.
 */
export function findWidenedExceptions(hunks: Hunk[]): WidenedException[] {
  const out: WidenedException[] = [];
  for (const h of hunks) {
    // Statements, not lines: black's `pytest.raises(\n    ValueError, match="…"\n)` has its type on a line of its own.
    const side = (kind: "-" | "+") => statementsOf(h, kind).filter((s) => s.changed).flatMap((s) => expectations(s.text).map((e) => ({ e, text: s.text })));
    const removed = side("-");
    const added = side("+");
    for (const family of new Set(removed.map((r) => r.e.family))) {
      const was = removed.filter((r) => r.e.family === family);
      const now = added.filter((a) => a.e.family === family);
      for (let i = 0; i < Math.min(was.length, now.length); i++) {
        const [b, a] = [was[i]!, now[i]!];
        let lost: string | undefined;
        if (b.e.type !== undefined && a.e.type === undefined) {
          lost = a.e.written === undefined ? `the expected exception type ${b.e.type}` : `the exception type ${b.e.type} for the catch-all ${a.e.written}`;
        } else if (b.e.message !== undefined && a.e.message === undefined && (a.e.type === undefined || a.e.type === b.e.type)) {
          // A message check traded for a specific type (toThrow("empty") → toThrow(EmptyError)) is another check, not none.
          lost = `the expected message ${b.e.message}`;
        }
        if (lost) out.push({ hunk: h.header, removed: b.text, added: a.text, lost });
      }
    }
  }
  return out;
}
