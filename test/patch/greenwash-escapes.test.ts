import { describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { configWith } from "./helpers.js";

/**
 * Ways to get CI green without fixing anything that the line patterns used to miss: each case is a real
 * git repository, the diff is what `git diff -M` says about the edit, and applyPatch must refuse it with
 * the default config and accept it (naming the override) once the matching allow.* key is set.
 */
const exec = promisify(execFile);

interface Case {
  before: Record<string, string>;
  /** New content per path; null deletes it. */
  after?: Record<string, string | null>;
  renames?: Array<[from: string, to: string]>;
  /** A move written as a deletion and an addition, as a model may send it. */
  noRenames?: boolean;
}

async function gitDiff(c: Case): Promise<{ diff: string; repo: string; cleanup: () => Promise<void> }> {
  const top = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ci-bot-greenwash-")));
  const repo = path.join(top, "repo");
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: top, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" };
  const git = async (...args: string[]) => (await exec("git", ["-C", repo, ...args], { env })).stdout;
  const write = async (p: string, text: string) => {
    await fs.mkdir(path.dirname(path.join(repo, p)), { recursive: true });
    await fs.writeFile(path.join(repo, p), text);
  };
  await fs.mkdir(repo);
  for (const [p, text] of Object.entries(c.before)) await write(p, text);
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-q", "-m", "base");
  for (const [from, to] of c.renames ?? []) {
    await fs.mkdir(path.dirname(path.join(repo, to)), { recursive: true });
    await git("mv", from, to);
  }
  for (const [p, text] of Object.entries(c.after ?? {})) {
    if (text === null) await fs.rm(path.join(repo, p));
    else await write(p, text);
  }
  await git("add", "-A");
  const diff = await git("diff", "--cached", c.noRenames ? "--no-renames" : "-M", "HEAD");
  await git("reset", "-q", "--hard", "HEAD");
  await git("clean", "-qfd");
  return { diff, repo, cleanup: () => fs.rm(top, { recursive: true, force: true }) };
}

const pkg = (scripts: Record<string, string>) => `${JSON.stringify({ name: "calc", private: true, scripts, devDependencies: { jest: "^30.0.0" } }, null, 2)}\n`;
const MAKEFILE = "PY ?= python3\n\n.PHONY: test lint\n\ntest:\n\tpytest\n\nlint:\n\truff check .\n";
const GO_MAKEFILE = (args: string) => `.PHONY: test\n\ntest:\n\tgo test ${args}\n`;
const TOX = (commands = "pytest {posargs}", py312 = "pytest {posargs}") =>
  `[tox]\nenv_list = py311, py312\n\n[testenv]\ndeps =\n    pytest\n    pytest-cov\ncommands =\n    python -m pip check\n    ${commands}\n\n[testenv:py312]\ncommands =\n    ${py312}\n`;
/** tox.ini whose pytest runs from tox's own directory; `tail` is the rest of the file ([pytest] testpaths by default). */
const TOX_TP = (commands: string, tail = "[pytest]\ntestpaths = tests\n") => `[tox]\nenv_list = py312\n\n[testenv]\ndeps =\n    pytest\n    pytest-cov\ncommands =\n    ${commands}\n\n${tail}`;
/** create-vue's layout: vite.config.ts, and the tests' settings either in it or in vitest.config.ts on top of it. */
const VITE_CONFIG = (test = "") =>
  `import { fileURLToPath, URL } from 'node:url'\nimport { defineConfig } from 'vite'\nimport vue from '@vitejs/plugin-vue'\n${test ? "import { configDefaults } from 'vitest/config'\n" : ""}\nexport default defineConfig({\n  plugins: [vue()],\n  resolve: {\n    alias: {\n      '@': fileURLToPath(new URL('./src', import.meta.url)),\n    },\n  },\n${test}})\n`;
const VITE_TEST = (exclude: string, extra = "") => `  test: {\n    environment: 'jsdom',\n    exclude: [...configDefaults.exclude, ${exclude}],\n${extra}  },\n`;
const VITE_INCLUDE = (include: string) => `  test: {\n    environment: 'jsdom',\n    include: [${include}],\n  },\n`;
/** vite.config.ts's test block without include: vitest's default include runs where vitest reads it. */
const VITE_NO_INCLUDE = "  test: {\n    environment: 'jsdom',\n  },\n";
const WIDE_INCLUDE = "'src/**/*.test.ts', 'e2e/**/*.check.ts'";
/** A vitest.config.ts of its own, not merged with vite.config.ts. */
const VITEST_OWN_CONFIG = () => `import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    environment: 'jsdom',\n  },\n})\n`;
const VITEST_CONFIG = (exclude: string, extra = "", base = "./vite.config") =>
  `import { fileURLToPath } from 'node:url'\nimport { mergeConfig, defineConfig, configDefaults } from 'vitest/config'\nimport viteConfig from '${base}'\n\nexport default mergeConfig(\n  viteConfig,\n  defineConfig({\n    test: {\n      environment: 'jsdom',\n      exclude: [...configDefaults.exclude, ${exclude}],\n      root: fileURLToPath(new URL('./', import.meta.url)),\n${extra}    },\n  }),\n)\n`;
/** pytest's own config file naming its testpaths. */
const PYTEST_TP = (paths = "tests") => `[pytest]\ntestpaths = ${paths}\n`;
/** A test entry script that runs from the directory it is started in (no cd of its own). */
const SH_HERE = (body: string) => `#!/bin/sh\nset -e\n${body}`;
const WORKFLOW_IN = (dir: string, run: string) => `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    defaults:\n      run:\n        working-directory: ${dir}\n    steps:\n      - uses: actions/checkout@v4\n      - run: ${run}\n`;
/** package.json running jest, with its settings under "jest" when given. */
const JEST_PKG = (jest?: Record<string, unknown>) => `${JSON.stringify({ name: "calc", private: true, scripts: { test: "jest" }, ...(jest ? { jest } : {}), devDependencies: { jest: "^30.0.0" } }, null, 2)}\n`;
const JEST_SETTINGS = (ignored: string[]) => ({ testEnvironment: "node", testPathIgnorePatterns: ignored });
/** vitest 1-3's configDefaults.exclude (defaultExclude), written out. */
const VITEST_DEFAULT_EXCLUDE = "'**/node_modules/**', '**/dist/**', '**/cypress/**', '**/.{idea,git,cache,output,temp}/**', '**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*'";
/** package.json of a project on the given vitest (`null`: one that does not name vitest). */
const VITEST_PKG = (range: string | null) => `${JSON.stringify({ name: "web", private: true, scripts: { test: "vitest run" }, devDependencies: range === null ? { vite: "^7.0.0" } : { vite: "^7.0.0", vitest: range } }, null, 2)}\n`;
/** VITEST_CONFIG with the defaults written out instead of spread. */
const VITEST_CONFIG_LITERAL = (exclude: string) => VITEST_CONFIG(exclude).replace("...configDefaults.exclude, ", `${VITEST_DEFAULT_EXCLUDE}, `);
const MOCHARC_JSON = (spec: string[]) => `${JSON.stringify({ spec, timeout: 5000 }, null, 2)}\n`;
const MOCHARC_YML = (extra = "") => `spec: test/**/*.spec.js\ntimeout: 2000\n${extra}`;
const MOCHARC_JS = (extra = "") => `module.exports = {\n  spec: ['test/**/*.spec.js'],\n${extra}};\n`;
const MOCHA_PKG = (mocha: Record<string, unknown>) => `${JSON.stringify({ name: "calc", scripts: { test: "mocha" }, mocha }, null, 2)}\n`;
const JEST_PROJECTS = (env: string, e2e: boolean) =>
  `  projects: [\n    { displayName: "unit", testEnvironment: "${env}", testMatch: ["<rootDir>/test/unit/**/*.test.js"] },\n${e2e ? '    { displayName: { name: "e2e", color: "blue" }, testMatch: ["<rootDir>/test/e2e/**/*.test.js"] },\n' : ""}  ],\n`;
const JEST_VAR = (ignored: string[], match = "**/*.test.js") =>
  `const ignored = ${JSON.stringify(ignored)};\nconst testMatch = ["${match}"];\n\nmodule.exports = {\n  testPathIgnorePatterns: ignored,\n  testMatch,\n};\n`;
const ACTION = (run: string) =>
  `name: test\ndescription: runs the tests\nruns:\n  using: composite\n  steps:\n    - run: npm ci\n      shell: bash\n    - run: ${run}\n      shell: bash\n`;
const JEST_JS = (extra = "") => `/** @type {import('jest').Config} */\nexport default {\n  testEnvironment: "node",\n${extra}};\n`;
const PYTEST_INI = (addopts: string, extra = "") => `[pytest]\naddopts = ${addopts}\ntestpaths = tests\n${extra}`;
const CONFTEST = (extra = "") => `import pytest\n${extra}\n\n@pytest.fixture\ndef db():\n    return {}\n`;
const JEST_JSON = (n: number) =>
  `{\n  "testEnvironment": "node",\n  "coverageThreshold": {\n    "global": {\n      "branches": ${n},\n      "functions": ${n},\n      "lines": ${n},\n      "statements": ${n}\n    }\n  }\n}\n`;
const NODE_TEST = (opts = "") =>
  `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { sum } from "../src/sum.js";\n\ntest("a", ${opts}() => {\n  assert.equal(sum([1, 2]), 3);\n});\n`;
const PY_TEST = (deco = "") => `from pytest import mark\n\nfrom calc import add\n\n\n${deco}def test_add():\n    assert add(1, 2) == 3\n`;
const SUM_TEST = `import { sum } from "../src/sum.js";\n\ntest("adds", () => {\n  expect(sum([1, 2])).toBe(3);\n});\n`;
/** A test entry script: `head` is its error handling, `body` runs the tests. */
const SH = (body: string, head = "set -euo pipefail\n") => `#!/usr/bin/env bash\n${head}cd "$(dirname "$0")/.."\nmkdir -p build/reports\n${body}`;
/** A test entry script that moves itself with `cd` (its own directory, spelled one way or another) before running `body`. */
const SH_CD = (cd: string, body: string) => `#!/usr/bin/env bash\nset -euo pipefail\n${cd}\n${body}`;
const WORKFLOW = (run: string) => `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ${run}\n`;
const DJANGO_TESTS = `from django.test import TestCase\n\nfrom .models import total\n\n\nclass TotalTests(TestCase):\n    def test_total(self):\n        self.assertEqual(total([1, 2]), 3)\n`;

describe("green-washing that used to get through is refused, and allowed by its override", () => {
  test.each<[string, Case, string, RegExp]>([
    ["package.json: the test script no longer runs jest", { before: { "package.json": pkg({ test: "jest", lint: "eslint ." }) }, after: { "package.json": pkg({ test: "echo no tests", lint: "eslint ." }) } }, "skip_tests", /drops jest from the test script "test"/],
    ["package.json: --passWithNoTests added to test:unit", { before: { "package.json": pkg({ test: "npm run test:unit", "test:unit": "jest" }) }, after: { "package.json": pkg({ test: "npm run test:unit", "test:unit": "jest --passWithNoTests" }) } }, "skip_tests", /adds --passWithNoTests to the test script "test:unit"/],
    ["Makefile: the test recipe echoes instead of running pytest", { before: { Makefile: MAKEFILE }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\t@echo skipped\n") } }, "skip_tests", /drops pytest from the make target test/],
    ["a local composite action under .github/actions/", { before: { ".github/actions/test/action.yml": ACTION("npm test") }, after: { ".github/actions/test/action.yml": ACTION("echo ok") } }, "workflow_edits", /\.github\/actions/],
    ["jest.config.js gains testPathIgnorePatterns", { before: { "jest.config.js": JEST_JS() }, after: { "jest.config.js": JEST_JS('  testPathIgnorePatterns: ["/node_modules/", "/test/sum"],\n') } }, "skip_tests", /adds "\/test\/sum" to testPathIgnorePatterns/],
    ["pytest.ini addopts gains -k", { before: { "pytest.ini": PYTEST_INI("-q") }, after: { "pytest.ini": PYTEST_INI('-q -k "test_b or test_c"') } }, "skip_tests", /adds -k to addopts in \[pytest\]/],
    ["conftest.py gains collect_ignore", { before: { "tests/conftest.py": CONFTEST() }, after: { "tests/conftest.py": CONFTEST('\ncollect_ignore = ["test_a.py"]\n') } }, "skip_tests", /"test_a\.py" to collect_ignore/],
    ["jest.config.json coverage thresholds 90 → 10", { before: { "jest.config.json": JEST_JSON(90) }, after: { "jest.config.json": JEST_JSON(10) } }, "lower_thresholds", /lowers the coverage threshold \w+ from 90 to 10/],
    ["node:test { skip: true } options", { before: { "test/a.test.js": NODE_TEST() }, after: { "test/a.test.js": NODE_TEST("{ skip: true }, ") } }, "skip_tests", /skips a test through its options/],
    ["@mark.skip after `from pytest import mark`", { before: { "tests/test_add.py": PY_TEST() }, after: { "tests/test_add.py": PY_TEST('@mark.skip(reason="flaky")\n') } }, "skip_tests", /marks a test skip\/xfail/],
    ["rename test/sum.test.js → test/sum.js", { before: { "test/sum.test.js": SUM_TEST }, renames: [["test/sum.test.js", "test/sum.js"]] }, "delete_tests", /moves the test file test\/sum\.test\.js where the test runner will not find it/],
    ["rename Django app/tests.py → app/checks.py", { before: { "app/tests.py": DJANGO_TESTS, "app/models.py": "def total(xs):\n    return sum(xs)\n" }, renames: [["app/tests.py", "app/checks.py"]] }, "delete_tests", /moves the test file app\/tests\.py/],
    ["package.json: jest narrowed to one folder", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "jest src/only/one" }) } }, "skip_tests", /narrows jest in the test script "test" \("jest" → "jest src\/only\/one"\) to "src\/only\/one"/],
    ["Makefile: pytest narrowed to one file", { before: { Makefile: MAKEFILE }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\tpytest tests/test_a.py\n") } }, "skip_tests", /narrows pytest in the recipe of the make target test/],
    ["Makefile: go test ./... narrowed to one package", { before: { Makefile: GO_MAKEFILE("./...") }, after: { Makefile: GO_MAKEFILE("./pkg/a") } }, "skip_tests", /narrows go test .* to "\.\/pkg\/a", so "\.\/\.\.\." no longer runs/],
    ["tox.ini: [testenv] commands no longer run pytest", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX("python -c \"print('ok')\"") } }, "skip_tests", /drops pytest from the commands of \[testenv\] in tox\.ini/],
    ["tox.ini: -m added to [testenv:py312] commands", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX(undefined, "pytest -m smoke {posargs}") } }, "skip_tests", /adds -m to the commands of \[testenv:py312\] in tox\.ini/],
    ["tox.ini: pytest's failure ignored with tox's - prefix", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX("- pytest {posargs}") } }, "or_true", /prefixes pytest with "-" in the commands of \[testenv\]/],
    ["tox.ini: ignore_outcome set", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX().replace("deps =", "ignore_outcome = true\ndeps =") } }, "or_true", /sets ignore_outcome = true in \[testenv\] of tox\.ini/],
    ["tox.ini: pytest given tests where testpaths also names integration", { before: { "tox.ini": TOX_TP("pytest {posargs}", "[pytest]\ntestpaths = tests integration\n") }, after: { "tox.ini": TOX_TP("pytest tests {posargs}", "[pytest]\ntestpaths = tests integration\n") } }, "skip_tests", /narrows pytest in the commands of \[testenv\] in tox\.ini .* so "integration" no longer runs/],
    ["tox.ini: pytest given tests where pytest.ini, not tox.ini's [pytest], is the config", { before: { "pytest.ini": "[pytest]\naddopts = -q\n", "tox.ini": TOX_TP("pytest {posargs}") }, after: { "tox.ini": TOX_TP("pytest tests {posargs}") } }, "skip_tests", /narrows pytest in the commands of \[testenv\] in tox\.ini/],
    ["tox.ini: pytest given tests in an env that runs from another directory (changedir)", { before: { "tox.ini": TOX_TP("pytest {posargs}").replace("commands =", "changedir = src\ncommands =") }, after: { "tox.ini": TOX_TP("pytest tests {posargs}").replace("commands =", "changedir = src\ncommands =") } }, "skip_tests", /narrows pytest in the commands of \[testenv\] in tox\.ini/],
    ["tox.ini: pytest given tests along with another config file (-c)", { before: { "tox.ini": TOX_TP("pytest -c ci/pytest.ini {posargs}") }, after: { "tox.ini": TOX_TP("pytest -c ci/pytest.ini tests {posargs}") } }, "skip_tests", /narrows pytest in the commands of \[testenv\] in tox\.ini/],
    ["tox.ini: the tests folder dropped where testpaths names only tests/unit", { before: { "tox.ini": TOX_TP("pytest tests {posargs}", "[pytest]\ntestpaths = tests/unit\n") }, after: { "tox.ini": TOX_TP("pytest {posargs}", "[pytest]\ntestpaths = tests/unit\n") } }, "skip_tests", /narrows pytest in the commands of \[testenv\] in tox\.ini .* so "tests" no longer runs/],
    ["vitest.config.ts, new: excludes a test folder that vite.config.ts, read before, did not", { before: { "vite.config.ts": VITE_CONFIG(VITE_TEST("'e2e/**'")) }, after: { "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'e2e/**', 'src/slow/**'") } }, "skip_tests", /adds "src\/slow\/\*\*" to test\.exclude/],
    ["vitest.config.ts, new where vitest read no config: excludes a test folder", { before: { "src/sum.test.ts": SUM_TEST }, after: { "vitest.config.ts": VITEST_CONFIG("'src/**'") } }, "skip_tests", /adds "src\/\*\*" to test\.exclude/],
    ["vitest.config.js deleted and vitest.config.ts added: a test folder excluded on the way", { before: { "vitest.config.js": VITEST_CONFIG("'e2e/**'") }, after: { "vitest.config.js": null, "vitest.config.ts": `// Typed config\n${VITEST_CONFIG("'e2e/**', 'src/slow/**'", "      globals: true,\n      setupFiles: ['./src/test-setup.ts'],\n      testTimeout: 20000,\n")}` }, noRenames: true }, "skip_tests", /adds "src\/slow\/\*\*" to test\.exclude/],
    ["vitest.config.ts, new: vitest's default include, standing in for vite.config.ts's, drops e2e/**/*.check.ts", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts', 'e2e/**/*.check.ts'")) }, after: { "vitest.config.ts": VITEST_OWN_CONFIG() } }, "skip_tests", /leaves test\.include unset, and its default .* does not take in "e2e\/\*\*\/\*\.check\.ts"/],
    ["vite.config.ts, the config vitest reads: test.include dropped, vitest's default drops e2e/**/*.check.ts", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)) }, after: { "vite.config.ts": VITE_CONFIG(VITE_NO_INCLUDE) } }, "skip_tests", /leaves test\.include unset, and its default .* does not take in "e2e\/\*\*\/\*\.check\.ts"/],
    ["vite.config.ts, the config vitest reads: its test block, with include, dropped", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)) }, after: { "vite.config.ts": VITE_CONFIG() } }, "skip_tests", /leaves test\.include unset, and its default .* does not take in "e2e\/\*\*\/\*\.check\.ts"/],
    ["vitest.config.ts merging vite.config.ts, which sets no include: test.include dropped", { before: { "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'legacy/**'", `      include: [${WIDE_INCLUDE}],\n`) }, after: { "vitest.config.ts": VITEST_CONFIG("'legacy/**'") } }, "skip_tests", /leaves test\.include unset, and its default .* does not take in "e2e\/\*\*\/\*\.check\.ts"/],
    ["vitest.config.ts merging vite.config.ts, whose include vitest ran, made a config of its own", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_CONFIG("'legacy/**'") }, after: { "vitest.config.ts": VITEST_OWN_CONFIG() } }, "skip_tests", /leaves test\.include unset, and its default .* does not take in "e2e\/\*\*\/\*\.check\.ts"/],
    ["jest.config.js, new without testMatch: jest's default replaces package.json's wider testMatch", { before: { "package.json": JEST_PKG({ testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"] }) }, after: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS() } }, "skip_tests", /leaves testMatch unset, and its default .* does not take in "\*\*\/e2e\/\*\*\/\*\.e2e\.js"/],
    ["package.json: \"jest\".testMatch dropped, jest's default leaves out *.e2e.js", { before: { "package.json": JEST_PKG({ testEnvironment: "node", testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"] }) }, after: { "package.json": JEST_PKG({ testEnvironment: "node" }) } }, "skip_tests", /leaves testMatch unset, and its default .* does not take in "\*\*\/e2e\/\*\*\/\*\.e2e\.js"/],
    ["jest.config.js: testRegex dropped for jest's default testMatch", { before: { "jest.config.js": JEST_JS('  testRegex: "/e2e/.*\\\\.e2e\\\\.js$",\n') }, after: { "jest.config.js": JEST_JS() } }, "skip_tests", /leaves testRegex unset, and its default .* does not take in "\/e2e\/\.\*/],
    ["jest.config.js: testMatch dropped, jest's default leaves out *.e2e.js", { before: { "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"],\n') }, after: { "jest.config.js": JEST_JS() } }, "skip_tests", /leaves testMatch unset, and its default .* does not take in "\*\*\/e2e\/\*\*\/\*\.e2e\.js"/],
    [".mocharc.yml: spec dropped, mocha's default (./test/*.{js,cjs,mjs}) leaves out test/**/*.spec.js", { before: { ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": "timeout: 2000\n" } }, "skip_tests", /leaves spec in \.mocharc\.yml unset, and its default .* does not take in "test\/\*\*\/\*\.spec\.js"/],
    ["package.json mocha: spec dropped", { before: { "package.json": MOCHA_PKG({ spec: ["test/**/*.spec.js"], "forbid-only": true }) }, after: { "package.json": MOCHA_PKG({ "forbid-only": true }) } }, "skip_tests", /leaves spec unset, and its default .* does not take in "test\/\*\*\/\*\.spec\.js"/],
    [".mocharc.json: spec dropped", { before: { ".mocharc.json": MOCHARC_JSON(["test/unit/**/*.spec.js", "test/e2e/**/*.spec.js"]) }, after: { ".mocharc.json": '{ "timeout": 5000 }\n' } }, "skip_tests", /leaves spec unset, and its default .* does not take in "test\/unit/],
    ["vitest.config.ts, merging vite.config.ts, deleted: vitest's default include, read in its place, drops e2e/**/*.check.ts", { before: { "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'legacy/**'", `      include: [${WIDE_INCLUDE}],\n`) }, after: { "vitest.config.ts": null } }, "skip_tests", /leaves test\.include unset, and its default .* does not take in "e2e\/\*\*\/\*\.check\.ts"/],
    ["vitest.config.ts deleted: vite.config.ts, read in its place, includes less", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts'")), "vitest.config.ts": `import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    include: [${WIDE_INCLUDE}],\n  },\n})\n` }, after: { "vitest.config.ts": null } }, "skip_tests", /removes "e2e\/\*\*\/\*\.check\.ts" from test\.include/],
    ["jest.config.js deleted: jest's default testMatch, in its place, leaves out *.e2e.js", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"],\n') }, after: { "jest.config.js": null } }, "skip_tests", /leaves testMatch unset, and its default .* does not take in "\*\*\/e2e\/\*\*\/\*\.e2e\.js"/],
    ["jest.config.js deleted: package.json's \"jest\", read in its place, matches less", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"],\n') }, after: { "jest.config.js": null, "package.json": JEST_PKG({ testMatch: ["**/test/**/*.test.js"] }) } }, "skip_tests", /removes "\*\*\/e2e\/\*\*\/\*\.e2e\.js" from testMatch/],
    [".mocharc.yml deleted: mocha's default spec, in its place, leaves out test/**/*.spec.js", { before: { ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": null } }, "skip_tests", /leaves spec in \.mocharc\.yml unset, and its default .* does not take in "test\/\*\*\/\*\.spec\.js"/],
    [".mocharc.json deleted: package.json's \"mocha\", read in its place, specs less", { before: { "package.json": MOCHA_PKG({ spec: ["test/unit/**/*.spec.js"] }), ".mocharc.json": MOCHARC_JSON(["test/unit/**/*.spec.js", "test/e2e/**/*.spec.js"]) }, after: { ".mocharc.json": null } }, "skip_tests", /removes "test\/e2e\/\*\*\/\*\.spec\.js" from spec/],
    ["vitest.config.ts renamed to vitest.config.old.ts, which vitest does not read: vite.config.ts, read in its place, includes less", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts'")), "vitest.config.ts": `import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    include: [${WIDE_INCLUDE}],\n  },\n})\n` }, renames: [["vitest.config.ts", "vitest.config.old.ts"]] }, "skip_tests", /removes "e2e\/\*\*\/\*\.check\.ts" from test\.include/],
    ["jest.config.js renamed to jest.config.js.bak: jest's default testMatch, in its place, leaves out *.e2e.js", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"],\n') }, renames: [["jest.config.js", "jest.config.js.bak"]] }, "skip_tests", /leaves testMatch unset, and its default .* does not take in "\*\*\/e2e\/\*\*\/\*\.e2e\.js"/],
    ["jest.config.js moved to config/, where jest run from the root does not look", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.e2e.js"],\n') }, renames: [["jest.config.js", "config/jest.config.js"]] }, "skip_tests", /leaves testMatch unset, and its default .* does not take in "\*\*\/e2e\/\*\*\/\*\.e2e\.js"/],
    [".mocharc.yml renamed to .mocharc.yml.disabled: mocha's default spec leaves out test/**/*.spec.js", { before: { ".mocharc.yml": MOCHARC_YML() }, renames: [[".mocharc.yml", ".mocharc.yml.disabled"]] }, "skip_tests", /leaves spec in \.mocharc\.yml unset, and its default .* does not take in "test\/\*\*\/\*\.spec\.js"/],
    ["vitest.config.ts merging ./config/vite.base.ts, not the vite.config.ts beside it: test.include narrowed", { before: { "config/vite.base.ts": VITE_CONFIG(), "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_CONFIG("'legacy/**'", `      include: [${WIDE_INCLUDE}],\n`, "./config/vite.base") }, after: { "vitest.config.ts": VITEST_CONFIG("'legacy/**'", "      include: ['src/**/*.test.ts'],\n", "./config/vite.base") } }, "skip_tests", /removes "e2e\/\*\*\/\*\.check\.ts" from test\.include/],
    ["vitest.config.ts merging a base from a package, not the vite.config.ts beside it: test.include narrowed", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_CONFIG("'legacy/**'", `      include: [${WIDE_INCLUDE}],\n`, "@acme/vite-config") }, after: { "vitest.config.ts": VITEST_CONFIG("'legacy/**'", "      include: ['src/**/*.test.ts'],\n", "@acme/vite-config") } }, "skip_tests", /removes "e2e\/\*\*\/\*\.check\.ts" from test\.include/],
    [".mocharc.json: spec test/*.spec.js dropped where extension: [ts] has mocha's default run test/*.ts only", { before: { ".mocharc.json": '{ "extension": ["ts"], "spec": ["test/*.spec.ts", "test/*.spec.js"] }\n' }, after: { ".mocharc.json": '{ "extension": ["ts"] }\n' } }, "skip_tests", /leaves spec unset, and its default .* does not take in "test\/\*\.spec\.js"/],
    ["jest.config.js: testMatch gains a negated glob", { before: { "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js"],\n') }, after: { "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js", "!**/test/slow/**"],\n') } }, "skip_tests", /adds "!\*\*\/test\/slow\/\*\*" to testMatch/],
    ["vite.config.ts: test.include gains a negated glob", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts'")) }, after: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts', '!src/slow/**'")) } }, "skip_tests", /adds "!src\/slow\/\*\*" to test\.include/],
    [".mocharc.cjs, new, which mocha reads in place of .mocharc.yml: a narrower spec", { before: { ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.cjs": "module.exports = {\n  spec: ['test/unit/**/*.spec.js'],\n};\n" } }, "skip_tests", /removes "test\/\*\*\/\*\.spec\.js" from spec/],
    ["pytest.ini: python_files dropped, pytest's default (test_*.py *_test.py) leaves out check_*.py", { before: { "pytest.ini": "[pytest]\naddopts = -q\npython_files = test_*.py check_*.py\n" }, after: { "pytest.ini": "[pytest]\naddopts = -q\n" } }, "skip_tests", /leaves python_files in \[pytest\] of pytest\.ini unset, and its default .* does not take in "check_\*\.py"/],
    ["pytest.ini deleted: pyproject.toml, read in its place, collects fewer files", { before: { "pytest.ini": "[pytest]\npython_files = test_*.py check_*.py\n", "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\npython_files = ["test_*.py"]\n' }, after: { "pytest.ini": null } }, "skip_tests", /removes "check_\*\.py" from python_files/],
    ["pytest.ini renamed to pytest.ini.bak: pytest's default python_files leaves out check_*.py", { before: { "pytest.ini": "[pytest]\npython_files = test_*.py check_*.py\n" }, renames: [["pytest.ini", "pytest.ini.bak"]] }, "skip_tests", /leaves python_files .*unset, and its default .* does not take in "check_\*\.py"/],
    ["Makefile: pytest given tests where testpaths also names integration", { before: { Makefile: MAKEFILE, "pytest.ini": PYTEST_TP("tests integration") }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\tpytest tests\n") } }, "skip_tests", /narrows pytest in the recipe of the make target test .* so "integration" no longer runs/],
    ["Makefile: pytest given tests after a cd out of the testpaths' directory", { before: { Makefile: MAKEFILE.replace("\tpytest\n", "\tcd src && pytest\n"), "pytest.ini": PYTEST_TP() }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\tcd src && pytest tests\n") } }, "skip_tests", /narrows pytest in the recipe of the make target test/],
    ["mk/test.mk, included by the root Makefile: testpaths next to it do not apply", { before: { Makefile: "include mk/test.mk\n", "mk/test.mk": "test:\n\tpytest\n", "mk/pytest.ini": PYTEST_TP() }, after: { "mk/test.mk": "test:\n\tpytest tests\n" } }, "skip_tests", /narrows pytest in the recipe of the make target test/],
    ["package.json: pytest given tests where pytest.ini's testpaths is tests/unit", { before: { "package.json": pkg({ test: "pytest" }), "pytest.ini": PYTEST_TP("tests/unit") }, after: { "package.json": pkg({ test: "pytest tests/unit/test_a.py" }) } }, "skip_tests", /narrows pytest in the test script "test" .* so "tests\/unit" no longer runs/],
    ["scripts/test.sh, run from py/ by a workflow: the root's testpaths do not apply", { before: { ".github/workflows/ci.yml": WORKFLOW_IN("py", "../scripts/test.sh"), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_HERE("pytest -q\n") }, after: { "scripts/test.sh": SH_HERE("pytest -q tests\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh/],
    ["scripts/test.sh, run from 2024/ (a number to YAML) by a workflow: the root's testpaths do not apply", { before: { ".github/workflows/ci.yml": WORKFLOW_IN("2024", "../scripts/test.sh"), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_HERE("pytest -q\n") }, after: { "scripts/test.sh": SH_HERE("pytest -q tests\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh/],
    ["scripts/test.sh, run from the root and from py/: the testpaths of one do not say what runs", { before: { Makefile: "test:\n\t./scripts/test.sh\n", ".github/workflows/ci.yml": WORKFLOW_IN("py", "../scripts/test.sh"), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_HERE("pytest -q\n") }, after: { "scripts/test.sh": SH_HERE("pytest -q tests\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh/],
    ["scripts/test.sh, cd \"$(dirname \"$0\")/..\": pytest given tests where the root's testpaths also names integration", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "pytest.ini": PYTEST_TP("tests integration"), "scripts/test.sh": SH("pytest -q\n") }, after: { "scripts/test.sh": SH("pytest -q tests\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh .* so "integration" no longer runs/],
    ["scripts/test.sh, cd \"$(dirname \"$0\")/..\": the testpaths of scripts/, which it leaves, do not apply", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/pytest.ini": PYTEST_TP(), "scripts/test.sh": SH("pytest -q\n") }, after: { "scripts/test.sh": SH("pytest -q tests\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh/],
    ["scripts/test.sh, cd \"$(dirname \"$0\")/../..\" out of the checkout: the root's testpaths do not apply", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_CD('cd "$(dirname "$0")/../.."', "pytest -q\n") }, after: { "scripts/test.sh": SH_CD('cd "$(dirname "$0")/../.."', "pytest -q tests\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh/],
    ["jest.config.js, new: ignores a test folder package.json's jest, read before, did not", { before: { "package.json": JEST_PKG(JEST_SETTINGS(["/node_modules/", "/test/e2e/"])) }, after: { "package.json": JEST_PKG(), "jest.config.js": `module.exports = ${JSON.stringify(JEST_SETTINGS(["/node_modules/", "/test/e2e/", "/test/slow/"]), null, 2)};\n` } }, "skip_tests", /adds "\/test\/slow\/" to testPathIgnorePatterns/],
    ["jest.config.js deleted and jest.config.ts added: a test folder ignored on the way", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testPathIgnorePatterns: ["/node_modules/", "/test/e2e/"],\n') }, after: { "jest.config.js": null, "jest.config.ts": `import type { Config } from "jest";\n\nconst config: Config = {\n  testEnvironment: "node",\n  testPathIgnorePatterns: ["/node_modules/", "/test/e2e/", "/test/slow/"],\n};\n\nexport default config;\n` }, noRenames: true }, "skip_tests", /adds "\/test\/slow\/" to testPathIgnorePatterns/],
    ["jest.config.js, new where jest read only package.json without a jest key: a test folder ignored", { before: { "package.json": JEST_PKG() }, after: { "jest.config.js": JEST_JS('  testPathIgnorePatterns: ["/node_modules/", "/test/"],\n') } }, "skip_tests", /adds "\/test\/" to testPathIgnorePatterns/],
    ["jest.config.js, new: testMatch narrower than package.json's", { before: { "package.json": JEST_PKG({ testMatch: ["**/test/**/*.test.js", "**/e2e/**/*.test.js"] }) }, after: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/test/**/*.test.js"],\n') } }, "skip_tests", /removes "\*\*\/e2e\/\*\*\/\*\.test\.js" from testMatch/],
    ["vitest.config.ts: vitest's defaults written out, with a test folder added", { before: { "vite.config.ts": VITE_CONFIG(), "package.json": VITEST_PKG("^3.2.4"), "vitest.config.ts": VITEST_CONFIG("'e2e/**'") }, after: { "vitest.config.ts": VITEST_CONFIG_LITERAL("'e2e/**', 'src/slow/**'") } }, "skip_tests", /adds "src\/slow\/\*\*" to test\.exclude/],
    ["vitest.config.ts: vitest's defaults written out where its exclude had replaced them", { before: { "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'e2e/**'").replace("...configDefaults.exclude, ", "") }, after: { "vitest.config.ts": VITEST_CONFIG_LITERAL("'e2e/**'") } }, "skip_tests", /adds "\*\*\/cypress\/\*\*"/],
    ["vitest.config.ts on vitest 4: vitest 1-3's exclude written out", { before: { "package.json": VITEST_PKG("^4.0.0"), "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'e2e/**'") }, after: { "vitest.config.ts": VITEST_CONFIG_LITERAL("'e2e/**'") } }, "skip_tests", /adds "\*\*\/cypress\/\*\*"/],
    ["vite.config.ts, vitest's version not known: vitest 1-3's exclude written out where none was set", { before: { "package.json": VITEST_PKG("latest"), "vite.config.ts": VITE_CONFIG() }, after: { "vite.config.ts": VITE_CONFIG(`  test: {\n    environment: 'jsdom',\n    exclude: [${VITEST_DEFAULT_EXCLUDE}],\n  },\n`) } }, "skip_tests", /adds "\*\*\/cypress\/\*\*"/],
    ["packages/web/vitest.config.ts: vitest 1-3's exclude written out, vitest ^4 named next to it though the root names ^3", { before: { "package.json": VITEST_PKG("^3.2.4"), "packages/web/package.json": VITEST_PKG("^4.0.0"), "packages/web/vite.config.ts": VITE_CONFIG(), "packages/web/vitest.config.ts": VITEST_CONFIG("'e2e/**'") }, after: { "packages/web/vitest.config.ts": VITEST_CONFIG_LITERAL("'e2e/**'") } }, "skip_tests", /adds "\*\*\/cypress\/\*\*"/],
    [".mocharc.json: spec narrowed", { before: { ".mocharc.json": MOCHARC_JSON(["test/unit/**/*.spec.js", "test/integration/**/*.spec.js"]) }, after: { ".mocharc.json": MOCHARC_JSON(["test/unit/**/*.spec.js"]) } }, "skip_tests", /removes "test\/integration\/\*\*\/\*\.spec\.js" from spec/],
    [".mocharc.yml: ignore gains a test folder", { before: { ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": MOCHARC_YML("ignore:\n  - test/slow/**\n") } }, "skip_tests", /adds "test\/slow\/\*\*" to ignore in \.mocharc\.yml/],
    [".mocharc.cjs: grep added", { before: { ".mocharc.cjs": MOCHARC_JS() }, after: { ".mocharc.cjs": MOCHARC_JS("  grep: 'sum',\n") } }, "skip_tests", /sets grep to "sum"/],
    ["package.json mocha: forbid-only removed", { before: { "package.json": MOCHA_PKG({ "forbid-only": true, spec: "test/**/*.js" }) }, after: { "package.json": MOCHA_PKG({ spec: "test/**/*.js" }) } }, "skip_tests", /turns forbid-only off/],
    ["jest.config.js: projects loses a package", { before: { "jest.config.js": JEST_JS('  projects: ["<rootDir>/packages/a", "<rootDir>/packages/b"],\n') }, after: { "jest.config.js": JEST_JS('  projects: ["<rootDir>/packages/a"],\n') } }, "skip_tests", /removes "<rootDir>\/packages\/b" from projects/],
    ["jest.config.js: an inline project removed", { before: { "jest.config.js": JEST_JS(JEST_PROJECTS("node", true)) }, after: { "jest.config.js": JEST_JS(JEST_PROJECTS("node", false)) } }, "skip_tests", /removes "(displayName: e2e|<rootDir>\/test\/e2e\/\*\*\/\*\.test\.js)" from (projects|testMatch)/],
    ["package.json: jest given a fixed shard", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "jest --shard=1/4" }) } }, "skip_tests", /adds --shard to the test script "test"/],
    ["jest.config.js: the ignore list kept in a variable gains a test folder", { before: { "jest.config.js": JEST_VAR(["/node_modules/"]) }, after: { "jest.config.js": JEST_VAR(["/node_modules/", "/test/sum"]) } }, "skip_tests", /adds "\/test\/sum" to testPathIgnorePatterns/],
    ["jest.config.js: testMatch through shorthand loses a pattern", { before: { "jest.config.js": JEST_VAR(["/node_modules/"], "**/*.{test,spec}.js") }, after: { "jest.config.js": JEST_VAR(["/node_modules/"], "**/*.spec.js") } }, "skip_tests", /removes "\*\*\/\*\.\{test,spec\}\.js" from testMatch/],
    ["scripts/test.sh, run by npm test: pytest commented out", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n") }, after: { "scripts/test.sh": SH("# pytest -q tests\n") } }, "skip_tests", /drops pytest from scripts\/test\.sh \(run by the test script "test" of package\.json\)/],
    ["ci/run-tests.sh, run by make test: exit 0 before go test", { before: { Makefile: ".PHONY: test\ntest:\n\tbash ci/run-tests.sh\n", "ci/run-tests.sh": SH("go test -race ./...\n") }, after: { "ci/run-tests.sh": SH("exit 0\ngo test -race ./...\n") } }, "skip_tests", /drops go test from ci\/run-tests\.sh \(run by the make target test\)/],
    ["test.sh, run by tox: the body replaced by echo", { before: { "tox.ini": TOX("sh test.sh {posargs}", "sh test.sh {posargs}"), "test.sh": '#!/bin/sh\nset -e\npython -m pytest "$@"\n' }, after: { "test.sh": '#!/bin/sh\necho "tests pass"\n' } }, "skip_tests", /drops pytest from test\.sh \(run by the commands of \[testenv\] in tox\.ini\)/],
    ["scripts/ci.sh, run by a workflow step: cargo test under if false", { before: { ".github/workflows/ci.yml": WORKFLOW("bash scripts/ci.sh"), "scripts/ci.sh": SH("cargo test --all\n") }, after: { "scripts/ci.sh": SH("if false; then\n  cargo test --all\nfi\n") } }, "skip_tests", /drops cargo test from scripts\/ci\.sh \(run by a step of \.github\/workflows\/ci\.yml\)/],
    ["backend/ci/test.sh, run from the workflow's defaults.run.working-directory: pytest removed", { before: { ".github/workflows/ci.yml": WORKFLOW("./ci/test.sh").replace("jobs:", "defaults:\n  run:\n    working-directory: backend\njobs:"), "backend/ci/test.sh": SH("pytest -q\n") }, after: { "backend/ci/test.sh": SH("echo skipped\n") } }, "skip_tests", /drops pytest from backend\/ci\/test\.sh \(run by a step of \.github\/workflows\/ci\.yml\)/],
    ["scripts/unit.sh, run by scripts/test.sh: mvn test in a : <<'SKIP' comment", { before: { "package.json": pkg({ test: "bash scripts/test.sh" }), "scripts/test.sh": SH("./scripts/unit.sh\n"), "scripts/unit.sh": SH("mvn -B test\n") }, after: { "scripts/unit.sh": SH(": <<'SKIP'\nmvn -B test\nSKIP\n") } }, "skip_tests", /drops mvn test from scripts\/unit\.sh \(run by scripts\/test\.sh, run by the test script "test" of package\.json\)/],
    ["ci/test.sh, run by make check: jest in a : '…' comment", { before: { Makefile: "check:\n\t./ci/test.sh\n", "ci/test.sh": SH("npx jest --ci\n") }, after: { "ci/test.sh": SH(": '\nnpx jest --ci\n'\n") } }, "skip_tests", /drops jest from ci\/test\.sh/],
    ["scripts/test.sh: pytest narrowed to one folder", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n") }, after: { "scripts/test.sh": SH("pytest -q tests/unit\n") } }, "skip_tests", /narrows pytest in scripts\/test\.sh/],
    ["ci/test.sh without set -e: exit 0 added as its last line", { before: { Makefile: "check:\n\t./ci/test.sh\n", "ci/test.sh": "#!/bin/sh\nnpm ci\nnpm test\n" }, after: { "ci/test.sh": "#!/bin/sh\nnpm ci\nnpm test\nexit 0\n" } }, "or_true", /ends ci\/test\.sh \(run by the make target check\) with "exit 0"/],
  ])("%s", async (_name, c, rule, reason) => {
    const { diff, repo, cleanup } = await gitDiff(c);
    try {
      const refused = await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true });
      expect(refused).toMatchObject({ ok: false, refusal: { rule, reason: expect.stringMatching(reason) } });
      const allowed = await applyPatch(diff, repo, { config: configWith([rule]), dryRun: true });
      expect(allowed).toMatchObject({ ok: true, overrides: [rule] });
    } finally {
      await cleanup();
    }
  });
});

describe("legitimate fixes next to those files are still accepted", () => {
  test.each<[string, Case]>([
    ["fixing the code under test", { before: { "src/sum.js": "export const sum = (xs) => xs.reduce((a, b) => a - b, 0);\n", "test/sum.test.js": SUM_TEST }, after: { "src/sum.js": "export const sum = (xs) => xs.reduce((a, b) => a + b, 0);\n" } }],
    ["adding a test file", { before: { "test/sum.test.js": SUM_TEST }, after: { "test/more.test.js": SUM_TEST.replace("adds", "adds more") } }],
    ["--runInBand added to the test script", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "jest --runInBand" }) } }],
    ["jest run through node for ESM", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "node --experimental-vm-modules node_modules/jest/bin/jest.js" }) } }],
    ["the test script split into test:unit", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "npm run test:unit", "test:unit": "jest --ci" }) } }],
    ["a non-test script changed", { before: { "package.json": pkg({ test: "jest", build: "tsc" }) }, after: { "package.json": pkg({ test: "jest", build: "tsc -p tsconfig.build.json" }) } }],
    ["an unrelated Makefile target", { before: { Makefile: MAKEFILE }, after: { Makefile: MAKEFILE.replace("ruff check .", "ruff check src tests") } }],
    ["pytest -x in the test recipe", { before: { Makefile: MAKEFILE }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\t$(PY) -m pytest -x\n") } }],
    ["a non-selection setting in pytest.ini", { before: { "pytest.ini": PYTEST_INI("-q") }, after: { "pytest.ini": PYTEST_INI("-q", "asyncio_mode = auto\n") } }],
    ["a non-test section of setup.cfg", { before: { "setup.cfg": "[metadata]\nname = calc\nversion = 1.0\n\n[tool:pytest]\naddopts = -q\n" }, after: { "setup.cfg": "[metadata]\nname = calc\nversion = 1.1\n\n[tool:pytest]\naddopts = -q\n" } }],
    ["jest.config.js: another test environment", { before: { "jest.config.js": JEST_JS() }, after: { "jest.config.js": JEST_JS("  testTimeout: 20000,\n").replace('"node"', '"jsdom"') } }],
    ["a fixture added to conftest.py", { before: { "tests/conftest.py": CONFTEST() }, after: { "tests/conftest.py": CONFTEST("\n\n@pytest.fixture\ndef user():\n    return 'u'\n") } }],
    ["coverage thresholds raised in jest.config.json", { before: { "jest.config.json": JEST_JSON(80) }, after: { "jest.config.json": JEST_JSON(90) } }],
    ["a node:test options object without skip", { before: { "test/a.test.js": NODE_TEST() }, after: { "test/a.test.js": NODE_TEST("{ timeout: 5000 }, ") } }],
    ["renaming a test file to another test name", { before: { "test/sum.test.js": SUM_TEST }, renames: [["test/sum.test.js", "test/total.test.js"]] }],
    ["Django tests.py moved into a tests package", { before: { "app/tests.py": DJANGO_TESTS }, renames: [["app/tests.py", "app/tests/test_total.py"]] }],
    ["a mistyped test path fixed", { before: { "package.json": pkg({ test: "jest src/utlis" }) }, after: { "package.json": pkg({ test: "jest src/utils" }) } }],
    ["pytest path typo fixed in make test", { before: { Makefile: MAKEFILE.replace("\tpytest\n", "\tpytest tests/unti\n") }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\tpytest tests/unit\n") } }],
    ["go test widened to ./...", { before: { Makefile: GO_MAKEFILE("./pkg/a") }, after: { Makefile: GO_MAKEFILE("./...") } }],
    ["a timeout given to jest", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "jest --testTimeout 20000" }) } }],
    ["a timeout given to go test", { before: { Makefile: GO_MAKEFILE("./...") }, after: { Makefile: GO_MAKEFILE("-timeout 5m ./...") } }],
    ["tox.ini: a dependency added", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX().replace("    pytest-cov\n", "    pytest-cov\n    requests\n") } }],
    ["tox.ini: a timeout for pytest, {envpython} spelled out", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX("{envpython} -m pytest --timeout 60 {posargs}") } }],
    ["tox.ini: an environment removed", { before: { "tox.ini": TOX() }, after: { "tox.ini": TOX().replace(/\n\[testenv:py312\][^]*$/, "\n") } }],
    ["tox.ini: pytest given the tests folder its [pytest] testpaths already names", { before: { "tox.ini": TOX_TP("pytest {posargs}") }, after: { "tox.ini": TOX_TP("pytest tests {posargs}") } }],
    ["tox.ini: --cov given its package, so tests is read as the test path again", { before: { "tox.ini": TOX_TP("pytest --cov tests {posargs}") }, after: { "tox.ini": TOX_TP("pytest --cov=calc --cov-report=xml tests {posargs}") } }],
    ["tox.ini: python -m pytest tests, with testpaths in pyproject.toml", { before: { "tox.ini": TOX_TP("pytest {posargs}", ""), "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n' }, after: { "tox.ini": TOX_TP("python -m pytest tests {posargs}", "") } }],
    ["vitest.config.ts excluding e2e/**: another test environment", { before: { "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'e2e/**'") }, after: { "vitest.config.ts": VITEST_CONFIG("'e2e/**'").replace("'jsdom'", "'happy-dom'") } }],
    ["vite.config.ts excluding e2e/**: setupFiles added", { before: { "vite.config.ts": VITE_CONFIG(VITE_TEST("'e2e/**'")) }, after: { "vite.config.ts": VITE_CONFIG(VITE_TEST("'e2e/**'", "    setupFiles: ['./src/test-setup.ts'],\n")) } }],
    ["vite.config.ts: its test block, excluding e2e/**, moved to a new vitest.config.ts", { before: { "vite.config.ts": VITE_CONFIG(VITE_TEST("'e2e/**'")) }, after: { "vite.config.ts": VITE_CONFIG(), "vitest.config.ts": VITEST_CONFIG("'e2e/**'") } }],
    ["vitest.config.ts, new: vitest's default include takes in all vite.config.ts's include ran", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.{test,spec}.ts'")) }, after: { "vitest.config.ts": VITEST_OWN_CONFIG() } }],
    ["vitest.config.ts, new, merging vite.config.ts, whose include it keeps", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts', 'e2e/**/*.check.ts'")) }, after: { "vitest.config.ts": VITEST_CONFIG("").replace(/ {6}exclude: .*\n/, "") } }],
    ["vite.config.ts, the config vitest reads: an include vitest's default covers dropped", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.{test,spec}.ts', 'tests/**/*.test.tsx'")) }, after: { "vite.config.ts": VITE_CONFIG(VITE_NO_INCLUDE) } }],
    ["vite.config.ts: include dropped where vitest reads vitest.config.ts of its own", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_OWN_CONFIG() }, after: { "vite.config.ts": VITE_CONFIG(VITE_NO_INCLUDE) } }],
    ["vitest.config.ts merging vite.config.ts: an include vite.config.ts also sets dropped", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_CONFIG("'legacy/**'", "      include: ['e2e/**/*.check.ts'],\n") }, after: { "vitest.config.ts": VITEST_CONFIG("'legacy/**'") } }],
    ["vitest.config.ts merging vite.config.ts, whose include the default covers, made a config of its own", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts'")), "vitest.config.ts": VITEST_CONFIG("'legacy/**'") }, after: { "vitest.config.ts": VITEST_OWN_CONFIG() } }],
    ["package.json: \"jest\".testMatch dropped where a jest.config.js, which jest reads, sets its own", { before: { "package.json": JEST_PKG({ testMatch: ["**/e2e/**/*.e2e.js"] }), "jest.config.js": JEST_JS('  testMatch: ["**/e2e/**/*.e2e.js"],\n') }, after: { "package.json": JEST_PKG() } }],
    ["package.json's jest settings moved to a new jest.config.js, leaving a testMatch jest's default covers", { before: { "package.json": JEST_PKG({ testMatch: ["<rootDir>/src/**/*.test.ts", "**/__tests__/**/*.js"] }) }, after: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS() } }],
    ["vitest.config.ts, merging vite.config.ts, deleted: vite.config.ts sets the same include", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_CONFIG("'legacy/**'", "      include: ['e2e/**/*.check.ts'],\n") }, after: { "vitest.config.ts": null } }],
    ["vite.config.ts deleted where vitest reads a vitest.config.ts of its own", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "vitest.config.ts": VITEST_OWN_CONFIG() }, after: { "vite.config.ts": null } }],
    ["jest.config.js deleted, its testMatch moved to package.json's \"jest\"", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/e2e/**/*.e2e.js"],\n') }, after: { "jest.config.js": null, "package.json": JEST_PKG({ testMatch: ["**/e2e/**/*.e2e.js"] }) } }],
    ["jest.config.js deleted, its testMatch moved to a new jest.config.ts", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/e2e/**/*.e2e.js"],\n') }, after: { "jest.config.js": null, "jest.config.ts": `import type { Config } from "jest";\n\nconst config: Config = {\n  testMatch: ["**/e2e/**/*.e2e.js"],\n};\n\nexport default config;\n` }, noRenames: true }],
    ["jest.config.js deleted, its testMatch one jest's default covers", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/__tests__/**/*.js", "**/*.test.js"],\n') }, after: { "jest.config.js": null } }],
    ["vitest.config.js deleted and vitest.config.ts added, still excluding e2e/**", { before: { "vitest.config.js": VITEST_CONFIG("'e2e/**'") }, after: { "vitest.config.js": null, "vitest.config.ts": `// Typed config\n${VITEST_CONFIG("'e2e/**'", "      globals: true,\n      setupFiles: ['./src/test-setup.ts'],\n      testTimeout: 20000,\n")}` }, noRenames: true }],
    ["Makefile: pytest given the tests folder pytest.ini's testpaths already names", { before: { Makefile: MAKEFILE, "pytest.ini": PYTEST_TP() }, after: { Makefile: MAKEFILE.replace("\tpytest\n", "\tpytest tests\n") } }],
    ["package.json: python -m pytest given the testpaths of pyproject.toml", { before: { "package.json": pkg({ test: "python -m pytest" }), "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n' }, after: { "package.json": pkg({ test: "python -m pytest --cov=calc tests" }) } }],
    ["scripts/test.sh, run by make test: pytest given the testpaths folder", { before: { Makefile: "test:\n\t./scripts/test.sh\n", "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_HERE("pytest -q\n") }, after: { "scripts/test.sh": SH_HERE("pytest -q tests\n") } }],
    ["scripts/test.sh, run from py/ by a workflow: pytest given py/'s testpaths", { before: { ".github/workflows/ci.yml": WORKFLOW_IN("py", "../scripts/test.sh"), "py/pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_HERE("pytest -q\n") }, after: { "scripts/test.sh": SH_HERE("pytest -q tests\n") } }],
    ["package.json's jest settings, ignoring test/e2e, moved to a new jest.config.js", { before: { "package.json": JEST_PKG(JEST_SETTINGS(["/node_modules/", "/test/e2e/"])) }, after: { "package.json": JEST_PKG(), "jest.config.js": `/** @type {import('jest').Config} */\nmodule.exports = ${JSON.stringify({ ...JEST_SETTINGS(["/node_modules/", "/test/e2e/"]), transform: {} }, null, 2)};\n` } }],
    ["package.json's jest settings, with testMatch, moved to a new jest.config.mjs", { before: { "package.json": JEST_PKG({ testMatch: ["**/test/**/*.test.js"] }) }, after: { "package.json": JEST_PKG(), "jest.config.mjs": JEST_JS('  testMatch: ["**/test/**/*.test.js"],\n') } }],
    ["jest.config.js deleted and jest.config.ts added, still ignoring test/e2e", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testPathIgnorePatterns: ["/node_modules/", "/test/e2e/"],\n') }, after: { "jest.config.js": null, "jest.config.ts": `import type { Config } from "jest";\n\nconst config: Config = {\n  testEnvironment: "node",\n  testPathIgnorePatterns: ["/node_modules/", "/test/e2e/"],\n};\n\nexport default config;\n` }, noRenames: true }],
    ["vitest.config.ts: ...configDefaults.exclude written out as vitest's list", { before: { "vite.config.ts": VITE_CONFIG(), "package.json": VITEST_PKG("^3.2.4"), "vitest.config.ts": VITEST_CONFIG("'e2e/**'") }, after: { "vitest.config.ts": VITEST_CONFIG_LITERAL("'e2e/**'") } }],
    ["vite.config.ts: vitest's default exclude written out where none was set", { before: { "package.json": VITEST_PKG("^3.2.4"), "vite.config.ts": VITE_CONFIG() }, after: { "vite.config.ts": VITE_CONFIG(`  test: {\n    environment: 'jsdom',\n    exclude: [${VITEST_DEFAULT_EXCLUDE}],\n  },\n`) } }],
    ["scripts/test.sh, cd \"$(dirname \"$0\")/..\": pytest given the root's testpaths folder", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH("pytest -q\n") }, after: { "scripts/test.sh": SH("pytest -q tests\n") } }],
    ["scripts/test.sh, run by tox, cd to ${BASH_SOURCE[0]}'s parent: pytest given the root's testpaths folder", { before: { "tox.ini": TOX("bash scripts/test.sh {posargs}", "bash scripts/test.sh {posargs}"), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH_CD('cd "$(dirname "${BASH_SOURCE[0]}")"/..', "pytest -q\n") }, after: { "scripts/test.sh": SH_CD('cd "$(dirname "${BASH_SOURCE[0]}")"/..', "pytest -q tests\n") } }],
    ["backend/run-tests.sh, cd to its own directory: pytest given backend/'s testpaths folder", { before: { ".github/workflows/ci.yml": WORKFLOW("bash backend/run-tests.sh"), "backend/pytest.ini": PYTEST_TP(), "backend/run-tests.sh": SH_CD('cd "$(dirname "$0")"', "pytest -q\n") }, after: { "backend/run-tests.sh": SH_CD('cd "$(dirname "$0")"', "pytest -q tests\n") } }],
    ["scripts/unit.sh, run by scripts/test.sh after its cd to the root: pytest given the root's testpaths folder", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "pytest.ini": PYTEST_TP(), "scripts/test.sh": SH("./scripts/unit.sh\n"), "scripts/unit.sh": SH_HERE("pytest -q\n") }, after: { "scripts/unit.sh": SH_HERE("pytest -q tests\n") } }],
    ["packages/web/vitest.config.ts: vitest 1-3's exclude written out, vitest ^3 named by the root package.json", { before: { "package.json": VITEST_PKG("^3.2.4"), "packages/web/package.json": VITEST_PKG(null), "packages/web/vite.config.ts": VITE_CONFIG(), "packages/web/vitest.config.ts": VITEST_CONFIG("'e2e/**'") }, after: { "packages/web/vitest.config.ts": VITEST_CONFIG_LITERAL("'e2e/**'") } }],
    [".mocharc.yml: spec dropped where mocha's default runs the same files", { before: { ".mocharc.yml": "spec: ./test/*.js\ntimeout: 2000\n" }, after: { ".mocharc.yml": "timeout: 2000\n" } }],
    [".mocharc.yml deleted, its spec moved to package.json's \"mocha\"", { before: { "package.json": MOCHA_PKG({ "forbid-only": true }), ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": null, "package.json": MOCHA_PKG({ "forbid-only": true, spec: "test/**/*.spec.js" }) } }],
    [".mocharc.json without spec deleted where package.json's \"mocha\", merged with it, sets the spec", { before: { "package.json": MOCHA_PKG({ spec: "test/**/*.spec.js" }), ".mocharc.json": '{ "timeout": 5000 }\n' }, after: { ".mocharc.json": null } }],
    [".mocharc.yml deleted where .mocharc.js, read first, sets the spec", { before: { ".mocharc.js": MOCHARC_JS(), ".mocharc.yml": "spec: test/e2e/**/*.spec.js\n" }, after: { ".mocharc.yml": null } }],
    ["jest.config.js renamed to jest.config.cjs", { before: { "package.json": JEST_PKG(), "jest.config.js": JEST_JS('  testMatch: ["**/e2e/**/*.e2e.js"],\n') }, renames: [["jest.config.js", "jest.config.cjs"]] }],
    ["vitest.config.js renamed to vitest.config.ts, still excluding e2e/**", { before: { "vite.config.ts": VITE_CONFIG(), "vitest.config.js": VITEST_CONFIG("'e2e/**'") }, renames: [["vitest.config.js", "vitest.config.ts"]] }],
    [".mocharc.yml renamed to .mocharc.yaml", { before: { ".mocharc.yml": MOCHARC_YML() }, renames: [[".mocharc.yml", ".mocharc.yaml"]] }],
    ["packages/web/vitest.config.ts merging ../../vite.config.base.ts: an include the base also sets dropped", { before: { "vite.config.base.ts": VITE_CONFIG(VITE_INCLUDE(WIDE_INCLUDE)), "packages/web/vitest.config.ts": VITEST_CONFIG("'legacy/**'", "      include: ['e2e/**/*.check.ts'],\n", "../../vite.config.base") }, after: { "packages/web/vitest.config.ts": VITEST_CONFIG("'legacy/**'", "", "../../vite.config.base") } }],
    [".mocharc.yml: spec dropped where recursive: true has mocha's default run all of test/", { before: { ".mocharc.yml": MOCHARC_YML("recursive: true\n") }, after: { ".mocharc.yml": "timeout: 2000\nrecursive: true\n" } }],
    [".mocharc.json: spec dropped where extension: [ts] has mocha's default run test/*.ts", { before: { ".mocharc.json": '{ "extension": ["ts"], "spec": "test/*.spec.ts" }\n' }, after: { ".mocharc.json": '{ "extension": ["ts"] }\n' } }],
    ["package.json mocha: spec dropped where recursive and extension have the default run all of test/'s .ts files", { before: { "package.json": MOCHA_PKG({ recursive: true, extension: ["ts"], spec: ["test/unit/**/*.test.ts", "test/e2e"] }) }, after: { "package.json": MOCHA_PKG({ recursive: true, extension: ["ts"] }) } }],
    ["vite.config.ts, the config vitest reads: an include with a negation dropped, vitest's default covering the rest", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts', '!src/legacy/**'")) }, after: { "vite.config.ts": VITE_CONFIG(VITE_NO_INCLUDE) } }],
    ["jest.config.js: testMatch gains a pattern, keeping its negated glob", { before: { "jest.config.js": JEST_JS('  testMatch: ["**/*.test.js", "!**/fixtures/**"],\n') }, after: { "jest.config.js": JEST_JS('  testMatch: ["**/*.test.js", "**/*.spec.js", "!**/fixtures/**"],\n') } }],
    [".mocharc.yml: spec dropped where package.json's \"mocha\", which mocha joins with it, sets the same", { before: { "package.json": MOCHA_PKG({ spec: "test/**/*.spec.js" }), ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": "timeout: 2000\n" } }],
    [".mocharc.yml, shadowed by .mocharc.js, loses its spec", { before: { ".mocharc.js": MOCHARC_JS(), ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": "timeout: 2000\n" } }],
    ["pytest.ini: python_files and python_functions dropped where pytest's defaults run the same", { before: { "pytest.ini": "[pytest]\naddopts = -q\npython_files = test_*.py\npython_functions = test_*\n" }, after: { "pytest.ini": "[pytest]\naddopts = -q\n" } }],
    ["jest.config.js: testMatch loses its negated glob", { before: { "jest.config.js": JEST_JS('  testMatch: ["**/*.test.js", "!**/fixtures/**"],\n') }, after: { "jest.config.js": JEST_JS('  testMatch: ["**/*.test.js"],\n') } }],
    ["vite.config.ts: test.include loses its negated glob", { before: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts', '!src/legacy/**'")) }, after: { "vite.config.ts": VITE_CONFIG(VITE_INCLUDE("'src/**/*.test.ts'")) } }],
    ["pytest.ini deleted, its settings moved to pyproject.toml", { before: { "pytest.ini": "[pytest]\naddopts = -q\npython_files = test_*.py check_*.py\ntestpaths = tests\n", "pyproject.toml": '[project]\nname = "calc"\n' }, after: { "pytest.ini": null, "pyproject.toml": '[project]\nname = "calc"\n\n[tool.pytest.ini_options]\naddopts = "-q"\npython_files = ["test_*.py", "check_*.py"]\ntestpaths = ["tests"]\n' } }],
    ["setup.cfg's [tool:pytest], which pytest.ini shadows, deleted with the file", { before: { "pytest.ini": "[pytest]\naddopts = -q\n", "setup.cfg": "[tool:pytest]\npython_files = check_*.py\n" }, after: { "setup.cfg": null } }],
    [".mocharc.yml: a longer timeout", { before: { ".mocharc.yml": MOCHARC_YML() }, after: { ".mocharc.yml": MOCHARC_YML().replace("timeout: 2000", "timeout: 10000") } }],
    [".mocharc.json: spec set where mocha's default (./test/*.js) missed the subfolders", { before: { ".mocharc.json": '{ "require": "ts-node/register" }\n' }, after: { ".mocharc.json": '{ "require": "ts-node/register", "spec": "test/**/*.spec.ts" }\n' } }],
    ["package.json mocha: a require added", { before: { "package.json": MOCHA_PKG({ "forbid-only": true }) }, after: { "package.json": MOCHA_PKG({ "forbid-only": true, require: "ts-node/register" }) } }],
    ["jest.config.js: an inline project's environment changed", { before: { "jest.config.js": JEST_JS(JEST_PROJECTS("node", true)) }, after: { "jest.config.js": JEST_JS(JEST_PROJECTS("jsdom", true)) } }],
    ["jest.config.js: bail added", { before: { "jest.config.js": JEST_JS() }, after: { "jest.config.js": JEST_JS("  bail: 1,\n") } }],
    ["package.json: jest --bail", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "jest --bail" }) } }],
    ["package.json: jest sharded by the CI matrix", { before: { "package.json": pkg({ test: "jest" }) }, after: { "package.json": pkg({ test: "jest --shard=$SHARD/4" }) } }],
    ["vitest.config.ts: test.projects gains one", { before: { "vitest.config.ts": "export default defineConfig({ test: { projects: ['packages/a'] } });\n" }, after: { "vitest.config.ts": "export default defineConfig({ test: { projects: ['packages/a', 'packages/b'], bail: 1 } });\n" } }],
    ["jest.config.js: dist/ added to the ignore list kept in a variable", { before: { "jest.config.js": JEST_VAR(["/node_modules/"]) }, after: { "jest.config.js": JEST_VAR(["/node_modules/", "<rootDir>/dist/"]) } }],
    ["a composite action's README", { before: { ".github/actions/README.md": "# actions\n" }, after: { "docs/ci.md": "# CI\n" } }],
    ["scripts/test.sh: a setup line added", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n") }, after: { "scripts/test.sh": SH("pip install -e .\npytest -q tests\n") } }],
    ["scripts/test.sh: a mkdir path fixed", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n") }, after: { "scripts/test.sh": SH("pytest -q tests\n").replace("build/reports", "build/test-reports") } }],
    ["scripts/test.sh: set -euo pipefail added", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n", "") }, after: { "scripts/test.sh": SH("pytest -q tests\n") } }],
    ["scripts/test.sh: pytest -v", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n") }, after: { "scripts/test.sh": SH("pytest -q -v tests\n") } }],
    ["ci/run-tests.sh: go test -race with a timeout", { before: { Makefile: "test:\n\tbash ci/run-tests.sh\n", "ci/run-tests.sh": SH("go test ./...\n") }, after: { "ci/run-tests.sh": SH("go test -race -timeout 10m ./...\n") } }],
    ["tox.ini: --cov pointed at the src/ layout", { before: { "tox.ini": TOX("pytest --cov=calc {posargs}") }, after: { "tox.ini": TOX("pytest --cov=src/calc --cov-report=xml {posargs}") } }],
    ["scripts/test.sh: --cov given a ./ path", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest --cov=calc tests\n") }, after: { "scripts/test.sh": SH("pytest --cov=./src tests\n") } }],
    ["ci/test.sh: jest --runInBand", { before: { Makefile: "check:\n\t./ci/test.sh\n", "ci/test.sh": SH("npx jest --ci\n") }, after: { "ci/test.sh": SH("npx jest --ci --runInBand\n") } }],
    ["scripts/ci.sh: exit 1 on errors before cargo test", { before: { ".github/workflows/ci.yml": WORKFLOW("bash scripts/ci.sh"), "scripts/ci.sh": SH("cargo test --all\n") }, after: { "scripts/ci.sh": SH('if [ ! -f Cargo.toml ]; then\n  echo "run from the repository root" >&2\n  exit 1\nfi\n[ -d tests ] || { echo "no tests/" >&2; exit 1; }\ncargo test --all\n') } }],
    ["scripts/test.sh: exit 0 at the end of a script with set -e", { before: { "package.json": pkg({ test: "./scripts/test.sh" }), "scripts/test.sh": SH("pytest -q tests\n") }, after: { "scripts/test.sh": SH("pytest -q tests\nexit 0\n") } }],
    ["scripts/release.sh, which no test command runs, stops running pytest", { before: { "package.json": pkg({ test: "jest" }), "scripts/release.sh": SH("pytest -q tests\ntwine upload dist/*\n") }, after: { "scripts/release.sh": SH("twine upload dist/*\n") } }],
  ])("%s", async (_name, c) => {
    const { diff, repo, cleanup } = await gitDiff(c);
    try {
      const r = await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true });
      if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.refusal)}\n${diff}`);
      expect(r.overrides).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
