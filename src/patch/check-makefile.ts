import { checkTestCommand, type CommandChange } from "./check-test-command.js";
import { droppedThroughMakeVariables } from "./dropped-warning-errors.js";
import { quote } from "./greenwash.js";
import { programsOf } from "./programs-of.js";
import { makeResolver, readMakefile, recipeOf, TEST_TARGET, type Rule } from "./read-makefile.js";
import { TEST_RUNNER } from "./test-runner.js";
import type { Add } from "./types.js";

/**
 * `what` names a target in refusals: `make target` for a Makefile, `just recipe` or `task` for a justfile or
 * Taskfile read as one (see justAsMakefile, taskfileAsMakefile).
 */
export function checkMakefile(old: string, now: string, add: Add, defaults: CommandChange["defaults"], what = "make target") {
  const was = readMakefile(old);
  const is = readMakefile(now);
  for (const [target, rule] of was.rules) {
    if (!TEST_TARGET.test(target)) continue;
    const next = is.rules.get(target);
    if (!next) {
      add("skip_tests", `the patch removes the ${what} ${target}`, `${target}:`);
      continue;
    }
    const runsTests = (p: string) => TEST_TARGET.test(p) || [...programsOf(`make ${p}`, makeResolver(was))].some((q) => TEST_RUNNER.test(q));
    const droppedDep = rule.prereqs.find((p) => !next.prereqs.includes(p) && runsTests(p));
    if (droppedDep) {
      add("skip_tests", `the patch removes ${droppedDep} from the prerequisites of the ${what} ${target}`, `${target}:`);
      continue;
    }
    const before = recipeOf(was, rule);
    const after = recipeOf(is, next);
    const withDeps = (recipe: string, r: Rule) => [recipe, ...r.prereqs.map((p) => `make ${p}`)].join("\n");
    // Its own recipe's programs, and the test runners its prerequisites run (`test: unit` → `unit: pytest`).
    const required = new Set([
      ...programsOf(before, makeResolver(was)),
      ...[...programsOf(withDeps(before, rule), makeResolver(was))].filter((p) => TEST_RUNNER.test(p)),
    ]);
    const have = programsOf(withDeps(after, next), makeResolver(is));
    const gone = [...required].filter((p) => !have.has(p));
    const needle = rule.recipe.find((l) => !next.recipe.includes(l)) ?? `${target}:`;
    checkTestCommand({ owner: `the ${what} ${target}`, body: `the recipe of the ${what} ${target}`, before, after, gone, needle, defaults }, add);
  }
  for (const d of droppedThroughMakeVariables(was, is)) {
    const through = d.switch.startsWith("PYTHONWARNINGS=") ? "through the PYTHONWARNINGS the Makefile exported to its recipe" : "through a variable its recipe uses";
    add("lower_thresholds", `the patch drops ${d.switch} from the ${what} ${d.target}, ${through}: ${quote(d.line)}, so warnings that failed the run now pass`, `${d.target}:`);
  }
}
