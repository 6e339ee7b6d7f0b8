import { describe, expect, test } from "@jest/globals";
import { commandSegments, shellScriptAt } from "./command-segments.js";

describe("commandSegments reads the script a shell is given with -c as the commands it runs", () => {
  test.each<[string, string[][]]>([
    [`bash -c "pytest -k 'not slow'"`, [["pytest", "-k", "not slow"]]],
    [`sh -c 'pytest tests/unit' && echo done`, [["pytest", "tests/unit"], ["echo", "done"]]],
    [`/bin/bash -ec "pip install . && pytest"`, [["pip", "install", "."], ["pytest"]]],
    [`bash --noprofile --norc -eo pipefail -c "pytest | tee log"`, [["pytest"], ["tee", "log"]]],
    [`CI=1 exec sh -c 'pytest -q'`, [["pytest", "-q"]]],
    [`bash -c "sh -c 'pytest -x'"`, [["pytest", "-x"]]],
    // The words after the script are its $0, $1…
    [`bash -c 'pytest "$@"' bash tests -x`, [["pytest", "tests", "-x"]]],
    [`sh -c 'pytest $1 && echo $0 ran' sh tests/unit`, [["pytest", "tests/unit"], ["echo", "sh", "ran"]]],
    [`bash -c 'pytest "$@"'`, [["pytest"]]],
    // Behind a wrapper given options: the wrapper's options and operands are not the shell's.
    [`sudo -E bash -c 'pytest -k fast'`, [["pytest", "-k", "fast"]]],
    [`sudo -u runner -E sh -c 'pytest tests/unit'`, [["pytest", "tests/unit"]]],
    [`env -i PATH=$PATH bash -c 'pytest -x'`, [["pytest", "-x"]]],
    [`timeout -k 10s 20m bash -ec 'pytest -q'`, [["pytest", "-q"]]],
    [`nice -n 10 xvfb-run -a -s "-screen 0 1024x768x24" sh -c 'npm test'`, [["npm", "test"]]],
  ])("%s", (cmd, segments) => expect(commandSegments(cmd)).toEqual(segments));

  test.each<[string, string, string[][]]>([
    ["a script file", `bash scripts/test.sh`, [["bash", "scripts/test.sh"]]],
    ["an option that is not -c", `bash -x scripts/test.sh`, [["bash", "-x", "scripts/test.sh"]]],
    ["a program that is no shell", `python -c 'print(1)'`, [["python", "-c", "print(1)"]]],
    ["-c with no script", `bash -c`, [["bash", "-c"]]],
  ])("%s is left as written", (_name, cmd, segments) => expect(commandSegments(cmd)).toEqual(segments));
});

describe("shellScriptAt: where a shell's -c script is among its words", () => {
  test.each<[string[], number | undefined]>([
    [["bash", "-c", "pytest"], 2],
    [["bash", "-eo", "pipefail", "-c"], 4],
    [["sh", "-c"], 2],
    [["bash", "-c", "--", "pytest"], 3],
    [["bash", "-e", "--", "x"], undefined],
    [["bash", "x.sh"], undefined],
    [["zsh", "+o", "nomatch", "-c", "pytest"], 4],
    [["sudo", "-E", "bash", "-c", "pytest"], 4],
    [["env", "-u", "CI", "bash", "-c"], 5],
    [["timeout", "600", "sh", "-c", "pytest"], 4],
    // `timeout` reads its DURATION first: here that is `sh`, and the program `-c`, no shell.
    [["timeout", "sh", "-c", "pytest"], undefined],
  ])("%j → %s", (words, at) => expect(shellScriptAt(words)).toBe(at));
});
