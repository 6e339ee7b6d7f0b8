import { addedSelectionFlag } from "./added-selection-flag.js";
import { compareSettings, type KeyKind } from "./compare-settings.js";
import { quote } from "./greenwash.js";
import type { Setting } from "./js-settings.js";
import { PYTEST_SECTIONS, pytestSettings, type PytestSettings } from "./pytest-settings.js";
import { checkPytestStrictness } from "./pytest-strictness.js";
import type { PytestConfig } from "./pytest-testpaths.js";
import type { Add } from "./types.js";

/** norecursedirs: folders pytest does not descend into while collecting (`norecursedirs = tests` collects none there). */
const PYTEST_KEYS: Record<string, KeyKind> = { testpaths: "include", python_files: "include", python_classes: "include", python_functions: "include", norecursedirs: "ignore" };

/**
 * `reads`: the config files pytest reads in the folder before and after the patch (see pytestConfigsIn),
 * given when one hands over to another (the file is deleted, or its section moves): those are compared.
 */
export function checkPytestIni(name: string, old: string, now: string, add: Add, reads?: Record<"before" | "after", PytestConfig | null>) {
  const none = { section: PYTEST_SECTIONS[name]![0]!, values: new Map<string, string[]>(), found: false };
  const of = (f: PytestConfig | null) => (f ? pytestSettings(f.name, f.text.replace(/\r\n/g, "\n")) : none);
  const was = reads ? of(reads.before) : pytestSettings(name, old);
  const is = reads ? of(reads.after) : pytestSettings(name, now);
  if (!was || !is) return;
  const where = ` in [${is.section}] of ${reads?.after?.name ?? name}`;
  const optsBefore = was.values.get("addopts")?.[0] ?? "";
  const optsAfter = is.values.get("addopts")?.[0] ?? "";
  const flag = addedSelectionFlag(optsBefore, optsAfter, "pytest");
  if (flag) {
    add("skip_tests", `the patch adds ${flag.flag} to addopts${where} (${quote(optsBefore)} → ${quote(optsAfter)}), ${flag.why}`, "addopts");
  }
  checkPytestStrictness(was.values, is.values, where, add);
  const settings = (p: NonNullable<PytestSettings>) =>
    new Map([...p.values].filter(([k]) => Object.hasOwn(PYTEST_KEYS, k)).map(([k, v]): [string, Setting] => [k, { present: true, values: v }]));
  compareSettings(withPytestDefaults(settings(was)), withPytestDefaults(settings(is)), PYTEST_KEYS, where, add);
}

/** pytest's own norecursedirs: naming these again in a config skips nothing new. */
const NORECURSEDIRS = ["*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}"];

/**
 * pytest's defaults for the collection keys, and whether an entry names only what the default collects:
 * python_files globs match file names, python_classes and python_functions are prefixes (or globs).
 */
const PYTEST_DEFAULTS: Record<string, { values: string[]; covers: (v: string) => boolean }> = {
  python_files: { values: ["test_*.py", "*_test.py"], covers: (v) => !v.includes("/") && (/^test_.*\.py$/.test(v) || /^\*?[^*?[\]]*_test\.py$/.test(v)) },
  python_classes: { values: ["Test"], covers: (v) => v.startsWith("Test") },
  python_functions: { values: ["test"], covers: (v) => v.startsWith("test") },
  norecursedirs: { values: NORECURSEDIRS, covers: (v) => NORECURSEDIRS.includes(v) },
};

/** Where a collection key is unset, pytest collects by its default, not by what the patch took away. */
function withPytestDefaults(settings: Map<string, Setting>): Map<string, Setting> {
  const out = new Map(settings);
  for (const [k, d] of Object.entries(PYTEST_DEFAULTS)) if (!out.has(k)) out.set(k, { present: false, ...d });
  return out;
}
