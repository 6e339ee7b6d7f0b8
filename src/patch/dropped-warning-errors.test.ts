import { describe, expect, test } from "@jest/globals";
import { droppedThroughMakeVariables, findDroppedWarningErrors } from "./dropped-warning-errors.js";
import { readMakefile } from "./read-makefile.js";
import type { FilePatch, HunkLine } from "./types.js";

const patch = (path: string, lines: string[]): FilePatch => ({
  status: "modified",
  oldPath: path,
  path,
  binary: false,
  hunks: [{ header: "@@ -1 +1 @@", oldStart: 1, lines: lines.map((l): HunkLine => ({ kind: l[0] as HunkLine["kind"], text: l.slice(1) })) }],
});
const dropped = (path: string, lines: string[]) => findDroppedWarningErrors(patch(path, lines)).map((d) => d.switch);

describe("findDroppedWarningErrors", () => {
  test.each<[string, string, string[], string[]]>([
    ["-W error from a workflow run:", ".github/workflows/ci.yml", ["-      - run: python -m pytest -W error", "+      - run: python -m pytest"], ["-W error"]],
    ["-Werror from a Makefile recipe", "Makefile", ["-\tpytest -Werror", "+\tpytest"], ["-W error"]],
    ["a category's -W error from a package script", "package.json", ['-    "test": "pytest -W error::DeprecationWarning"', '+    "test": "pytest"'], ["-W error::DeprecationWarning"]],
    ["the interpreter's -W error", "tox.ini", ["-commands = python -W error -m pytest", "+commands = python -m pytest"], ["-W error"]],
    ["-W error from a noxfile's session.run", "noxfile.py", ['-    session.run("pytest", "-W", "error")', '+    session.run("pytest")'], ["-W error"]],
    ["PYTHONWARNINGS from a workflow's env", ".github/workflows/ci.yml", ["       env:", "-        PYTHONWARNINGS: error", "+        PYTHONWARNINGS: default"], ["PYTHONWARNINGS=error"]],
    ["PYTHONWARNINGS from a dotenv file", ".env", ["-PYTHONWARNINGS=error,ignore::DeprecationWarning:botocore", "+PYTHONWARNINGS=ignore::DeprecationWarning:botocore"], ["PYTHONWARNINGS=error"]],
    ["every warning narrowed to one category", "Makefile", ["-\tpytest -W error", "+\tpytest -W error::DeprecationWarning"], ["-W error"]],
    ["a blanket -W ignore put after it", "Makefile", ["-\tpytest -W error", "+\tpytest -W error -W ignore"], ["-W error"]],
    ["the continuation line of a command", "Makefile", [" \tpytest -q \\", "-\t\t-W error \\", " \t\ttests"], ["-W error"]],
    ["PYTHONWARNINGS from tox's setenv", "tox.ini", [" setenv =", "-    PYTHONWARNINGS = error", "+    PYTHONWARNINGS = default"], ["PYTHONWARNINGS=error"]],
    ["PYTHONWARNINGS from tox's one-line setenv", "tox.ini", ["-setenv = PYTHONWARNINGS=error"], ["PYTHONWARNINGS=error"]],
    ["-W error moved from pytest's line to flake8's", "Makefile", ["-\tpytest -W error", "+\tpytest", " lint:", "-\tpython -m flake8", "+\tpython -W error -m flake8"], ["-W error"]],
    // Another runner stands for one it replaced, not for one the patch leaves running without the switch.
    ["-W error moved from pytest's line to a new -m unittest line, pytest kept", "Makefile", ["-\tpytest -W error", "+\tpytest", "+\tpython -W error -m unittest discover"], ["-W error"]],
    ["-W error moved from setup.py test to a new pytest line, setup.py test kept", "tox.ini", [" commands =", "-    python -W error setup.py test", "+    python setup.py test", "+    python -W error -m pytest"], ["-W error"]],
  ])("flags %s", (_name, path, lines, want) => {
    expect(dropped(path, lines)).toEqual(want);
  });

  test.each<[string, string, string[]]>([
    ["a third-party warning ignored beside it", "Makefile", ["-\tpytest -W error", "+\tpytest -W error -W ignore::DeprecationWarning:botocore"]],
    ["pytest run as a module instead", ".github/workflows/ci.yml", ["-      - run: pytest -W error", "+      - run: python -m pytest -W error"]],
    // setuptools 72 removed `setup.py test`: the usual fix runs the same tests with pytest, -W error kept.
    ["setup.py test replaced by pytest", "tox.ini", ["-commands = python -W error setup.py test", "+commands = python -W error -m pytest"]],
    ["unittest replaced by pytest", ".github/workflows/ci.yml", ["-      - run: python -W error -m unittest discover", "+      - run: python -W error -m pytest"]],
    ["pytest replaced by unittest, an unchanged pytest line beside it", "Makefile", [" \tpytest --doctest-modules src", "-\tpytest -W error tests", "+\tpython -W error -m unittest discover tests"]],
    ["the command moved to another line", "Makefile", ["-\tpytest -W error", "+\tpytest -x \\", "+\t\t-W error"]],
    ["PYTHONWARNINGS kept, a named warning ignored after it", ".github/workflows/ci.yml", ["-        PYTHONWARNINGS: error", "+        PYTHONWARNINGS: error,ignore::DeprecationWarning:botocore"]],
    ["-Werror from a C compiler's flags", "Makefile", ["-CFLAGS = -Wall -Werror", "+CFLAGS = -Wall"]],
    // addopts is pytest's config: checkPytestStrictness reads it whole.
    ["addopts in pytest.ini", "pytest.ini", ["-addopts = -W error", "+addopts = -q"]],
    ["a Python source file", "src/run.py", ['-    subprocess.run(["pytest", "-W", "error"])', '+    subprocess.run(["pytest"])']],
  ])("does not flag %s", (_name, path, lines) => {
    expect(dropped(path, lines)).toEqual([]);
  });
});

