import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import { JEST_CONFIG_FILE, VITEST_CONFIG_FILE } from "../core/test-config-files.js";
import { quote, type Finding } from "./greenwash.js";
import { liveShellText } from "./live-shell-text.js";
import { readIni } from "./read-ini.js";
import { makeResolver, readMakefile, recipeOf, TEST_TARGET, type Rule } from "./read-makefile.js";
import { isTestScript, readPackageScripts, scriptResolver } from "./read-package-scripts.js";
import { jsSettings, tokenize, valueTokens, type Setting } from "./js-settings.js";
import { readToxEnvs, toxCommandText } from "./read-tox.js";
import { addedSelectionFlag, dropsCoverage, narrowedSelection, onlyBuildDirs, programsOf, scriptDirCd, TEST_RUNNER, type DefaultSelection, type Defaults } from "./test-commands.js";
import type { AllowKey, Hunk } from "./types.js";

/**
 * Green-washing that only shows when a file is read as a whole, before and after the patch: a test
 * script or `make test` recipe that no longer runs the tests, test-selection settings in jest/vitest
 * and pytest configuration, `collect_ignore` in conftest.py, a shell script CI runs as its tests that
 * no longer runs them. `hunks` are the patch's hunks for the file, used to say where the change is.
 * `runBy` says what runs the file when it is such a script (see findTestEntryScripts). `project` is what
 * the files next to it say about how its commands run.
 */
export function findConfigGreenwashing(file: string, before: string | null, after: string | null, hunks: Hunk[] = [], runBy?: string, project: ProjectContext = {}): Finding[] {
  if (after === null) return [];
  const findings: Finding[] = [];
  const hunkWith = (needle: string) => hunks.find((h) => h.lines.some((l) => l.kind !== " " && l.text.includes(needle)))?.header;
  const add = (rule: AllowKey, reason: string, needle?: string) => {
    const hunk = needle === undefined ? hunks[0]?.header : hunkWith(needle) ?? hunks[0]?.header;
    findings.push({ rule, file, reason, ...(hunk ? { hunk } : {}) });
  };
  const old = (before ?? "").replace(/\r\n/g, "\n");
  const now = after.replace(/\r\n/g, "\n");
  const name = file.split("/").pop()!;

  if (runBy !== undefined) {
    checkTestEntryScript(file, runBy, old, now, add, { ...pathlessPytest(project.testpaths), cd: pytestAfterScriptCd(project.script) });
  } else if (name === "package.json") {
    checkPackageScripts(old, now, add, pathlessPytest(project.testpaths));
    checkSelection(old, now, JEST_KEYS, (anc) => anc.includes("jest"), add);
    checkSelection(old, now, MOCHA_KEYS, (anc) => anc.includes("mocha"), add);
  } else if (MOCHA_CONFIG.test(name)) {
    checkMocharc(name, old, now, add);
  } else if (MAKEFILE.test(name)) {
    checkMakefile(old, now, add, pathlessPytest(project.testpaths));
  } else if (JEST_CONFIG_FILE.test(name)) {
    checkSelection(old, now, JEST_KEYS, () => true, add);
  } else if (VITEST_CONFIG_FILE.test(name)) {
    checkSelection(old, now, VITEST_KEYS, (anc) => anc.includes("test") && !anc.some((k) => VITEST_NOT_TESTS.has(k)), add, "test.", withVitestDefaults(project.vitestMajor));
  } else if (Object.hasOwn(PYTEST_SECTIONS, name)) {
    checkPytestIni(name, old, now, add);
    if (name === "tox.ini") checkToxCommands(old, now, add, project.testpaths);
  } else if (name === "conftest.py") {
    checkCollectIgnore(old, now, add);
  }
  return findings;
}

type Add = (rule: AllowKey, reason: string, needle?: string) => void;

export interface ProjectContext {
  /**
   * pytest's testpaths for a pytest started where the file's commands start (a tox.ini, Makefile or
   * package.json's own directory, a test entry script's working directory), before and after the patch
   * (see pytestTestpaths); absent when pytest has none there, or it is not known.
   */
  testpaths?: { before?: string[]; after?: string[] };
  /** vitest's major version, as the package.json nearest above a vitest config asked for it before the patch (see vitestMajor). */
  vitestMajor?: number;
  /** A test entry script's own moves: where it is, and the testpaths where it goes. */
  script?: ScriptMoves;
}

