import { describe, expect, test } from "@jest/globals";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { gitDiff, type GitDiffCase as Case } from "./git-diff.js";
import { expectAccepted, expectRefusedUnlessAllowed } from "./policy-expectations.js";

/**
 * Green-washing through a file that is neither a test nor a test runner's config: a pytest plugin, a
 * setup file, a tool's settings. Each case is a real git repository and the diff `git diff -M` makes of
 * the edit; applyPatch must refuse it with the default config and accept it once the allow.* key is set,
 * and accept the legitimate change next to it.
 */

const PY_TEST = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n";
const PYPROJECT = (extra = "") => `[project]\nname = "calc"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n${extra}`;
const PY = { "calc.py": "def add(a, b):\n    return a - b\n", "tests/test_calc.py": PY_TEST, "pyproject.toml": PYPROJECT() };
const POM = (properties = "", build = "") =>
  `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>calc</groupId>\n  <artifactId>calc</artifactId>\n  <version>1.0</version>\n  <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n${properties}  </properties>\n${build}</project>\n`;
const SUREFIRE = (config: string) =>
  `  <build>\n    <plugins>\n      <plugin>\n        <artifactId>maven-surefire-plugin</artifactId>\n        <configuration>\n${config}        </configuration>\n      </plugin>\n    </plugins>\n  </build>\n`;
const JAVA = { "src/main/java/calc/Calc.java": "package calc;\n\npublic class Calc {\n    public static int add(int a, int b) { return a - b; }\n}\n", "src/test/java/calc/CalcTest.java": "package calc;\n\nimport org.junit.jupiter.api.Test;\n\nimport static org.junit.jupiter.api.Assertions.assertEquals;\n\nclass CalcTest {\n    @Test\n    void adds() { assertEquals(3, Calc.add(1, 2)); }\n}\n" };
const MAVEN = { ...JAVA, "pom.xml": POM() };
/** build.gradle of a Spring Boot style project: `test` is the test task's block, `extra` goes at the end. */
const GRADLE = (test = "", extra = "") =>
  `plugins {\n    id 'java'\n    id 'checkstyle'\n}\n\nrepositories {\n    mavenCentral()\n}\n\ndependencies {\n    testImplementation 'org.junit.jupiter:junit-jupiter:5.10.2'\n}\n\ntest {\n    useJUnitPlatform()\n${test}}\n${extra}`;
const GRADLE_KTS = (test = "") => `plugins {\n    java\n}\n\ntasks.named<Test>("test") {\n    useJUnitPlatform()\n${test}}\n`;
const GRADLE_PROJECT = { ...JAVA, "build.gradle": GRADLE() };

const TOX = (setenv = "") => `[tox]\nenv_list = py312\n\n[testenv]\ndeps = pytest\n${setenv}commands = pytest {posargs}\n`;
const GO = { "go.mod": "module example.com/calc\n\ngo 1.22\n", "calc.go": "package calc\n\nfunc Add(a, b int) int { return a - b }\n", "calc_test.go": "package calc\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"Add(1, 2) != 3\")\n\t}\n}\n" };
const GO_MAKEFILE = (head = "") => `${head}.PHONY: test\n\ntest:\n\tgo test ./...\n`;

const JEST_PKG = `${JSON.stringify({ name: "calc", private: true, scripts: { test: "jest" }, devDependencies: { jest: "^30.0.0" } }, null, 2)}\n`;
const JEST_CONFIG = (extra = "") => `/** @type {import('jest').Config} */\nmodule.exports = {\n  testEnvironment: "node",\n${extra}};\n`;
const JS = { "package.json": JEST_PKG, "jest.config.js": JEST_CONFIG(), "src/sum.js": "exports.sum = (xs) => xs.reduce((a, b) => a - b, 0);\n", "test/sum.test.js": 'const { sum } = require("../src/sum");\n\ntest("adds", () => {\n  expect(sum([1, 2])).toBe(3);\n});\n' };
/** JS with jest.setup.js run before every test file. */
const JS_SETUP = (setup: string) => ({ "jest.config.js": JEST_CONFIG('  setupFilesAfterEnv: ["<rootDir>/jest.setup.js"],\n'), "jest.setup.js": setup });
const CONFTEST_HOOK = (body: string) => `import pytest\n\n\ndef pytest_collection_modifyitems(config, items):\n    for item in items:\n        ${body}\n`;
const CARGO = (extra = "") => `[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n${extra}`;
const RUST = { "Cargo.toml": CARGO(), "src/lib.rs": "pub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n", "tests/add.rs": "#[test]\nfn adds() {\n    assert_eq!(calc::add(1, 2), 3);\n}\n" };
const BENCH = '\n[[bench]]\nname = "sum"\npath = "benches/sum.rs"\nrequired-features = ["bench"]\ntest = true\n';
const GRADLEW = '#!/bin/sh\n# Gradle start up script for UN*X\nset -e\nAPP_HOME=$(cd "$(dirname "$0")" && pwd -P)\nCLASSPATH=$APP_HOME/gradle/wrapper/gradle-wrapper.jar\nexec java -classpath "$CLASSPATH" org.gradle.wrapper.GradleWrapperMain "$@"\n';
const WORKFLOW = (run: string) => `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ${run}\n`;

