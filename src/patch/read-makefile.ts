/**
 * Just enough make to know what `make <target>` runs: rules with their prerequisites and recipes, and
 * variable assignments. Used by the `make test` check and to find the scripts a test target runs.
 */

export interface Rule {
  prereqs: string[];
  recipe: string[];
}

export interface Makefile {
  rules: Map<string, Rule>;
  vars: Map<string, string>;
  /**
   * The variables make puts in its recipes' environment: `export VAR = x`, or `export VAR` anywhere in the file
   * (make reads the whole file before it runs a recipe, so the last `export` or `unexport` of a name decides),
   * and, after a bare `export` (every variable), each variable the file sets that no `unexport VAR` names. A
   * bare `unexport` takes the bare `export` back; the last of the two decides. A `.EXPORT_ALL_VARIABLES:` target
   * exports every variable as a bare `export` does, and no bare `unexport` takes it back.
   */
  exported: Set<string>;
}

/** `test`, `tests`, `check`, `pytest`, `e2e`, `test-unit`, `unit-tests`, `check_types`. */
export const TEST_TARGET = /^(tests?|checks?|unittests?|pytest|specs?|e2e|(\S+[-_.:])?(tests?|check|specs?)([-_.:]\S+)?)$/;

export function readMakefile(text: string): Makefile {
  const rules = new Map<string, Rule>();
  const vars = new Map<string, string>();
  // The last `export VAR` or `unexport VAR` of each name, and the last bare `export` or `unexport`.
  const marked = new Map<string, boolean>();
  let exportAll = false;
  let current: Rule[] = [];
  const lines = text.replace(/\r\n/g, "\n").replace(/\\\n/g, " ").split("\n");
  for (const line of lines) {
    if (line.startsWith("\t")) {
      const cmd = line.slice(1).trim();
      if (cmd && !cmd.startsWith("#")) for (const r of current) r.recipe.push(cmd);
      continue;
    }
    if (/^\s*(#|$)|^\s*(ifeq|ifneq|ifdef|ifndef|else|endif)\b/.test(line)) continue;
    const assign = /^\s*(?:(export|unexport)\s+|override\s+)?([A-Za-z_][\w.-]*)\s*([:?+!]|::)?=\s*(.*)$/.exec(line);
    if (assign) {
      const [, mark, name, op, value] = assign as unknown as [string, string | undefined, string, string | undefined, string];
      const was = vars.get(name);
      // `+=` appends with a space; `?=` sets only a variable not set yet.
      if (op === "+") vars.set(name, was ? `${was} ${value.trim()}`.trim() : value.trim());
      else if (op !== "?" || was === undefined) vars.set(name, value.trim());
      if (mark) marked.set(name, mark === "export");
      current = [];
      continue;
    }
    // `export A B` and `unexport A` of variables set elsewhere; a bare `export` or `unexport`, of every variable.
    const marks = /^\s*(export|unexport)((?:\s+[A-Za-z_][\w.-]*)*)\s*$/.exec(line);
    if (marks) {
      const names = marks[2]!.trim().split(/\s+/).filter(Boolean);
      if (names.length === 0) exportAll = marks[1] === "export";
      for (const name of names) marked.set(name, marks[1] === "export");
      current = [];
      continue;
    }
    const m = /^([^\s:=#][^:=#]*?)\s*::?(?!=)([^=]*)$/.exec(line);
    if (!m) {
      current = [];
      continue;
    }
    const [deps, inline] = splitOnce(m[2]!, ";");
    current = m[1]!.split(/\s+/).filter(Boolean).map((t) => {
      const rule = rules.get(t) ?? { prereqs: [], recipe: [] };
      rules.set(t, rule);
      rule.prereqs.push(...deps.split(/\s+/).filter((d) => d && d !== "|"));
      if (inline?.trim()) rule.recipe.push(inline.trim());
      return rule;
    });
  }
  // GNU make reads `.EXPORT_ALL_VARIABLES:` once the whole file is read: every variable is exported by default
  // then, whatever bare `unexport` came before or after it; an `unexport VAR` still keeps that one out.
  if (rules.has(".EXPORT_ALL_VARIABLES")) exportAll = true;
  const exported = new Set([...vars.keys(), ...marked.keys()].filter((name) => marked.get(name) ?? exportAll));
  return { rules, vars, exported };
}

const splitOnce = (s: string, sep: string): [string, string | undefined] => {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
};

/** The recipe as one script, `$(VAR)` expanded one level, without make's @ - + prefixes. */
export const recipeOf = (mk: Makefile, r: Rule) =>
  r.recipe
    .map((l) => l.replace(/^[@+-]+/, "").replace(/\$[({](\w+)[)}]/g, (all, v: string) => mk.vars.get(v) ?? all))
    .join("\n");

/** For programsOf: `make x` stands for x's recipe followed by `make <prerequisite>` for each prerequisite. */
export const makeResolver = (mk: Makefile) => (n: string) => {
  const target = /^g?make (\S+)$/.exec(n)?.[1];
  const r = target === undefined ? undefined : mk.rules.get(target);
  return r ? [recipeOf(mk, r), ...r.prereqs.map((p) => `make ${p}`)].join("\n") : undefined;
};