/**
 * A test entry script's path before and after the patch (a rename moves it), whether it is sourced, and
 * pytest's testpaths (before and after) in each directory of the checkout it moves itself to with a
 * cd to its own directory (see scriptDirCd).
 */
export interface ScriptMoves {
  before: string;
  after: string;
  sourced?: boolean;
  testpaths: Map<string, { before?: string[]; after?: string[] }>;
}

/** After a cd in a test entry script: pytest's testpaths where it leads, when scriptDirCd knows that. */
const pytestAfterScriptCd = (script: ScriptMoves | undefined): Defaults["cd"] =>
  script &&
  ((words, side) => {
    const dir = scriptDirCd(words, script[side], script.sourced);
    return dir === undefined ? undefined : forPytest(script.testpaths.get(dir)?.[side]);
  });

const MAKEFILE = /^(Makefile|GNUmakefile|makefile|[^/]+\.mk)$/;
const MOCHA_CONFIG = /^\.mocharc\.(json|jsonc|ya?ml|[cm]?js)$/;
/** `coverage.exclude` in a vitest config leaves files out of coverage, not tests out of the run. */
const VITEST_NOT_TESTS = new Set(["coverage", "typecheck", "benchmark", "server", "deps", "build", "optimizeDeps"]);

// ---------------------------------------------------------------------------------------------
// package.json scripts

function checkPackageScripts(old: string, now: string, add: Add, defaults: CommandChange["defaults"]) {
  const was = readPackageScripts(old);
  const is = readPackageScripts(now);
  // An unparsable package.json fails `npm test` on its own; nothing to compare.
  if (!was || !is) return;
  for (const [key, cmd] of Object.entries(was)) {
    if (!isTestScript(key)) continue;
    const next = is[key];
    if (next === undefined) {
      add("skip_tests", `the patch removes the test script "${key}" (${quote(cmd)})`, `"${key}"`);
      continue;
    }
    if (next === cmd) continue;
    const have = programsOf(next, scriptResolver(is));
    const gone = [...programsOf(cmd, scriptResolver(was))].filter((p) => !have.has(p));
    const where = `the test script "${key}"`;
    checkTestCommand({ owner: where, body: where, before: cmd, after: next, gone, needle: `"${key}"`, defaults }, add);
  }
}

/** `run:test:unit` is shown as `npm run test:unit`. */
const show = (program: string) => (program.startsWith("run:") ? `npm run ${program.slice(4)}` : program);

interface CommandChange {
  /** What runs the command: `the test script "test"`, `the make target test`. */
  owner: string;
  /** Where its text is: `the recipe of the make target test`. */
  body: string;
  before: string;
  after: string;
  /** Programs `before` ran (through scripts and targets it calls) that `after` no longer does. */
  gone: string[];
  needle: string;
  /** What its runners run when given no paths, before and after (pytest's testpaths). */
  defaults?: Defaults;
}

/** Shared by every kind of test command: runners dropped, selection flags or paths added, coverage off. */
function checkTestCommand(c: CommandChange, add: Add) {
  const changed = c.before === c.after ? "" : ` (${quote(c.before.replace(/\n/g, "; "))} → ${quote(c.after.replace(/\n/g, "; "))})`;
  if (c.gone.length) add("skip_tests", `the patch drops ${c.gone.map(show).join(", ")} from ${c.owner}${changed}`, c.needle);
  if (c.before === c.after) return;
  const flag = c.gone.length ? undefined : addedSelectionFlag(c.before, c.after);
  if (flag) add("skip_tests", `the patch adds ${flag.flag} to ${c.body}${changed}, ${flag.why}`, c.needle);
  const narrowed = c.gone.length || flag ? undefined : narrowedSelection(c.before, c.after, c.defaults);
  if (narrowed) {
    const list = (vs: string[]) => vs.map((v) => quote(v)).join(", ");
    add("skip_tests", `the patch narrows ${show(narrowed.program)} in ${c.body}${changed} to ${list(narrowed.after)}, so ${list(narrowed.lost)} no longer runs`, c.needle);
  }
  if (dropsCoverage(c.before, c.after)) {
    add("lower_thresholds", `the patch turns coverage off in ${c.body}${changed}, so its thresholds no longer apply`, c.needle);
  }
}

