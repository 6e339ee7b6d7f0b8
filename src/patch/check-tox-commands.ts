import { checkTestCommand, show } from "./check-test-command.js";
import { minus } from "./minus.js";
import { programsOf } from "./programs-of.js";
import { pathlessPytest, type Testpaths } from "./pytest-testpaths.js";
import { readToxEnvs, toxCommandText } from "./read-tox.js";
import { TEST_RUNNER } from "./test-runner.js";
import type { Add } from "./types.js";

/** `- pytest` and `ignore_outcome`: tox runs the command but ignores how it ends. */
const IGNORED_EXIT = /^-\s*/;

/** tox runs commands in changedir, by default tox.ini's own directory. */
const inToxDir = (env: Map<string, string>, base: Map<string, string> | undefined) =>
  /^(\{toxinidir\}\/?)?$/.test((env.get("changedir") ?? base?.get("changedir") ?? "").trim());

export function checkToxCommands(old: string, now: string, add: Add, testpaths: Testpaths = {}) {
  const was = readToxEnvs(old);
  const is = readToxEnvs(now);
  for (const [section, keys] of was) {
    const next = is.get(section);
    // A whole environment removed is a change of the env list (py38 dropped), not of what an env runs.
    if (!next) continue;
    const where = `the commands of [${section}] in tox.ini`;
    const truthy = (k: string, m: Map<string, string>) => /^(true|1|yes|on)$/i.test(m.get(k) ?? "");
    for (const k of ["ignore_outcome", "ignore_errors"]) {
      if (truthy(k, next) && !truthy(k, keys)) add("or_true", `the patch sets ${k} = true in [${section}] of tox.ini, which lets its failing tests pass`, k);
    }
    const before = toxCommandText(keys.get("commands") ?? "");
    const after = toxCommandText(next.get("commands") ?? "");
    if (before === after) continue;
    const lines = (text: string) => text.split("\n").filter((l) => l.trim());
    const runners = (text: string) => [...programsOf(text.replace(/^-\s*/gm, ""))].filter((p) => TEST_RUNNER.test(p));
    const have = new Set(runners(after));
    const gone = runners(before).filter((p) => !have.has(p));
    const needle = lines(keys.get("commands") ?? "").find((l) => !(next.get("commands") ?? "").includes(l)) ?? "commands";
    const unchecked = (text: string) =>
      lines(text).filter((l) => IGNORED_EXIT.test(l)).flatMap((l) => runners(l.replace(IGNORED_EXIT, "")));
    const swallowed = minus(unchecked(after), unchecked(before)).filter((p) => have.has(p));
    if (swallowed.length) add("or_true", `the patch prefixes ${show(swallowed[0]!)} with "-" in ${where}, so tox ignores its failure`, needle);
    // [testenv:x] takes what it does not set from [testenv].
    const defaults = pathlessPytest(testpaths, { before: inToxDir(keys, was.get("testenv")), after: inToxDir(next, is.get("testenv")) });
    checkTestCommand({ owner: where, body: where, before: before.replace(/^-\s*/gm, ""), after: after.replace(/^-\s*/gm, ""), gone, needle, defaults }, add);
  }
}
