import { describe, expect, test } from "@jest/globals";
import { addedSelectionFlag } from "./added-selection-flag.js";
import { commandSegments } from "./command-segments.js";
import { findConfigGreenwashing } from "./greenwash-config.js";
import { narrowedSelection } from "./narrowed-selection.js";
import { programsOf } from "./programs-of.js";
import { pytestTestpaths } from "./pytest-testpaths.js";
import { scriptDirCd } from "./script-dir-cd.js";
import { vitestMajor } from "./vitest-major.js";

const pkg = (scripts: Record<string, string>, extra: Record<string, unknown> = {}) => JSON.stringify({ name: "x", scripts, ...extra }, null, 2);
const found = (file: string, before: string | null, after: string) => findConfigGreenwashing(file, before, after).map((f) => `${f.rule}: ${f.reason}`);

describe("whole-file green-washing checks: what must NOT be flagged", () => {
  test.each<[string, string, string, string]>([
    ["NODE_OPTIONS before jest", "package.json", pkg({ test: "jest" }), pkg({ test: "NODE_OPTIONS=--experimental-vm-modules jest" })],
    ["vitest → vitest run", "package.json", pkg({ test: "vitest" }), pkg({ test: "vitest run" })],
    ["react-scripts test --watchAll=false", "package.json", pkg({ test: "react-scripts test" }), pkg({ test: "react-scripts test --watchAll=false" })],
    ["npm run build inlined", "package.json", pkg({ test: "npm run build && jest", build: "tsc" }), pkg({ test: "tsc && jest", build: "tsc" })],
    ["cross-env added", "package.json", pkg({ test: "jest" }), pkg({ test: "cross-env NODE_ENV=test jest" })],
    ["test:watch removed", "package.json", pkg({ test: "jest", "test:watch": "jest --watch" }), pkg({ test: "jest" })],
    ["npm's placeholder test script replaced", "package.json", pkg({ test: 'echo "Error: no test specified" && exit 1' }), pkg({ test: "node --test" })],
    ["eslint --ignore-pattern next to the tests", "package.json", pkg({ test: "eslint . && jest" }), pkg({ test: "eslint . --ignore-pattern gen/ && jest" })],
    ["go test -race", "Makefile", "test:\n\tgo test ./...\n", "test:\n\tgo test -race ./...\n"],
    ["a non-test prerequisite of make test dropped", "Makefile", "test: build\n\tpytest\nbuild:\n\tpython -m build\n", "test:\n\tpytest\nbuild:\n\tpython -m build\n"],
    ["cd + python -m pytest -x", "Makefile", "test:\n\tcd tests && pytest\n", "test:\n\tcd tests && python -m pytest -x\n"],
    ["$(MAKE) -C sub test kept", "Makefile", "check:\n\t$(MAKE) -C sub test\n", "check:\n\t@$(MAKE) -C sub test V=1\n"],
    ["--ignore=.venv in addopts", "pytest.ini", "[pytest]\naddopts = -q\n", "[pytest]\naddopts = -q --ignore=.venv\n"],
    ["-k outside pytest's section", "setup.cfg", "[tool:pytest]\naddopts = -q\n[aliases]\ntest = pytest\n", "[tool:pytest]\naddopts = -q\n[aliases]\ntest = pytest -k x\n"],
    ["another [project] in pyproject.toml", "pyproject.toml", '[project]\nname = "a"\n[tool.pytest.ini_options]\naddopts = "-q"\n', '[project]\nname = "b"\n[tool.pytest.ini_options]\naddopts = "-q"\n'],
    ["transformIgnorePatterns (an ESM fix)", "jest.config.js", "module.exports = {\n  testEnvironment: 'node',\n};\n", "module.exports = {\n  testEnvironment: 'node',\n  transformIgnorePatterns: ['/node_modules/(?!lodash-es)'],\n};\n"],
    ["testMatch widened", "jest.config.ts", "export default { testMatch: ['**/*.test.js'] };\n", "export default { testMatch: ['**/*.test.js', '**/*.test.ts'] };\n"],
    ["compiled copies in dist/ ignored", "jest.config.cjs", "module.exports = {};\n", "module.exports = { testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'] };\n"],
    ["vitest coverage.exclude (not tests)", "vitest.config.ts", "export default defineConfig({ test: { coverage: { exclude: [] } } });\n", "export default defineConfig({ test: { coverage: { exclude: ['src/gen/**'] } } });\n"],
    ["exclude outside vite's test block", "vite.config.ts", "export default defineConfig({ build: { outDir: 'dist' } });\n", "export default defineConfig({ build: { outDir: 'dist' }, optimizeDeps: { exclude: ['y'] } });\n"],
    ["collect_ignore = ['setup.py'] (pytest's own example)", "conftest.py", "import pytest\n", "import pytest\n\ncollect_ignore = ['setup.py']\n"],
    ["a commented-out collect_ignore", "conftest.py", "import pytest\n", "import pytest\n# collect_ignore = ['test_a.py']\n"],
  ])("%s", (_name, file, before, after) => {
    expect(found(file, before, after)).toEqual([]);
  });
});