// ---------------------------------------------------------------------------------------------
// Shell scripts CI runs as its tests (./scripts/test.sh)

/** `set -e`, `set -euo pipefail`, `set -o errexit`, `#!/bin/bash -e`: a failing command ends the script. */
const ERREXIT = /^\s*set\s+(-[a-zA-Z]*e[a-zA-Z]*|(-[a-zA-Z]+\s+)*-o\s+errexit)\b|^#!\S+(\s+\S+)?\s+-[a-zA-Z]*e/m;
const LAST_EXIT_0 = /(^|\n)\s*exit\s+0\s*;?\s*$/;

function checkTestEntryScript(file: string, runBy: string, old: string, now: string, add: Add, defaults: CommandChange["defaults"]) {
  const before = liveShellText(old);
  const after = liveShellText(now);
  const runners = (text: string) => [...programsOf(text)].filter((p) => TEST_RUNNER.test(p));
  const ran = runners(before);
  // A script that runs no test runner (a setup or build step) has none to lose.
  if (ran.length === 0) return;
  const have = new Set(runners(after));
  const gone = ran.filter((p) => !have.has(p));
  const owner = `${file} (run by ${runBy})`;
  const needle = hunkNeedle(old, now);
  checkTestCommand({ owner, body: owner, before, after, gone, needle, defaults }, add);
  // Without errexit the script's status is its last command's: a trailing `exit 0` hides the runner's.
  const ends = (text: string) => LAST_EXIT_0.test(text.trimEnd());
  if (gone.length === 0 && ends(after) && !ends(before) && !ERREXIT.test(now)) {
    add("or_true", `the patch ends ${owner} with "exit 0" and the script has no set -e, so it passes whatever ${ran.map(show).join(", ")} returns`, "exit");
  }
}

/** The first line the patch removes or adds, to name the hunk a finding is about. */
function hunkNeedle(old: string, now: string): string {
  const was = old.split("\n");
  const is = now.split("\n");
  return was.find((l) => l.trim() && !is.includes(l)) ?? is.find((l) => l.trim() && !was.includes(l)) ?? "";
}

// ---------------------------------------------------------------------------------------------
// Makefile

function checkMakefile(old: string, now: string, add: Add, defaults: CommandChange["defaults"]) {
  const was = readMakefile(old);
  const is = readMakefile(now);
  for (const [target, rule] of was.rules) {
    if (!TEST_TARGET.test(target)) continue;
    const next = is.rules.get(target);
    if (!next) {
      add("skip_tests", `the patch removes the make target ${target}`, `${target}:`);
      continue;
    }
    const runsTests = (p: string) => TEST_TARGET.test(p) || [...programsOf(`make ${p}`, makeResolver(was))].some((q) => TEST_RUNNER.test(q));
    const droppedDep = rule.prereqs.find((p) => !next.prereqs.includes(p) && runsTests(p));
    if (droppedDep) {
      add("skip_tests", `the patch removes ${droppedDep} from the prerequisites of the make target ${target}`, `${target}:`);
      continue;
    }
    const before = recipeOf(was, rule);
    const after = recipeOf(is, next);
    const withDeps = (recipe: string, r: Rule) => [recipe, ...r.prereqs.map((p) => `make ${p}`)].join("\n");
    // Its own recipe's programs, and the test runners its prerequisites run (`test: unit` → `unit: pytest`).
    const required = new Set([
      ...programsOf(before, makeResolver(was)),
      ...[...programsOf(withDeps(before, rule), makeResolver(was))].filter((p) => TEST_RUNNER.test(p)),
    ]);
    const have = programsOf(withDeps(after, next), makeResolver(is));
    const gone = [...required].filter((p) => !have.has(p));
    const needle = rule.recipe.find((l) => !next.recipe.includes(l)) ?? `${target}:`;
    checkTestCommand({ owner: `the make target ${target}`, body: `the recipe of the make target ${target}`, before, after, gone, needle, defaults }, add);
  }
}

// ---------------------------------------------------------------------------------------------
// jest / vitest configuration (JS, TS, JSON)

/**
 * ignore: gaining entries skips tests. include: being set, or losing entries, narrows the run. narrow:
 * only losing entries does (the default it replaces is narrower still). select: any new value picks
 * tests (mocha's grep). guard: turning it off lets a focused test pass (mocha's forbid-only).
 */
