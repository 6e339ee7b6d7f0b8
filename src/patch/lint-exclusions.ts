import { onlyBuildDirs } from "./only-build-dirs.js";
import type { Hunk } from "./types.js";

/** Keys of lint configs that list files the linter skips: ESLint, ruff/flake8, golangci-lint. */
const EXCLUDE_KEY = /^\s*["']?(ignorePatterns|ignores|exclude|extend-exclude|force-exclude|skip-files|skip-dirs|exclude-files|exclude-dirs)["']?\s*[=:]/;
const SECTION = /^\s*\[[^\]]+\]\s*$/;
/** Sections whose `exclude` leaves files out of a package, not out of linting. */
const PACKAGING = /setuptools|hatch|poetry|flit|pdm|maturin|options\.packages|sdist|wheel|build-system/;
/** A line that opens another key: the list of the key above it has ended. */
const OTHER_KEY = /^\s*["']?[\w.-]+["']?\s*[=:]|^\s*\[/;
/** A line that is only list items: `"src/legacy/**",`, `- calc.go`. */
const ITEMS = /^\s*(-\s+\S|["'])/;

/**
 * The first path a lint config's hunks add to a list of files the linter skips, build output aside
 * (`ignores: ["dist/**"]` is a fix). Items are read on the key's own line and on the item lines under it
 * that the hunk shows; a path moved (removed and added back) is not new.
 */
export function addedLintExclusion(hunks: Hunk[], before: string | null): { path: string; hunk: string } | undefined {
  const removed = new Set(hunks.flatMap((h) => h.lines.filter((l) => l.kind === "-").flatMap((l) => items(l.text))));
  const oldLines = (before ?? "").split("\n");
  for (const h of hunks) {
    let inList = false;
    // The INI/TOML section the hunk starts in, from the file before the patch.
    let section = oldLines.slice(0, Math.max(0, h.oldStart - 1)).reverse().find((t) => SECTION.test(t)) ?? "";
    for (const l of h.lines) {
      if (l.kind === "-") continue;
      if (SECTION.test(l.text)) section = l.text;
      const key = EXCLUDE_KEY.test(l.text) && !PACKAGING.test(section);
      if (key) inList = true;
      else if (OTHER_KEY.test(l.text) && !ITEMS.test(l.text)) inList = false;
      if (l.kind !== "+" || !inList || !(key || ITEMS.test(l.text))) continue;
      const path = items(key ? l.text.replace(EXCLUDE_KEY, "") : l.text).find((p) => !removed.has(p) && !onlyBuildDirs(p));
      if (path !== undefined) return { path, hunk: h.header };
    }
  }
  return undefined;
}

/** Quoted strings on a line, or the bare item of a YAML `- item`. */
function items(text: string): string[] {
  const quoted = [...text.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]!);
  if (quoted.length) return quoted;
  const bare = /^\s*-\s+([^\s#]+)/.exec(text);
  return bare ? [bare[1]!] : [];
}
