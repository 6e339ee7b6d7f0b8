import type { Setting } from "./js-settings.js";
import { expandBraces, isTestFileName } from "./test-file-globs.js";

/** jest's default testMatch (jest-config's defaults), the same in jest 27-30. */
export const JEST_DEFAULT_TEST_MATCH = ["**/__tests__/**/*.?([mc])[jt]s?(x)", "**/?(*.)+(spec|test).?([mc])[jt]s?(x)"];

/**
 * jest runs its default testMatch where the config it reads sets neither testMatch nor testRegex, not the
 * one the patch took away. `reads` says on which side jest reads the file's settings (package.json's
 * "jest" is not read beside a jest.config.*). A testRegex dropped stands against that default too.
 */
export const withJestDefaults = (reads: Record<"before" | "after", boolean>) => (settings: Map<string, Setting>, side: "before" | "after"): Map<string, Setting> => {
  if (!reads[side] || settings.has("testMatch") || settings.has("testRegex")) return settings;
  const byDefault: Setting = { present: false, values: JEST_DEFAULT_TEST_MATCH, covers: inJestDefault };
  return new Map(settings).set("testMatch", byDefault).set("testRegex", byDefault);
};

/**
 * Whether every file the testMatch glob `v` matches is one jest's default runs: a test file name
 * (`*.test.js`, `*.{test,spec}.tsx`) in any folder, or any JS/TS file under a `__tests__` folder. A
 * regular expression (testRegex) or anything subtler is taken as not. (A negated glob lost narrows
 * nothing: compareSettings passes it for every include list.)
 */
function inJestDefault(v: string): boolean {
  const folders = v.replace(/^<rootDir>\//, "").split("/");
  const names = expandBraces(folders.pop()!);
  return names.every(isTestFileName) || (folders.includes("__tests__") && names.every((n) => /^\*\.[cm]?[jt]sx?$/.test(n)));
}
