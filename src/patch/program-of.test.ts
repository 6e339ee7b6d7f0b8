import { describe, expect, test } from "@jest/globals";
import { commandSegments } from "./command-segments.js";
import { programOf } from "./program-of.js";

/** The program a command runs and the words it is given, as `[name, ...its arguments]`. */
const ran = (cmd: string) => {
  const words = commandSegments(cmd)[0]!;
  const p = programOf(words);
  return p && [p.name, ...words.slice(p.argsFrom)];
};

describe("programOf looks through wrappers, with their options and operands, to the program they run", () => {
  test.each<[string, string[]]>([
    ["sudo -E pytest -k fast", ["pytest", "-k", "fast"]],
    ["sudo -u runner -E pytest", ["pytest"]],
    ["sudo -Eu runner pytest tests", ["pytest", "tests"]],
    ["sudo -E bash scripts/test.sh", ["bash", "scripts/test.sh"]],
    ["env -i PATH=$PATH pytest tests/unit", ["pytest", "tests/unit"]],
    ["env -u CI pytest", ["pytest"]],
    ["env --unset CI --unset=HOME -i pytest", ["pytest"]],
    ["timeout 600 pytest tests/", ["pytest", "tests/"]],
    ["timeout -k 10s 20m npm test", ["run:test"]],
    ["timeout --signal KILL 5m go test ./...", ["go test", "./..."]],
    ["timeout -- 600 pytest", ["pytest"]],
    ["nice -n 10 go test ./...", ["go test", "./..."]],
    ["nice -n10 pytest", ["pytest"]],
    ["nice -10 pytest", ["pytest"]],
    ["xvfb-run -a npm test", ["run:test"]],
    [`xvfb-run --auto-servernum --server-args="-screen 0 1024x768x24" npm test`, ["run:test"]],
    [`xvfb-run -a -s "-screen 0 1024x768x24" pytest -x`, ["pytest", "-x"]],
    ["stdbuf -oL pytest", ["pytest"]],
    ["stdbuf -o L -e L pytest", ["pytest"]],
    ["ionice -c3 pytest", ["pytest"]],
    ["ionice -c 2 -n 7 pytest", ["pytest"]],
    ["time -p pytest", ["pytest"]],
    ["time -f %e -o t.txt pytest", ["pytest"]],
    ["catchsegv pytest", ["pytest"]],
    ["dbus-run-session -- pytest", ["pytest"]],
    ["npx --yes jest src", ["jest", "src"]],
    ["npx -p @playwright/test playwright test", ["playwright test"]],
    ["c8 -r lcov --lines 80 mocha test/", ["mocha", "test/"]],
    ["uv run pytest", ["pytest"]],
    ["uv run --with pytest-cov pytest -k fast", ["pytest", "-k", "fast"]],
    ["poetry run pytest", ["pytest"]],
    ["pipenv run pytest", ["pytest"]],
    ["hatch run test", ["test"]],
    ["nice -n 10 ionice -c3 timeout 600 sudo -E env CI=1 python -m pytest -x", ["pytest", "-x"]],
    // The program's own options stay its own: `jest -- --foo` passes --foo to jest.
    ["npx jest -- src", ["jest", "--", "src"]],
  ])("%s", (cmd, expected) => expect(ran(cmd)).toEqual(expected));

  // Started in the user's home, a runner given no paths runs other tests, in a folder not named: not seen through.
  test.each(["sudo -i pytest", "sudo -Ei pytest", "sudo --login pytest"])("%s is not seen through", (cmd) => expect(ran(cmd)?.[0]).toBe("sudo"));

  // `command -v` and `-V` only say what the name is: the program they name does not run.
  test.each(["command -v pytest", "command -V pytest", "command -pv pytest"])("%s runs no pytest", (cmd) => expect(ran(cmd)?.[0]).toBe("command"));
  test("command without -v runs the program", () => expect(ran("command -p pytest -x")).toEqual(["pytest", "-x"]));

  // `retry` runs the command again when it fails: a flaky test passing on a later try, which the policy refuses.
  test("retry is no wrapper: pytest run through it is not pytest", () => expect(ran("retry -t 3 -- pytest")?.[0]).toBe("retry"));
});