type KeyKind = "ignore" | "include" | "narrow" | "select" | "guard";
const JEST_KEYS: Record<string, KeyKind> = {
  testPathIgnorePatterns: "ignore",
  modulePathIgnorePatterns: "ignore",
  testMatch: "include",
  testRegex: "include",
  roots: "include",
  testNamePattern: "include",
  projects: "narrow",
};
/** .mocharc.* and package.json "mocha"; mocha reads both spellings of each option. */
const MOCHA_KEYS: Record<string, KeyKind> = {
  spec: "narrow", ignore: "ignore", exclude: "ignore", grep: "select", fgrep: "select", invert: "select",
  "forbid-only": "guard", forbidOnly: "guard", "forbid-pending": "guard", forbidPending: "guard",
};
const VITEST_KEYS: Record<string, KeyKind> = { exclude: "ignore", include: "include", testNamePattern: "include", dir: "include", projects: "narrow" };

function checkSelection(
  old: string,
  now: string,
  keys: Record<string, KeyKind>,
  where: (ancestors: string[]) => boolean,
  add: Add,
  prefix = "",
  defaults: (s: Map<string, Setting>, side: "before" | "after") => Map<string, Setting> = (s) => s,
) {
  const was = defaults(jsSettings(old, keys, where), "before");
  const is = defaults(jsSettings(now, keys, where), "after");
  compareSettings(was, is, keys, "", add, prefix);
}

/**
 * vitest's configDefaults.exclude (`defaultExclude`) in vitest 1-3, as documented (vitest is not installed
 * here to read it from), with the shorter config-file glob of earlier versions.
 */
const VITEST_3_DEFAULT_EXCLUDE = [
  "**/node_modules/**",
  "**/dist/**",
  "**/cypress/**",
  "**/.{idea,git,cache,output,temp}/**",
  "**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*",
  "**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build}.config.*",
];
/** vitest 4's: the longer list came out of its defaults. */
const VITEST_4_DEFAULT_EXCLUDE = ["**/node_modules/**", "**/.git/**"];
const VITEST_DEFAULTS_REF = new Set(["configDefaults.exclude", "defaultExclude"]);

/**
 * vitest excluded its defaults before the patch where test.exclude was unset or spread them, so writing
 * them out adds nothing. Where an exclude list replaced them they were not excluded: writing them out
 * then is new. A reference to the defaults adds no entry of its own on either side, as a spread never did.
 * Which defaults depends on vitest's `major` version before the patch; when that is not known, the
 * shorter list of vitest 4 is taken, so that no entry of the longer one passes as excluded already.
 */
const withVitestDefaults = (major: number | undefined) => (settings: Map<string, Setting>, side: "before" | "after"): Map<string, Setting> => {
  const defaults = major !== undefined && major < 4 ? VITEST_3_DEFAULT_EXCLUDE : VITEST_4_DEFAULT_EXCLUDE;
  const s = settings.get("exclude");
  // With no string in it, the value is kept as its text: `configDefaults.exclude`, `[...defaultExclude]`.
  const values = (s?.values ?? []).filter((v) => !VITEST_DEFAULTS_REF.has(v.replace(/\s/g, "").replace(/^\[(\.\.\.)?(.*)\]$/, "$2")));
  const defaultsOn = !s || (s.refs ?? []).some((r) => VITEST_DEFAULTS_REF.has(r));
  const out = new Map(settings);
  if (s || side === "before") out.set("exclude", { present: s?.present ?? false, values: side === "before" && defaultsOn ? [...values, ...defaults] : values, refs: s?.refs ?? [] });
  return out;
};

/** A version range that allows a single major: `^3.2.4`, `~1.6.0`, `3.x`, `4.0.0`, `=3.1.0`, `v3`. */
const ONE_MAJOR = /^\s*[\^~]?=?v?(\d+)(\.(\d+|[x*])){0,2}(-[\w.]+)?\s*$/i;

/**
 * The major version of vitest a package.json asks for in dependencies or devDependencies. Undefined when it
 * does not name vitest; null when it does with a range that allows more than one major (`>=3`, `latest`,
 * `workspace:*`, `catalog:`), or it does not parse: then which vitest runs is not known.
 */