test("norecursedirs naming pytest's own defaults and build folders skips no test", () => {
  expect(found("pytest.ini", "[pytest]\naddopts = -q\n", "[pytest]\naddopts = -q\nnorecursedirs = .* *.egg build dist venv .tox node_modules\n")).toEqual([]);
});

describe("whole-file green-washing checks: what must be flagged", () => {
  test.each<[string, string, string | null, string, RegExp]>([
    ["the test script removed", "package.json", pkg({ test: "jest", lint: "eslint ." }), pkg({ lint: "eslint ." }), /^skip_tests: the patch removes the test script "test"/],
    ["test:e2e no longer runs playwright", "package.json", pkg({ test: "npm run test:unit && npm run test:e2e", "test:unit": "jest", "test:e2e": "playwright test" }), pkg({ test: "npm run test:unit", "test:unit": "jest", "test:e2e": "playwright test" }), /drops playwright test from the test script "test"/],
    ["-t added to jest", "package.json", pkg({ test: "jest" }), pkg({ test: "jest -t adds" }), /adds -t to the test script "test"/],
    ["-u added to vitest", "package.json", pkg({ test: "vitest run" }), pkg({ test: "vitest run -u" }), /rewrites the snapshots/],
    ["--coverage dropped", "package.json", pkg({ test: "jest --coverage" }), pkg({ test: "jest" }), /^lower_thresholds: the patch turns coverage off in the test script "test"/],
    ["testPathIgnorePatterns under package.json jest", "package.json", pkg({ test: "jest" }, { jest: { testEnvironment: "node" } }), pkg({ test: "jest" }, { jest: { testEnvironment: "node", testPathIgnorePatterns: ["/test/a"] } }), /adds "\/test\/a" to testPathIgnorePatterns/],
    ["go test -run", "Makefile", "test:\n\tgo test ./...\n", "test:\n\tgo test -run TestA ./...\n", /adds -run to the recipe of the make target test/],
    ["-k through a make variable", "Makefile", "ARGS = -q\nPYTEST = pytest\ntest:\n\t$(PYTEST) $(ARGS)\n", "ARGS = -q -k foo\nPYTEST = pytest\ntest:\n\t$(PYTEST) $(ARGS)\n", /adds -k to the recipe of the make target test \("pytest -q" → "pytest -q -k foo"\)/],
    ["the e2e prerequisite of make test dropped", "Makefile", "test: unit e2e\nunit:\n\tpytest tests/unit\ne2e:\n\tplaywright test\n", "test: unit\nunit:\n\tpytest tests/unit\ne2e:\n\tplaywright test\n", /removes e2e from the prerequisites of the make target test/],
    ["make test removed", "Makefile", "test:\n\tpytest\nlint:\n\truff .\n", "lint:\n\truff .\n", /removes the make target test/],
    ["--ignore=tests/slow in addopts", "pytest.ini", "[pytest]\naddopts = -q\n", "[pytest]\naddopts = -q --ignore=tests/slow\n", /adds --ignore to addopts in \[pytest\] of pytest\.ini/],
    ["-m on a continuation line in tox.ini", "tox.ini", "[pytest]\naddopts =\n    -q\n", "[pytest]\naddopts =\n    -q\n    -m \"not slow\"\n", /adds -m to addopts in \[pytest\] of tox\.ini/],
    ["--deselect in a pyproject addopts list", "pyproject.toml", '[tool.pytest.ini_options]\naddopts = ["-q"]\n', '[tool.pytest.ini_options]\naddopts = ["-q", "--deselect", "tests/test_a.py::test_b"]\n', /adds --deselect to addopts in \[tool\.pytest\.ini_options\]/],
    ["testpaths narrowed in setup.cfg", "setup.cfg", "[tool:pytest]\ntestpaths = tests integration\n", "[tool:pytest]\ntestpaths = tests\n", /removes "integration" from testpaths in \[tool:pytest\] of setup\.cfg/],
    ["testMatch narrowed", "jest.config.ts", "export default { testMatch: ['**/*.test.js', '**/*.spec.js'] };\n", "export default { testMatch: ['**/*.test.js'] };\n", /removes "\*\*\/\*\.spec\.js" from testMatch/],
    ["roots set", "jest.config.mjs", "export default {};\n", "export default { roots: ['<rootDir>/src'] };\n", /sets roots/],
    ["testRegex as a regex literal", "jest.config.js", "export default { testRegex: /\\.test\\.js$/ };\n", "export default { testRegex: /sum\\.test\\.js$/ };\n", /from testRegex/],
    ["vitest test.exclude", "vitest.config.ts", "export default defineConfig({ test: { exclude: [...configDefaults.exclude] } });\n", "export default defineConfig({ test: { exclude: [...configDefaults.exclude, 'test/slow/**'] } });\n", /adds "test\/slow\/\*\*" to test\.exclude/],
    ["modulePathIgnorePatterns in a new jest.config.json", "jest.config.json", null, '{ "modulePathIgnorePatterns": ["<rootDir>/test/flaky"] }\n', /to modulePathIgnorePatterns/],
    ["collect_ignore appended conditionally", "tests/conftest.py", "import sys\ncollect_ignore = []\n", "import sys\ncollect_ignore = []\nif sys.version_info < (3, 10):\n    collect_ignore.append('test_new.py')\n", /adds "test_new\.py" to collect_ignore,/],
    ["collect_ignore_glob extended", "conftest.py", "collect_ignore_glob = ['*_old.py']\n", "collect_ignore_glob = [\n    '*_old.py',\n    'test_b*.py',  # flaky\n]\n", /adds "test_b\*\.py" to collect_ignore_glob/],
    ["norecursedirs gains the test folder", "setup.cfg", "[tool:pytest]\naddopts = -q\n", "[tool:pytest]\naddopts = -q\nnorecursedirs = .git tests\n", /adds "tests" to norecursedirs in \[tool:pytest\] of setup\.cfg/],
  ])("%s", (_name, file, before, after, want) => {
    expect(found(file, before, after)).toEqual([expect.stringMatching(want)]);
  });

  test("a prerequisite of make test that stops running its tests", () => {
    const mk = "test: unit e2e\nunit:\n\tpytest tests/unit\ne2e:\n\tplaywright test\n";
    expect(found("Makefile", mk, mk.replace("playwright test", "echo skip"))).toContainEqual("skip_tests: the patch drops playwright test from the make target test");
  });

  test("a deleted file has nothing to compare", () => {
    expect(findConfigGreenwashing("Makefile", "test:\n\tpytest\n", null)).toEqual([]);
  });
});

