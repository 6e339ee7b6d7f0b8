import type { FailureContext } from "../../core/failure-context.js";
import { normalizeTestName } from "../../logs/test-names.js";

type FailedTest = FailureContext["failed_tests"][number];

/** A failing test as it can be compared across runs: its file when the run named one, and its name in that file. */
export interface TestIdentity {
  file?: string;
  /** normalizeTestName of the name without its file (`test_slug` of `tests/test_a.py::test_slug`). */
  name: string;
  /** How the job's note shows it. */
  label: string;
}

/** Which tests an open fix PR's runs failed among one run's, for the job's note. */
export interface CoveredTests {
  /** This run's tests, as labelled, that the PR's runs failed too. */
  matched: string[];
  /**
   * Some were matched by name alone: one of the two runs named no file for them (a runner that prints bare
   * names: mocha, cargo, Surefire; a go test that logged nothing; a run stored before its runner's file was
   * read), so a test of that name in another file would match too.
   */
  byNameOnly: boolean;
}

const normPath = (p: string) => p.trim().replace(/\\/g, "/").replace(/^\.\//, "");

/**
 * The file and name of a failing test. A pytest node id (`tests/test_a.py::C::test_x`) carries its file in
 * the name, and another runner's extractor may give it apart (`file`): either way the two are split, so a
 * bare `test_x` in `tests/test_a.py` and that node id are one test, and `test_x` of `tests/test_b.py` another.
 */
export function testIdentity(t: FailedTest): TestIdentity {
  let name = t.name.trim();
  let file = t.file === undefined || t.file.trim() === "" ? undefined : normPath(t.file);
  const node = /^([^\s:]+)::(.+)$/.exec(name);
  if (node && (file === undefined || normPath(node[1]!) === file) && /[/\\]|\.\w+$/.test(node[1]!)) {
    file = normPath(node[1]!);
    name = node[2]!;
  } else if (file !== undefined && normPath(name) === file) {
    // A file that failed as a whole (a pytest collection error): the file is the test.
    name = "";
  }
  const label = file === undefined ? t.name : name === "" ? file : t.name.includes(file) ? t.name : `${file}::${name}`;
  return { ...(file === undefined ? {} : { file }), name: normalizeTestName(name), label };
}

/**
 * Whether every one of `mine` is among `theirs` (the tests an open fix PR's runs failed), compared by the most
 * specific identity both sides have: file and name when both runs name the file, the name alone otherwise
 * (said in `byNameOnly`). Undefined when `mine` is empty or one of them is not among `theirs`: that failure
 * is not known to be answered by the PR.
 */
export function coveredTests(mine: readonly FailedTest[], theirs: readonly FailedTest[]): CoveredTests | undefined {
  if (!mine.length) return undefined;
  const known = theirs.map(testIdentity);
  const matched: string[] = [];
  let byNameOnly = false;
  for (const t of mine) {
    const id = testIdentity(t);
    const sameName = known.filter((k) => k.name === id.name);
    if (sameName.some((k) => k.file !== undefined && k.file === id.file)) {
      matched.push(id.label);
      continue;
    }
    // A name in two different files is two tests; only with a file missing on a side can the name decide.
    const loose = sameName.find((k) => k.file === undefined || id.file === undefined);
    if (!loose) return undefined;
    byNameOnly = true;
    matched.push(id.label);
  }
  return { matched: [...new Set(matched)], byNameOnly };
}
