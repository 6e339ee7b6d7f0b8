import { quote } from "./greenwash.js";
import type { Setting } from "./js-settings.js";
import { minus } from "./minus.js";
import { onlyBuildDirs } from "./only-build-dirs.js";
import type { Add } from "./types.js";

/**
 * ignore: gaining entries skips tests. include: being set, or losing entries, narrows the run. narrow:
 * only losing entries does (the default it replaces is narrower still). select: any new value picks
 * tests (mocha's grep). guard: turning it off lets a focused test pass (mocha's forbid-only). context:
 * read only for how a default stands in for another key (mocha's recursive and extension), not compared.
 */
export type KeyKind = "ignore" | "include" | "narrow" | "select" | "guard" | "context";

/** Shared by the JS and pytest checks: new ignores, and include lists that are set or lose entries. */
export function compareSettings(was: Map<string, Setting>, is: Map<string, Setting>, keys: Record<string, KeyKind>, where: string, add: Add, prefix = "") {
  const list = (vs: string[]) => vs.map((v) => quote(v)).join(", ");
  const on = (s: Setting | undefined) => s !== undefined && s.values.some((v) => v !== "false" && v !== "0");
  for (const [name, kind] of Object.entries(keys)) {
    const key = `${prefix}${name}`;
    const a = is.get(name);
    if (kind === "context") continue;
    if (kind === "guard") {
      if (on(was.get(name)) && !on(a)) add("skip_tests", `the patch turns ${key}${where} off, so a focused test (.only) no longer fails the run`, name);
      continue;
    }
    if (!a) continue;
    const b = was.get(name) ?? { present: false, values: [] };
    const fresh = minus(a.values, b.values);
    if (kind === "ignore") {
      const added = fresh.filter((v) => !onlyBuildDirs(v));
      if (added.length) add("skip_tests", `the patch adds ${list(added)} to ${key}${where}, which keeps the tests it matches from running`, name);
      continue;
    }
    if (kind === "select") {
      const set = fresh.filter((v) => v !== "false" && v !== "");
      if (set.length) add("skip_tests", `the patch sets ${key}${where} to ${list(set)}, which runs only the tests it selects`, name);
      continue;
    }
    if (!b.present) {
      if (kind === "include" && a.present) add("skip_tests", `the patch sets ${key}${where} (${list(a.values)}), which limits the tests that run to those it matches`, name);
      continue;
    }
    // A negated glob (`!**/slow/**`) added to an include list keeps the files it matches out, as an ignore entry does.
    const negated = kind === "include" ? fresh.filter((v) => v.startsWith("!")) : [];
    if (negated.length) add("skip_tests", `the patch adds ${list(negated)} to ${key}${where}, which keeps the tests it matches from running`, name);
    // Losing a negated glob lets more of the include list run, not less.
    const lost = minus(b.values, a.values).filter((v) => !a.covers?.(v) && !(kind === "include" && v.startsWith("!")));
    if (lost.length && !a.present) add("skip_tests", `the patch leaves ${key}${where} unset, and its default (${list(a.values)}) does not take in ${list(lost)}, which limits the tests that run`, name);
    else if (lost.length) add("skip_tests", `the patch removes ${list(lost)} from ${key}${where}${fresh.length ? ` (now ${list(a.values)})` : ""}, which limits the tests that run`, name);
  }
}
