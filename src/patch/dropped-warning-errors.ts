import { applyHunks } from "./apply-hunks.js";
import { basename } from "./command-segments.js";
import { DOTENV } from "./env-runner-flags.js";
import { isErrorFilter } from "./error-filter.js";
import { readMakefile, recipeOf, type Makefile } from "./read-makefile.js";
import { MAKEFILES, SCRIPT_FILES } from "./greenwash-patterns.js";
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
/** `PYTHONWARNINGS=error`, `PYTHONWARNINGS: error` (YAML), and make's `PYTHONWARNINGS := error` (or `?=`, `+=`). */
const PYTHONWARNINGS = /\bPYTHONWARNINGS["']?\s*(?:[:?+]?=|:)\s*["']?([^\s"'}]+)/g;

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
  const words = wordsOf(text);
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
 * compared whole, with backslash-continued lines joined, so a command split over lines is read as one. Given
 * `before` (the file before the patch), a switch a hunk drops that still holds, after the patch, for what it held
 * for is not a drop: `-W error` moved to the job's `env: PYTHONWARNINGS: error`, to an `export PYTHONWARNINGS`
 * of the Makefile, or into a make variable the recipe uses, in another hunk (see stillHolds).
 */
export function findDroppedWarningErrors(fp: FilePatch, before: string | null = null): DroppedWarningError[] {
  if (!SCRIPT_FILES.test(fp.path) && !DOTENV.test(fp.path) && !NOXFILE.test(fp.path)) return [];
  const json = fp.path.endsWith(".json");
  const out: DroppedWarningError[] = [];
  for (const h of fp.hunks) {
    const side = (kind: "-" | "+") => {
      const lines: Array<{ line: string; changed: boolean }> = [];
      let open = false;
      for (const l of h.lines) {
        if (l.kind !== " " && l.kind !== kind) continue;
        const text = json ? l.text.replace(/\\"/g, '"') : l.text;
        if (open) {
          lines[lines.length - 1]!.line += ` ${text}`;
          lines[lines.length - 1]!.changed ||= l.kind === kind;
        } else lines.push({ line: text, changed: l.kind === kind });
        open = /\\$/.test(text);
      }
      return lines.map(({ line, changed }) => ({ line, changed, runs: pythonRuns(line), switches: switchesOf(line) }));
    };
    const added = side("+");
    // The same switch on what runs the same: `-W error` moved from pytest's line to flake8's is dropped from the tests.
    const after = added.flatMap((a) => a.switches.map((s) => ({ runs: a.runs, s })));
    const take = (ok: (a: { runs: string; s: string }) => boolean) => {
      const i = after.findIndex(ok);
      if (i >= 0) after.splice(i, 1);
      return i >= 0;
    };
    const removed = side("-").flatMap((b) => b.switches.map((s) => ({ s, line: b.line, runs: b.runs })));
    const unmatched = removed.filter((b) => !take((a) => a.runs === b.runs && a.s === b.s));
    for (const b of unmatched) {
      // Another test runner carrying the switch stands for this one only where this one is gone: a line the patch
      // leaves running it without the switch (pytest kept, `-W error` put on a new `-m unittest`) still passes on a warning.
      const replaced = TEST_RUNNERS.has(b.runs) && !added.some((a) => a.changed && a.runs === b.runs && !a.switches.includes(b.s));
      if (!(replaced && take((a) => TEST_RUNNERS.has(a.runs) && a.s === b.s))) out.push({ switch: b.s, line: b.line.trim(), hunk: h.header });
    }
  }
  if (out.length === 0 || before === null) return out;
  const applied = applyHunks(before, fp.hunks);
  if (!applied.ok) return out;
  const was = warningSettings(fp.path, before);
  const is = warningSettings(fp.path, applied.content);
  return out.filter((d) => !stillHolds(d, was, is));
}

/**
 * What the Python on a line runs: the test runner (`pytest` for `py.test` and `python -m pytest` too, `unittest`,
 * `nose`, `nose2`, `setup.py test`), else the module of another `python -m` or the script `python` is given; ""
 * on a line that runs no Python (a PYTHONWARNINGS setting). One test runner replacing another (setuptools 72
 * took `setup.py test` away) with `-W error` kept still fails the tests on a warning (see TEST_RUNNERS).
 */
function pythonRuns(line: string): string {
  const words = wordsOf(line);
  if (words.some((w) => /^py\.?test$/.test(basename(w)))) return "pytest";
  const at = words.findIndex((w) => PYTHON_PROGRAM.test(basename(w)));
  if (at < 0) return "";
  for (let i = at + 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === "-m") return (words[i + 1] ?? "").replace(/^py\.test$/, "pytest");
    if (w === "-W" || w === "-X") i++;
    else if (!w.startsWith("-")) return basename(w) === "setup.py" && words[i + 1] === "test" ? "setup.py test" : w;
  }
  return "";
}
const TEST_RUNNERS = new Set(["pytest", "unittest", "nose", "nose2", "setup.py test"]);

