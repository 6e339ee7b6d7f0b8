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
    // A command line a wrapper is given as one string: env's split string (the words after it follow it), npx's call.
    [`env -S 'pytest -k fast'`, [["pytest", "-k", "fast"]]],
    [`env -S"pytest -x" tests/unit`, [["pytest", "-x", "tests/unit"]]],
    [`env -i --split-string='pytest -q' tests`, [["pytest", "-q", "tests"]]],
    [`npx -c 'jest src && eslint .'`, [["jest", "src"], ["eslint", "."]]],
    [`npx --yes --call 'jest src'`, [["jest", "src"]]],
    [`npm exec -c 'jest -t fast'`, [["jest", "-t", "fast"]]],
    [`npm exec --call='jest'`, [["jest"]]],
    [`pnpm exec -c 'vitest run src'`, [["vitest", "run", "src"]]],
    [`timeout 600 env -S 'pytest -x'`, [["pytest", "-x"]]],
  ])("%s", (cmd, segments) => expect(commandSegments(cmd)).toEqual(segments));

  // A wrapper starting the program in a folder it names runs it there, and only it: as `pushd dir`, the command, `popd`.
  test.each<[string, string[][]]>([
    [`env -C sub pytest -k x`, [["pushd", "sub"], ["env", "pytest", "-k", "x"], ["popd"]]],
    [`env --chdir=sub pytest && pytest`, [["pushd", "sub"], ["env", "pytest"], ["popd"], ["pytest"]]],
    [`env -Csub pytest`, [["pushd", "sub"], ["env", "pytest"], ["popd"]]],
    [`env -iC sub pytest`, [["pushd", "sub"], ["env", "-i", "pytest"], ["popd"]]],
    [`sudo -u runner -D tests pytest`, [["pushd", "tests"], ["sudo", "-u", "runner", "pytest"], ["popd"]]],
    [`sudo -EDtests pytest`, [["pushd", "tests"], ["sudo", "-E", "pytest"], ["popd"]]],
    [`uv run --directory d pytest`, [["pushd", "d"], ["uv", "run", "pytest"], ["popd"]]],
    [`env -C a sudo -D b pytest`, [["pushd", "a"], ["pushd", "b"], ["env", "sudo", "pytest"], ["popd"], ["popd"]]],
    [`env -C sub bash -c 'cd tests && pytest'`, [["pushd", "sub"], ["cd", "tests"], ["pytest"], ["popd"]]],
    // `sudo -i` starts it in the user's home, which it does not name: left as written.
    [`sudo -i pytest`, [["sudo", "-i", "pytest"]]],
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
    [["xvfb-run", "-a", "sh", "-c", "pytest"], 4],
  ])("%j → %s", (words, at) => expect(shellScriptAt(words)).toBe(at));
});
