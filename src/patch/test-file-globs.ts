/**
 * Whether a glob's file-name part `n` (no braces) matches only test files that jest's and vitest's
 * default patterns both run: `*.test.ts`, `sum.spec.mjs`, `*.test.tsx`, not a dotfile.
 */
export const isTestFileName = (n: string) => /^\*?[^*?[\]{}()!+@]*\.(test|spec)\.[cm]?[jt]sx?$/.test(n) && !n.startsWith(".");

/** `*.{test,spec}.{ts,tsx}` → its four names; nested braces stay as they are (and match nothing above). */
export function expandBraces(glob: string): string[] {
  const m = /\{([^{}]*)\}/.exec(glob);
  if (!m) return [glob];
  return m[1]!.split(",").flatMap((alt) => expandBraces(glob.slice(0, m.index) + alt + glob.slice(m.index + m[0].length)));
}