/** The filter a switch sets: `-W error::DeprecationWarning` → `error::DeprecationWarning`, `PYTHONWARNINGS=error` → `error`. */
const filterOf = (s: string) => s.replace(/^-W |^PYTHONWARNINGS=/, "");
/** `held` makes at least the warnings `wanted` makes fail: the same filter, or every warning's. */
const covers = (held: string, wanted: string) => held === wanted || (isErrorFilter(held) && isBlanket(held));
/**
 * A line as the command or setting it is, whatever warning switches it carries: `pytest -W error tests` and
 * `pytest tests` are one command, so a switch moved off it or onto it is followed.
 */
const identity = (text: string) =>
  text.replace(/(^|\s)-W(?:\s+|=)?[^\s"',)]+/g, "$1").replace(/\bPYTHONWARNINGS["']?\s*(?:[:?+]?=|:)\s*["']?[^\s"'}]*["']?/g, "").replace(/\s+/g, "");

interface Logical {
  text: string;
  indent: number;
  /** The warnings-as-errors filters this line sets, and the lines (indexes) they hold for. */
  sets: Array<{ filter: string; on: number[] }>;
  /** It runs Python (pytest or the interpreter): a switch on it holds for it alone. */
  runsPython: boolean;
  /** It sets its own warning filters (`-W ignore`, `PYTHONWARNINGS=default pytest`), which win over an environment's. */
  ownFilters: boolean;
  /** A PYTHONWARNINGS setting of its own, whatever its value: the lines it holds for. */
  scope?: number[];
}

/** The `-W` filters of a command that runs Python, and those of a PYTHONWARNINGS set on it, as they are written. */
function filtersOn(text: string): string[] {
  const out = [...text.matchAll(PYTHONWARNINGS)].flatMap((m) => m[1]!.split(","));
  const words = wordsOf(text);
  words.forEach((w, i) => {
    if (w === "-W") out.push(words[i + 1] ?? "");
    else if (/^-W=?./.test(w)) out.push(w.replace(/^-W=?/, ""));
  });
  return out;
}

/** The command runs Python: pytest or the interpreter, whose `-W` and PYTHONWARNINGS are warning filters. */
/** Quotes, commas and brackets split words as spaces do: `session.run("pytest", "-W", "error")` in a noxfile, `"pytest -W error"` in JSON. */
const wordsOf = (text: string) => text.split(/[\s"'`,()[\]\\]+/).filter(Boolean);
const runsPython = (text: string) => wordsOf(text).some((w) => PYTHON_PROGRAM.test(basename(w)));
/** The command sets its own warning filters (`-W ignore`, `PYTHONWARNINGS=default pytest`), which win over an environment's. */
const setsOwnFilters = (text: string) => /\bPYTHONWARNINGS\b/.test(text) || filtersOn(text).some((g) => !isErrorFilter(g) && isBlanket(g));

/** A file as lines (backslash-continued ones joined), each with the warnings-as-errors it sets and where they hold. */
function warningSettings(path: string, text: string): Logical[] {
  const json = path.endsWith(".json");
  const yaml = /\.ya?ml$/.test(path);
  const make = MAKEFILES.test(path);
  const mk = make ? readMakefile(text) : undefined;
  const lines: Logical[] = [];
  let open = false;
  for (const raw of text.split("\n")) {
    const line = (json ? raw.replace(/\\"/g, '"') : raw).replace(/\r$/, "");
    if (open) lines[lines.length - 1]!.text += ` ${line}`;
    else lines.push({ text: line, indent: /^\s*/.exec(line)![0].length, sets: [], runsPython: false, ownFilters: false });
    open = /\\$/.test(line);
  }
  const all = lines.map((_, i) => i);
  lines.forEach((l, i) => {
    l.runsPython = runsPython(l.text);
    // A make recipe's line with its variables expanded: `pytest $(PYTEST_FLAGS)` holds the variable's -W error.
    const own = mk && /^\t/.test(l.text) ? recipeOf(mk, { prereqs: [], recipe: [l.text.slice(1)] }) : l.text;
    l.ownFilters = l.runsPython && setsOwnFilters(own);
    if (!l.runsPython && /\bPYTHONWARNINGS\b/.test(own)) l.scope = settingScope(lines, i, { yaml, mk, path, all });
    for (const s of switchesOf(own)) l.sets.push({ filter: filterOf(s), on: l.scope ?? [i] });
  });
  return lines;
}

/**
 * The lines a PYTHONWARNINGS setting of its own (not on a command) holds for: in YAML the mapping its `env:` is
 * in (the step, the job, or the whole workflow); tox's section; a Makefile's `export` at the top, or a shell
 * script's, every line after; a dotenv file all of it. Elsewhere only its own line, which no command is.
 */
function settingScope(lines: Logical[], i: number, f: { yaml: boolean; mk: Makefile | undefined; path: string; all: number[] }): number[] {
  const l = lines[i]!;
  if (f.yaml) {
    const above = (from: number, indent: number) => {
      for (let k = from - 1; k >= 0; k--) if (lines[k]!.text.trim() && lines[k]!.indent < indent) return k;
      return -1;
    };
    const key = /\b(env|variables|environment)\s*:/.test(l.text) ? i : above(i, l.indent);
    // A list item's own env (`- env:` opening a step) holds for that item.
    const parent = key < 0 ? -1 : /^\s*-\s/.test(lines[key]!.text) ? key : above(key, lines[key]!.indent);
    if (parent < 0) return f.all;
    const on = [parent];
    for (let k = parent + 1; k < lines.length && (!lines[k]!.text.trim() || lines[k]!.indent > lines[parent]!.indent); k++) on.push(k);
    return on;
  }
  if (/\.ini$|\.cfg$/.test(f.path)) {
    let start = i;
    while (start > 0 && !/^\s*\[/.test(lines[start]!.text)) start--;
    let end = i + 1;
    while (end < lines.length && !/^\s*\[/.test(lines[end]!.text)) end++;
    return f.all.slice(start, end);
  }
  if (DOTENV.test(f.path)) return f.all;
  // make exports a variable to every recipe wherever it is set, if the file exports it anywhere (see readMakefile).
  if (f.mk && !/^\t/.test(l.text)) return f.mk.exported.has("PYTHONWARNINGS") && /^\s*(export\s+|override\s+)?PYTHONWARNINGS\s*[:?+]?=/.test(l.text) ? f.all : [i];
  if (/^export\s+PYTHONWARNINGS\b/.test(l.text.trim())) return f.all.slice(i);
  return [i];
}

/**
 * A dropped switch `d` still holds after the patch for what it held for before: on the line it was on (a
 * command), or on the commands its setting covered (or, covering none, every line it did). Each such line,
 * found again after the patch as the same command, must have the filter (or every warning's) set on it or by
 * a setting that covers it. A line the patch changed otherwise is not found again, and the drop stands.
 */
function stillHolds(d: DroppedWarningError, was: Logical[], is: Logical[]): boolean {
  const filter = filterOf(d.switch);
  const at = was.flatMap((l, i) => (l.text.trim() === d.line && l.sets.some((s) => s.filter === filter) ? [i] : []));
  if (at.length === 0) return false;
  // The lines a setting holds for, less the settings themselves and the env key above them.
  const settings = new Set(was.flatMap((l, k) => (l.scope ? [k] : [])));
  const plain = (k: number) => was[k]!.text.trim() !== "" && !settings.has(k) && !/^\s*(-\s*)?(env|variables|environment|setenv)\s*[:=]?\s*$/.test(was[k]!.text);
  const anchors = new Set<number>();
  for (const i of at) {
    const on = was[i]!.sets.find((s) => s.filter === filter)!.on;
    const commands = on.filter((k) => was[k]!.runsPython);
    for (const k of commands.length > 0 ? commands : on.filter(plain)) anchors.add(k);
  }
  // Held by the environment where every PYTHONWARNINGS over the line has the filter: one without it may be the nearer (a step's over its job's).
  const envs = new Map<number, boolean[]>();
  for (const l of is) for (const j of l.scope ?? []) envs.set(j, [...(envs.get(j) ?? []), l.sets.some((s) => covers(s.filter, filter))]);
  const byEnv = (j: number) => !is[j]!.ownFilters && (envs.get(j) ?? []).length > 0 && envs.get(j)!.every(Boolean);
  const held = (j: number) => (is[j]!.runsPython && is[j]!.sets.some((s) => covers(s.filter, filter))) || byEnv(j);
  const found = new Map<string, number[]>();
  is.forEach((l, j) => {
    const id = identity(l.text);
    const list = found.get(id);
    if (list) list.push(j);
    else found.set(id, [j]);
  });
  return [...anchors].every((k) => {
    const same = found.get(identity(was[k]!.text)) ?? [];
    return same.length > 0 && same.every(held);
  });
}

/**
 * Each of `was` that no switch of `is` covers, as many times as it is missing: each switch of `is` stands for
 * one of `was`, its own first (`-W error` for `-W error`), else one it covers (`PYTHONWARNINGS=error` for `-W error`).
 */
function uncovered(was: string[], is: string[]): string[] {
  const left = [...is];
  return was.filter((s) => {
    let i = left.indexOf(s);
    if (i < 0) i = left.findIndex((h) => covers(filterOf(h), filterOf(s)));
    if (i >= 0) left.splice(i, 1);
    return i < 0;
  });
}

/**
 * The switches a recipe line runs with: its own, with make variables expanded, and, on a line that runs Python
 * and sets no filters of its own (which would win), those of a PYTHONWARNINGS the Makefile exports.
 */
function recipeLineSwitches(mk: Makefile, line: string): string[] {
  const own = recipeOf(mk, { prereqs: [], recipe: [line] });
  const out = own.split("\n").flatMap(switchesOf);
  if (runsPython(own) && !setsOwnFilters(own) && mk.exported.has("PYTHONWARNINGS")) {
    out.push(...switchesOf(recipeOf(mk, { prereqs: [], recipe: ["PYTHONWARNINGS=$(PYTHONWARNINGS)"] })));
  }
  return out;
}

/**
 * `-W error` taken out of a make variable a pytest recipe uses (`PYTEST_FLAGS = -W error` … `pytest
 * $(PYTEST_FLAGS)`): the variable's line never names pytest, so findDroppedWarningErrors does not see it go.
 * The same for an exported PYTHONWARNINGS no longer exported (`unexport`, or `export` taken off). Each target's
 * recipe is compared with its variables expanded and the exported PYTHONWARNINGS added (see
 * recipeLineSwitches), before and after the patch, so `-W error` moved from a variable to `export
 * PYTHONWARNINGS=error` still holds; a switch its own lines dropped is left to findDroppedWarningErrors, which
 * quotes the line.
 */
export function droppedThroughMakeVariables(was: Makefile, is: Makefile): Array<{ target: string; switch: string; line: string }> {
  const out: Array<{ target: string; switch: string; line: string }> = [];
  const switches = (mk: Makefile, recipe: string[]) => recipe.flatMap((l) => recipeLineSwitches(mk, l));
  const raw = (recipe: string[]) => recipe.flatMap(switchesOf);
  for (const [target, rule] of was.rules) {
    const next = is.rules.get(target);
    if (!next) continue;
    const direct = missing(raw(rule.recipe), raw(next.recipe));
    for (const s of uncovered(switches(was, rule.recipe), switches(is, next.recipe))) {
      const i = direct.indexOf(s);
      if (i >= 0) {
        direct.splice(i, 1);
        continue;
      }
      const line = rule.recipe.find((l) => recipeLineSwitches(was, l).includes(s)) ?? `${target}:`;
      out.push({ target, switch: s, line });
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
