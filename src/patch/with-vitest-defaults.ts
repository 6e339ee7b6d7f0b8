import type { Setting } from "./js-settings.js";
import { expandBraces, isTestFileName } from "./test-file-globs.js";

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
 * How vitest takes a config file's test.include on one side: not at all (`reads: false`), or joined with
 * `partner`'s, the other file of a mergeConfig, and vitest's default include when neither sets one.
 */
export type IncludeRead = { reads: false } | { reads: true; partner?: Setting };

/**
 * vitest excluded its defaults before the patch where test.exclude was unset or spread them, so writing
 * them out adds nothing. Where an exclude list replaced them they were not excluded: writing them out
 * then is new. A reference to the defaults adds no entry of its own on either side, as a spread never did.
 * Which defaults depends on vitest's `major` version before the patch; when that is not known, the
 * shorter list of vitest 4 is taken, so that no entry of the longer one passes as excluded already.
 * test.include is that of the config vitest reads on each side (see IncludeRead).
 */
export const withVitestDefaults = (major: number | undefined, include?: Record<"before" | "after", IncludeRead>) => (settings: Map<string, Setting>, side: "before" | "after"): Map<string, Setting> => {
  const defaults = major !== undefined && major < 4 ? VITEST_3_DEFAULT_EXCLUDE : VITEST_4_DEFAULT_EXCLUDE;
  const s = settings.get("exclude");
  // With no string in it, the value is kept as its text: `configDefaults.exclude`, `[...defaultExclude]`.
  const values = (s?.values ?? []).filter((v) => !VITEST_DEFAULTS_REF.has(v.replace(/\s/g, "").replace(/^\[(\.\.\.)?(.*)\]$/, "$2")));
  const defaultsOn = !s || (s.refs ?? []).some((r) => VITEST_DEFAULTS_REF.has(r));
  const out = new Map(settings);
  if (s || side === "before") out.set("exclude", { present: s?.present ?? false, values: side === "before" && defaultsOn ? [...values, ...defaults] : values, refs: s?.refs ?? [] });
  const read = include?.[side];
  if (read?.reads) {
    const own = settings.get("include");
    const partner = read.partner;
    // mergeConfig joins the two lists; without either, vitest runs its default include, not the include of the config it read before.
    if (own && partner) out.set("include", { present: true, values: [...new Set([...own.values, ...partner.values])], refs: [...(own.refs ?? []), ...(partner.refs ?? [])] });
    else if (own ?? partner) out.set("include", (own ?? partner)!);
    else out.set("include", { present: false, values: [VITEST_DEFAULT_INCLUDE], covers: inDefaultInclude });
  }
  return out;
};

/** vitest's configDefaults.include (`defaultInclude`), the same in vitest 1-4. */
const VITEST_DEFAULT_INCLUDE = "**/*.{test,spec}.?(c|m)[jt]s?(x)";

/**
 * Whether every file the include glob `v` matches is one the default include runs: a file name of
 * `*.test.ts`, `*.{test,spec}.tsx`, `sum.spec.mjs` in any folder. Anything subtler is taken as not. (A
 * negated glob lost narrows nothing: compareSettings passes it for every include list.)
 */
function inDefaultInclude(v: string): boolean {
  const name = v.slice(v.lastIndexOf("/") + 1);
  return expandBraces(name).every(isTestFileName);
}