describe("tsconfig.json: type checks turned off, files left out", () => {
  const ts = (compilerOptions: Record<string, unknown>, more: Record<string, unknown> = {}) => JSON.stringify({ compilerOptions, include: ["src"], ...more }, null, 2);
  test.each<[string, string, string, string, RegExp | null]>([
    ["strict turned off", "tsconfig.json", ts({ strict: true }), ts({ strict: false }), /turns the TypeScript check strict off/],
    ["noImplicitAny off under strict", "tsconfig.json", ts({ strict: true }), ts({ strict: true, noImplicitAny: false }), /turns the TypeScript check noImplicitAny off/],
    ["strict dropped, with a comment and a trailing comma", "tsconfig.json", `{\n  // checks\n  "compilerOptions": { "strict": true, "target": "es2022", },\n}\n`, `{\n  // checks\n  "compilerOptions": { "target": "es2022", },\n}\n`, /check strict off/],
    ["a source file excluded", "tsconfig.build.json", ts({ strict: true }, { exclude: ["node_modules"] }), ts({ strict: true }, { exclude: ["node_modules", "src/legacy/broken.ts"] }), /excludes "src\/legacy\/broken\.ts" from what tsc checks/],
    ["a folder dropped from include", "tsconfig.json", ts({}, { include: ["src", "scripts"] }), ts({}, { include: ["src"] }), /drops "scripts" from include/],
    ["checkJs turned off", "jsconfig.json", ts({ checkJs: true }), ts({ checkJs: false }), /check checkJs off/],
    // What must not be flagged:
    ["dist added to exclude", "tsconfig.json", ts({ strict: true }, { exclude: ["node_modules"] }), ts({ strict: true }, { exclude: ["node_modules", "dist"] }), null],
    ["strict turned on", "tsconfig.json", ts({ noImplicitAny: true }), ts({ strict: true }), null],
    ["a folder added to include", "tsconfig.json", ts({}), ts({}, { include: ["src", "test"] }), null],
    ["include dropped for tsc's default (every file)", "tsconfig.json", ts({}), JSON.stringify({ compilerOptions: {} }), null],
    ["a new tsconfig.build.json leaving tests out", "tsconfig.build.json", "", JSON.stringify({ extends: "./tsconfig.json", exclude: ["src/**/*.test.ts"] }), null],
    ["a target bumped", "tsconfig.json", ts({ strict: true, target: "es2020" }), ts({ strict: true, target: "es2022" }), null],
  ])("%s", (_name, file, before, after, want) => {
    expect(found(file, before, after)).toEqual(want ? [expect.stringMatching(new RegExp(`^lower_thresholds: .*${want.source}`))] : []);
  });
});