export function vitestMajor(packageJson: string): number | null | undefined {
  let pkg: Record<string, unknown>;
  try {
    pkg = Object(JSON.parse(packageJson)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const ranges = [pkg.dependencies, pkg.devDependencies].map((deps) => (deps && typeof deps === "object" ? (deps as Record<string, unknown>).vitest : undefined)).filter((r) => r !== undefined);
  if (ranges.length === 0) return undefined;
  const majors = new Set(ranges.map((r) => (typeof r === "string" ? ONE_MAJOR.exec(r)?.[1] : undefined)));
  const [major] = majors;
  return majors.size === 1 && major !== undefined ? Number(major) : null;
}

function checkMocharc(name: string, old: string, now: string, add: Add) {
  if (!/\.ya?ml$/.test(name)) return checkSelection(old, now, MOCHA_KEYS, () => true, add);
  const settings = (text: string) => {
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      return null;
    }
    const out = new Map<string, Setting>();
    if (!doc || typeof doc !== "object") return out;
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
      if (Object.hasOwn(MOCHA_KEYS, k)) out.set(k, { present: true, values: (Array.isArray(v) ? v : [v]).map(String) });
    }
    return out;
  };
  const was = settings(old);
  const is = settings(now);
  // A .mocharc mocha cannot parse fails the run on its own.
  if (was && is) compareSettings(was, is, MOCHA_KEYS, ` in ${name}`, add);
}

/** Shared by the JS and pytest checks: new ignores, and include lists that are set or lose entries. */
function compareSettings(was: Map<string, Setting>, is: Map<string, Setting>, keys: Record<string, KeyKind>, where: string, add: Add, prefix = "") {
  const list = (vs: string[]) => vs.map((v) => quote(v)).join(", ");
  const on = (s: Setting | undefined) => s !== undefined && s.values.some((v) => v !== "false" && v !== "0");
  for (const [name, kind] of Object.entries(keys)) {
    const key = `${prefix}${name}`;
    const a = is.get(name);
    if (kind === "guard") {
      if (on(was.get(name)) && !on(a)) add("skip_tests", `the patch turns ${key}${where} off, so a focused test (.only) no longer fails the run`, name);
      continue;
    }
    if (!a) continue;
    const b = was.get(name) ?? { present: false, values: [] };
    const fresh = minus(a.values, b.values);
    if (kind === "ignore") {
      const added = fresh.filter((v) => !onlyBuildDirs(v));
      if (added.length) {
        add("skip_tests", `the patch adds ${list(added)} to ${key}${where}, which keeps the tests it matches from running`, name);
        continue;
      }
      continue;
    }
    if (kind === "select") {
      const set = fresh.filter((v) => v !== "false" && v !== "");
      if (set.length) add("skip_tests", `the patch sets ${key}${where} to ${list(set)}, which runs only the tests it selects`, name);
      continue;
    }
    if (!b.present) {
      if (kind === "include") add("skip_tests", `the patch sets ${key}${where} (${list(a.values)}), which limits the tests that run to those it matches`, name);
      continue;
    }
    const lost = minus(b.values, a.values);
    if (lost.length) {
      add("skip_tests", `the patch removes ${list(lost)} from ${key}${where}${fresh.length ? ` (now ${list(a.values)})` : ""}, which limits the tests that run`, name);
      continue;
    }
  }
}

/** Multiset difference: the items of `a` not matched by one in `b`. */
function minus(a: string[], b: string[]): string[] {
  const left = [...b];
  return a.filter((v) => {
    const k = left.indexOf(v);
    if (k < 0) return true;
    left.splice(k, 1);
    return false;
  });
}

// ---------------------------------------------------------------------------------------------
// pytest configuration

/** Where pytest reads its settings, per file name. */
const PYTEST_SECTIONS: Record<string, string[]> = {
  "pytest.ini": ["pytest"],
  ".pytest.ini": ["pytest"],
  "tox.ini": ["pytest"],
  "setup.cfg": ["tool:pytest"],
  "pyproject.toml": ["tool.pytest.ini_options", "tool.pytest"],
};
const PYTEST_KEYS: Record<string, KeyKind> = { testpaths: "include", python_files: "include", python_classes: "include", python_functions: "include" };

/** `found`: the file has pytest's section, so pytest takes its settings from it. */
type PytestSettings = { section: string; values: Map<string, string[]>; found: boolean } | null;