const JUSTFILE = (test: string) => `set dotenv-load\n\npy := "python3"\n\n# Run the tests\ntest *args: install\n    ${test}\n\ninstall:\n    {{py}} -m pip install -e .\n\nlint:\n    ruff check .\n`;
const TASKFILE = (cmds: string) => `version: '3'\n\ntasks:\n  install:\n    cmds:\n      - pip install -e .\n  test:\n    deps: [install]\n    cmds:\n${cmds}`;

const RUBY = { Gemfile: "source 'https://rubygems.org'\n\ngem 'rspec'\n", ".rspec": "--require spec_helper\n", "lib/calc.rb": "def add(a, b) = a - b\n", "spec/spec_helper.rb": "RSpec.configure do |config|\n  config.order = :random\nend\n", "spec/calc_spec.rb": "require 'calc'\n\nRSpec.describe 'add' do\n  it 'adds', :slow do\n    expect(add(1, 2)).to eq(3)\n  end\nend\n" };
const ELIXIR = { "mix.exs": 'defmodule Calc.MixProject do\n  use Mix.Project\n\n  def project, do: [app: :calc, version: "0.1.0"]\nend\n', "test/test_helper.exs": "ExUnit.start()\n", "test/calc_test.exs": 'defmodule CalcTest do\n  use ExUnit.Case\n\n  test "adds" do\n    assert Calc.add(1, 2) == 3\n  end\nend\n' };
const CSPROJ = (extra = "") => `<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n    <IsPackable>false</IsPackable>\n${extra}  </PropertyGroup>\n</Project>\n`;
const DOTNET = { "Calc.Tests/Calc.Tests.csproj": CSPROJ(), "Calc.Tests/CalcTests.cs": "public class CalcTests\n{\n    [Fact]\n    public void Adds() => Assert.Equal(3, Calc.Add(1, 2));\n}\n" };
const PHPUNIT = (suite = "", rest = "") => `<?xml version="1.0"?>\n<phpunit bootstrap="vendor/autoload.php">\n  <testsuites>\n    <testsuite name="unit">\n      <directory>tests</directory>\n${suite}    </testsuite>\n  </testsuites>\n${rest}</phpunit>\n`;
const COMPOSER = (test: string) => `${JSON.stringify({ name: "calc/calc", scripts: { test } }, null, 2)}\n`;
const PHP = { "composer.json": COMPOSER("phpunit"), "phpunit.xml": PHPUNIT(), "src/Calc.php": "<?php\nfunction add($a, $b) { return $a - $b; }\n", "tests/CalcTest.php": "<?php\nuse PHPUnit\\Framework\\TestCase;\n\nclass CalcTest extends TestCase\n{\n    public function testAdd(): void { $this->assertSame(3, add(1, 2)); }\n}\n" };

const HATCH = (test: string, ci = "pytest --cov") => `[project]\nname = "calc"\nversion = "0.1"\n\n[tool.hatch.envs.default.scripts]\ntest = ${test}\ncov = ["test-cov", "cov-report"]\n\n[tool.hatch.envs.ci.scripts]\ntest = "${ci}"\n`;
const PDM = (test: string, lint = "ruff check .") => `[project]\nname = "calc"\n\n[tool.pdm.scripts]\n_.env_file = ".env"\ntest = ${test}\nlint = "${lint}"\n`;
const POE = (test: string) => `[project]\nname = "calc"\n\n[tool.poe.tasks]\ntest = ${test}\n`;

const LIB_RS = "pub fn add(a: i32, b: i32) -> i32 {\n    a - b\n}\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() {\n        assert_eq!(super::add(1, 2), 3);\n    }\n}\n";

/** A noxfile whose tests session runs pytest with `args` (for each Python), and a lint session. */
const NOXFILE = (args: string, lint = '"check", "."') =>
  `import nox\n\n\n@nox.session(python=["3.11", "3.12"])\ndef tests(session):\n    session.install("-e", ".[test]")\n    session.run(\n        "pytest"${args},\n        *session.posargs,\n        env={"PYTHONHASHSEED": "0"},\n    )\n\n\n@nox.session\ndef lint(session):\n    session.install("ruff")\n    session.run("ruff", ${lint})\n`;

const VITEST_PKG = `${JSON.stringify({ name: "web", private: true, scripts: { test: "vitest run" }, devDependencies: { vitest: "^3.2.4" } }, null, 2)}\n`;
const VITEST_CONFIG = (extra = "") => `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: {\n    environment: 'node',\n${extra}  },\n});\n`;

/** A pytest hook keeping the collected tests whose name does not hold `add`: `body` drops the others. */
const MODIFY_ITEMS = (body: string) => `def pytest_collection_modifyitems(config, items):\n    failing = [i for i in items if "add" in i.name]\n${body}`;