describe("test commands", () => {
  test.each<[string, string[]]>([
    ["jest", ["jest"]],
    ["NODE_OPTIONS=--x npx --yes jest --ci", ["jest"]],
    ["node --experimental-vm-modules node_modules/jest/bin/jest.js", ["jest"]],
    ["./node_modules/.bin/mocha 'test/**/*.js'", ["mocha"]],
    ["poetry run python -m pytest -x", ["pytest"]],
    ["$(PY) -m pytest", ["pytest"]],
    ["cd tests && echo go && go test ./... | tee out.log", ["go test"]],
    ["npm run lint && npm test", ["run:lint", "run:test"]],
    ["$(MAKE) -C sub test", ["make test"]],
    ["node --test --test-reporter=dot test/", ["node --test"]],
    ["dotenv -e .env.test -- vitest run", ["vitest"]],
  ])("%s runs %j", (cmd, want) => {
    expect([...programsOf(cmd)]).toEqual(want);
  });

  test("package scripts are followed", () => {
    const scripts: Record<string, string> = { test: "npm run test:unit", "test:unit": "jest" };
    expect([...programsOf("npm test", (n) => (n.startsWith("run:") ? scripts[n.slice(4)] : undefined))]).toEqual(["jest"]);
  });

  test.each<[string, string, string | undefined]>([
    ["jest", "jest --runInBand", undefined],
    ["pytest", "python -m pytest -x", undefined],
    ["pytest -k 'a'", "pytest -k 'b'", undefined],
    ["pytest", "pytest -kslow", "-k"],
    ["jest", "jest --testPathIgnorePatterns=e2e", "--testPathIgnorePatterns"],
    ["jest", "jest --testPathIgnorePatterns=dist", undefined],
    ["mvn test", "mvn test -DskipTests", "-DskipTests"],
    ["mocha", "mocha -g add", "-g"],
    ["vitest run", "vitest run -t add", "-t"],
    ["tsc -t es2020 && jest", "tsc -t es2022 -m esnext && jest", undefined],
    ["cargo test", "cargo test --no-run", "--no-run"],
    ["go test ./...", "go test -short ./...", "-short"],
    ["jest", `jest --config '{"testMatch":["**/none/**"]}'`, "--config"],
    ["jest", "jest --config jest.ci.config.js", undefined],
    ["jest -c jest.config.js", "jest -c jest.config.js --ci", undefined],
    ["cargo test", "cargo test --lib", "--lib"],
    ["cargo test --workspace", "cargo test --workspace --test api", "--test"],
    ["cargo test --lib && cargo test --doc", "cargo test --lib --locked && cargo test --doc", undefined],
    ["mocha", "mocha --dry-run", "--dry-run"],
    ["jest", "jest --showConfig", "--showConfig"],
    ["jest", "true && jest --version", "--version"],
    ["vitest run", "vitest run --changed", "--changed"],
    ["lerna run test", "lerna run test --since main", "--since"],
    ["jest", "node --version && jest", undefined],
    ["pytest", "pip --version && pytest", undefined],
  ])("%s → %s adds %s", (before, after, flag) => {
    expect(addedSelectionFlag(before, after)?.flag).toBe(flag);
  });

  test.each<[string, string, string[] | undefined]>([
    ["jest", "jest src/only/one", ["(all tests)"]],
    ["pytest tests", "pytest tests/test_a.py", ["tests"]],
    ["pytest tests/a tests/b", "pytest tests/a", ["tests/b"]],
    ["pytest tests/test_a.py", "pytest tests/test_a.py::test_x", ["tests/test_a.py"]],
    ["go test ./...", "go test ./pkg/a", ["./..."]],
    ["go test ./...", "go test .", ["./..."]],
    ["vitest run", "vitest run src/a", ["(all tests)"]],
    ["pytest", "pytest .", undefined],
    ["vitest", "vitest run", undefined],
    ["go test", "go test ./...", undefined],
    ["go test", "go test -v -count 1", undefined],
    ["pytest tests/unti", "pytest tests/unit", undefined],
    ["pytest -k a", "pytest -k b --cov src -p no:cacheprovider", undefined],
    ["mocha", "mocha 'test/**/*.spec.js'", undefined],
    ["tox", "tox -e py311", undefined],
    ["pytest", "pytest {posargs}", undefined],
  ])("%s → %s narrows away %j", (before, after, lost) => {
    expect(narrowedSelection(before, after)?.lost).toEqual(lost);
  });
});

