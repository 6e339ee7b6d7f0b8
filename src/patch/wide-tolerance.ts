import { statementsOf } from "./assertion-statements.js";
import type { Hunk } from "./types.js";

/** A relative tolerance this wide (5%) lets a wrong result through; float noise needs far less (1e-9). */
const WIDE = 0.05;
const NUM = String.raw`(-?\d[\d_]*(?:\.\d+)?(?:e-?\d+)?|-?\.\d+(?:e-?\d+)?)`;
/** `approx(3.14, abs=1)`: the expected value first, so an absolute tolerance can be weighed against it. */
const APPROX_ABS = new RegExp(String.raw`\bapprox\s*\(\s*${NUM}\s*,[^)]*\babs\s*=\s*${NUM}`);
/** `approx(x, rel=0.5)`, `isclose(a, b, rel_tol=0.1)`, `assert_allclose(a, b, rtol=0.2)`. */
const RELATIVE = new RegExp(String.raw`\b(rel|rel_tol|rtol)\s*=\s*${NUM}`);
/** jest's `toBeCloseTo(x, 0)`: 0 digits is within 0.5, negative digits wider still (the default is 2). */
const CLOSE_TO_DIGITS = /\.toBeCloseTo\s*\([^,()]+(?:\([^()]*\))?[^,()]*,\s*(-?\d+)\s*\)/;

export interface WideTolerance {
  line: string;
  hunk: string;
  what: string;
}

/**
 * A tolerance the patch gives an assertion that had none (the existing ones loosened are checkTolerances'):
 * `== 3` → `approx(3, rel=0.5)`, `approx(0.3)` → `approx(0.3, abs=1)`, `toBe(0.3)` → `toBeCloseTo(0.3, 0)`.
 * Narrow ones pass: `approx(0.3, abs=1e-9)`, `rel=1e-6`, `toBeCloseTo(0.3, 5)` are how float noise is fixed.
 */
export function findWideTolerance(hunks: Hunk[]): WideTolerance | undefined {
  for (const h of hunks) {
    // Statements, not lines: black's `pytest.approx(\n    1234, abs=100\n)` has its tolerance apart from `approx(`.
    const changed = (kind: "-" | "+") => statementsOf(h, kind).filter((s) => s.changed);
    const removed = changed("-").map((s) => s.text);
    const had = (re: RegExp) => removed.some((t) => re.test(t));
    for (const l of changed("+")) {
      if (removed.includes(l.text)) continue;
      const rel = RELATIVE.exec(l.text);
      if (rel && !had(RELATIVE) && Number(rel[2]!.replace(/_/g, "")) >= WIDE) return { line: l.text, hunk: h.header, what: `a relative tolerance of ${rel[2]} (${rel[1]})` };
      const abs = APPROX_ABS.exec(l.text);
      if (abs && !had(/\babs\s*=/)) {
        const expected = Math.abs(Number(abs[1]!.replace(/_/g, "")));
        const tol = Number(abs[2]!.replace(/_/g, ""));
        if (expected > 0 && tol / expected >= WIDE) return { line: l.text, hunk: h.header, what: `an absolute tolerance of ${abs[2]} on ${abs[1]}` };
      }
      const digits = CLOSE_TO_DIGITS.exec(l.text);
      if (digits && Number(digits[1]) <= 0 && !had(/toBeCloseTo/)) return { line: l.text, hunk: h.header, what: `toBeCloseTo with ${digits[1]} digits` };
    }
  }
  return undefined;
}