describe("findDroppedWarningErrors given the file before the patch", () => {
  // Two hunks of one workflow: the job's env and, far below, the test step.
  const JOB = ["jobs:", "  test:", "    runs-on: ubuntu-latest", "    steps:", "      - uses: actions/checkout@v4", "      - run: pip install .", "      - run: python -m pytest -W error", "  lint:", "    runs-on: ubuntu-latest", "    steps:", "      - run: python -m flake8", ""].join("\n");
  const fp = (hunks: string[][]): FilePatch => ({
    status: "modified",
    oldPath: ".github/workflows/ci.yml",
    path: ".github/workflows/ci.yml",
    binary: false,
    hunks: hunks.map(([at, ...lines]) => ({ header: `@@ -${at} @@`, oldStart: Number(at), lines: lines.map((l): HunkLine => ({ kind: l[0] as HunkLine["kind"], text: l.slice(1) })) })),
  });
  const toStep = ["7", "-      - run: python -m pytest -W error", "+      - run: python -m pytest"];

  test("a switch moved to an env that covers its command, in another hunk, is not dropped", () => {
    const patch = fp([["3", "     runs-on: ubuntu-latest", "+    env:", "+      PYTHONWARNINGS: error"], toStep]);
    expect(findDroppedWarningErrors(patch, JOB)).toEqual([]);
    // Without the file, each hunk is read alone, as before.
    expect(findDroppedWarningErrors(patch).map((d) => d.switch)).toEqual(["-W error"]);
  });

  test("a switch moved to another job's env is dropped", () => {
    const patch = fp([toStep, ["9", "     runs-on: ubuntu-latest", "+    env:", "+      PYTHONWARNINGS: error"]]);
    expect(findDroppedWarningErrors(patch, JOB).map((d) => d.switch)).toEqual(["-W error"]);
  });

  test("a step's own PYTHONWARNINGS without error still wins over the job's error", () => {
    const withStepEnv = JOB.replace("      - run: python -m pytest -W error\n", "      - run: python -m pytest -W error\n        env:\n          PYTHONWARNINGS: default\n");
    const patch = fp([["3", "     runs-on: ubuntu-latest", "+    env:", "+      PYTHONWARNINGS: error"], toStep]);
    expect(findDroppedWarningErrors(patch, withStepEnv).map((d) => d.switch)).toEqual(["-W error"]);
  });

  test("a list item's own env holds for that step alone", () => {
    const itemEnv = JOB.replace("      - run: pip install .\n", "      - env:\n          PYTHONWARNINGS: error\n        run: pip install .\n");
    expect(findDroppedWarningErrors(fp([toStep.map((l, i) => (i === 0 ? "9" : l))]), itemEnv).map((d) => d.switch)).toEqual(["-W error"]);
  });

  test("a blanket ignore on the command still wins over an env's error", () => {
    const patch = fp([["3", "     runs-on: ubuntu-latest", "+    env:", "+      PYTHONWARNINGS: error"], ["7", "-      - run: python -m pytest -W error", "+      - run: python -m pytest -W ignore"]]);
    expect(findDroppedWarningErrors(patch, JOB).map((d) => d.switch)).toEqual(["-W error"]);
  });
});

