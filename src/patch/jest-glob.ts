import picomatch from "picomatch";

/**
 * A jest testMatch glob as a regular expression over `/<rootDir>/<path>`, or undefined for a glob relative to
 * no folder, where the caller takes no view rather than guess. Read by picomatch with `dot`, as jest's own
 * matcher reads testMatch (jest-util's globsToMatcher), so extglobs, braces and classes mean what they mean
 * to jest.
 */
export function jestGlob(glob: string): RegExp | undefined {
  const g = glob.trim();
  if (g.startsWith("<rootDir>/")) return picomatch.makeRe(`/<rootDir>/${g.slice("<rootDir>/".length)}`, { dot: true });
  if (g.startsWith("**/")) return picomatch.makeRe(g, { dot: true });
  return undefined;
}
