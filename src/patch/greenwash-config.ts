import { JEST_CONFIG_FILE, VITEST_CONFIG_FILE } from "../core/test-config-files.js";
import { checkCollectIgnore } from "./check-collect-ignore.js";
import { checkGoTestMain } from "./check-go-test-main.js";
import { checkMakefile } from "./check-makefile.js";
import { justAsMakefile } from "./just-as-makefile.js";
import { noxAsMakefile } from "./nox-as-makefile.js";
import { pyprojectTasksAsMakefiles } from "./pyproject-tasks-as-makefiles.js";
import { taskfileAsMakefile } from "./taskfile-as-makefile.js";
import { checkMocharc } from "./check-mocharc.js";
import { checkMochaFolders } from "./check-mocha-folders.js";
import { checkPackageScripts } from "./check-package-scripts.js";
import { checkPytestIni } from "./check-pytest-ini.js";
import { checkSelection, JEST_KEYS, MOCHA_KEYS, VITEST_KEYS, withMochaDefaults } from "./check-selection.js";
import { checkTestEntryScript } from "./check-test-entry-script.js";
import { checkToxCommands } from "./check-tox-commands.js";
import { checkTsconfig } from "./check-tsconfig.js";
import type { Finding } from "./greenwash.js";
import { PYTEST_SECTIONS } from "./pytest-settings.js";
import { pathlessPytest, type PytestConfig, type Testpaths } from "./pytest-testpaths.js";
import { pytestAfterScriptCd, type ScriptMoves } from "./script-moves.js";
import type { AllowKey, Hunk } from "./types.js";
import { jsSettings } from "./js-settings.js";
import { withJestDefaults } from "./with-jest-defaults.js";
import type { MochaFile } from "./mocha-reads.js";
import { mergesConfig, type VitestRead } from "./vitest-reads.js";
import { type IncludeRead, withVitestDefaults } from "./with-vitest-defaults.js";

/**
 * Green-washing that only shows when a file is read as a whole, before and after the patch: a test
 * script or `make test` recipe (a just recipe, a go-task task, a nox session, a hatch/pdm/poe/taskipy script in
 * pyproject.toml) that no longer runs the tests, test-selection settings in jest/vitest and pytest
 * configuration, `collect_ignore` in conftest.py, a shell script CI runs as its tests that no longer runs them, a Go TestMain that no longer calls m.Run(). `hunks` are the patch's hunks for the file, used to say where the change is.
 * `runBy` says what runs the file when it is such a script (see findTestEntryScripts). `project` is what
 * the files next to it say about how its commands run.
 */
export function findConfigGreenwashing(file: string, before: string | null, after: string | null, hunks: Hunk[] = [], runBy?: string, project: ProjectContext = {}): Finding[] {
  if (after === null) return [];
  const findings: Finding[] = [];
  const hunkWith = (needle: string) => hunks.find((h) => h.lines.some((l) => l.kind !== " " && l.text.includes(needle)))?.header;
  const add = (rule: AllowKey, reason: string, needle?: string) => {
    const hunk = needle === undefined ? hunks[0]?.header : hunkWith(needle) ?? hunks[0]?.header;
    findings.push({ rule, file, reason, ...(hunk ? { hunk } : {}) });
  };
  const old = (before ?? "").replace(/\r\n/g, "\n");
  const now = after.replace(/\r\n/g, "\n");
  const name = file.split("/").pop()!;

  if (runBy !== undefined) {
    checkTestEntryScript(file, runBy, old, now, add, { ...pathlessPytest(project.testpaths), cd: pytestAfterScriptCd(project.script) });
  } else if (name === "package.json") {
    checkPackageScripts(old, now, add, pathlessPytest(project.testpaths));
    if (!project.jestReadsPackageJson?.takesOver) checkSelection(old, now, JEST_KEYS, (anc) => anc.includes("jest"), add, "", withJestDefaults(project.jestReadsPackageJson ?? { before: false, after: false }));
    checkSelection(old, now, MOCHA_KEYS, (anc) => anc.includes("mocha"), add, "", withMochaDefaults);
    const mocha = (text: string) => jsSettings(text, MOCHA_KEYS, (anc) => anc.includes("mocha"));
    checkMochaFolders(mocha(old), mocha(now), "", add, project.mochaFiles);
  } else if (MOCHA_CONFIG.test(name)) {
    checkMocharc(name, old, now, add, project.mochaReads, project.mochaFiles);
  } else if (MAKEFILE.test(name)) {
    checkMakefile(old, now, add, pathlessPytest(project.testpaths));
  } else if (JUSTFILE.test(name)) {
    checkMakefile(justAsMakefile(old), justAsMakefile(now), add, pathlessPytest(project.testpaths), "just recipe");
  } else if (TASKFILE.test(name)) {
    checkMakefile(taskfileAsMakefile(old), taskfileAsMakefile(now), add, pathlessPytest(project.testpaths), "task");
  } else if (name === "noxfile.py") {
    checkMakefile(noxAsMakefile(old), noxAsMakefile(now), add, pathlessPytest(project.testpaths), "nox session");
  } else if (JEST_CONFIG_FILE.test(name)) {
    checkSelection(old, now, JEST_KEYS, () => true, add, "", withJestDefaults({ before: true, after: true }));
  } else if (VITEST_CONFIG_FILE.test(name) || project.vitestReads) {
    const tests = (anc: string[]) => anc.includes("test") && !anc.some((k) => VITEST_NOT_TESTS.has(k));
    const includeRead = (read: VitestRead | undefined, text: string): IncludeRead => {
      // Without the directory's files, only a vitest.config.* that merges no other config is known to be read as it is.
      if (!read) return { reads: /^vitest\.config\./.test(name) && !mergesConfig(text) };
      const partner = read.reads && read.partner !== undefined ? jsSettings(read.partner, { include: "include" }, tests).get("include") : undefined;
      return read.reads ? { reads: true, ...(partner ? { partner } : {}) } : { reads: false };
    };
    const reads = { before: includeRead(project.vitestReads?.before, old), after: includeRead(project.vitestReads?.after, now) };
    checkSelection(old, now, VITEST_KEYS, tests, add, "test.", withVitestDefaults(project.vitestMajor, reads));
  } else if (Object.hasOwn(PYTEST_SECTIONS, name)) {
    checkPytestIni(name, old, now, add, project.pytestReads);
    if (name === "pyproject.toml") {
      const was = pyprojectTasksAsMakefiles(old);
      const is = pyprojectTasksAsMakefiles(now);
      for (const [i, tasks] of is.entries()) checkMakefile(was[i]?.makefile ?? "", tasks.makefile, add, pathlessPytest(project.testpaths), tasks.what);
    }
    // A tox.ini deleted leaves tox with no environments to run, which fails rather than passes.
    if (name === "tox.ini" && !project.pytestReads?.deleted) checkToxCommands(old, now, add, project.testpaths);
  } else if (name === "conftest.py") {
    checkCollectIgnore(old, now, add);
  } else if (TSCONFIG.test(name)) {
    checkTsconfig(old, now, add);
  } else if (name.endsWith("_test.go")) {
    checkGoTestMain(old, now, add);
  }
  return findings;
}

