import { compareSettings, type KeyKind } from "./compare-settings.js";
import { jsSettings, type Setting } from "./js-settings.js";
import { expandBraces } from "./test-file-globs.js";
import type { Add } from "./types.js";

export const JEST_KEYS: Record<string, KeyKind> = {
  testPathIgnorePatterns: "ignore",
  modulePathIgnorePatterns: "ignore",
  testMatch: "include",
  testRegex: "include",
  roots: "include",
  testNamePattern: "include",
  projects: "narrow",
};
/** .mocharc.* and package.json "mocha"; mocha reads both spellings of each option. */
export const MOCHA_KEYS: Record<string, KeyKind> = {
  spec: "narrow", ignore: "ignore", exclude: "ignore", grep: "select", fgrep: "select", invert: "select",
  "forbid-only": "guard", forbidOnly: "guard", "forbid-pending": "guard", forbidPending: "guard",
};
export const VITEST_KEYS: Record<string, KeyKind> = { exclude: "ignore", include: "include", testNamePattern: "include", dir: "include", projects: "narrow" };

export function checkSelection(
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

/** mocha's default spec, run when no spec is given: the test folder's own .js/.cjs/.mjs files, not its subfolders. */
const MOCHA_DEFAULT_SPEC = "./test/*.{js,cjs,mjs}";

/**
 * Where a mocha config sets no spec, mocha runs its default spec, not the one the patch took away (nor
 * anything the test script names, which mocha adds to a spec left in the config). Read as settings,
 * this makes a dropped spec a narrowing the default does not make up for.
 */
export const withMochaDefaults = (settings: Map<string, Setting>): Map<string, Setting> =>
  settings.has("spec") ? settings : new Map(settings).set("spec", { present: false, values: [MOCHA_DEFAULT_SPEC], covers: inMochaDefault });

/** Whether every file the spec `v` names is one mocha's default runs: the test folder itself, or files right in it (`test/*.spec.js`). */
function inMochaDefault(v: string): boolean {
  const p = v.replace(/^\.\//, "").replace(/\/$/, "");
  if (p === "test") return true;
  const m = /^test\/([^/]+)$/.exec(p);
  return m !== null && !m[1]!.includes("**") && expandBraces(m[1]!).every((n) => /^[^/]*\.[cm]?js$/.test(n));
}
