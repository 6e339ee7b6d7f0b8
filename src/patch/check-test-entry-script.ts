import { checkTestCommand, show, type CommandChange } from "./check-test-command.js";
import { liveShellText } from "./live-shell-text.js";
import { programsOf } from "./programs-of.js";
import { TEST_RUNNER } from "./test-runner.js";
import type { Add } from "./types.js";

/** `set -e`, `set -euo pipefail`, `set -o errexit`, `#!/bin/bash -e`: a failing command ends the script. */
const ERREXIT = /^\s*set\s+(-[a-zA-Z]*e[a-zA-Z]*|(-[a-zA-Z]+\s+)*-o\s+errexit)\b|^#!\S+(\s+\S+)?\s+-[a-zA-Z]*e/m;
const LAST_EXIT_0 = /(^|\n)\s*exit\s+0\s*;?\s*$/;

export function checkTestEntryScript(file: string, runBy: string, old: string, now: string, add: Add, defaults: CommandChange["defaults"]) {
  const before = liveShellText(old);
  const after = liveShellText(now);
  const runners = (text: string) => [...programsOf(text)].filter((p) => TEST_RUNNER.test(p));
  const ran = runners(before);
  // A script that runs no test runner (a setup or build step) has none to lose.
  if (ran.length === 0) return;
  const have = new Set(runners(after));
  const gone = ran.filter((p) => !have.has(p));
  const owner = `${file} (run by ${runBy})`;
  const needle = hunkNeedle(old, now);
  checkTestCommand({ owner, body: owner, before, after, gone, needle, defaults }, add);
  // Without errexit the script's status is its last command's: a trailing `exit 0` hides the runner's.
  const ends = (text: string) => LAST_EXIT_0.test(text.trimEnd());
  if (gone.length === 0 && ends(after) && !ends(before) && !ERREXIT.test(now)) {
    add("or_true", `the patch ends ${owner} with "exit 0" and the script has no set -e, so it passes whatever ${ran.map(show).join(", ")} returns`, "exit");
  }
}

/** The first line the patch removes or adds, to name the hunk a finding is about. */
function hunkNeedle(old: string, now: string): string {
  const was = old.split("\n");
  const is = now.split("\n");
  return was.find((l) => l.trim() && !is.includes(l)) ?? is.find((l) => l.trim() && !was.includes(l)) ?? "";
}