describe("readMakefile's exports", () => {
  test.each<[string, string, string[]]>([
    ["export VAR = x and export VAR := x", "export A = 1\nexport B := 2\nC = 3\n", ["A", "B"]],
    ["export of a variable set earlier, or of several", "A = 1\nB = 2\nC = 3\nexport A C\n", ["A", "C"]],
    ["unexport after an export", "export A = 1\nB = 2\nexport B\nunexport A\n", ["B"]],
    // make exports every variable after a bare `export`, but for those `unexport` names.
    ["a bare export, wherever it is", "A = 1\nexport\nB := 2\nunexport C\nC = 3\n", ["A", "B"]],
    ["a bare unexport after a bare export", "A = 1\nexport\nexport B = 2\nunexport\n", ["B"]],
    ["a bare unexport, a bare export after it", "A = 1\nunexport\nexport\n", ["A"]],
    // GNU make's .EXPORT_ALL_VARIABLES target, read once the whole file is: every variable, but for those unexport names,
    // whatever bare unexport comes before or after it.
    [".EXPORT_ALL_VARIABLES:, wherever it is", "A = 1\n.EXPORT_ALL_VARIABLES:\nB := 2\nunexport C\nC = 3\n", ["A", "B"]],
    [".EXPORT_ALL_VARIABLES: with a bare unexport after it", "A = 1\n.EXPORT_ALL_VARIABLES:\nunexport\n", ["A"]],
    [".EXPORT_ALL_VARIABLES as a prerequisite, which exports nothing", "A = 1\nall: .EXPORT_ALL_VARIABLES\n", []],
  ])("%s", (_name, text, want) => {
    expect([...readMakefile(text).exported].sort()).toEqual(want);
  });
});

describe("readMakefile's values", () => {
  test.each<[string, string, string]>([
    ["+= appends with a space", "F = -q\nF += -W error\n", "-q -W error"],
    ["+= of a variable not set yet sets it", "F += -W error\n", "-W error"],
    ["an exported +=", "export F := -q\nexport F += -W error\n", "-q -W error"],
    ["?= leaves a value set before", "F = -W error\nF ?= -q\n", "-W error"],
    ["= replaces", "F = -W error\nF = -q\n", "-q"],
  ])("%s", (_name, text, want) => {
    expect(readMakefile(text).vars.get("F")).toBe(want);
  });
});

