import { addedSelectionFlag } from "./added-selection-flag.js";
import { dropsCoverage } from "./drops-coverage.js";
import { quote } from "./greenwash.js";
import { narrowedSelection, type Defaults } from "./narrowed-selection.js";
import type { Add } from "./types.js";

/** `run:test:unit` is shown as `npm run test:unit`. */
export const show = (program: string) => (program.startsWith("run:") ? `npm run ${program.slice(4)}` : program);

export interface CommandChange {
  /** What runs the command: `the test script "test"`, `the make target test`. */
  owner: string;
  /** Where its text is: `the recipe of the make target test`. */
  body: string;
  before: string;
  after: string;
  /** Programs `before` ran (through scripts and targets it calls) that `after` no longer does. */
  gone: string[];
  needle: string;
  /** What its runners run when given no paths, before and after (pytest's testpaths). */
  defaults?: Defaults;
}

/** Shared by every kind of test command: runners dropped, selection flags or paths added, coverage off. */
export function checkTestCommand(c: CommandChange, add: Add) {
  const changed = c.before === c.after ? "" : ` (${quote(c.before.replace(/\n/g, "; "))} → ${quote(c.after.replace(/\n/g, "; "))})`;
  if (c.gone.length) add("skip_tests", `the patch drops ${c.gone.map(show).join(", ")} from ${c.owner}${changed}`, c.needle);
  if (c.before === c.after) return;
  const flag = c.gone.length ? undefined : addedSelectionFlag(c.before, c.after);
  if (flag) add("skip_tests", `the patch adds ${flag.flag} to ${c.body}${changed}, ${flag.why}`, c.needle);
  const narrowed = c.gone.length || flag ? undefined : narrowedSelection(c.before, c.after, c.defaults);
  if (narrowed) {
    const list = (vs: string[]) => vs.map((v) => quote(v)).join(", ");
    add("skip_tests", `the patch narrows ${show(narrowed.program)} in ${c.body}${changed} to ${list(narrowed.after)}, so ${list(narrowed.lost)} no longer runs`, c.needle);
  }
  if (dropsCoverage(c.before, c.after)) {
    add("lower_thresholds", `the patch turns coverage off in ${c.body}${changed}, so its thresholds no longer apply`, c.needle);
  }
}
