import { basename, commandSegments } from "./command-segments.js";

/** Words that turn coverage (and its thresholds) on: `--coverage`, `--cov=src`, `c8`, `nyc`. */
const COVERAGE_WORD = /^(--coverage(\.enabled)?(=true)?|--cov(=.*)?|--check-coverage(=true)?|c8|nyc)$/;

/** True when `after` turns coverage on fewer times than `before` (so coverage thresholds stop applying). */
export function dropsCoverage(before: string, after: string): boolean {
  // A program is named by its path (`node_modules/.bin/nyc`); an option's value is a path too (`--cov=src/pkg`), and
  // cutting it to its last part would read as coverage turned off.
  const count = (cmd: string) => commandSegments(cmd).flat().filter((w) => COVERAGE_WORD.test(w.startsWith("-") ? w : basename(w))).length;
  return count(after) < count(before);
}
