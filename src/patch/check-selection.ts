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
  recursive: "context", extension: "context",
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

/** mocha's default spec, run when no spec is given: the test folder (with `recursive`, its subfolders too). */
export const MOCHA_DEFAULT_SPEC = "./test";
/** The file extensions mocha takes from a folder it is given when `extension` is not set. */
export const MOCHA_DEFAULT_EXTENSIONS = ["js", "cjs", "mjs"];

/**
 * Where a mocha config sets no spec, mocha runs its default spec, not the one the patch took away (nor
 * anything the test script names, which mocha adds to a spec left in the config). Read as settings,
 * this makes a dropped spec a narrowing the default does not make up for. What the default takes in
 * depends on `recursive` and `extension` (which replaces mocha's list).
 */
export const withMochaDefaults = (settings: Map<string, Setting>): Map<string, Setting> => {
  if (settings.has("spec")) return settings;
  const recursive = settings.get("recursive")?.values.some((v) => v === "true") ?? false;
  const extensions = (settings.get("extension")?.values ?? MOCHA_DEFAULT_EXTENSIONS).map((e) => e.replace(/^\./, ""));
  const spec = `${MOCHA_DEFAULT_SPEC}${recursive ? "/**" : ""}/*.{${extensions.join(",")}}`;
  return new Map(settings).set("spec", { present: false, values: [spec], covers: inMochaDefault(recursive, extensions) });
};

/**
 * Whether every file the spec `v` names is one mocha's default runs: the test folder itself, or files in
 * it with one of `extensions` (`test/*.spec.js`); with `recursive`, in its subfolders too, and any folder
 * under it (mocha takes the same extensions from a folder it is given).
 */
const inMochaDefault = (recursive: boolean, extensions: string[]) => (v: string): boolean => {
  const p = v.replace(/^\.\//, "").replace(/\/$/, "");
  if (p === "test") return true;
  const m = /^test\/(.+)$/.exec(p);
  if (m === null) return false;
  const parts = m[1]!.split("/");
  const name = parts.pop()!;
  if ((!recursive && (parts.length > 0 || name.includes("**"))) || parts.includes("..") || name === "..") return false;
  if (expandBraces(name).every((n) => extensions.some((e) => n.endsWith(`.${e}`)))) return true;
  return recursive && /^[\w.-]+$/.test(name) && !parts.some((d) => /[*?[\]{}()!+@]/.test(d)) && !extensions.some((e) => name.endsWith(`.${e}`));
};
