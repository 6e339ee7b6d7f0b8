/**
 * GitHub Actions filter patterns (`branches`, `branches-ignore`, `tags`, `paths`, `paths-ignore`), as the
 * workflow syntax reference's cheat sheet defines them. They are not globs: `?` and `+` quantify the
 * character before them (zero or one, one or more), `*` stops at `/` and `**` does not. picomatch and
 * minimatch read `?` as "any one character", so their answer would differ from GitHub's on patterns like
 * `v1.?` or `release/**-rc+`.
 */
export function filterPatternRegExp(pattern: string): RegExp {
  // Each `*` is a `.*`-like run, and a run of them backtracks polynomially on a miss: the patterns come from
  // a repository's workflow file, so their count is bounded rather than trusted.
  if ((pattern.match(/\*+/g)?.length ?? 0) > MAX_WILDCARDS || pattern.length > 1000) {
    throw new Error(`filter pattern with more than ${MAX_WILDCARDS} wildcards or 1000 characters: ${pattern.slice(0, 80)}`);
  }
  let out = "";
  let atom = false; // whether the last thing emitted can take a quantifier
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) {
      out += escapeChar(pattern[++i]!);
      atom = true;
    } else if (c === "*") {
      const double = pattern[i + 1] === "*";
      if (double) i++;
      // `**/` may match no folder at all: `docs/**/*.md` takes docs/README.md, `**/README.md` takes README.md.
      if (double && pattern[i + 1] === "/") {
        out += "(?:.*/)?";
        i++;
      } else {
        out += double ? ".*" : "[^/]*";
      }
      atom = false;
    } else if ((c === "?" || c === "+") && atom) {
      out += c;
      atom = false;
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) {
        out += "\\[";
      } else {
        out += `[${pattern.slice(i + 1, end).replace(/[\\\]^]/g, "\\$&")}]`;
        i = end;
      }
      atom = true;
    } else {
      out += escapeChar(c);
      atom = true;
    }
  }
  return new RegExp(`^${out}$`);
}

const MAX_WILDCARDS = 8;
const escapeChar = (c: string) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/**
 * Whether `value` passes a list of patterns: the last pattern that matches decides, a `!pattern` excluding
 * what earlier ones included ("order matters" in GitHub's words). A list of only negations matches nothing.
 */
export function matchesFilter(value: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    const negated = p.startsWith("!");
    if (filterPatternRegExp(negated ? p.slice(1) : p).test(value)) matched = !negated;
  }
  return matched;
}
