import { basename } from "./command-segments.js";
import { DOTENV } from "./env-runner-flags.js";
import { isErrorFilter } from "./error-filter.js";
import { recipeOf, type Makefile } from "./read-makefile.js";
import { SCRIPT_FILES } from "./greenwash-patterns.js";
import type { FilePatch } from "./types.js";

export interface DroppedWarningError {
  /** `-W error`, `-W error::DeprecationWarning`, `PYTHONWARNINGS=error`. */
  switch: string;
  /** The command or setting it was on, before the patch. */
  line: string;
  hunk: string;
}

const NOXFILE = /(^|\/)noxfile\.py$/;
/** The programs whose `-W` is Python's warning filter: pytest's own option, or the interpreter's (`python -W error -m pytest`). */
const PYTHON_PROGRAM = /^(py\.?test|python[\d.]*)$/;
const PYTHONWARNINGS = /\bPYTHONWARNINGS["']?\s*(?:=|:)\s*["']?([^\s"'}]+)/g;

/**
 * A filter that takes every warning (no message, module, or category but Warning): put after `-W error`, it
 * wins (Python's later filters go first), so `-W error -W ignore` fails on none. One for a single third-party
 * warning (`-W ignore::DeprecationWarning:botocore`) leaves the rest failing, as filterwarnings' does.
 */
const isBlanket = (filter: string) => {
  const [, message = "", category = "", module = ""] = filter.split(":");
  return message === "" && (category === "" || category === "Warning") && module === "";
};

/** The warnings-as-errors switches a command or setting turns on, and that no later blanket filter turns off. */
export function switchesOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(PYTHONWARNINGS)) {
    const filters = m[1]!.split(",");
    // In PYTHONWARNINGS too the later filters win.
    filters.forEach((f, i) => {
      if (isErrorFilter(f) && !filters.slice(i + 1).some((g) => !isErrorFilter(g) && isBlanket(g))) out.push(`PYTHONWARNINGS=${f}`);
    });
  }
  // Quotes, commas and brackets split words as spaces do: `session.run("pytest", "-W", "error")` in a noxfile, `"pytest -W error"` in JSON.
  const words = text.split(/[\s"'`,()[\]\\]+/).filter(Boolean);
  if (!words.some((w) => PYTHON_PROGRAM.test(basename(w)))) return out;
  const filters: string[] = [];
  words.forEach((w, i) => {
    if (w === "-W") filters.push(words[i + 1] ?? "");
    else if (/^-W=?./.test(w)) filters.push(w.replace(/^-W=?/, ""));
  });
  filters.forEach((f, i) => {
    if (isErrorFilter(f) && !filters.slice(i + 1).some((g) => !isErrorFilter(g) && isBlanket(g))) out.push(`-W ${f}`);
  });
  return out;
}

/**
 * Python's warnings-as-errors taken out of a test command or its environment: `-W error` (or `-Werror`,
 * `-W error::DeprecationWarning`) dropped from a pytest or `python -m pytest` command in a workflow's `run:`, a
 * Makefile, tox.ini, a noxfile, a package script, or `PYTHONWARNINGS: error` from a workflow's env, or a blanket
 * `-W ignore` put after it. The warnings that failed the run now pass, as with `error` dropped from
 * filterwarnings (see checkPytestStrictness, which reads addopts and filterwarnings). Each hunk's two sides are
 * compared whole, with backslash-continued lines joined, so a command split over lines is read as one.
 */
export function findDroppedWarningErrors(fp: FilePatch): DroppedWarningError[] {
  if (!SCRIPT_FILES.test(fp.path) && !DOTENV.test(fp.path) && !NOXFILE.test(fp.path)) return [];
  const json = fp.path.endsWith(".json");
  const out: DroppedWarningError[] = [];
  for (const h of fp.hunks) {
    const side = (kind: "-" | "+") => {
      const lines: string[] = [];
      let open = false;
      for (const l of h.lines) {
        if (l.kind !== " " && l.kind !== kind) continue;
        const text = json ? l.text.replace(/\\"/g, '"') : l.text;
        if (open) lines[lines.length - 1] += ` ${text}`;
        else lines.push(text);
        open = /\\$/.test(text);
      }
      return lines.flatMap((line) => switchesOf(line).map((s) => ({ s, line })));
    };
    const after = side("+").map((a) => a.s);
    for (const b of side("-")) {
      const i = after.indexOf(b.s);
      if (i >= 0) after.splice(i, 1);
      else out.push({ switch: b.s, line: b.line.trim(), hunk: h.header });
    }
  }
  return out;
}

/** Each of `was` not in `is`, as many times as it is missing. */
function missing(was: string[], is: string[]): string[] {
  const left = [...is];
  return was.filter((s) => {
    const i = left.indexOf(s);
    if (i >= 0) left.splice(i, 1);
    return i < 0;
  });
}

/**
 * `-W error` taken out of a make variable a pytest recipe uses (`PYTEST_FLAGS = -W error` … `pytest
 * $(PYTEST_FLAGS)`): the variable's line never names pytest, so findDroppedWarningErrors does not see it go.
 * Each target's recipe is compared with its variables expanded, before and after the patch; a switch its own
 * lines dropped is left to findDroppedWarningErrors, which quotes the line.
 */
export function droppedThroughMakeVariables(was: Makefile, is: Makefile): Array<{ target: string; switch: string; line: string }> {
  const out: Array<{ target: string; switch: string; line: string }> = [];
  const switches = (mk: Makefile, recipe: string[]) => recipeOf(mk, { prereqs: [], recipe }).split("\n").flatMap(switchesOf);
  const raw = (recipe: string[]) => recipe.flatMap(switchesOf);
  for (const [target, rule] of was.rules) {
    const next = is.rules.get(target);
    if (!next) continue;
    const direct = missing(raw(rule.recipe), raw(next.recipe));
    for (const s of missing(switches(was, rule.recipe), switches(is, next.recipe))) {
      const i = direct.indexOf(s);
      if (i >= 0) {
        direct.splice(i, 1);
        continue;
      }
      const line = rule.recipe.find((l) => recipeOf(was, { prereqs: [], recipe: [l] }).split("\n").flatMap(switchesOf).includes(s)) ?? `${target}:`;
      out.push({ target, switch: s, line });
    }
  }
  return out;
}