/** Parses pytest's section as word lists (addopts as one string in `values.get("addopts")[0]`). */
function pytestSettings(name: string, text: string): PytestSettings {
  const sections = PYTEST_SECTIONS[name]!;
  const values = new Map<string, string[]>();
  if (name === "pyproject.toml") {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch {
      return null;
    }
    for (const section of sections) {
      let cur: unknown = doc;
      for (const part of section.split(".")) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[part] : undefined;
      if (!cur || typeof cur !== "object") continue;
      for (const [k, v] of Object.entries(cur as Record<string, unknown>)) {
        const words = Array.isArray(v) ? v.map(String) : typeof v === "string" ? (k === "addopts" ? [v] : v.split(/\s+/).filter(Boolean)) : [];
        values.set(k, k === "addopts" && Array.isArray(v) ? [words.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(" ")] : words);
      }
      return { section, values, found: true };
    }
    return { section: sections[0]!, values, found: false };
  }
  const raw = new Map<string, string>();
  const found = readIni(text, (s) => sections.includes(s));
  for (const keys of found.values()) {
    for (const [k, v] of keys) raw.set(k, v.replace(/\n/g, " ").trim());
  }
  for (const [k, v] of raw) values.set(k, k === "addopts" ? [v] : v.split(/\s+/).filter(Boolean));
  return { section: sections[0]!, values, found: found.size > 0 };
}

/** Where pytest looks for its configuration in a directory, in its order. */
export const PYTEST_CONFIG_FILES = ["pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"];

/**
 * The testpaths a pytest started in a directory runs when given no paths, from that directory's files
 * (`read` gives one's text, null when absent). pytest takes the first of PYTEST_CONFIG_FILES that
 * configures it (pytest.ini even without its section), and applies testpaths only when started in the
 * config's directory: a config further up is not looked for. Undefined when there is none, or a file
 * pytest would read cannot be parsed.
 */
export function pytestTestpaths(read: (name: string) => string | null): string[] | undefined {
  for (const name of PYTEST_CONFIG_FILES) {
    const text = read(name);
    if (text === null) continue;
    const settings = pytestSettings(name, text.replace(/\r\n/g, "\n"));
    if (!settings) return undefined;
    if (!settings.found && !name.endsWith("pytest.ini")) continue;
    const paths = settings.values.get("testpaths") ?? [];
    return paths.length ? paths : undefined;
  }
  return undefined;
}

const forPytest = (paths: string[] | undefined): DefaultSelection | undefined =>
  paths && ((program) => (/^(pytest|py\.test)$/.test(program) ? paths : undefined));

/**
 * What a pytest given no paths runs in a test command, before and after the patch: the testpaths of where
 * the command starts. Every kind of test command (tox, make, package.json scripts, entry scripts) reads
 * it from here; `startsThere` is false on a side whose commands start elsewhere (tox's changedir).
 */
function pathlessPytest(
  testpaths: ProjectContext["testpaths"] = {},
  startsThere: { before: boolean; after: boolean } = { before: true, after: true },
): CommandChange["defaults"] {
  return { before: startsThere.before ? forPytest(testpaths.before) : undefined, after: startsThere.after ? forPytest(testpaths.after) : undefined };
}

function checkPytestIni(name: string, old: string, now: string, add: Add) {
  const was = pytestSettings(name, old);
  const is = pytestSettings(name, now);
  if (!was || !is) return;
  const where = ` in [${is.section}] of ${name}`;
  const optsBefore = was.values.get("addopts")?.[0] ?? "";
  const optsAfter = is.values.get("addopts")?.[0] ?? "";
  const flag = addedSelectionFlag(optsBefore, optsAfter, "pytest");
  if (flag) {
    add("skip_tests", `the patch adds ${flag.flag} to addopts${where} (${quote(optsBefore)} → ${quote(optsAfter)}), ${flag.why}`, "addopts");
  }
  const settings = (p: NonNullable<PytestSettings>) =>
    new Map([...p.values].filter(([k]) => Object.hasOwn(PYTEST_KEYS, k)).map(([k, v]): [string, Setting] => [k, { present: true, values: v }]));
  compareSettings(settings(was), settings(is), PYTEST_KEYS, where, add);
}

// ---------------------------------------------------------------------------------------------
// tox.ini