describe("droppedThroughMakeVariables", () => {
  const TEST = "\ntest:\n\tpytest $(PYTEST_FLAGS) tests\n";
  const dropped = (before: string, after: string) => droppedThroughMakeVariables(readMakefile(before), readMakefile(after)).map((d) => `${d.target}: ${d.switch} (${d.line})`);

  test.each<[string, string, string, string[]]>([
    ["-W error taken out of the variable", `PYTEST_FLAGS = -q -W error${TEST}`, `PYTEST_FLAGS = -q${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["the variable emptied", `PYTEST_FLAGS := -W error::DeprecationWarning${TEST}`, `PYTEST_FLAGS :=${TEST}`, ["test: -W error::DeprecationWarning (pytest $(PYTEST_FLAGS) tests)"]],
    ["the variable deleted", `PYTEST_FLAGS ?= -Werror${TEST}`, TEST, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["a ${VAR} in python -m pytest", "FLAGS = -W error\ncheck:\n\t@python -m pytest ${FLAGS}\n", "FLAGS = -W error -W ignore\ncheck:\n\t@python -m pytest ${FLAGS}\n", ["check: -W error (@python -m pytest ${FLAGS})"]],
    ["-W error moved to a PYTHONWARNINGS that is not exported", `PYTEST_FLAGS = -W error${TEST}`, `PYTHONWARNINGS = error\nPYTEST_FLAGS =${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["-W error moved to an exported PYTHONWARNINGS the recipe's own -W ignore wins over", `PYTEST_FLAGS = -W error${TEST}`, `export PYTHONWARNINGS = error\nPYTEST_FLAGS = -W ignore${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["the export taken off PYTHONWARNINGS", "export PYTHONWARNINGS := error\ntest:\n\tpytest\n", "PYTHONWARNINGS := error\ntest:\n\tpytest\n", ["test: PYTHONWARNINGS=error (pytest)"]],
    ["-W error taken out of a variable another flag is appended to", `PYTEST_FLAGS = -W error\nPYTEST_FLAGS += -q${TEST}`, `PYTEST_FLAGS =\nPYTEST_FLAGS += -q${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["-W error moved to PYTHONWARNINGS = error, a bare export taken back by a bare unexport", `PYTEST_FLAGS = -W error${TEST}`, `PYTHONWARNINGS = error\nexport\nunexport\nPYTEST_FLAGS =${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["-W error moved to PYTHONWARNINGS = error beside a bare export that unexports it by name", `PYTEST_FLAGS = -W error${TEST}`, `PYTHONWARNINGS = error\nexport\nunexport PYTHONWARNINGS\nPYTEST_FLAGS =${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    ["-W error moved to PYTHONWARNINGS = error under .EXPORT_ALL_VARIABLES: that unexports it by name", `PYTEST_FLAGS = -W error${TEST}`, `.EXPORT_ALL_VARIABLES:\nPYTHONWARNINGS = error\nunexport PYTHONWARNINGS\nPYTEST_FLAGS =${TEST}`, ["test: -W error (pytest $(PYTEST_FLAGS) tests)"]],
    [".EXPORT_ALL_VARIABLES: taken off beside PYTHONWARNINGS = error", `.EXPORT_ALL_VARIABLES:\nPYTHONWARNINGS = error${TEST}`, `PYTHONWARNINGS = error${TEST}`, ["test: PYTHONWARNINGS=error (pytest $(PYTEST_FLAGS) tests)"]],
    ["PYTHONWARNINGS unexported", "PYTHONWARNINGS = error\nexport PYTHONWARNINGS\ntest:\n\tpytest\n", "PYTHONWARNINGS = error\nexport PYTHONWARNINGS\nunexport PYTHONWARNINGS\ntest:\n\tpytest\n", ["test: PYTHONWARNINGS=error (pytest)"]],
  ])("flags %s", (_name, before, after, want) => {
    expect(dropped(before, after)).toEqual(want);
  });

  test.each<[string, string, string]>([
    ["the switch moved from the variable into the recipe", `PYTEST_FLAGS = -W error${TEST}`, "PYTEST_FLAGS =\ntest:\n\tpytest -W error $(PYTEST_FLAGS) tests\n"],
    ["another flag taken out of the variable", `PYTEST_FLAGS = -q -W error${TEST}`, `PYTEST_FLAGS = -W error${TEST}`],
    ["-W error moved from the variable to a top-level export PYTHONWARNINGS=error", `PYTEST_FLAGS = -W error${TEST}`, `export PYTHONWARNINGS=error\nPYTEST_FLAGS =${TEST}`],
    ["-W error moved to export PYTHONWARNINGS := error", `PYTEST_FLAGS = -W error${TEST}`, `export PYTHONWARNINGS := error\nPYTEST_FLAGS =${TEST}`],
    ["-W error moved to PYTHONWARNINGS ?= error exported below", `PYTEST_FLAGS = -W error${TEST}`, `PYTHONWARNINGS ?= error\nexport PYTHONWARNINGS\nPYTEST_FLAGS =${TEST}`],
    ["-W error moved to PYTHONWARNINGS = error and a bare export", `PYTEST_FLAGS = -W error${TEST}`, `PYTHONWARNINGS = error\nexport\nPYTEST_FLAGS =${TEST}`],
    ["-W error moved to PYTHONWARNINGS = error under .EXPORT_ALL_VARIABLES:", `PYTEST_FLAGS = -W error${TEST}`, `.EXPORT_ALL_VARIABLES:\nPYTHONWARNINGS = error\nPYTEST_FLAGS =${TEST}`],
    ["-W error moved to PYTHONWARNINGS = error, .EXPORT_ALL_VARIABLES: below it with its own recipe-less rule", `PYTEST_FLAGS = -W error${TEST}`, `PYTHONWARNINGS = error\nPYTEST_FLAGS =${TEST}\n.EXPORT_ALL_VARIABLES:\n`],
    ["-W error appended to the variable with +=", `PYTEST_FLAGS = -q -W error${TEST}`, `PYTEST_FLAGS = -q\nPYTEST_FLAGS += -W error${TEST}`],
    // The recipe's own line is findDroppedWarningErrors', which quotes it.
    ["the switch dropped from the recipe's own line", "test:\n\tpytest -W error\n", "test:\n\tpytest\n"],
    ["a C compiler's -Werror variable", "CFLAGS = -Wall -Werror\nbuild:\n\tcc $(CFLAGS) main.c\n", "CFLAGS = -Wall\nbuild:\n\tcc $(CFLAGS) main.c\n"],
  ])("does not flag %s", (_name, before, after) => {
    expect(dropped(before, after)).toEqual([]);
  });
});
