import type { Defaults } from "./narrowed-selection.js";
import { forPytest, type Testpaths, type TestpathsAt } from "./pytest-testpaths.js";
import { scriptDirCd } from "./script-dir-cd.js";
import { scriptOwnDirs, type EntryScript } from "./test-entry-scripts.js";

/**
 * A test entry script's path before and after the patch (a rename moves it), whether it is sourced, and
 * pytest's testpaths (before and after) in each directory of the checkout it moves itself to with a
 * cd to its own directory (see scriptDirCd).
 */
export interface ScriptMoves {
  before: string;
  after: string;
  sourced?: boolean;
  testpaths: Map<string, Testpaths>;
}

/** After a cd in a test entry script: pytest's testpaths where it leads, when scriptDirCd knows that. */
export const pytestAfterScriptCd = (script: ScriptMoves | undefined): Defaults["cd"] =>
  script &&
  ((words, side) => {
    const dir = scriptDirCd(words, script[side], script.sourced);
    return dir === undefined ? undefined : forPytest(script.testpaths.get(dir)?.[side]);
  });

/** Where a test entry script moves itself on each side, with pytest's testpaths there (see ScriptMoves). */
export async function scriptMoves(
  file: { before: string; after: string },
  text: { before: string; after: string },
  entry: EntryScript,
  testpathsAt: TestpathsAt,
): Promise<ScriptMoves> {
  const dirs = new Set([...scriptOwnDirs(file.before, text.before, entry.sourced), ...scriptOwnDirs(file.after, text.after, entry.sourced)]);
  const testpaths: ScriptMoves["testpaths"] = new Map();
  for (const dir of dirs) testpaths.set(dir, await testpathsAt(dir));
  return { ...file, ...(entry.sourced ? { sourced: true } : {}), testpaths };
}
