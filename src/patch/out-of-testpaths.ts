/** A testpaths entry as a pattern over repository paths: pytest expands the globs in one (`tests/*` and the like). */
function entryPattern(entry: string): RegExp {
  const clean = entry.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  const body = clean.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*\*/g, "\0").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]").replace(/\0/g, ".*");
  return new RegExp(`^${body}(/|$)`);
}

/**
 * The testpaths entry a test file moved from `from` to `to` leaves: a pytest started where those testpaths
 * are read and given no paths collects only under them. Undefined when there are none, or `to` is still under one.
 */
export function outOfTestpaths(from: string, to: string, testpaths: string[] | undefined): string | undefined {
  if (!testpaths?.length) return undefined;
  const under = (p: string) => testpaths.find((e) => e.trim() !== "" && entryPattern(e).test(p));
  return under(to) === undefined ? under(from) : undefined;
}
