/** package.json's `scripts`, as the test-script check and the test-entry finder read them. */

/** `test`, `test:unit`, `test-e2e`, `test_ci`: what `npm test` and CI run (not `test:watch`, `test:debug`). */
const TEST_SCRIPT = /^test([:_-].+)?$/;
const DEV_SCRIPT = /watch|debug|dev|update|snap|ui$/i;

export const isTestScript = (name: string) => TEST_SCRIPT.test(name) && !DEV_SCRIPT.test(name);

/** The string-valued scripts; null when package.json does not parse (`npm test` then fails on its own). */
export function readPackageScripts(text: string): Record<string, string> | null {
  try {
    const s = (JSON.parse(text) as { scripts?: unknown }).scripts;
    if (!s || typeof s !== "object") return {};
    return Object.fromEntries(Object.entries(s).filter((e): e is [string, string] => typeof e[1] === "string"));
  } catch {
    return null;
  }
}

/** For programsOf: `npm run x` (program `run:x`) stands for script x's command. */
export const scriptResolver = (scripts: Record<string, string>) => (n: string) => (n.startsWith("run:") ? scripts[n.slice(4)] : undefined);
