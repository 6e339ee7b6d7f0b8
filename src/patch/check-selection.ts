import { compareSettings, type KeyKind } from "./compare-settings.js";
import { jsSettings, type Setting } from "./js-settings.js";
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