describe("pytest's testpaths stand for a pytest given no paths", () => {
  const testpaths = (paths: string[]) => ({ before: (p: string) => (p === "pytest" ? paths : undefined), after: (p: string) => (p === "pytest" ? paths : undefined) });

  test.each<[string, string, string[], string[] | undefined]>([
    ["pytest {posargs}", "pytest tests {posargs}", ["tests"], undefined],
    ["python -m pytest", "python -m pytest tests/unit tests/integration", ["tests"], ["tests"]],
    ["pytest {posargs}", "pytest tests {posargs}", ["tests", "integration"], ["integration"]],
    ["pytest tests", "pytest", ["tests/unit"], ["tests"]],
    ["pytest tests", "pytest", ["tests", "docs"], undefined],
    // A path that may hide in a variable or tox's {posargs:…} default, a move, another config: testpaths may not apply.
    ["pytest {posargs:tests}", "pytest tests/unit {posargs}", ["tests/unit"], ["(all tests)"]],
    ["pytest $TEST_DIRS", "pytest tests", ["tests"], ["(all tests)"]],
    ["cd sub && pytest", "cd sub && pytest tests", ["tests"], ["(all tests)"]],
    ["pytest -o testpaths=. ", "pytest -o testpaths=. tests", ["tests"], ["(all tests)"]],
    ["pytest --rootdir=/src", "pytest --rootdir=/src tests", ["tests"], ["(all tests)"]],
  ])("%s → %s with testpaths %j narrows away %j", (before, after, paths, lost) => {
    expect(narrowedSelection(before, after, testpaths(paths))?.lost).toEqual(lost);
  });

  test("make, package.json scripts and entry scripts take testpaths as tox does", () => {
    const project = (paths: string[]) => ({ testpaths: { before: paths, after: paths } });
    const mk = (recipe: string) => `test:\n\t${recipe}\n`;
    const sh = (body: string) => `#!/bin/sh\nset -e\n${body}\n`;
    const cases: Array<[string, string, string, string | undefined]> = [
      ["Makefile", mk("pytest"), mk("pytest tests"), undefined],
      ["package.json", pkg({ test: "pytest" }), pkg({ test: "pytest tests" }), undefined],
      ["scripts/test.sh", sh("pytest -q"), sh("pytest -q tests"), "make test"],
    ];
    for (const [file, before, after, runBy] of cases) {
      expect(findConfigGreenwashing(file, before, after, [], runBy, project(["tests"]))).toEqual([]);
      expect(findConfigGreenwashing(file, before, after, [], runBy, project(["tests", "integration"])).map((f) => f.reason)).toEqual([expect.stringMatching(/so "integration" no longer runs/)]);
      expect(findConfigGreenwashing(file, before, after, [], runBy).map((f) => f.reason)).toEqual([expect.stringMatching(/so "\(all tests\)" no longer runs/)]);
    }
  });

  test("the config pytest reads is the first of its files there that configures it", () => {
    const dir = (files: Record<string, string>) => pytestTestpaths((n) => files[n] ?? null);
    expect(dir({ "tox.ini": "[pytest]\ntestpaths = tests\n    integration\n" })).toEqual(["tests", "integration"]);
    expect(dir({ "pytest.ini": "", "tox.ini": "[pytest]\ntestpaths = tests\n" })).toBeUndefined();
    expect(dir({ "pyproject.toml": '[project]\nname = "a"\n', "setup.cfg": "[tool:pytest]\ntestpaths = t\n" })).toEqual(["t"]);
    expect(dir({ "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["src/tests"]\n', "tox.ini": "[pytest]\ntestpaths = tests\n" })).toEqual(["src/tests"]);
    expect(dir({ "pyproject.toml": "[tool.pytest.ini_options\n", "tox.ini": "[pytest]\ntestpaths = tests\n" })).toBeUndefined();
    expect(dir({ "tox.ini": "[tox]\nenv_list = py312\n" })).toBeUndefined();
  });
});

describe("a script's cd to its own directory", () => {
  test.each<[string, string, string | undefined]>([
    ['cd "$(dirname "$0")/.."', "scripts/test.sh", ""],
    ['cd "$(dirname "$0")"', "scripts/test.sh", "scripts"],
    ['cd "$(dirname "${BASH_SOURCE[0]}")"/..', "ci/unit/run.sh", "ci"],
    ["cd $(dirname $0)/../backend", "scripts/test.sh", "backend"],
    ['cd "$(dirname -- "$0")/../py/"', "scripts/test.sh", "py"],
    ['cd "$(dirname "$0")"', "test.sh", ""],
    // Out of the checkout, through a variable, another word than the script, options: not known.
    ['cd "$(dirname "$0")/../.."', "scripts/test.sh", undefined],
    ['cd "$(dirname "$0")/.."', "test.sh", undefined],
    ['cd "$(dirname "$0")/../$SUB"', "scripts/test.sh", undefined],
    ['cd "$(dirname "$1")"', "scripts/test.sh", undefined],
    ['cd -P "$(dirname "$0")"', "scripts/test.sh", undefined],
    ['cd "$(dirname "$(readlink -f "$0")")"', "scripts/test.sh", undefined],
    ['cd "$(dirname "$0")/../../repo"', "scripts/test.sh", undefined],
    ["cd ..", "scripts/test.sh", undefined],
  ])("%s in %s lands in %j", (cd, script, dir) => {
    expect(scriptDirCd(commandSegments(cd)[0]!, script)).toBe(dir);
  });

  test("in a sourced script $0 is the caller's, BASH_SOURCE still the script", () => {
    const cd = (text: string) => scriptDirCd(commandSegments(text)[0]!, "scripts/env.sh", true);
    expect(cd('cd "$(dirname "$0")/.."')).toBeUndefined();
    expect(cd('cd "$(dirname "${BASH_SOURCE[0]}")/.."')).toBe("");
  });
});

describe("vitest's default exclude", () => {
  const DEFAULTS = ["**/node_modules/**", "**/dist/**", "**/cypress/**", "**/.{idea,git,cache,output,temp}/**", "**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*"];
  const VITEST = (exclude?: string) => `import { configDefaults, defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    environment: 'node',\n${exclude === undefined ? "" : `    exclude: ${exclude},\n`}  },\n})\n`;
  const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
  /** The longer default list is vitest 1-3's: these cases are about a project on vitest 3 (null: not known). */
  const found = (file: string, before: string | null, after: string, vitest: number | null = 3) =>
    findConfigGreenwashing(file, before, after, [], undefined, vitest === null ? {} : { vitestMajor: vitest }).map((f) => `${f.rule}: ${f.reason}`);

  test.each<[string, string | undefined, string | undefined]>([
    ["unset → written out", undefined, list(DEFAULTS)],
    ["spread → written out", "[...configDefaults.exclude, 'e2e/**']", list([...DEFAULTS, "e2e/**"])],
    ["unset → referred to", undefined, "configDefaults.exclude"],
    ["unset → spread alone", undefined, "[...configDefaults.exclude]"],
    ["written out → spread", list(DEFAULTS), "[...configDefaults.exclude]"],
  ])("%s adds nothing", (_name, before, after) => {
    expect(found("vitest.config.ts", VITEST(before), VITEST(after))).toEqual([]);
  });

  test.each<[string, string | undefined, string, RegExp]>([
    ["written out with a test folder", "[...configDefaults.exclude]", list([...DEFAULTS, "src/slow/**"]), /adds "src\/slow\/\*\*" to test\.exclude/],
    ["written out where a list had replaced them", "['e2e/**']", list([...DEFAULTS, "e2e/**"]), /adds "\*\*\/cypress\/\*\*", /],
    ["a look-alike of an entry", undefined, list([...DEFAULTS, "**/src/**"]), /adds "\*\*\/src\/\*\*"/],
  ])("%s is new", (_name, before, after, reason) => {
    expect(found("vitest.config.ts", VITEST(before), VITEST(after))).toEqual([expect.stringMatching(reason)]);
  });

  test("coverage.exclude is not read as test.exclude", () => {
    const cov = (x: string) => `export default { test: { coverage: { exclude: [${x}] } } }\n`;
    expect(found("vitest.config.ts", cov(""), cov("'src/**'"))).toEqual([]);
  });

  test("vitest 4 excludes only node_modules and .git, as does a vitest whose version is not known", () => {
    for (const vitest of [4, 5, null]) {
      expect(found("vitest.config.ts", VITEST(), VITEST(list(DEFAULTS)), vitest)).toEqual([expect.stringMatching(/adds "\*\*\/cypress\/\*\*", /)]);
      expect(found("vitest.config.ts", VITEST("[...configDefaults.exclude]"), VITEST(list(["**/node_modules/**", "**/.git/**"])), vitest)).toEqual([]);
    }
    expect(found("vitest.config.ts", VITEST(), VITEST(list(DEFAULTS)), 0)).toEqual([]);
  });

  test.each<[string, Record<string, unknown>, number | null | undefined]>([
    ["^3.2.4 in devDependencies", { devDependencies: { vitest: "^3.2.4" } }, 3],
    ["~1.6.0 in dependencies", { dependencies: { vitest: "~1.6.0" } }, 1],
    ["4.0.0 pinned", { devDependencies: { vitest: "4.0.0" } }, 4],
    ["3.x", { devDependencies: { vitest: "3.x" } }, 3],
    ["^0.34.6", { devDependencies: { vitest: "^0.34.6" } }, 0],
    ["not named", { devDependencies: { jest: "^30.0.0" } }, undefined],
    // Ranges that let more than one major in, or say nothing of it: not known.
    [">=3.0.0", { devDependencies: { vitest: ">=3.0.0" } }, null],
    ["^3.0.0 || ^4.0.0", { devDependencies: { vitest: "^3.0.0 || ^4.0.0" } }, null],
    ["latest", { devDependencies: { vitest: "latest" } }, null],
    ["workspace:*", { devDependencies: { vitest: "workspace:*" } }, null],
    ["catalog:", { devDependencies: { vitest: "catalog:" } }, null],
    ["*", { devDependencies: { vitest: "*" } }, null],
  ])("vitest %s in package.json: major %j", (_name, pkgJson, major) => {
    expect(vitestMajor(JSON.stringify(pkgJson))).toBe(major);
  });

  test("a package.json that does not parse says nothing of vitest", () => {
    expect(vitestMajor("{ devDependencies: ")).toBeNull();
  });
});

describe("jest's default testMatch, standing in for one a jest.config.js no longer sets", () => {
  const JEST = (testMatch?: string[]) => `module.exports = {\n  testEnvironment: "node",\n${testMatch ? `  testMatch: ${JSON.stringify(testMatch)},\n` : ""}};\n`;

  test.each([
    ["<rootDir>/src/**/*.test.ts"],
    ["**/__tests__/**/*.js"],
    ["src/__tests__/*.{ts,tsx}"],
    ["**/*.{test,spec}.mjs"],
  ])("%s: the default runs it, nothing flagged", (entry) => {
    expect(found("jest.config.js", JEST([entry]), JEST())).toEqual([]);
  });

  test.each([["**/e2e/**/*.e2e.js"], ["**/*.[jt]s?(x)"], ["src/__tests__/*"]])("%s: the default may not run it, flagged", (entry) => {
    expect(found("jest.config.js", JEST([entry]), JEST())).toEqual([expect.stringContaining(`leaves testMatch unset, and its default`)]);
  });

  test("a negated entry lost with the rest widens the run: the default excludes nothing", () => {
    expect(found("jest.config.js", JEST(["**/*.test.js", "!**/fixtures/**"]), JEST())).toEqual([]);
  });

  test("a testRegex dropped is flagged against the default; one replaced by testMatch is flagged as setting it", () => {
    const REGEX = `module.exports = {\n  testRegex: "(/__tests__/.*|\\\\.(test|spec))\\\\.[jt]sx?$",\n};\n`;
    expect(found("jest.config.js", REGEX, JEST())).toEqual([expect.stringContaining("leaves testRegex unset")]);
    expect(found("jest.config.js", REGEX, JEST(["**/*.test.js"]))).toEqual([expect.stringContaining("sets testMatch")]);
  });

  test("package.json's \"jest\" is left alone when no side says jest reads it", () => {
    const PKG = (jest: Record<string, unknown>) => pkg({ test: "jest" }, { jest });
    expect(found("package.json", PKG({ testMatch: ["**/e2e/**/*.e2e.js"] }), PKG({}))).toEqual([]);
  });
});

describe("vitest's default include", () => {
  const CONFIG = (include?: string, merge = false) => {
    const test = `  test: {\n    environment: 'jsdom',\n${include === undefined ? "" : `    include: ${include},\n`}  },\n`;
    return merge
      ? `import { mergeConfig, defineConfig } from 'vitest/config'\nimport viteConfig from './vite.config'\n\nexport default mergeConfig(viteConfig, defineConfig({\n${test}}))\n`
      : `import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n${test}})\n`;
  };
  const WIDE = "['src/**/*.test.ts', 'e2e/**/*.check.ts']";
  const found = (file: string, before: string | null, after: string) => findConfigGreenwashing(file, before, after, [], undefined, { vitestMajor: 3 }).map((f) => `${f.rule}: ${f.reason}`);

  test("a vitest.config.ts left without the include vitest read before: the default drops what it does not take in", () => {
    // before: vite.config.ts, or this file, as vitest read it; after: vitest's default include stands in.
    expect(found("vitest.config.ts", CONFIG(WIDE), CONFIG())).toEqual([
      'skip_tests: the patch leaves test.include unset, and its default ("**/*.{test,spec}.?(c|m)[jt]s?(x)") does not take in "e2e/**/*.check.ts", which limits the tests that run',
    ]);
  });

  test.each<[string, string | null, string]>([
    ["entries the default takes in", CONFIG("['src/**/*.test.ts', 'test/**/*.{test,spec}.tsx', 'lib/sum.spec.mjs']"), CONFIG()],
    ["no include on either side", CONFIG(), CONFIG()],
    ["no config before", null, CONFIG()],
    ["merged with vite.config, whose include it keeps", CONFIG(WIDE), CONFIG(undefined, true)],
  ])("%s: nothing dropped", (_name, before, after) => {
    expect(found("vitest.config.ts", before, after)).toEqual([]);
  });

  test("an include set where none was is still flagged as setting it", () => {
    expect(found("vitest.config.ts", CONFIG(), CONFIG("['src/**/*.test.ts']"))).toEqual([expect.stringMatching(/^skip_tests: the patch sets test\.include \("src/)]);
  });
});

describe("the JS tokenizer behind the jest/vitest checks", () => {
  const JEST = (top: string, extra = "") => `${top}\nmodule.exports = {\n  testEnvironment: "node",\n${extra}};\n`;
  const IGNORE = '  testPathIgnorePatterns: ["/node_modules/", "/test/slow/"],\n';

  test("a regex literal right after => or return is a regex: its backtick opens no template", () => {
    for (const top of ["const isFence = (line) => /^```/.test(line);", "function isFence(line) {\n  return /^```/.test(line);\n}"]) {
      expect(found("jest.config.js", JEST(top), JEST(top, IGNORE))).toEqual([expect.stringMatching(/adds "\/test\/slow\/" to testPathIgnorePatterns/)]);
    }
  });

  test("a template nested in ${…} does not end the outer template", () => {
    const top = "const banner = `Tests for ${process.env.CI ? `CI's matrix` : \"a dev machine\"}\n(see CONTRIBUTING.md)`;";
    expect(found("jest.config.js", JEST(top), JEST(top, IGNORE))).toEqual([expect.stringMatching(/adds "\/test\/slow\/" to testPathIgnorePatterns/)]);
  });

  test("a function parameter named like a setting is not a shorthand property", () => {
    const mapper = [
      "const aliases = (names, roots, suffix) => Object.fromEntries(names.map((n) => [`^@acme/${n}$`, `<rootDir>/${roots}/${n}/${suffix}`]));",
      "const packages = [{ name: 'core' }, { name: 'cli' }];",
      "const dirs = packages.map(({ name, testMatch }) => name);",
    ].join("\n");
    expect(found("jest.config.js", JEST(""), JEST(mapper, '  moduleNameMapper: aliases(dirs, "packages", "src"),\n'))).toEqual([]);
  });
});

describe("mocha's recursive and extension, judged by the files of the folders mocha reads", () => {
  const rc = (file: string, before: string, after: string, mochaFiles?: string[]) =>
    findConfigGreenwashing(file, before, after, [], undefined, mochaFiles ? { mochaFiles } : {}).map((f) => `${f.rule}: ${f.reason}`);
  test.each<[string, string, string, string, string[] | undefined, RegExp | null]>([
    ["recursive dropped, no spec, files not known", ".mocharc.yml", "recursive: true\n", "timeout: 2000\n", undefined, /turns recursive off in \.mocharc\.yml, so mocha no longer runs the subfolders of "\.\/test"/],
    ["recursive dropped, no spec, no subfolder of test/", ".mocharc.yml", "recursive: true\n", "timeout: 2000\n", ["test/a.spec.js", "src/lib/a.js"], null],
    ["recursive dropped, no spec, a test in test/unit/", ".mocharc.yml", "recursive: true\n", "timeout: 2000\n", ["test/unit/a.spec.js"], /subfolders of "\.\/test"/],
    ["recursive dropped, spec a glob", ".mocharc.json", '{ "spec": "test/**/*.spec.js", "recursive": true }', '{ "spec": "test/**/*.spec.js" }', undefined, null],
    ["extension [ts] set, no spec, only .ts and hidden files in test/", ".mocharc.json", "{}", '{ "extension": ["ts"] }', ["test/a.spec.ts", "test/.mocharc.js", "test/unit/b.js"], null],
    ["extension [ts] set, no spec, a .js test in test/", ".mocharc.json", "{}", '{ "extension": ["ts"] }', ["test/a.spec.js"], /drops "js" from extension, so mocha no longer takes those files from "\.\/test"/],
    ["extension .ts spelt ts", ".mocharc.json", '{ "extension": [".ts"] }', '{ "extension": ["ts"] }', undefined, null],
    ["extension spec.ts dropped, spec naming test/e2e", ".mocharc.yml", "spec: test/e2e\nextension: [spec.ts, e2e.ts]\n", "spec: test/e2e\nextension: [spec.ts]\n", ["test/e2e/login.e2e.ts"], /drops "e2e\.ts" from extension in \.mocharc\.yml, so mocha no longer takes those files from "test\/e2e", which spec names/],
    ["package.json mocha: recursive dropped, spec naming test", "package.json", JSON.stringify({ mocha: { spec: "test", recursive: true } }), JSON.stringify({ mocha: { spec: "test" } }), ["test/unit/a.js"], /^skip_tests: the patch turns recursive off, so mocha no longer runs the subfolders of "test"/],
  ])("%s", (_name, file, before, after, files, want) => {
    expect(rc(file, before, after, files)).toEqual(want ? [expect.stringMatching(want)] : []);
  });
});