describe("green-washing outside the tests and their config is refused, and allowed by its override", () => {
  test.each<[string, Case, string, RegExp]>([
    [
      "ci_plugin.py, new, loaded with -p from addopts: drops the failing test from the collected items",
      { before: PY, after: { "ci_plugin.py": MODIFY_ITEMS("    items[:] = [i for i in items if i not in failing]\n"), "pyproject.toml": PYPROJECT('addopts = "-p ci_plugin"\n') } },
      "skip_tests",
      /drops collected tests in a conftest\.py or pytest plugin: "items\[:\] = /,
    ],
    [
      "tools/skipper.py, new, loaded by pytest_plugins in a new root conftest.py: deselects the failing test",
      { before: PY, after: { "tools/skipper.py": MODIFY_ITEMS("    config.hook.pytest_deselected(items=failing)\n    for i in failing:\n        items.remove(i)\n"), "conftest.py": 'pytest_plugins = ["tools.skipper"]\n' } },
      "skip_tests",
      /drops collected tests in a conftest\.py or pytest plugin: "config\.hook\.pytest_deselected/,
    ],
    [
      "src/calc_pytest.py, an existing plugin: its hook ends the run with os._exit(0)",
      { before: { ...PY, "src/calc_pytest.py": "def pytest_configure(config):\n    config.addinivalue_line(\"markers\", \"slow: slow tests\")\n" }, after: { "src/calc_pytest.py": "import os\n\n\ndef pytest_configure(config):\n    config.addinivalue_line(\"markers\", \"slow: slow tests\")\n\n\ndef pytest_sessionstart(session):\n    os._exit(0)\n" } },
      "skip_tests",
      /exits the test process with success: "os\._exit\(0\)"/,
    ],
    ["pom.xml: skipTests set as a property", { before: MAVEN, after: { "pom.xml": POM("    <skipTests>true</skipTests>\n") } }, "skip_tests", /skips the Maven test run: "<skipTests>true<\/skipTests>"/],
    ["pom.xml: surefire told to ignore failing tests", { before: MAVEN, after: { "pom.xml": POM("", SUREFIRE("          <testFailureIgnore>true</testFailureIgnore>\n")) } }, "skip_tests", /lets the Maven build pass with failing tests \(testFailureIgnore\)/],
    ["pom.xml: surefire excludes the failing test class", { before: MAVEN, after: { "pom.xml": POM("", SUREFIRE("          <excludes>\n            <exclude>**/CalcTest.java</exclude>\n          </excludes>\n")) } }, "skip_tests", /leaves tests out of the Maven test run: "<exclude>\*\*\/CalcTest\.java<\/exclude>"/],
    [".mvn/maven.config, new: -DskipTests on every mvn run", { before: MAVEN, after: { ".mvn/maven.config": "-B\n-DskipTests\n" } }, "skip_tests", /gives every mvn run a property that skips, deselects or ignores tests: "-DskipTests"/],
    [".mvn/maven.config: -Dtest= runs one other test class", { before: { ...MAVEN, ".mvn/maven.config": "-B\n" }, after: { ".mvn/maven.config": "-B\n-Dtest=OtherTest\n" } }, "skip_tests", /"-Dtest=OtherTest"/],
    ["build.gradle: the test task ignores failures", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("    ignoreFailures = true\n") } }, "skip_tests", /lets the Gradle build pass with failing tests \(ignoreFailures\): "ignoreFailures = true"/],
    ["build.gradle: the test task turned off", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("    enabled = false\n") } }, "skip_tests", /turns a Gradle test task off: "enabled = false"/],
    ["build.gradle: test.onlyIf { false } below the block", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("", "\ntest.onlyIf { false }\n") } }, "skip_tests", /turns a Gradle test task off/],
    ["build.gradle: the failing class excluded from the test task", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("    exclude '**/CalcTest.class'\n") } }, "skip_tests", /leaves tests out of a Gradle test task: "exclude '\*\*\/CalcTest\.class'"/],
    ["build.gradle.kts: a test filter excluding the failing test", { before: { ...JAVA, "build.gradle.kts": GRADLE_KTS() }, after: { "build.gradle.kts": GRADLE_KTS('    filter { excludeTestsMatching("calc.CalcTest") }\n') } }, "skip_tests", /leaves tests out of a Gradle test task/],
    ["build.gradle.kts: isIgnoreFailures = true", { before: { ...JAVA, "build.gradle.kts": GRADLE_KTS() }, after: { "build.gradle.kts": GRADLE_KTS("    isIgnoreFailures = true\n") } }, "skip_tests", /ignoreFailures/],
    ["build.gradle: checkstyle told to ignore failures", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("", "\ncheckstyle {\n    toolVersion = '10.17.0'\n    ignoreFailures = true\n}\n") } }, "lower_thresholds", /lets a Gradle lint check pass with failures/],
    ["app/build.gradle: Android lint no longer aborts on errors", { before: { "app/build.gradle": "android {\n    namespace 'calc'\n    lint {\n        warningsAsErrors true\n    }\n}\n" }, after: { "app/build.gradle": "android {\n    namespace 'calc'\n    lint {\n        warningsAsErrors true\n        abortOnError false\n    }\n}\n" } }, "lower_thresholds", /abortOnError false/],
    ["tox.ini: PYTEST_ADDOPTS in setenv deselects the slow tests", { before: { ...PY, "tox.ini": TOX() }, after: { "tox.ini": TOX("setenv =\n    PYTEST_ADDOPTS = -m 'not slow'\n") } }, "skip_tests", /sets PYTEST_ADDOPTS to "-m 'not slow'", which pytest adds to every run's arguments: -m, which deselects tests/],
    ["Makefile: export PYTEST_ADDOPTS with -k", { before: { ...PY, Makefile: "test:\n\tpytest\n" }, after: { Makefile: "export PYTEST_ADDOPTS := -q -k 'sub or mul'\n\ntest:\n\tpytest\n" } }, "skip_tests", /sets PYTEST_ADDOPTS to "-q -k 'sub or mul'"/],
    ["package.json: the test script sets PYTEST_ADDOPTS before pytest", { before: { ...PY, "package.json": '{\n  "scripts": {\n    "test": "pytest"\n  }\n}\n' }, after: { "package.json": '{\n  "scripts": {\n    "test": "PYTEST_ADDOPTS=\\"-m smoke\\" pytest"\n  }\n}\n' } }, "skip_tests", /sets PYTEST_ADDOPTS to "-m smoke"/],
    ["Makefile: export GOFLAGS=-run= runs one other test", { before: { ...GO, Makefile: GO_MAKEFILE() }, after: { Makefile: GO_MAKEFILE("export GOFLAGS=-mod=mod -run=TestParse\n\n") } }, "skip_tests", /sets GOFLAGS to "-mod=mod -run=TestParse", which go test adds to every run's arguments: -run/],
    ["scripts/test.sh: GOFLAGS=-short before go test", { before: { ...GO, "scripts/test.sh": "#!/bin/sh\nset -e\ngo test ./...\n" }, after: { "scripts/test.sh": "#!/bin/sh\nset -e\nGOFLAGS=-short go test ./...\n" } }, "skip_tests", /sets GOFLAGS to "-short"/],
    ["jest.setup.js, new: globalThis.it wrapped to swallow each test's failure", { before: JS, after: JS_SETUP("const run = globalThis.it;\nglobalThis.it = (name, fn) => run(name, async () => {\n  try {\n    await fn();\n  } catch {}\n});\nglobalThis.test = globalThis.it;\n") }, "skip_tests", /replaces the functions tests are defined with: "globalThis\.it = /],
    ["jest.setup.js, new: the module under test mocked for every test", { before: JS, after: JS_SETUP('jest.mock("./src/sum", () => ({ sum: () => 3 }));\n') }, "skip_tests", /replaces a module of the project with a mock in every test \(in a setup file\): "jest\.mock\(/],
    ["vitest.setup.ts: a project module mocked through the @/ alias", { before: { "vitest.setup.ts": "import '@testing-library/jest-dom/vitest';\n" }, after: { "vitest.setup.ts": "import '@testing-library/jest-dom/vitest';\nimport { vi } from 'vitest';\n\nvi.mock('@/lib/sum', () => ({ sum: () => 3 }));\n" } }, "skip_tests", /replaces a module of the project with a mock in every test/],
    ["jest.config.js: a results processor of the project's own", { before: JS, after: { "jest.config.js": JEST_CONFIG('  testResultsProcessor: "<rootDir>/ci/results.js",\n'), "ci/results.js": "module.exports = (results) => ({ ...results, success: true, numFailedTests: 0 });\n" } }, "skip_tests", /hands the test run or its results to a script of the project's own: "testResultsProcessor: /],
    ["tests/conftest.py: every item marked skip by the mark's name", { before: PY, after: { "tests/conftest.py": CONFTEST_HOOK('item.add_marker("skip")') } }, "skip_tests", /skips tests through a pytest mark named as a string: "item\.add_marker\(\\"skip\\"\)"/],
    ["tests/conftest.py: xfail(run=False) through getattr", { before: PY, after: { "tests/conftest.py": CONFTEST_HOOK('item.add_marker(getattr(pytest.mark, "xfail")(run=False))') } }, "skip_tests", /skips tests through a pytest mark named as a string/],
    ["Cargo.toml: a [[test]] target without libtest, and a main beside its #[test]s", { before: RUST, after: { "Cargo.toml": CARGO('\n[[test]]\nname = "add"\nharness = false\n'), "tests/add.rs": `${RUST["tests/add.rs"]}\nfn main() {}\n` } }, "skip_tests", /turns libtest off for a \[\[test\]\] target \(harness = false\)/],
    ["Cargo.toml: harness = false added to an existing [[test]] whose header the hunk does not show", { before: { ...RUST, "Cargo.toml": CARGO('\n[[test]]\nname = "add"\npath = "tests/add.rs"\nrequired-features = ["std"]\ntest = true\nedition = "2021"\n') }, after: { "Cargo.toml": CARGO('\n[[test]]\nname = "add"\npath = "tests/add.rs"\nrequired-features = ["std"]\ntest = true\nedition = "2021"\nharness = false\n') } }, "skip_tests", /harness = false/],
    ["gradlew: exit 0 before the wrapper starts Gradle", { before: { ".github/workflows/ci.yml": WORKFLOW("./gradlew test"), gradlew: GRADLEW, "build.gradle": "plugins { id 'java' }\n" }, after: { gradlew: GRADLEW.replace("exec java", "exit 0\nexec java") } }, "skip_tests", /edits gradlew, the wrapper every run of the build tool/],
    [".yarnrc.yml: yarnPath pointed at a release the patch writes", { before: { ...JS, ".yarnrc.yml": "nodeLinker: node-modules\n" }, after: { ".yarnrc.yml": "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n", ".yarn/releases/yarn-4.5.0.cjs": "process.exit(0);\n" } }, "skip_tests", /(points yarn at another program \(yarnPath\)|edits \.yarn\/releases\/yarn-4\.5\.0\.cjs)/],
    [".yarnrc.yml: yarnPath pointed at a script of the project's own", { before: { ...JS, ".yarnrc.yml": "nodeLinker: node-modules\n", "scripts/ok.cjs": "process.exit(0);\n" }, after: { ".yarnrc.yml": "nodeLinker: node-modules\nyarnPath: scripts/ok.cjs\n" } }, "skip_tests", /points yarn at another program \(yarnPath\), which runs every yarn command/],
    ["justfile: the test recipe echoes instead of running pytest", { before: { ...PY, justfile: JUSTFILE("pytest {{args}}") }, after: { justfile: JUSTFILE("@echo tests pass") } }, "skip_tests", /drops pytest from the just recipe test/],
    ["justfile: -k added to the test recipe's pytest", { before: { ...PY, justfile: JUSTFILE("pytest {{args}}") }, after: { justfile: JUSTFILE("pytest -k 'sub or mul' {{args}}") } }, "skip_tests", /adds -k to the recipe of the just recipe test/],
    ["Taskfile.yml: the test task echoes instead of running go test", { before: { ...GO, "Taskfile.yml": TASKFILE("      - go test ./...\n") }, after: { "Taskfile.yml": TASKFILE("      - echo ok\n") } }, "skip_tests", /drops go test from the task test/],
    ["Taskfile.yml: the test task narrowed to one package", { before: { ...GO, "Taskfile.yml": TASKFILE("      - go test ./...\n") }, after: { "Taskfile.yml": TASKFILE("      - go test ./internal/parse\n") } }, "skip_tests", /narrows go test in the recipe of the task test/],
    [".rspec: the slow tests left out of every run", { before: RUBY, after: { ".rspec": "--require spec_helper\n--tag ~slow\n" } }, "skip_tests", /gives every rspec run an option that deselects tests or runs none: "--tag ~slow"/],
    ["spec/spec_helper.rb: filter_run_excluding", { before: RUBY, after: { "spec/spec_helper.rb": "RSpec.configure do |config|\n  config.order = :random\n  config.filter_run_excluding slow: true\nend\n" } }, "skip_tests", /leaves tagged tests out of every rspec run/],
    ["test/test_helper.exs: ExUnit told to exclude a tag", { before: ELIXIR, after: { "test/test_helper.exs": "ExUnit.start(exclude: [:slow])\n" } }, "skip_tests", /leaves tagged tests out of every ExUnit run/],
    ["test/calc_test.exs: @tag :skip", { before: ELIXIR, after: { "test/calc_test.exs": ELIXIR["test/calc_test.exs"].replace('  test "adds"', '  @tag :skip\n  test "adds"') } }, "skip_tests", /skips an ExUnit test/],
    ["Calc.Tests.csproj: IsTestProject false", { before: DOTNET, after: { "Calc.Tests/Calc.Tests.csproj": CSPROJ("    <IsTestProject>false</IsTestProject>\n") } }, "skip_tests", /tells dotnet test the test project is not one/],
    ["ci.runsettings, new: a TestCaseFilter leaving the failing class out", { before: DOTNET, after: { "ci.runsettings": "<RunSettings>\n  <RunConfiguration>\n    <TestCaseFilter>FullyQualifiedName!~CalcTests</TestCaseFilter>\n  </RunConfiguration>\n</RunSettings>\n" } }, "skip_tests", /gives dotnet test a filter that deselects tests/],
    ["phpunit.xml: the failing test file excluded from its testsuite", { before: PHP, after: { "phpunit.xml": PHPUNIT("      <exclude>tests/CalcTest.php</exclude>\n") } }, "skip_tests", /leaves tests out of the PHPUnit run/],
    ["phpunit.xml: a group excluded", { before: PHP, after: { "phpunit.xml": PHPUNIT("", "  <groups>\n    <exclude>\n      <group>slow</group>\n    </exclude>\n  </groups>\n") } }, "skip_tests", /leaves tests out of the PHPUnit run/],
    ["composer.json: phpunit --exclude-group in the test script", { before: PHP, after: { "composer.json": COMPOSER("phpunit --exclude-group slow") } }, "skip_tests", /deselects tests in the test command/],
    ["jest.config.js: the module under test mapped to a mock (moduleNameMapper)", { before: JS, after: { "jest.config.js": JEST_CONFIG('  moduleNameMapper: { "^\\\\.\\\\./src/sum$": "<rootDir>/test/mocks/sum.js" },\n'), "test/mocks/sum.js": "exports.sum = () => 3;\n" } }, "skip_tests", /maps a module of the project to a mock for every test \(moduleNameMapper, alias\)/],
    ["vitest.config.ts: a project module aliased to a mock", { before: { "vitest.config.ts": "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  test: {},\n});\n" }, after: { "vitest.config.ts": "import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({\n  resolve: { alias: { '@/lib/sum': '/src/mocks/sum.ts' } },\n  test: {},\n});\n" } }, "skip_tests", /maps a module of the project to a mock/],
    ["jest.teardown.js, new: the exit status set to 0 on exit", { before: JS, after: { "jest.config.js": JEST_CONFIG('  globalTeardown: "<rootDir>/jest.teardown.js",\n'), "jest.teardown.js": "module.exports = () => {\n  process.on(\"exit\", () => {\n    process.exitCode = 0;\n  });\n};\n" } }, "skip_tests", /overrides the test process's exit status: "process\.exitCode = 0;"/],
    ["pyproject.toml: -m added to hatch's test script", { before: { ...PY, "pyproject.toml": HATCH('"pytest {args}"') }, after: { "pyproject.toml": HATCH('"pytest -m smoke {args}"') } }, "skip_tests", /adds -m to the recipe of the hatch script test/],
    ["pyproject.toml: hatch's ci:test script given -k", { before: { ...PY, "pyproject.toml": HATCH('"pytest {args}"') }, after: { "pyproject.toml": HATCH('"pytest {args}"', "pytest --cov -k add_only") } }, "skip_tests", /adds -k to the recipe of the hatch script ci\.test/],
    ["pyproject.toml: pdm's test script (a table) no longer runs pytest", { before: { ...PY, "pyproject.toml": PDM('{ cmd = "pytest" }') }, after: { "pyproject.toml": PDM('{ cmd = "python -c \'print(1)\'" }') } }, "skip_tests", /drops pytest from the pdm script test/],
    ["pyproject.toml: pytest dropped from poe's test sequence", { before: { ...PY, "pyproject.toml": POE('{ sequence = ["ruff check .", "pytest"] }') }, after: { "pyproject.toml": POE('{ sequence = ["ruff check ."] }') } }, "skip_tests", /drops pytest from the poe task test/],
    ["tests/add.rs: the failing test compiled for every system but Linux", { before: RUST, after: { "tests/add.rs": RUST["tests/add.rs"].replace("#[test]", '#[cfg(not(target_os = "linux"))]\n#[test]') } }, "skip_tests", /puts a cfg on Rust tests, which compiles them out wherever it does not hold .*"#\[cfg\(not\(target_os = \\"linux\\"\)\)\]"/],
    ["src/lib.rs: the tests module made Windows-only", { before: { ...RUST, "src/lib.rs": LIB_RS }, after: { "src/lib.rs": LIB_RS.replace("#[cfg(test)]\n", "#[cfg(test)]\n#[cfg(windows)]\n") } }, "skip_tests", /puts a cfg on Rust tests/],
    ["tests/add.rs: the whole test file gated on a feature CI does not enable", { before: RUST, after: { "tests/add.rs": `#![cfg(feature = "slow-tests")]\n\n${RUST["tests/add.rs"]}` } }, "skip_tests", /puts a cfg on Rust tests/],
    ["noxfile.py: -m added to the tests session's pytest", { before: { ...PY, "noxfile.py": NOXFILE("") }, after: { "noxfile.py": NOXFILE(', "-m", "smoke"') } }, "skip_tests", /adds -m to the recipe of the nox session tests/],
    ["noxfile.py: the tests session runs python -c instead of pytest", { before: { ...PY, "noxfile.py": NOXFILE("") }, after: { "noxfile.py": NOXFILE("").replace('"pytest"', '"python", "-c", "print(1)"') } }, "skip_tests", /drops pytest from the nox session tests/],
    ["sitecustomize.py, new: unittest's TestCase.run replaced by a no-op", { before: PY, after: { "sitecustomize.py": "import unittest\n\nunittest.TestCase.run = lambda self, result=None: None\n" } }, "skip_tests", /replaces how unittest or pytest runs tests: "unittest\.TestCase\.run = /],
    ["tests/conftest.py, new: a pytest internal replaced", { before: PY, after: { "tests/conftest.py": "import _pytest.runner\n\n_pytest.runner.check_interactive_exception = lambda call, report: False\n" } }, "skip_tests", /replaces how unittest or pytest runs tests/],
    ["vitest.config.ts: unhandled errors no longer fail the run", { before: { "package.json": VITEST_PKG, "vitest.config.ts": VITEST_CONFIG() }, after: { "vitest.config.ts": VITEST_CONFIG("    dangerouslyIgnoreUnhandledErrors: true,\n") } }, "skip_tests", /lets vitest pass a run with unhandled errors/],
    ["package.json: vitest run --dangerouslyIgnoreUnhandledErrors", { before: { "package.json": VITEST_PKG }, after: { "package.json": VITEST_PKG.replace("vitest run", "vitest run --dangerouslyIgnoreUnhandledErrors") } }, "skip_tests", /lets vitest pass a run with unhandled errors/],
    ["tests/conftest.py, new: unittest's run replaced through setattr", { before: PY, after: { "tests/conftest.py": "import unittest\n\nsetattr(unittest.TestCase, \"run\", lambda self, result=None: None)\n" } }, "skip_tests", /replaces how unittest or pytest runs tests/],
    ["build.gradle: the tests no longer compiled (compileTestJava.enabled = false)", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("", "\ncompileTestJava.enabled = false\n") } }, "skip_tests", /turns a Gradle test task off: "compileTestJava\.enabled = false"/],
    [".npmrc, new: node-options preloading a script of the project's own", { before: JS, after: { ".npmrc": "node-options=--require ./ci/exit-zero.js\n", "ci/exit-zero.js": "process.on(\"exit\", () => {\n  process.exitCode = 0;\n});\n" } }, "skip_tests", /preloads a script of the project's own into every node process/],
  ])("%s", (_name, c, rule, reason) => expectRefusedUnlessAllowed(c, rule, reason));
});

describe("legitimate changes next to those files are still accepted", () => {
  test.each<[string, Case]>([
    // Reordering the collected items keeps every test: `items.sort` is not a cut.
    ["ci_plugin.py, new, loaded with -p: runs the slow tests last", { before: PY, after: { "ci_plugin.py": "def pytest_collection_modifyitems(config, items):\n    items.sort(key=lambda i: i.get_closest_marker(\"slow\") is not None)\n", "pyproject.toml": PYPROJECT('addopts = "-p ci_plugin"\n') } }],
    // Application code handles lists named items, and a CLI exits 0: only a pytest plugin's are the test run's.
    ["calc/cart.py, not a plugin: removes an item from a list and exits 0", { before: PY, after: { "calc/cart.py": "import sys\n\n\ndef drop(items, item):\n    items.remove(item)\n    items[:] = sorted(items)\n\n\ndef main():\n    sys.exit(0)\n" } }],
    ["pom.xml: skipTests wired to a property that defaults to false", { before: MAVEN, after: { "pom.xml": POM("    <skipTests>false</skipTests>\n", SUREFIRE("          <skipTests>${skipTests}</skipTests>\n")) } }],
    ["pom.xml: surefire given more memory and a resource left out of the jar", { before: MAVEN, after: { "pom.xml": POM("", SUREFIRE("          <argLine>-Xmx1g</argLine>\n          <excludes>\n            <exclude>**/*.properties</exclude>\n          </excludes>\n")) } }],
    [".mvn/maven.config, new: batch mode without download progress", { before: MAVEN, after: { ".mvn/maven.config": "-B\n--no-transfer-progress\n" } }],
    ["build.gradle: the plain jar turned off (Spring Boot's bootJar builds the app)", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("", "\njar {\n    enabled = false\n}\n") } }],
    ["build.gradle: a transitive dependency excluded from a test dependency", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE().replace("testImplementation 'org.junit.jupiter:junit-jupiter:5.10.2'", "testImplementation('org.junit.jupiter:junit-jupiter:5.10.2') {\n        exclude group: 'org.hamcrest'\n    }") } }],
    ["build.gradle: the test task given more memory and JUnit's platform launcher", { before: GRADLE_PROJECT, after: { "build.gradle": GRADLE("    maxHeapSize = '1g'\n    testLogging { events 'failed' }\n") } }],
    ["build.gradle.kts: the test task given a longer timeout", { before: { ...JAVA, "build.gradle.kts": GRADLE_KTS() }, after: { "build.gradle.kts": GRADLE_KTS("    timeout.set(java.time.Duration.ofMinutes(10))\n") } }],
    ["tox.ini: PYTEST_ADDOPTS in setenv asks for verbose output and the slowest tests", { before: { ...PY, "tox.ini": TOX() }, after: { "tox.ini": TOX("setenv =\n    PYTEST_ADDOPTS = -v --durations=10\n") } }],
    ["tox.ini: a PYTEST_ADDOPTS that already deselected kept while another variable is added", { before: { ...PY, "tox.ini": TOX("setenv =\n    PYTEST_ADDOPTS = -m 'not network'\n") }, after: { "tox.ini": TOX("setenv =\n    PYTEST_ADDOPTS = -m 'not network'\n    PYTHONHASHSEED = 0\n") } }],
    ["Makefile: export GOFLAGS=-count=1 -mod=mod", { before: { ...GO, Makefile: GO_MAKEFILE() }, after: { Makefile: GO_MAKEFILE("export GOFLAGS=-count=1 -mod=mod\n\n") } }],
    ["jest.setup.js, new: a matcher added, a package and fetch mocked", { before: JS, after: JS_SETUP('jest.mock("axios");\nglobal.fetch = jest.fn();\n\nexpect.extend({\n  toBeWithin(received, lo, hi) {\n    return { pass: received >= lo && received <= hi, message: () => `${received} not in [${lo}, ${hi}]` };\n  },\n});\n') }],
    ["jest.config.js: jest-circus named as the test runner", { before: JS, after: { "jest.config.js": JEST_CONFIG('  testRunner: "jest-circus/runner",\n') } }],
    ["tests/conftest.py: the slow tests marked by the mark's name", { before: PY, after: { "tests/conftest.py": CONFTEST_HOOK('item.add_marker("slow")') } }],
    ["Cargo.toml: harness = false added to an existing [[bench]] whose header the hunk does not show", { before: { ...RUST, "Cargo.toml": CARGO(BENCH) }, after: { "Cargo.toml": CARGO(`${BENCH}harness = false\n`) } }],
    [".yarnrc.yml: node_modules linker", { before: { ...JS, ".yarnrc.yml": "enableTelemetry: false\n" }, after: { ".yarnrc.yml": "enableTelemetry: false\nnodeLinker: node-modules\n" } }],
    ["justfile: pytest -x -v in the test recipe, and a lint recipe changed", { before: { ...PY, justfile: JUSTFILE("pytest {{args}}") }, after: { justfile: JUSTFILE("{{py}} -m pytest -x -v {{args}}").replace("ruff check .", "ruff check src tests") } }],
    ["Taskfile.yml: the test task installs the package first and runs go test with -race", { before: { ...GO, "Taskfile.yml": TASKFILE("      - go test ./...\n") }, after: { "Taskfile.yml": TASKFILE("      - go mod download\n      - go test -race ./...\n") } }],
    [".rspec: documentation output", { before: RUBY, after: { ".rspec": "--require spec_helper\n--format documentation\n--color\n" } }],
    ["spec/spec_helper.rb: rspec's own focus filter", { before: RUBY, after: { "spec/spec_helper.rb": "RSpec.configure do |config|\n  config.order = :random\n  config.filter_run_when_matching :focus\nend\n" } }],
    ["test/test_helper.exs: logs captured", { before: ELIXIR, after: { "test/test_helper.exs": "ExUnit.start(capture_log: true)\n" } }],
    ["Calc.Tests.csproj: IsTestProject true and a package", { before: DOTNET, after: { "Calc.Tests/Calc.Tests.csproj": CSPROJ("    <IsTestProject>true</IsTestProject>\n    <Nullable>enable</Nullable>\n") } }],
    ["phpunit.xml: a source folder left out of coverage, and the run made strict", { before: PHP, after: { "phpunit.xml": PHPUNIT("", "  <source>\n    <include>\n      <directory>src</directory>\n    </include>\n    <exclude>\n      <directory>src/Generated</directory>\n    </exclude>\n  </source>\n").replace("<phpunit ", '<phpunit failOnWarning="true" ') } }],
    ["composer.json: phpunit with colours; package.json: pnpm --filter to build one package", { before: { ...PHP, "package.json": '{\n  "scripts": {\n    "build": "pnpm -r build"\n  }\n}\n' }, after: { "composer.json": COMPOSER("phpunit --colors=always"), "package.json": '{\n  "scripts": {\n    "build": "pnpm --filter web build"\n  }\n}\n' } }],
    ["jest.config.js: styles, images and a package mapped to mocks, and the @/ alias to src/", { before: JS, after: { "jest.config.js": JEST_CONFIG('  moduleNameMapper: {\n    "\\\\.(css|less)$": "identity-obj-proxy",\n    "\\\\.(svg|png)$": "<rootDir>/__mocks__/fileMock.js",\n    "^next/router$": "<rootDir>/__mocks__/next/router.js",\n    "^@/(.*)$": "<rootDir>/src/$1",\n  },\n') } }],
    ["pyproject.toml: hatch's test script stops at the first failure, verbosely", { before: { ...PY, "pyproject.toml": HATCH('"pytest {args}"') }, after: { "pyproject.toml": HATCH('"python -m pytest -x -v --cov=calc {args}"') } }],
    ["pyproject.toml: pdm's lint script changed and its test script given a plugin switch", { before: { ...PY, "pyproject.toml": PDM('"pytest"') }, after: { "pyproject.toml": PDM('"pytest -p no:cacheprovider"', "ruff check src") } }],
    ["src/lib.rs: a Unix-only helper", { before: { ...RUST, "src/lib.rs": LIB_RS }, after: { "src/lib.rs": LIB_RS.replace("pub fn add", "#[cfg(unix)]\npub fn home() -> &'static str {\n    \"/\"\n}\n\npub fn add") } }],
    ["tests/unix.rs, new: Unix-only tests; tests/add.rs: a Unix-only test added", { before: RUST, after: { "tests/unix.rs": "#![cfg(unix)]\n\n#[test]\nfn perms() {\n    assert_eq!(calc::add(2, 2), 4);\n}\n", "tests/add.rs": `${RUST["tests/add.rs"]}\n#[cfg(unix)]\n#[test]\nfn adds_on_unix() {\n    assert_eq!(calc::add(2, 3), 5);\n}\n` } }],
    ["noxfile.py: pytest stops at the first failure with coverage, and lint checks src", { before: { ...PY, "noxfile.py": NOXFILE("") }, after: { "noxfile.py": NOXFILE(', "-x", "--cov=calc"', '"check", "src"') } }],
    ["sitecustomize.py, new: coverage measured in subprocesses; tests/conftest.py: full diffs for unittest", { before: PY, after: { "sitecustomize.py": "import coverage\n\ncoverage.process_startup()\n", "tests/conftest.py": "from unittest import TestCase\n\nsetattr(TestCase, \"maxDiff\", None)\nTestCase.maxDiff = None\n" } }],
    ["vitest.config.ts: dangerouslyIgnoreUnhandledErrors spelled out as false", { before: { "package.json": VITEST_PKG, "vitest.config.ts": VITEST_CONFIG() }, after: { "vitest.config.ts": VITEST_CONFIG("    dangerouslyIgnoreUnhandledErrors: false,\n") } }],
    ["test/cli.test.js, new: a CLI's tests stub process.exit and reset the exit code", { before: JS, after: { "test/cli.test.js": 'const { sum } = require("../src/sum");\n\nafterEach(() => {\n  process.exitCode = 0;\n});\n\ntest("exits", () => {\n  const exit = process.exit;\n  process.exit = jest.fn();\n  expect(sum([1, 2])).toBe(3);\n  process.exit = exit;\n});\n' } }],
    [".npmrc, new: more memory for node, and tsx loaded by NODE_OPTIONS in the test script", { before: JS, after: { ".npmrc": "node-options=--max-old-space-size=4096\n", "package.json": JEST_PKG.replace('"test": "jest"', '"test": "NODE_OPTIONS=\\"--import tsx\\" jest"') } }],
  ])("%s", (_name, c) => expectAccepted(c));
});

test("gradlew made executable (a mode change, no hunk) is accepted", async () => {
  const { repo, cleanup } = await gitDiff({ before: { ".github/workflows/ci.yml": WORKFLOW("./gradlew test"), gradlew: GRADLEW } });
  try {
    const r = await applyPatch("diff --git a/gradlew b/gradlew\nold mode 100644\nnew mode 100755\n", repo, { config: defaultRepoConfig(), dryRun: true });
    expect(r).toMatchObject({ ok: true, overrides: [], files: [{ path: "gradlew" }] });
  } finally {
    await cleanup();
  }
});
