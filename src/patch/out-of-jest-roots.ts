import { jsSettings } from "./js-settings.js";
import { jestGlob } from "./jest-glob.js";
import { JEST_DEFAULT_TEST_MATCH } from "./with-jest-defaults.js";

const KEYS = { roots: true, testMatch: true, testRegex: true, rootDir: true, projects: true } as const;

/**
 * What a JS/TS test file moved from `from` to `to` leaves of the root's jest config (its text: a
 * jest.config.* or package.json's "jest"): `roots` (the folders jest looks in) or `testMatch` (the files
 * it runs) matching `from` and not `to`. jest run from the repository root no longer runs it. Undefined
 * where the config sets neither, or where what it sets is not plain: a rootDir or projects of its own, a
 * value computed in code (path.join(__dirname, …)), a testRegex, a glob relative to no folder.
 */
export function outOfJestRoots(from: string, to: string, config: string | null): string | undefined {
  if (config === null) return undefined;
  const s = jsSettings(config, KEYS, () => true);
  if (s.has("rootDir") || s.has("projects")) return undefined;
  const plain = (key: string) => {
    const v = s.get(key);
    return v && !v.refs?.length ? v.values : undefined;
  };
  // Which files jest runs: without testMatch its default; a testRegex is not read here, so nothing is said.
  if (s.has("testRegex")) return undefined;
  const match = plain("testMatch");
  if (s.has("testMatch") && !match?.length) return undefined;
  const globs = (match ?? JEST_DEFAULT_TEST_MATCH).map((g) => ({ negated: g.trim().startsWith("!"), re: jestGlob(g.trim().replace(/^!/, "")) }));
  if (globs.some((g) => g.re === undefined)) return undefined;
  const runs = (p: string) => {
    const at = `/<rootDir>/${p}`;
    return globs.some((g) => !g.negated && g.re!.test(at)) && !globs.some((g) => g.negated && g.re!.test(at));
  };
  // A source file moved out of roots is no test lost: only a file jest ran counts.
  if (!runs(from)) return undefined;
  const roots = plain("roots");
  if (roots?.length) {
    const dirs = roots.map((r) => r.replace(/^<rootDir>/, "").replace(/^\.?\/+/, "").replace(/\/+$/, ""));
    const under = (p: string) => dirs.some((d) => d === "" || p === d || p.startsWith(`${d}/`));
    if (under(from) && !under(to)) return `jest's roots (${roots.join(", ")})`;
  }
  if (match && !runs(to)) return `jest's testMatch (${match.join(", ")})`;
  return undefined;
}