export interface ProjectContext {
  /**
   * pytest's testpaths for a pytest started where the file's commands start (a tox.ini, Makefile or
   * package.json's own directory, a test entry script's working directory), before and after the patch
   * (see pytestTestpaths); absent when pytest has none there, or it is not known.
   */
  testpaths?: Testpaths;
  /** vitest's major version, as the package.json nearest above a vitest config asked for it before the patch (see vitestMajor). */
  vitestMajor?: number;
  /**
   * How vitest reads a vitest.config.* or vite.config.*'s test.include before and after the patch (see
   * VitestReader.reads), or that of a base a vitest config merges (see VitestReader.bases), which is then checked as one.
   */
  vitestReads?: { before: VitestRead; after: VitestRead };
  /**
   * Whether jest reads package.json's "jest" before and after the patch: no jest.config.* beside it (see
   * jestReadsPackageJson). `takesOver`: from a jest.config.* the patch deletes, whose check compares the two.
   */
  jestReadsPackageJson?: { before: boolean; after: boolean; takesOver?: boolean };
  /** For a .mocharc.*: the files mocha reads in its folder before and after the patch (see mochaReads), compared in its place. */
  mochaReads?: Record<"before" | "after", MochaFile[]>;
  /**
   * For a .mocharc.* or package.json: the checkout's files on either side of the patch, from the folder
   * mocha starts in (the file's own): whether a folder mocha reads holds files a change to recursive or
   * extension leaves out (see checkMochaFolders). Absent: not known, taken as holding some.
   */
  mochaFiles?: string[];
  /**
   * For a pytest config file that hands over to another (deleted, or its section moved), or takes over: the
   * files pytest reads in its folder before and after the patch, compared in its place (see pytestConfigsIn).
   */
  pytestReads?: { before: PytestConfig | null; after: PytestConfig | null; deleted?: boolean };
  /** A test entry script's own moves: where it is, and the testpaths where it goes. */
  script?: ScriptMoves;
}

/** tsconfig.json, tsconfig.build.json, jsconfig.json: what `tsc -p` checks and how strictly. */
const TSCONFIG = /^[tj]sconfig(\.[\w-]+)?\.json$/;
/** A Makefile make reads by itself, or one it includes; matched against a file's name. */
export const MAKEFILE = /^(Makefile|GNUmakefile|makefile|[^/]+\.mk)$/;
/** just's and go-task's files, whose recipes and tasks are checked as make targets are. */
export const JUSTFILE = /^(justfile|Justfile|\.justfile)$/;
export const TASKFILE = /^Taskfile(\.dist)?\.ya?ml$/;
const MOCHA_CONFIG = /^\.mocharc\.(json|jsonc|ya?ml|[cm]?js)$/;
/** `coverage.exclude` in a vitest config leaves files out of coverage, not tests out of the run. */
const VITEST_NOT_TESTS = new Set(["coverage", "typecheck", "benchmark", "server", "deps", "build", "optimizeDeps"]);
