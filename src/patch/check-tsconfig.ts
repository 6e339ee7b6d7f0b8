import { onlyBuildDirs } from "./only-build-dirs.js";
import type { Add } from "./types.js";

/** Compiler checks a type error can be silenced by turning off. */
const CHECKS = [
  "strict", "noImplicitAny", "strictNullChecks", "strictFunctionTypes", "strictBindCallApply", "strictPropertyInitialization",
  "noImplicitThis", "useUnknownInCatchVariables", "alwaysStrict", "noImplicitReturns", "noUncheckedIndexedAccess",
  "exactOptionalPropertyTypes", "noImplicitOverride", "noFallthroughCasesInSwitch", "noUnusedLocals", "noUnusedParameters", "checkJs",
];

/**
 * A tsconfig.json (or jsconfig.json) read before and after the patch: a type error is made to go away by
 * turning a check off (`"strict": false`, `noImplicitAny` dropped under a strict that no longer holds) or
 * by leaving the file out of what tsc checks (added to `exclude`, dropped from `include` or `files`).
 * A file that does not parse says nothing.
 */
export function checkTsconfig(before: string, after: string, add: Add): void {
  // A new tsconfig (a tsconfig.build.json leaving the tests out of the build) is read by nothing yet.
  const b = before.trim() ? parseJsonc(before) : undefined;
  const a = parseJsonc(after);
  if (!a || !b) return;
  const bo = options(b);
  const ao = options(a);
  // An option not set follows strict when strict turns it on.
  const value = (o: Record<string, unknown>, key: string) => o[key] ?? (STRICT_FAMILY.has(key) ? o.strict : undefined);
  for (const key of CHECKS) {
    if (value(bo, key) === true && value(ao, key) !== true) {
      const named = key in ao || key in bo ? key : "strict";
      add("lower_thresholds", `the patch turns the TypeScript check ${key} off`, `"${named}"`);
      return;
    }
  }
  const list = (o: Record<string, unknown>, k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]).filter((x): x is string => typeof x === "string") : undefined);
  const excluded = (list(a, "exclude") ?? []).find((x) => !(list(b, "exclude") ?? []).includes(x) && !onlyBuildDirs(x));
  if (excluded !== undefined) return add("lower_thresholds", `the patch excludes ${JSON.stringify(excluded)} from what tsc checks`, excluded);
  for (const k of ["include", "files"]) {
    const now = list(a, k);
    // Without include or files, tsc takes every file under the folder: dropping the list widens it.
    if (now === undefined) continue;
    const dropped = (list(b, k) ?? []).find((x) => !now.includes(x));
    if (dropped !== undefined) return add("lower_thresholds", `the patch drops ${JSON.stringify(dropped)} from ${k}, so tsc no longer checks it`, dropped);
  }
}

/** What `strict: true` turns on when the option itself is not set. */
const STRICT_FAMILY = new Set(["noImplicitAny", "strictNullChecks", "strictFunctionTypes", "strictBindCallApply", "strictPropertyInitialization", "noImplicitThis", "useUnknownInCatchVariables", "alwaysStrict"]);

const options = (o: Record<string, unknown>) => (o.compilerOptions && typeof o.compilerOptions === "object" ? (o.compilerOptions as Record<string, unknown>) : {});

/** JSON with comments and trailing commas, as tsc reads it; undefined when it is not that. */
function parseJsonc(text: string): Record<string, unknown> | undefined {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const end = /^"(?:[^"\\\n]|\\.)*"/.exec(text.slice(i));
      if (!end) return undefined;
      out += end[0];
      i += end[0].length - 1;
    } else if (text.startsWith("//", i)) {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return undefined;
      i = end + 1;
    } else out += c;
  }
  try {
    const v: unknown = JSON.parse(out.replace(/,(\s*[}\]])/g, "$1"));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