/** `- pytest` and `ignore_outcome`: tox runs the command but ignores how it ends. */
const IGNORED_EXIT = /^-\s*/;

/** tox runs commands in changedir, by default tox.ini's own directory. */
const inToxDir = (env: Map<string, string>, base: Map<string, string> | undefined) =>
  /^(\{toxinidir\}\/?)?$/.test((env.get("changedir") ?? base?.get("changedir") ?? "").trim());

function checkToxCommands(old: string, now: string, add: Add, testpaths: ProjectContext["testpaths"] = {}) {
  const was = readToxEnvs(old);
  const is = readToxEnvs(now);
  for (const [section, keys] of was) {
    const next = is.get(section);
    // A whole environment removed is a change of the env list (py38 dropped), not of what an env runs.
    if (!next) continue;
    const where = `the commands of [${section}] in tox.ini`;
    const truthy = (k: string, m: Map<string, string>) => /^(true|1|yes|on)$/i.test(m.get(k) ?? "");
    for (const k of ["ignore_outcome", "ignore_errors"]) {
      if (truthy(k, next) && !truthy(k, keys)) add("or_true", `the patch sets ${k} = true in [${section}] of tox.ini, which lets its failing tests pass`, k);
    }
    const before = toxCommandText(keys.get("commands") ?? "");
    const after = toxCommandText(next.get("commands") ?? "");
    if (before === after) continue;
    const lines = (text: string) => text.split("\n").filter((l) => l.trim());
    const runners = (text: string) => [...programsOf(text.replace(/^-\s*/gm, ""))].filter((p) => TEST_RUNNER.test(p));
    const have = new Set(runners(after));
    const gone = runners(before).filter((p) => !have.has(p));
    const needle = lines(keys.get("commands") ?? "").find((l) => !(next.get("commands") ?? "").includes(l)) ?? "commands";
    const unchecked = (text: string) =>
      lines(text).filter((l) => IGNORED_EXIT.test(l)).flatMap((l) => runners(l.replace(IGNORED_EXIT, "")));
    const swallowed = minus(unchecked(after), unchecked(before)).filter((p) => have.has(p));
    if (swallowed.length) add("or_true", `the patch prefixes ${show(swallowed[0]!)} with "-" in ${where}, so tox ignores its failure`, needle);
    // [testenv:x] takes what it does not set from [testenv].
    const defaults = pathlessPytest(testpaths, { before: inToxDir(keys, was.get("testenv")), after: inToxDir(next, is.get("testenv")) });
    checkTestCommand({ owner: where, body: where, before: before.replace(/^-\s*/gm, ""), after: after.replace(/^-\s*/gm, ""), gone, needle, defaults }, add);
  }
}

// ---------------------------------------------------------------------------------------------
// conftest.py

/** Entries of `collect_ignore` / `collect_ignore_glob` (assigned, extended or appended). */
function collectIgnores(text: string): string[] {
  const toks = tokenize(text, "py");
  const out: string[] = [];
  /** Entries are kept as "collect_ignore_glob\u0000test_b*.py" so the two lists compare apart. */
  toks.forEach((tk, i) => {
    if (tk.t !== "id" || !/^collect_ignore(_glob)?$/.test(tk.v) || toks[i - 1]?.v === ".") return;
    let from: number;
    if (toks[i + 1]?.v === "=" && toks[i + 2]?.v !== "=") from = i + 2;
    else if (toks[i + 1]?.v === "+" && toks[i + 2]?.v === "=") from = i + 3;
    else if (toks[i + 1]?.v === "." && /^(append|extend|insert)$/.test(toks[i + 2]?.v ?? "")) from = i + 3;
    else return;
    out.push(...valueTokens(toks, from).filter((v) => v.t === "str").map((v) => `${tk.v}\u0000${v.v}`));
  });
  return out;
}

function checkCollectIgnore(old: string, now: string, add: Add) {
  const added = minus(collectIgnores(now), collectIgnores(old))
    .map((e) => e.split("\u0000") as [string, string])
    .filter(([, v]) => !onlyBuildDirs(v));
  if (added.length) {
    const [list] = added[0]!;
    const values = added.filter(([l]) => l === list).map(([, v]) => quote(v));
    add("skip_tests", `the patch adds ${values.join(", ")} to ${list}, so pytest no longer collects the tests there`, list);
  }
}
