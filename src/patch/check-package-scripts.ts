import { checkTestCommand, type CommandChange } from "./check-test-command.js";
import { quote } from "./greenwash.js";
import { programsOf } from "./programs-of.js";
import { isTestScript, readPackageScripts, scriptResolver } from "./read-package-scripts.js";
import type { Add } from "./types.js";

export function checkPackageScripts(old: string, now: string, add: Add, defaults: CommandChange["defaults"]) {
  const was = readPackageScripts(old);
  const is = readPackageScripts(now);
  // An unparsable package.json fails `npm test` on its own; nothing to compare.
  if (!was || !is) return;
  for (const [key, cmd] of Object.entries(was)) {
    if (!isTestScript(key)) continue;
    const next = is[key];
    if (next === undefined) {
      add("skip_tests", `the patch removes the test script "${key}" (${quote(cmd)})`, `"${key}"`);
      continue;
    }
    if (next === cmd) continue;
    const have = programsOf(next, scriptResolver(is));
    const gone = [...programsOf(cmd, scriptResolver(was))].filter((p) => !have.has(p));
    const where = `the test script "${key}"`;
    checkTestCommand({ owner: where, body: where, before: cmd, after: next, gone, needle: `"${key}"`, defaults }, add);
  }
}
