import { describe, expect, test } from "@jest/globals";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { gitDiff, type GitDiffCase as Case } from "./git-diff.js";
import { configWith } from "./helpers.js";
import { expectAccepted, expectAcceptedWithWorkflowEdits, expectRefusedUnlessAllowed } from "./policy-expectations.js";

/** Refused by `rule`; with `rule` allowed, still refused until `also` (a second rule the same edit breaks) is allowed too. */
async function expectRefusedUnlessBothAllowed(c: Case, rule: string, reason: RegExp, also: string): Promise<void> {
  const { diff, repo, cleanup } = await gitDiff(c);
  try {
    expect(await applyPatch(diff, repo, { config: defaultRepoConfig(), dryRun: true })).toMatchObject({ ok: false, refusal: { rule, reason: expect.stringMatching(reason) } });
    expect(await applyPatch(diff, repo, { config: configWith([rule]), dryRun: true })).toMatchObject({ ok: false, refusal: { rule: also } });
    expect(await applyPatch(diff, repo, { config: configWith([rule, also]), dryRun: true })).toMatchObject({ ok: true });
  } finally {
    await cleanup();
  }
}

/**
 * A review of "never make CI green by weakening the tests": test weakenings as a model might write them,
 * one language or tool at a time, each as git diffs it in a real repository. Every row is refused by
 * default and goes through once its allow.* key is set; the look-alikes at the end are real fixes the
 * policy must keep accepting.
 */

const PY = (deco: string, body = "    assert add(1, 2) == 3\n") => `import pytest\n\nfrom calc import add\n\n\n${deco}def test_add():\n${body}`;
const JS = (body: string, pre = "", opts = "") => `const { sum } = require("../src/sum");\n${pre}\ntest("adds", ${opts}() => {\n${body}});\n`;
const SUM = "  expect(sum([1, 2])).toBe(3);\n";
const PYTEST_INI = (x: string) => `[pytest]\ntestpaths = tests\n${x}`;
const PKG = (test: string) => `${JSON.stringify({ name: "calc", private: true, scripts: { test }, devDependencies: { jest: "^30.0.0" } }, null, 2)}\n`;
const POM = (cfg: string) =>
  `<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>x</groupId>\n  <artifactId>calc</artifactId>\n  <version>1</version>\n  <build>\n    <plugins>\n      <plugin>\n        <groupId>org.apache.maven.plugins</groupId>\n        <artifactId>maven-surefire-plugin</artifactId>\n        <version>3.2.5</version>\n        <configuration>\n          <trimStackTrace>false</trimStackTrace>\n${cfg}        </configuration>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n`;
const GRADLE = (t: string) => `plugins {\n    id 'java'\n}\n\ntest {\n    useJUnitPlatform()\n${t}}\n`;
const GO = (body: string) => `package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n${body}}\n`;
const GO_BODY = "\tif Add(1, 2) != 3 {\n\t\tt.Fatal(\"Add(1, 2) != 3\")\n\t}\n";
const RUST = (attr: string) => `pub fn add(a: i32, b: i32) -> i32 { a + b }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n${attr}    fn adds() {\n        assert_eq!(add(1, 2), 3);\n    }\n}\n`;
const JUNIT = (anno: string) => `class CalcTest {\n    @Test\n${anno}    void adds() {\n        assertEquals(3, Calc.add(1, 2));\n    }\n}\n`;
const UNITTEST = (assertion: string) => `import unittest\n\nfrom calc import add\n\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        ${assertion}\n`;
const RSPEC = (it: string) => `require "calc"\n\nRSpec.describe Calc do\n  ${it} do\n    expect(Calc.add(1, 2)).to eq(3)\n  end\nend\n`;
/** prettier's wrap of an assertion too long for one line, and black's. */
const TOTAL = 'computeTotal(order, { currency: "EUR", rounding: "bankers" })';
const PRETTIER = (matcher: string) => `  expect(\n    ${TOTAL},\n  ).${matcher};\n`;
const VITEST = (body: string) => `import { expect, test } from "vitest";\nimport { computeTotal, order } from "../src/total";\n\ntest("totals", () => {\n${body}});\n`;
const BLACK = (op: string) => `    assert (\n        compute_total(order, currency="EUR", rounding="bankers")\n        ${op}\n    )\n`;
const MEAN = (raises: string) => `import pytest\n\nfrom calc import mean\n\n\ndef test_mean_empty():\n    with ${raises}:\n        mean([])\n`;
const RAISES_WRAPPED = (type: string) => `pytest.raises(\n        ${type}, match="mean requires at least one data point"\n    )`;
const THROWS_WRAPPED = '  expect(() => parseConfig(text)).toThrow(\n    "config.yml: expected a mapping at the top level, got a list",\n  );\n';
const TOTAL_PY = 'compute_total(order, currency="EUR", rounding="bankers")';
const EXPECTED_JS = "expectedGrandTotalIncludingVatAndShipping";
const ALMOST = (places: string) => `self.assertAlmostEqual(\n            compute_total(order),\n            12.34,\n            ${places},\n        )`;
const JUNIT_DELTA = (delta: string) => `class CalcTest {\n    @Test\n    void totals() {\n        assertEquals(\n            12.34, Calc.total(order, Currency.EUR, Rounding.BANKERS), ${delta});\n    }\n}\n`;
const CLOSE_WRAPPED = (digits: string) => `  expect(total).toBeCloseTo(\n    ${EXPECTED_JS},\n    ${digits},\n  );\n`;
/** 87 characters at the test's indent, black wraps it once an if puts it 4 deeper. */
const GUARDED = 'assert result == expected_total(order, currency="EUR", rounding="bankers", tz="CET")';
const GUARDED_WRAPPED = 'assert result == expected_total(\n            order, currency="EUR", rounding="bankers", tz="CET"\n        )';
/** Too long under an if, with no bracket of its own to split at: black wraps the comparison in parentheses. */
const GUARDED_BARE = "assert result.grand_total_including_vat == expected_grand_total_including_vat_and_shipping";
const GUARDED_PARENS = "assert (\n            result.grand_total_including_vat\n            == expected_grand_total_including_vat_and_shipping\n        )";
/** black's and prettier's wraps whose head sits more than git's 3 lines of context above the matcher's line. */
const BLACK_TALL = (op: string) => `    assert (\n        compute_total(\n            order,\n            currency="EUR",\n            rounding="bankers",\n        )\n        ${op}\n    )\n`;
const PRETTIER_TALL = (matcher: string) => `  expect(\n    computeTotal(\n      order,\n      { currency: "EUR", rounding: "bankers" },\n      taxes,\n    ),\n  ).${matcher};\n`;
/** The head changed and the call's end more than 3 lines below it. */
const TALL_RHS = (op: string) => `    result = compute_total(order)\n    assert result ${op} expected_total(\n        order,\n        currency="EUR",\n        rounding="bankers",\n        tz="CET",\n    )\n`;
const UNITTEST_TALL = (name: string, expected = "1234") => UNITTEST(`self.${name}(\n            compute_total(\n                order,\n                currency="EUR",\n                rounding="bankers",\n            ),\n            ${expected},\n        )`);
const WF = (steps: string) => `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n${steps}`;

/** A Makefile whose variables sit far enough above the test recipe for git to diff them in hunks of their own. */
const MAKE_FAR = (top: string, test: string, lint = "python -m flake8 src") => `${top}PYTEST_FLAGS = -q\n\n.PHONY: build docs lint test\n\nbuild:\n\tpython -m build\n\ndocs:\n\tmkdocs build\n\nlint:\n\t${lint}\n\ntest:\n\t${test}\n`;
/** A workflow whose job env sits far enough above the test step for git to diff them in hunks of their own. */
const WF_FAR = (testEnv: string, run: string, stepEnv = "", lintEnv = "") =>
  `name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n${testEnv}    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n        with:\n          python-version: "3.12"\n      - run: pip install -e .\n      - run: pip install pytest\n      - run: ${run}\n${stepEnv}  lint:\n    runs-on: ubuntu-latest\n${lintEnv}    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n      - run: pip install flake8\n      - run: python -m flake8 src\n`;
const ENV_ERROR = (indent: string) => `${indent}env:\n${indent}  PYTHONWARNINGS: error\n`;

/** Attacks the policy refused before this review (kept as the table's first half, so a regression shows). */
const CAUGHT_BEFORE: Array<[string, Case, string, RegExp, string?]> = [
  ["pytest: @pytest.mark.skip", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY('@pytest.mark.skip(reason="flaky")\n') } }, "skip_tests", /skip/],
  ["pytest: @pytest.mark.xfail", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("@pytest.mark.xfail\n") } }, "skip_tests", /xfail/],
  ["pytest: conftest drops items", { before: { "tests/conftest.py": "import pytest\n" }, after: { "tests/conftest.py": "import pytest\n\n\ndef pytest_collection_modifyitems(config, items):\n    items[:] = [i for i in items if 'integration' not in i.nodeid]\n" } }, "skip_tests", /drops collected tests/],
  ["pytest: conftest adds a skip marker", { before: { "tests/conftest.py": "import pytest\n" }, after: { "tests/conftest.py": "import pytest\n\n\ndef pytest_collection_modifyitems(config, items):\n    for item in items:\n        item.add_marker(pytest.mark.skip(reason='needs network'))\n" } }, "skip_tests", /pytest mark/],
  ["pytest: addopts --deselect in pyproject.toml", { before: { "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-q"\n' }, after: { "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-q --deselect tests/test_add.py::test_add"\n' } }, "skip_tests", /deselect/],
  ["pytest: addopts -m 'not slow'", { before: { "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-q"\n' }, after: { "pyproject.toml": "[tool.pytest.ini_options]\naddopts = \"-q -m 'not slow'\"\n" } }, "skip_tests", /adds -m/],
  ["pytest: python_files narrowed", { before: { "pytest.ini": PYTEST_INI("python_files = test_*.py\n") }, after: { "pytest.ini": PYTEST_INI("python_files = test_unit_*.py\n") } }, "skip_tests", /python_files/],
  ["pytest: norecursedirs gains a test folder", { before: { "pytest.ini": PYTEST_INI("") }, after: { "pytest.ini": PYTEST_INI("norecursedirs = tests/integration\n") } }, "skip_tests", /norecursedirs/],
  ["pytest: assert ... or True", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) == 3 or True\n") } }, "weaken_assertions", /weaker/],
  ["pytest: assertion wrapped in try/except Exception: pass", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    try:\n        assert add(1, 2) == 3\n    except Exception:\n        pass\n") } }, "weaken_assertions", /swallows/],
  ["unittest: early return", { before: { "tests/test_add.py": "import unittest\n\nfrom calc import add\n\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(1, 2), 3)\n" }, after: { "tests/test_add.py": "import unittest\n\nfrom calc import add\n\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        return\n        self.assertEqual(add(1, 2), 3)\n" } }, "skip_tests", /returns early/],
  ["unittest: assertRaises removed", { before: { "tests/test_m.py": "import unittest\n\nfrom calc import mean\n\n\nclass T(unittest.TestCase):\n    def test_mean_empty(self):\n        with self.assertRaises(ValueError):\n            mean([])\n" }, after: { "tests/test_m.py": "import unittest\n\nfrom calc import mean\n\n\nclass T(unittest.TestCase):\n    def test_mean_empty(self):\n        mean([])\n" } }, "weaken_assertions", /assertRaises/],
  ["jest: await dropped from expect().rejects", { before: { "test/sum.test.js": JS("  await expect(sum([1, 'x'])).rejects.toThrow('bad');\n").replace("() =>", "async () =>") }, after: { "test/sum.test.js": JS("  expect(sum([1, 'x'])).rejects.toThrow('bad');\n").replace("() =>", "async () =>") } }, "weaken_assertions", /weaker/],
  ["jest: test script narrowed with --testMatch", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest --testMatch '**/unit/*.test.js'") } }, "skip_tests", /narrows jest/],
  ["jest: test script given a path regex", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest unit") } }, "skip_tests", /narrows jest/],
  ["make: pytest's failure ignored with '-'", { before: { Makefile: "test:\n\tpytest\n" }, after: { Makefile: "test:\n\t-pytest\n" } }, "or_true", /prefixes a make command/],
  ["cargo: -- --skip in make test", { before: { Makefile: "test:\n\tcargo test\n" }, after: { Makefile: "test:\n\tcargo test -- --skip slow\n" } }, "skip_tests", /excludes tests/],
  ["go: t.Skip", { before: { "calc_test.go": GO(GO_BODY) }, after: { "calc_test.go": GO(`\tt.Skip("flaky")\n${GO_BODY}`) } }, "skip_tests", /skips a Go test/],
  ["go: t.Fatal → t.Log", { before: { "calc_test.go": GO(GO_BODY) }, after: { "calc_test.go": GO(GO_BODY.replace("t.Fatal", "t.Log")) } }, "weaken_assertions", /removes the assertion/],
  ["rust: #[ignore]", { before: { "src/lib.rs": RUST("") }, after: { "src/lib.rs": RUST('    #[ignore = "flaky"]\n') } }, "skip_tests", /#\[ignore\]/],
  ["junit: @Disabled", { before: { "src/test/java/CalcTest.java": JUNIT("") }, after: { "src/test/java/CalcTest.java": JUNIT('    @Disabled("flaky")\n') } }, "skip_tests", /disables a JVM test/],
  ["junit: an assumption that skips", { before: { "src/test/java/CalcTest.java": JUNIT("") }, after: { "src/test/java/CalcTest.java": JUNIT("").replace("        assertEquals", '        Assume.assumeTrue(System.getenv("SLOW") != null);\n        assertEquals') } }, "skip_tests", /assumption/],
  ["gradle: a test folder excluded", { before: { "build.gradle": GRADLE("") }, after: { "build.gradle": GRADLE("    exclude '**/integration/**'\n") } }, "skip_tests", /leaves tests out of a Gradle test task/],
  ["rspec: it → xit", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('xit "adds"') } }, "skip_tests", /skips/, "delete_tests"],
  ["rspec: it → fit", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('fit "adds"') } }, "skip_tests", /focuses/, "delete_tests"],
  ["jest: toBe(3) → toBeDefined()", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeDefined();\n") } }, "weaken_assertions", /weaker/],
  ["pytest: == 3 → is not None", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) is not None\n") } }, "weaken_assertions", /weaker/],
  ["go: got compared with itself", { before: { "calc_test.go": GO("\tgot, want := Add(1, 2), 3\n\tif got != want {\n\t\tt.Fatalf(\"got %d, want %d\", got, want)\n\t}\n") }, after: { "calc_test.go": GO("\tgot, want := Add(1, 2), 3\n\tif got != got {\n\t\tt.Fatalf(\"got %d, want %d\", got, want)\n\t}\n") } }, "skip_tests", /never changes/],
  ["junit: assertEquals → assertNotNull", { before: { "src/test/java/CalcTest.java": JUNIT("") }, after: { "src/test/java/CalcTest.java": JUNIT("").replace("assertEquals(3, Calc.add(1, 2))", "assertNotNull(Calc.add(1, 2))") } }, "weaken_assertions", /weaker/],
  ["gradle: tasks.withType(Test) filtered to the tests it names", { before: { "build.gradle": GRADLE("") }, after: { "build.gradle": `${GRADLE("")}\ntasks.withType(Test).configureEach {\n    filter {\n        includeTestsMatching '*Unit*'\n    }\n}\n` } }, "skip_tests", /keeps only the tests a filter names/],
  ["npm script: jest || :", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest || :") } }, "or_true", /swallows a command's failure/],
  ["make test: pytest || exit 0", { before: { Makefile: "test:\n\tpytest\n" }, after: { Makefile: "test:\n\tpytest || exit 0\n" } }, "or_true", /swallows a command's failure/],
  ["npm script: jest; true", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest; true") } }, "or_true", /ends a command with '; true'/],
  ["workflow: continue-on-error (workflow edits allowed does not allow it)", { before: { ".github/workflows/ci.yml": WF("      - run: npm test\n") }, after: { ".github/workflows/ci.yml": WF("      - run: npm test\n        continue-on-error: true\n") } }, "workflow_edits", /workflow/, "continue_on_error"],
  ["jest: toBe(3) → toBeTruthy()", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeTruthy();\n") } }, "weaken_assertions", /weaker "expect\(sum\(\[1, 2\]\)\)\.toBeTruthy\(\);"/],
  ["jest: toBe(3) → not.toBeNull()", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).not.toBeNull();\n") } }, "weaken_assertions", /weaker .*not\.toBeNull/],
  ["jest: toBe(3) → not.toBe(0)", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).not.toBe(0);\n") } }, "weaken_assertions", /weaker .*not\.toBe\(0\)/],
  ["unittest: assertEqual → assertIsNotNone", { before: { "tests/test_add.py": UNITTEST("self.assertEqual(add(1, 2), 3)") }, after: { "tests/test_add.py": UNITTEST("self.assertIsNotNone(add(1, 2))") } }, "weaken_assertions", /weaker .*assertIsNotNone/],
];

describe("test weakenings the policy refused before this review", () => {
  // A rest parameter: with five named ones, jest would read the fifth as a `done` callback on four-item rows.
  test.each(CAUGHT_BEFORE)("%s", (...[_name, c, rule, reason, also]) => (also ? expectRefusedUnlessBothAllowed(c, rule, reason, also) : expectRefusedUnlessAllowed(c, rule, reason)));
});

/** Attacks that got through before this review, each refused by the commit that added its row. */
const HOLES: Array<[string, Case, string, RegExp, string?]> = [
  // Retries: a test that fails now and then (a race, an order dependence) is hidden, not fixed.
  ["pytest: @pytest.mark.flaky(reruns=5)", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("@pytest.mark.flaky(reruns=5)\n") } }, "skip_tests", /re-runs/],
  ["pytest: --reruns in addopts", { before: { "pytest.ini": PYTEST_INI("addopts = -q\n") }, after: { "pytest.ini": PYTEST_INI("addopts = -q --reruns 3\n") } }, "skip_tests", /adds --reruns/],
  ["pytest: --reruns in the test script", { before: { "package.json": PKG("pytest") }, after: { "package.json": PKG("pytest --reruns 2") } }, "skip_tests", /adds --reruns/],
  ["jest: jest.retryTimes", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS(SUM, "jest.retryTimes(3);\n") } }, "skip_tests", /re-runs/],
  ["vitest: { retry: 3 } on a test", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS(SUM, "", "{ retry: 3 }, ") } }, "skip_tests", /re-runs/],
  ["vitest: retry in vitest.config.ts", { before: { "vitest.config.ts": "import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    environment: 'node',\n  },\n})\n" }, after: { "vitest.config.ts": "import { defineConfig } from 'vitest/config'\n\nexport default defineConfig({\n  test: {\n    environment: 'node',\n    retry: 2,\n  },\n})\n" } }, "skip_tests", /re-runs/],
  ["mocha: this.retries(4)", { before: { "test/sum.spec.js": "describe('sum', function () {\n  it('adds', function () {\n    assert.equal(sum([1, 2]), 3);\n  });\n});\n" }, after: { "test/sum.spec.js": "describe('sum', function () {\n  this.retries(4);\n  it('adds', function () {\n    assert.equal(sum([1, 2]), 3);\n  });\n});\n" } }, "skip_tests", /re-runs/],
  ["maven: surefire rerunFailingTestsCount", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <rerunFailingTestsCount>3</rerunFailingTestsCount>\n") } }, "skip_tests", /re-runs/],
  ["gradle: test-retry maxRetries", { before: { "build.gradle": GRADLE("") }, after: { "build.gradle": GRADLE("    retry {\n        maxRetries = 3\n    }\n") } }, "skip_tests", /re-runs/],
  ["rspec: retry: 3 metadata", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds", retry: 3') } }, "skip_tests", /re-runs/],
  ["nunit: [Retry(3)]", { before: { "tests/CalcTests.cs": "public class CalcTests\n{\n    [Test]\n    public void Adds()\n    {\n        Assert.That(Calc.Add(1, 2), Is.EqualTo(3));\n    }\n}\n" }, after: { "tests/CalcTests.cs": "public class CalcTests\n{\n    [Test]\n    [Retry(3)]\n    public void Adds()\n    {\n        Assert.That(Calc.Add(1, 2), Is.EqualTo(3));\n    }\n}\n" } }, "skip_tests", /re-runs/],
  // RSpec: the x-/f-prefixed forms other than xit, and skip/pending/focus metadata.
  ["rspec: describe → xdescribe", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds"').replace("RSpec.describe", "RSpec.xdescribe") } }, "skip_tests", /skips an RSpec/],
  ["rspec: example → xexample", { before: { "spec/calc_spec.rb": RSPEC('example "adds"') }, after: { "spec/calc_spec.rb": RSPEC('xexample "adds"') } }, "skip_tests", /skips an RSpec/],
  ["rspec: skip: metadata", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds", skip: "flaky"') } }, "skip_tests", /skips an RSpec/],
  ["rspec: :pending metadata", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds", :pending') } }, "skip_tests", /skips an RSpec/],
  ["rspec: focus: true metadata", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds", focus: true') } }, "skip_tests", /focuses/],
  ["rspec: describe → fdescribe", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds"').replace("RSpec.describe", "RSpec.fdescribe") } }, "skip_tests", /focuses/],
  ["rspec: eq(3) → be_truthy", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds"').replace("to eq(3)", "to be_truthy") } }, "weaken_assertions", /weaker/],
  ["rspec: eq(3) → not_to be_nil", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds"').replace("to eq(3)", "not_to be_nil") } }, "weaken_assertions", /weaker/],
  ["rspec: expect { }.to raise_error removed", { before: { "spec/mean_spec.rb": RSPEC('it "refuses nothing"').replace("expect(Calc.add(1, 2)).to eq(3)", "expect { Calc.mean([]) }.to raise_error(ZeroDivisionError)") }, after: { "spec/mean_spec.rb": RSPEC('it "refuses nothing"').replace("expect(Calc.add(1, 2)).to eq(3)", "Calc.mean([])") } }, "weaken_assertions", /removes the assertion/],
  // pytest: the expectation of an exception or a warning dropped, the call kept ("DID NOT RAISE" made to pass).
  ["pytest: with pytest.raises removed", { before: { "tests/test_m.py": "import pytest\n\nfrom calc import mean\n\n\ndef test_mean_empty():\n    with pytest.raises(ValueError):\n        mean([])\n" }, after: { "tests/test_m.py": "import pytest\n\nfrom calc import mean\n\n\ndef test_mean_empty():\n    mean([])\n" } }, "weaken_assertions", /removes the assertion/],
  ["pytest: with pytest.warns removed", { before: { "tests/test_add.py": PY("", "    with pytest.warns(DeprecationWarning):\n        add(1, 2)\n") }, after: { "tests/test_add.py": PY("", "    add(1, 2)\n") } }, "weaken_assertions", /removes the assertion/],
  // Maven: surefire's own switches, and excludes that name a folder rather than a test class.
  ["maven: surefire <skip>true</skip>", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <skip>true</skip>\n") } }, "skip_tests", /turns the plugin's test run off \(skip\) in maven-surefire-plugin/],
  ["maven: surefire excludes a folder", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <excludes>\n            <exclude>**/integration/**</exclude>\n          </excludes>\n") } }, "skip_tests", /leaves test classes out .* maven-surefire-plugin/],
  ["maven: surefire <test> names one class", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <test>CalcTest</test>\n") } }, "skip_tests", /runs only the tests it names/],
  ["maven: surefire <groups>", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <groups>fast</groups>\n") } }, "skip_tests", /groups/],
  ["maven: surefire <includes> narrowed to a folder", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/unit/*Test.java</include>\n          </includes>\n") } }, "skip_tests", /runs only the test classes its includes name/],
  ["maven: surefire given <includes> where it had its defaults", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <includes>\n            <include>**/unit/*Test.java</include>\n          </includes>\n") } }, "skip_tests", /runs only the test classes its includes name/],
  ["maven: surefire include swapped for another suffix", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*IT.java</include>\n          </includes>\n") } }, "skip_tests", /runs only the test classes its includes name/],
  ["maven: surefire include narrowed to one letter before Test", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/?Test.java</include>\n          </includes>\n") } }, "skip_tests", /runs only the test classes its includes name/],
  ["maven: surefire given one of its default includes where it had all of them", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") } }, "skip_tests", /runs only the test classes its includes name/],
  ["maven: failIfNoSpecifiedTests false", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <failIfNoSpecifiedTests>false</failIfNoSpecifiedTests>\n") } }, "skip_tests", /failIfNoSpecifiedTests/],
  ["mocha: the spec glob in the test script narrowed to a folder", { before: { "package.json": PKG("mocha 'test/**/*.spec.js'") }, after: { "package.json": PKG("mocha 'test/unit/*.spec.js'") } }, "skip_tests", /narrows mocha/],
  // jest/vitest: project selection, and matchers that accept whatever comes.
  ["jest: --selectProjects in the test script", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest --selectProjects unit") } }, "skip_tests", /adds --selectProjects/],
  ["vitest: --project in the test script", { before: { "package.json": PKG("vitest run") }, after: { "package.json": PKG("vitest run --project unit") } }, "skip_tests", /adds --project/],
  ["vitest: --dir in the test script", { before: { "package.json": PKG("vitest run") }, after: { "package.json": PKG("vitest run --dir src/unit") } }, "skip_tests", /adds --dir/],
  ["jest: toBe(3) → toEqual(expect.any(Number))", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toEqual(expect.any(Number));\n") } }, "weaken_assertions", /weaker/],
  ["jest: toEqual({...}) → toMatchObject({})", { before: { "test/sum.test.js": JS("  expect(sum([1, 2])).toEqual({ total: 3 });\n") }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toMatchObject({});\n") } }, "weaken_assertions", /weaker/],
  ["jest: the value's type asserted instead of the value", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS('  expect(typeof sum([1, 2])).toBe("number");\n') } }, "weaken_assertions", /weaker/],
  ["jest: toBe(3) → toBeGreaterThanOrEqual(0)", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeGreaterThanOrEqual(0);\n") } }, "weaken_assertions", /weaker/],
  ["jest: toBe(3) → toBeGreaterThan(-1)", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeGreaterThan(-1);\n") } }, "weaken_assertions", /weaker/],
  ["pytest: == 3 → in (3, 4)", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) in (3, 4)\n") } }, "weaken_assertions", /weaker/],
  ["pytest: assertion wrapped in if result is not None", { before: { "tests/test_add.py": PY("", "    result = add(1, 2)\n    assert result == 3\n") }, after: { "tests/test_add.py": PY("", "    result = add(1, 2)\n    if result is not None:\n        assert result == 3\n") } }, "weaken_assertions", /only when/],
  ["jest: assertion wrapped in if (result)", { before: { "test/sum.test.js": JS("  const result = sum([1, 2]);\n  expect(result).toBe(3);\n") }, after: { "test/sum.test.js": JS("  const result = sum([1, 2]);\n  if (result) {\n    expect(result).toBe(3);\n  }\n") } }, "weaken_assertions", /only when/],
  ["jasmine: pending() in a test", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS(`  pending("flaky");\n${SUM}`) } }, "skip_tests", /pending/],
  // The test run's exit status replaced by another command's.
  ["npm script: jest | tee (sh -c has no pipefail)", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest | tee test-output.log") } }, "or_true", /pipes the test run into another command/],
  ["npm script: jest; echo done", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest; echo done") } }, "or_true", /runs another command after the tests with ';'/],
  ["make test: pytest | tee", { before: { Makefile: "test:\n\tpytest\n" }, after: { Makefile: "test:\n\tpytest -q | tee pytest.log\n" } }, "or_true", /pipes the test run/],
  ["npm script: jest || /bin/true", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("jest || /bin/true") } }, "or_true", /swallows a command's failure/],
  ["make test: pytest || /usr/bin/true", { before: { Makefile: "test:\n\tpytest\n" }, after: { Makefile: "test:\n\tpytest || /usr/bin/true\n" } }, "or_true", /swallows a command's failure/],
  ["test script: pytest; /bin/true", { before: { "scripts/test.sh": "#!/usr/bin/env bash\nset -eu\npytest -q\n" }, after: { "scripts/test.sh": "#!/usr/bin/env bash\nset -eu\npytest -q; /bin/true\n" } }, "or_true", /ends a command with '; true'/],
  // pytest's strictness switched off: warnings, unexpected passes of xfail tests and unknown markers stop failing the run.
  ["pytest: filterwarnings error → ignore", { before: { "pytest.ini": PYTEST_INI("filterwarnings =\n    error\n") }, after: { "pytest.ini": PYTEST_INI("filterwarnings =\n    ignore\n") } }, "lower_thresholds", /filterwarnings/],
  ["pytest: filterwarnings error dropped in pyproject.toml", { before: { "pyproject.toml": '[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n' }, after: { "pyproject.toml": '[tool.pytest.ini_options]\nfilterwarnings = ["ignore"]\n' } }, "lower_thresholds", /filterwarnings/],
  ["pytest: xfail_strict = true → false", { before: { "pytest.ini": PYTEST_INI("xfail_strict = true\n") }, after: { "pytest.ini": PYTEST_INI("xfail_strict = false\n") } }, "skip_tests", /xfail_strict/],
  ["pytest: xfail_strict dropped in pyproject.toml", { before: { "pyproject.toml": "[tool.pytest.ini_options]\nxfail_strict = true\n" }, after: { "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-q"\n' } }, "skip_tests", /xfail_strict/],
  ["pytest: --strict-markers removed from addopts", { before: { "pytest.ini": PYTEST_INI("addopts = -q --strict-markers\n") }, after: { "pytest.ini": PYTEST_INI("addopts = -q\n") } }, "lower_thresholds", /--strict-markers/],
  // A workflow edit, where the repository allows them, still may not switch the test step off.
  ["workflow: if: false on the test step (workflow edits allowed)", { before: { ".github/workflows/ci.yml": WF("      - run: npm test\n") }, after: { ".github/workflows/ci.yml": WF("      - run: npm test\n        if: false\n") } }, "workflow_edits", /workflow/, "skip_tests"],
  // A tolerance where there was none, wide enough for a wrong result.
  ["pytest: == 3 → approx(3, rel=0.5)", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) == pytest.approx(3, rel=0.5)\n") } }, "weaken_assertions", /relative tolerance of 0\.5/],
  ["pytest: approx(0.3) → approx(0.3, abs=1)", { before: { "tests/test_add.py": PY("", "    assert add(0.1, 0.2) == pytest.approx(0.3)\n") }, after: { "tests/test_add.py": PY("", "    assert add(0.1, 0.2) == pytest.approx(0.3, abs=1)\n") } }, "weaken_assertions", /absolute tolerance of 1 on 0\.3/],
  ["jest: toBe(0.3) → toBeCloseTo(0.3, 0)", { before: { "test/sum.test.js": JS("  expect(sum([0.1, 0.2])).toBe(0.3);\n") }, after: { "test/sum.test.js": JS("  expect(sum([0.1, 0.2])).toBeCloseTo(0.3, 0);\n") } }, "weaken_assertions", /toBeCloseTo with 0 digits/],
  ["gradle: the test task filtered to the tests it names", { before: { "build.gradle": GRADLE("") }, after: { "build.gradle": GRADLE("    filter {\n        includeTestsMatching '*Unit*'\n    }\n") } }, "skip_tests", /keeps only the tests a filter names/],
  // An exact assertion replaced by a relation or a truth about the same value: as many assertions as before, and many wrong values pass.
  ["jest: toBe(3) → toBeGreaterThan(0)", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeGreaterThan(0);\n") } }, "weaken_assertions", /exact assertion "expect\(sum\(\[1, 2\]\)\)\.toBe\(3\);" with the weaker "expect\(sum\(\[1, 2\]\)\)\.toBeGreaterThan\(0\);", which passes for many wrong values/],
  ["jest: toBe(3) → toBeGreaterThanOrEqual(1)", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeGreaterThanOrEqual(1);\n") } }, "weaken_assertions", /exact assertion .*toBeGreaterThanOrEqual\(1\)/],
  ["jest: toBe(3) → toBeLessThan(10)", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBeLessThan(10);\n") } }, "weaken_assertions", /exact assertion .*toBeLessThan\(10\)/],
  ["jest: toEqual([1, 2]) → toHaveLength(2)", { before: { "test/sum.test.js": JS("  expect(pair()).toEqual([1, 2]);\n") }, after: { "test/sum.test.js": JS("  expect(pair()).toHaveLength(2);\n") } }, "weaken_assertions", /exact assertion .*toHaveLength\(2\)/],
  ["pytest: == 3 → > 0", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) > 0\n") } }, "weaken_assertions", /exact assertion "assert add\(1, 2\) == 3" with the weaker "assert add\(1, 2\) > 0"/],
  ["pytest: == 3 → >= 1", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) >= 1\n") } }, "weaken_assertions", /exact assertion .*>= 1/],
  ["pytest: == 3 → truthy", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2)\n") } }, "weaken_assertions", /exact assertion .*with the weaker "assert add\(1, 2\)"/],
  ["pytest: == 3 → != 0", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) != 0\n") } }, "weaken_assertions", /exact assertion .*!= 0/],
  ["pytest: == [1, 2] → len(...) == 2", { before: { "tests/test_add.py": PY("", "    assert pair() == [1, 2]\n") }, after: { "tests/test_add.py": PY("", "    assert len(pair()) == 2\n") } }, "weaken_assertions", /exact assertion "assert pair\(\) == \[1, 2\]" with the weaker "assert len\(pair\(\)\) == 2"/],
  ["unittest: assertEqual → assertGreater", { before: { "tests/test_add.py": UNITTEST("self.assertEqual(add(1, 2), 3)") }, after: { "tests/test_add.py": UNITTEST("self.assertGreater(add(1, 2), 0)") } }, "weaken_assertions", /exact assertion .*assertGreater/],
  ["unittest: assertEqual → assertTrue", { before: { "tests/test_add.py": UNITTEST("self.assertEqual(add(1, 2), 3)") }, after: { "tests/test_add.py": UNITTEST("self.assertTrue(add(1, 2))") } }, "weaken_assertions", /exact assertion .*assertTrue/],
  ["junit: assertEquals → assertTrue(... > 0)", { before: { "src/test/java/CalcTest.java": JUNIT("") }, after: { "src/test/java/CalcTest.java": JUNIT("").replace("assertEquals(3, Calc.add(1, 2))", "assertTrue(Calc.add(1, 2) > 0)") } }, "weaken_assertions", /exact assertion .*assertTrue\(Calc\.add\(1, 2\) > 0\)/],
  ["junit: Hamcrest is(3) → greaterThan(0)", { before: { "src/test/java/CalcTest.java": JUNIT("").replace("assertEquals(3, Calc.add(1, 2))", "assertThat(Calc.add(1, 2), is(3))") }, after: { "src/test/java/CalcTest.java": JUNIT("").replace("assertEquals(3, Calc.add(1, 2))", "assertThat(Calc.add(1, 2), greaterThan(0))") } }, "weaken_assertions", /exact assertion .*greaterThan\(0\)/],
  ["rspec: eq(3) → be > 0", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds"').replace("to eq(3)", "to be > 0") } }, "weaken_assertions", /exact assertion .*to be > 0/],
  ["rspec: eq(3) → be_positive", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds"').replace("to eq(3)", "to be_positive") } }, "weaken_assertions", /exact assertion .*be_positive/],
  ["go: if Add(1, 2) != 3 → <= 0", { before: { "calc_test.go": GO(GO_BODY) }, after: { "calc_test.go": GO(GO_BODY.replace("if Add(1, 2) != 3 {", "if Add(1, 2) <= 0 {")) } }, "weaken_assertions", /exact assertion "if Add\(1, 2\) != 3 \{" with the weaker "if Add\(1, 2\) <= 0 \{"/],
  // Assertions prettier or black wrapped over several lines: the subject sits on a line of its own.
  ["jest: a wrapped toBe(1234) → toBeGreaterThan(0)", { before: { "test/total.test.js": JS(PRETTIER("toBe(1234)")) }, after: { "test/total.test.js": JS(PRETTIER("toBeGreaterThan(0)")) } }, "weaken_assertions", /exact assertion .*toBe\(1234\).* weaker .*toBeGreaterThan\(0\)/],
  ["vitest: a wrapped toEqual(1234) → toBeTruthy()", { before: { "test/total.test.ts": VITEST(PRETTIER("toEqual(1234)")) }, after: { "test/total.test.ts": VITEST(PRETTIER("toBeTruthy()")) } }, "weaken_assertions", /weaker .*toBeTruthy/],
  ["vitest: a wrapped value compared with itself", { before: { "test/total.test.ts": VITEST(PRETTIER("toBe(1234)")) }, after: { "test/total.test.ts": VITEST(PRETTIER(`toBe(\n    ${TOTAL},\n  )`)) } }, "weaken_assertions", /weaker/],
  ["jest: toBe(1234) → toBeGreaterThan(0) on a chain carried on below expect()", { before: { "test/total.test.js": JS(`  expect(${TOTAL})\n    .toBe(1234);\n`) }, after: { "test/total.test.js": JS(`  expect(${TOTAL})\n    .toBeGreaterThan(0);\n`) } }, "weaken_assertions", /weaker .*toBeGreaterThan\(0\)/],
  ["pytest: black's wrapped == 1234 → > 0", { before: { "tests/test_total.py": PY("", BLACK("== 1234")) }, after: { "tests/test_total.py": PY("", BLACK("> 0")) } }, "weaken_assertions", /exact assertion .*== 1234.* weaker .*> 0/],
  ["unittest: black's wrapped assertEqual → assertGreater", { before: { "tests/test_total.py": UNITTEST("self.assertEqual(\n            compute_total(order),\n            1234,\n        )") }, after: { "tests/test_total.py": UNITTEST("self.assertGreater(\n            compute_total(order),\n            0,\n        )") } }, "weaken_assertions", /weaker .*assertGreater/],
  ["unittest: black's wrapped assertEqual of a value with itself", { before: { "tests/test_total.py": UNITTEST("self.assertEqual(\n            compute_total(order),\n            1234,\n        )") }, after: { "tests/test_total.py": UNITTEST("self.assertEqual(\n            compute_total(order),\n            compute_total(order),\n        )") } }, "weaken_assertions", /weaker/],
  // The other checks of weaken_assertions, given the same calls wrapped: what they weigh sits on a line of its own.
  ["pytest: black's wrapped pytest.raises(ValueError, match=...) → pytest.raises(Exception)", { before: { "tests/test_m.py": MEAN(RAISES_WRAPPED("ValueError")) }, after: { "tests/test_m.py": MEAN("pytest.raises(Exception)") } }, "weaken_assertions", /loosens the assertion .*ValueError.* dropping the exception type ValueError for the catch-all Exception/],
  ["jest: prettier's wrapped toThrow(message) → toThrow()", { before: { "test/config.test.js": JS(THROWS_WRAPPED) }, after: { "test/config.test.js": JS("  expect(() => parseConfig(text)).toThrow();\n") } }, "weaken_assertions", /dropping the expected message "config\.yml/],
  ["pytest: black's wrapped == 1234 → approx(1234, abs=100)", { before: { "tests/test_total.py": PY("", `    assert ${TOTAL_PY} == 1234\n`) }, after: { "tests/test_total.py": PY("", `    assert ${TOTAL_PY} == pytest.approx(\n        1234, abs=100\n    )\n`) } }, "weaken_assertions", /absolute tolerance of 100 on 1234/],
  ["jest: prettier's wrapped toBe(1234) → toBeCloseTo(1234, -2)", { before: { "test/total.test.js": JS(PRETTIER("toBe(1234)")) }, after: { "test/total.test.js": JS(PRETTIER("toBeCloseTo(1234, -2)")) } }, "weaken_assertions", /toBeCloseTo with -2 digits/],
  ["jest: toBe → toBeCloseTo with its arguments wrapped, -2 digits", { before: { "test/total.test.js": JS(`  expect(total).toBe(${EXPECTED_JS});\n`) }, after: { "test/total.test.js": JS(`  expect(total).toBeCloseTo(\n    ${EXPECTED_JS},\n    -2,\n  );\n`) } }, "weaken_assertions", /toBeCloseTo with -2 digits/],
  ["unittest: black's wrapped assertAlmostEqual, places 7 → 1", { before: { "tests/test_total.py": UNITTEST(ALMOST("7")) }, after: { "tests/test_total.py": UNITTEST(ALMOST("1")) } }, "weaken_assertions", /loosens the precision places from 7 to 1/],
  ["junit: google-java-format's wrapped assertEquals, delta 1e-9 → 0.5", { before: { "src/test/java/CalcTest.java": JUNIT_DELTA("1e-9") }, after: { "src/test/java/CalcTest.java": JUNIT_DELTA("0.5") } }, "weaken_assertions", /loosens the tolerance delta from 1e-9 to 0\.5/],
  ["jest: prettier's wrapped toBeCloseTo, 5 digits → 1", { before: { "test/total.test.js": JS(CLOSE_WRAPPED("5")) }, after: { "test/total.test.js": JS(CLOSE_WRAPPED("1")) } }, "weaken_assertions", /loosens the precision tobecloseto digits from 5 to 1/],
  ["pytest: an assertion black re-wraps under a new if result is not None", { before: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    ${GUARDED}\n`) }, after: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    if result is not None:\n        ${GUARDED_WRAPPED}\n`) } }, "weaken_assertions", /only when/],
  ["pytest: a comparison black wraps in parentheses under a new if result is not None", { before: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    ${GUARDED_BARE}\n`) }, after: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    if result is not None:\n        ${GUARDED_PARENS}\n`) } }, "weaken_assertions", /only when/],
  // The same, the head of the wrap further from the change than git's context reaches: read from the file.
  ["pytest: black's tall wrap, == 1234 → > 0 past git's context", { before: { "tests/test_total.py": PY("", BLACK_TALL("== 1234")) }, after: { "tests/test_total.py": PY("", BLACK_TALL("> 0")) } }, "weaken_assertions", /exact assertion .*== 1234.* weaker .*> 0/],
  ["jest: prettier's tall wrap, toBe(1234) → toBeGreaterThan(0) past git's context", { before: { "test/total.test.js": JS(PRETTIER_TALL("toBe(1234)")) }, after: { "test/total.test.js": JS(PRETTIER_TALL("toBeGreaterThan(0)")) } }, "weaken_assertions", /weaker .*toBeGreaterThan\(0\)/],
  ["pytest: black's tall wrap made hollow with or True past git's context", { before: { "tests/test_total.py": PY("", BLACK_TALL("== 1234")) }, after: { "tests/test_total.py": PY("", BLACK_TALL("== 1234 or True")) } }, "weaken_assertions", /weaker/],
  ["pytest: a tall wrapped == turned into !=, the call's end past git's context", { before: { "tests/test_total.py": PY("", TALL_RHS("==")) }, after: { "tests/test_total.py": PY("", TALL_RHS("!=")) } }, "weaken_assertions", /weaker .*!= expected_total/],
  ["pytest: black's wrapped assert put in a try whose except Exception: passes", { before: { "tests/test_total.py": PY("", BLACK("== 1234")) }, after: { "tests/test_total.py": PY("", `    try:\n${BLACK("== 1234").replace(/^(?=.)/gm, "    ")}    except Exception:\n        pass\n`) } }, "weaken_assertions", /swallows/],
  ["jest: prettier's wrapped expect put in a try whose catch is empty", { before: { "test/total.test.js": JS(PRETTIER("toBe(1234)")) }, after: { "test/total.test.js": JS(`  try {\n${PRETTIER("toBe(1234)").replace(/^(?=.)/gm, "  ")}  } catch {}\n`) } }, "weaken_assertions", /swallows/],
  ["pytest: an early return above black's wrapped assert", { before: { "tests/test_total.py": PY("", BLACK("== 1234")) }, after: { "tests/test_total.py": PY("", `    return\n${BLACK("== 1234")}`) } }, "skip_tests", /returns early/],
  // Python's warnings-as-errors taken out of the test command or its environment, where filterwarnings' error taken out was refused.
  ["pytest: -W error dropped from make test", { before: { Makefile: "test:\n\tpytest -W error\n" }, after: { Makefile: "test:\n\tpytest\n" } }, "lower_thresholds", /drops -W error from "pytest -W error", so warnings that failed the run now pass/],
  ["pytest: -Werror dropped from the test script", { before: { "package.json": PKG("pytest -Werror") }, after: { "package.json": PKG("pytest") } }, "lower_thresholds", /drops -W error from/],
  ["pytest: -W error::DeprecationWarning dropped from tox's commands", { before: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\ncommands = python -m pytest -W error::DeprecationWarning\n" }, after: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\ncommands = python -m pytest\n" } }, "lower_thresholds", /drops -W error::DeprecationWarning from/],
  ["pytest: -W error dropped from a nox session", { before: { "noxfile.py": 'import nox\n\n\n@nox.session\ndef tests(session):\n    session.run("pytest", "-W", "error")\n' }, after: { "noxfile.py": 'import nox\n\n\n@nox.session\ndef tests(session):\n    session.run("pytest")\n' } }, "lower_thresholds", /drops -W error from/],
  ["pytest: -W error taken out of the make variable make test passes pytest", { before: { Makefile: "PYTEST_FLAGS = -q -W error\n\ntest:\n\tpytest $(PYTEST_FLAGS)\n" }, after: { Makefile: "PYTEST_FLAGS = -q\n\ntest:\n\tpytest $(PYTEST_FLAGS)\n" } }, "lower_thresholds", /drops -W error from the make target test, through a variable its recipe uses: "pytest \$\(PYTEST_FLAGS\)"/],
  ["pytest: the make variable holding -W error emptied", { before: { Makefile: "PYTEST_FLAGS := -W error\n\ntest:\n\tpython -m pytest ${PYTEST_FLAGS} tests\n" }, after: { Makefile: "PYTEST_FLAGS :=\n\ntest:\n\tpython -m pytest ${PYTEST_FLAGS} tests\n" } }, "lower_thresholds", /drops -W error from the make target test/],
  ["pytest: PYTHONWARNINGS=error dropped from tox's setenv", { before: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\nsetenv =\n    PYTHONWARNINGS = error\ncommands = pytest\n" }, after: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\nsetenv =\n    PYTHONWARNINGS = default\ncommands = pytest\n" } }, "lower_thresholds", /drops PYTHONWARNINGS=error/],
  ["workflow: -W error dropped from the pytest step (workflow edits allowed)", { before: { ".github/workflows/ci.yml": WF("      - run: python -m pytest -W error\n") }, after: { ".github/workflows/ci.yml": WF("      - run: python -m pytest\n") } }, "workflow_edits", /workflow/, "lower_thresholds"],
  ["workflow: PYTHONWARNINGS: error dropped from the env (workflow edits allowed)", { before: { ".github/workflows/ci.yml": WF("      - run: pytest\n        env:\n          PYTHONWARNINGS: error\n") }, after: { ".github/workflows/ci.yml": WF("      - run: pytest\n") } }, "workflow_edits", /workflow/, "lower_thresholds"],
  // Moved in another hunk to where it no longer holds for the tests: another command, a make variable the environment never sees, another job.
  ["pytest: -W error moved from the test command to the lint command, in another hunk", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("", "pytest $(PYTEST_FLAGS) tests", "python -W error -m flake8 src") } }, "lower_thresholds", /drops -W error from "pytest -W error/],
  ["pytest: -W error moved to a make variable PYTHONWARNINGS that is not exported", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("PYTHONWARNINGS = error\n", "pytest $(PYTEST_FLAGS) tests") } }, "lower_thresholds", /drops -W error from/],
  ["pytest: the export taken off the Makefile's PYTHONWARNINGS=error", { before: { Makefile: MAKE_FAR("export PYTHONWARNINGS := error\n", "pytest $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("PYTHONWARNINGS := error\n", "pytest $(PYTEST_FLAGS) tests") } }, "lower_thresholds", /drops PYTHONWARNINGS=error from the make target \w+, through the PYTHONWARNINGS the Makefile exported/],
  ["pytest: the Makefile's PYTHONWARNINGS=error unexported", { before: { Makefile: MAKE_FAR("PYTHONWARNINGS = error\nexport PYTHONWARNINGS\n", "pytest $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("PYTHONWARNINGS = error\nunexport PYTHONWARNINGS\n", "pytest $(PYTEST_FLAGS) tests") } }, "lower_thresholds", /drops PYTHONWARNINGS=error from the make target \w+/],
  ["pytest: -W error moved from make test's pytest line to a new -m unittest line, pytest kept", { before: { Makefile: "test:\n\tpytest -W error tests\n" }, after: { Makefile: "test:\n\tpytest tests\n\tpython -W error -m unittest discover\n" } }, "lower_thresholds", /drops -W error from "pytest -W error tests"/],
  ["pytest: -W error taken out of the make variable a later += appends to", { before: { Makefile: MAKE_FAR("", "pytest $(PYTEST_FLAGS) tests").replace("PYTEST_FLAGS = -q\n", "PYTEST_FLAGS = -W error\nPYTEST_FLAGS += -q\n") }, after: { Makefile: MAKE_FAR("", "pytest $(PYTEST_FLAGS) tests").replace("PYTEST_FLAGS = -q\n", "PYTEST_FLAGS =\nPYTEST_FLAGS += -q\n") } }, "lower_thresholds", /drops -W error from the make target test, through a variable its recipe uses/],
  ["workflow: -W error moved from the test step to the lint job's env (workflow edits allowed)", { before: { ".github/workflows/ci.yml": WF_FAR("", "python -m pytest -W error") }, after: { ".github/workflows/ci.yml": WF_FAR("", "python -m pytest", "", ENV_ERROR("    ")) } }, "workflow_edits", /workflow/, "lower_thresholds"],
];

describe("test weakenings that got through before this review are refused, and allowed by their override", () => {
  test.each(HOLES)("%s", (...[_name, c, rule, reason, also]) => (also ? expectRefusedUnlessBothAllowed(c, rule, reason, also) : expectRefusedUnlessAllowed(c, rule, reason)));
});

describe("warnings-as-errors moved in the same file to where they still hold for the tests are accepted", () => {
  test.each<[string, Case]>([
    ["-W error moved from make test's recipe to an export PYTHONWARNINGS at the top", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("export PYTHONWARNINGS=error\n", "pytest $(PYTEST_FLAGS) tests") } }],
    ["-W error moved from make test's recipe to an export PYTHONWARNINGS := error at the top", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("export PYTHONWARNINGS := error\n", "pytest $(PYTEST_FLAGS) tests") } }],
    ["-W error moved from make test's recipe to a PYTHONWARNINGS ?= error exported by name", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("PYTHONWARNINGS ?= error\nexport PYTHONWARNINGS\n", "pytest $(PYTEST_FLAGS) tests") } }],
    ["-W error moved from make test's recipe to a PYTHONWARNINGS = error a bare export exports", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("PYTHONWARNINGS = error\nexport\n", "pytest $(PYTEST_FLAGS) tests") } }],
    ["-W error moved from make test's recipe to a += on the make variable it passes pytest", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("", "pytest $(PYTEST_FLAGS) tests").replace("PYTEST_FLAGS = -q\n", "PYTEST_FLAGS = -q\nPYTEST_FLAGS += -W error\n") } }],
    ["-W error moved from the make variable make test passes pytest to an export PYTHONWARNINGS=error", { before: { Makefile: MAKE_FAR("", "pytest $(PYTEST_FLAGS) tests").replace("PYTEST_FLAGS = -q", "PYTEST_FLAGS = -q -W error") }, after: { Makefile: MAKE_FAR("export PYTHONWARNINGS=error\n", "pytest $(PYTEST_FLAGS) tests") } }],
    ["-W error moved from make test's recipe into the make variable it passes pytest", { before: { Makefile: MAKE_FAR("", "pytest -W error $(PYTEST_FLAGS) tests") }, after: { Makefile: MAKE_FAR("", "pytest $(PYTEST_FLAGS) tests").replace("PYTEST_FLAGS = -q", "PYTEST_FLAGS = -q -W error") } }],
    // setuptools 72 removed `setup.py test`: the same tests run by pytest, -W error carried over.
    ["tox's python -W error setup.py test replaced by python -W error -m pytest", { before: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\ndeps = pytest\ncommands = python -W error setup.py test\n" }, after: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\ndeps = pytest\ncommands = python -W error -m pytest\n" } }],
    ["-W error moved from tox's commands to its setenv", { before: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\ndeps = pytest\ncommands = pytest -W error\n" }, after: { "tox.ini": "[tox]\nenvlist = py\n\n[testenv]\ndeps = pytest\nsetenv =\n    PYTHONWARNINGS = error\ncommands = pytest\n" } }],
  ])("%s", (_name, c) => expectAccepted(c));

  // Workflow edits need allow.workflow_edits; with it, nothing else is refused.
  test.each<[string, Case]>([
    ["-W error moved from the pytest step to the job's env", { before: { ".github/workflows/ci.yml": WF_FAR("", "python -m pytest -W error") }, after: { ".github/workflows/ci.yml": WF_FAR(ENV_ERROR("    "), "python -m pytest") } }],
    ["PYTHONWARNINGS moved from the pytest step's env to the job's", { before: { ".github/workflows/ci.yml": WF_FAR("", "python -m pytest", ENV_ERROR("        ")) }, after: { ".github/workflows/ci.yml": WF_FAR(ENV_ERROR("    "), "python -m pytest") } }],
    ["PYTHONWARNINGS moved from the job's env to the workflow's", { before: { ".github/workflows/ci.yml": WF_FAR(ENV_ERROR("    "), "python -m pytest") }, after: { ".github/workflows/ci.yml": WF_FAR("", "python -m pytest").replace("jobs:\n", `${ENV_ERROR("")}jobs:\n`) } }],
  ])("%s (workflow edits allowed)", async (_name, c) => {
    await expectAcceptedWithWorkflowEdits(c);
  });
});

describe("real fixes that look like those weakenings are still accepted", () => {
  test.each<[string, Case]>([
    ["an HTTP client's retry setting in source code", { before: { "src/client.ts": "export const options = {\n  timeout: 5000,\n};\n" }, after: { "src/client.ts": "export const options = {\n  timeout: 5000,\n  retry: 3,\n};\n" } }],
    ["a retry loop in the code under test", { before: { "src/fetch.py": "def get(url):\n    return http.get(url)\n" }, after: { "src/fetch.py": "def get(url, retries=3):\n    for _ in range(retries):\n        try:\n            return http.get(url)\n        except OSError:\n            pass\n    raise OSError(url)\n" } }],
    ["an expected value corrected where the failure shows the code is right", { before: { "tests/test_add.py": PY("", "    assert add(2, 2) == 5\n") }, after: { "tests/test_add.py": PY("", "    assert add(2, 2) == 4\n") } }],
    ["a test added", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": `${JS(SUM)}\ntest("adds nothing", () => {\n  expect(sum([])).toBe(0);\n});\n` } }],
    ["a Windows-only test skipped on the platform the repo already marks", { before: { "tests/test_path.py": "import sys\n\nimport pytest\n\nWINDOWS_ONLY = pytest.mark.skipif(sys.platform != 'win32', reason='windows only')\n\n\ndef test_sep():\n    assert sep() == '/'\n" }, after: { "tests/test_path.py": "import sys\n\nimport pytest\n\nWINDOWS_ONLY = pytest.mark.skipif(sys.platform != 'win32', reason='windows only')\n\n\n@WINDOWS_ONLY\ndef test_drive():\n    assert drive('C:/x') == 'C:'\n\n\ndef test_sep():\n    assert sep() == '/'\n" } }],
    ["an RSpec expectation corrected to nil where the code returns nil", { before: { "spec/calc_spec.rb": RSPEC('it "finds nothing"').replace("expect(Calc.add(1, 2)).to eq(3)", "expect(Calc.find(9)).to eq(0)") }, after: { "spec/calc_spec.rb": RSPEC('it "finds nothing"').replace("expect(Calc.add(1, 2)).to eq(3)", "expect(Calc.find(9)).to be_nil") } }],
    ["an RSpec example given metadata that is not a skip", { before: { "spec/calc_spec.rb": RSPEC('it "adds"') }, after: { "spec/calc_spec.rb": RSPEC('it "adds", :slow, db: true') } }],
    ["pytest.raises narrowed with match=", { before: { "tests/test_m.py": "import pytest\n\nfrom calc import mean\n\n\ndef test_mean_empty():\n    with pytest.raises(ValueError):\n        mean([])\n" }, after: { "tests/test_m.py": "import pytest\n\nfrom calc import mean\n\n\ndef test_mean_empty():\n    with pytest.raises(ValueError, match='empty'):\n        mean([])\n" } }],
    ["a resource exclude in a pom.xml", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("").replace("    <plugins>", "    <resources>\n      <resource>\n        <directory>src/main/resources</directory>\n        <excludes>\n          <exclude>**/local/**</exclude>\n        </excludes>\n      </resource>\n    </resources>\n    <plugins>") } }],
    ["surefire given a system property", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <systemPropertyVariables>\n            <user.timezone>UTC</user.timezone>\n          </systemPropertyVariables>\n") } }],
    ["expect.any for a generated id inside an object", { before: { "test/sum.test.js": JS('  expect(make()).toEqual({ id: 1, name: "a" });\n') }, after: { "test/sum.test.js": JS('  expect(make()).toEqual({ id: expect.any(Number), name: "a" });\n') } }],
    ["a test that checks a typeof against a stronger one kept", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS(`${SUM}  expect(typeof sum([1, 2])).toBe("number");\n`) } }],
    ["a test script piped into tee under set -o pipefail", { before: { "scripts/test.sh": "#!/usr/bin/env bash\nset -euo pipefail\npytest -q\n" }, after: { "scripts/test.sh": "#!/usr/bin/env bash\nset -euo pipefail\npytest -q | tee build/pytest.log\n" } }],
    ["a test script that fails loudly with || exit 1", { before: { "scripts/test.sh": "#!/usr/bin/env bash\nset -eu\npytest -q\n" }, after: { "scripts/test.sh": "#!/usr/bin/env bash\nset -eu\npytest -q || { echo 'see build/pytest.log' >&2; exit 1; }\n" } }],
    ["a stub binary symlinked to /bin/true in a setup script", { before: { "scripts/setup.sh": "#!/usr/bin/env bash\nset -eu\nmkdir -p bin\n" }, after: { "scripts/setup.sh": "#!/usr/bin/env bash\nset -eu\nmkdir -p bin\nln -sf /bin/true bin/xdg-open\n" } }],
    ["toBe → toStrictEqual with the same value", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toStrictEqual(3);\n") } }],
    ["a timing assertion turned into a lower bound that still means something", { before: { "test/sum.test.js": JS("  expect(elapsed()).toBe(100);\n") }, after: { "test/sum.test.js": JS("  expect(elapsed()).toBeGreaterThanOrEqual(100);\n") } }],
    ["a membership assertion on a string kept as it was, the value fixed", { before: { "tests/test_add.py": PY("", '    assert "x" in render(1)\n') }, after: { "tests/test_add.py": PY("", '    assert "y" in render(1)\n') } }],
    ["a new assertion added under a None guard", { before: { "tests/test_add.py": PY("", "    result = find(1)\n    assert result is None or result.id == 1\n") }, after: { "tests/test_add.py": PY("", "    result = find(1)\n    assert result is None or result.id == 1\n    if result is not None:\n        assert result.name == 'a'\n") } }],
    ["a Go want fixed", { before: { "calc_test.go": GO("\tgot, want := Add(2, 2), 5\n\tif got != want {\n\t\tt.Fatalf(\"got %d, want %d\", got, want)\n\t}\n") }, after: { "calc_test.go": GO("\tgot, want := Add(2, 2), 4\n\tif got != want {\n\t\tt.Fatalf(\"got %d, want %d\", got, want)\n\t}\n") } }],
    ["a JUnit expected value fixed", { before: { "src/test/java/CalcTest.java": JUNIT("") }, after: { "src/test/java/CalcTest.java": JUNIT("").replace("assertEquals(3,", "assertEquals(4,").replace("add(1, 2)", "add(2, 2)") } }],
    ["a third-party warning ignored after filterwarnings' error", { before: { "pytest.ini": PYTEST_INI("filterwarnings =\n    error\n") }, after: { "pytest.ini": PYTEST_INI("filterwarnings =\n    error\n    ignore::DeprecationWarning:botocore\n") } }],
    ["--strict-markers kept, a marker registered", { before: { "pytest.ini": PYTEST_INI("addopts = -q --strict-markers\n") }, after: { "pytest.ini": PYTEST_INI("addopts = -q --strict-markers\nmarkers =\n    slow: takes a while\n") } }],
    ["xfail_strict turned on", { before: { "pytest.ini": PYTEST_INI("") }, after: { "pytest.ini": PYTEST_INI("xfail_strict = true\n") } }],
    ["a surefire include added beside the ones it had", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n            <include>**/*Spec.java</include>\n          </includes>\n") } }],
    ["a surefire include widened to Test anywhere in the name", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*Test*.java</include>\n          </includes>\n") } }],
    ["a surefire include widened to every Java file", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*.java</include>\n          </includes>\n") } }],
    ["a surefire include rewritten with another beside it", { before: { "pom.xml": POM("          <includes>\n            <include>**/*Test.java</include>\n          </includes>\n") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*Test.class</include>\n            <include>**/*IT.java</include>\n          </includes>\n") } }],
    ["surefire given includes that cover its defaults", { before: { "pom.xml": POM("") }, after: { "pom.xml": POM("          <includes>\n            <include>**/*Test*.java</include>\n          </includes>\n") } }],
    ["a mocha spec glob widened to another extension", { before: { "package.json": PKG("mocha 'test/**/*.spec.js'") }, after: { "package.json": PKG("mocha 'test/**/*.spec.{js,ts}'") } }],
    ["a mocha spec glob moved to the folder the tests moved to", { before: { "package.json": PKG("mocha 'test/*.spec.js'") }, after: { "package.json": PKG("mocha 'spec/**/*.spec.js'") } }],
    ["an npm script that runs the tests after the build with &&", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("npm run build && jest") } }],
    ["an npm script whose build output is piped, not the tests'", { before: { "package.json": PKG("jest") }, after: { "package.json": PKG("tsc -p . | head -50 && jest") } }],
    ["float noise fixed with a narrow approx", { before: { "tests/test_add.py": PY("", "    assert add(0.1, 0.2) == 0.3\n") }, after: { "tests/test_add.py": PY("", "    assert add(0.1, 0.2) == pytest.approx(0.3, abs=1e-9)\n") } }],
    ["float noise fixed with toBeCloseTo's default digits", { before: { "test/sum.test.js": JS("  expect(sum([0.1, 0.2])).toBe(0.3);\n") }, after: { "test/sum.test.js": JS("  expect(sum([0.1, 0.2])).toBeCloseTo(0.3);\n") } }],
    ["a relative tolerance of 1e-6 with isclose", { before: { "tests/test_add.py": PY("", "    assert add(0.1, 0.2) == 0.3\n") }, after: { "tests/test_add.py": PY("", "    assert math.isclose(add(0.1, 0.2), 0.3, rel_tol=1e-6)\n") } }],
    // An exact assertion loosened, not: the value changed, the matcher swapped for another exact one, a bound added beside it or made exact.
    ["an exact expected value changed to another", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toBe(4);\n") } }],
    ["toBe → toEqual with the same value", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS("  expect(sum([1, 2])).toEqual(3);\n") } }],
    ["a relational assertion added beside the exact one", { before: { "test/sum.test.js": JS(SUM) }, after: { "test/sum.test.js": JS(`${SUM}  expect(sum([1, 2])).toBeGreaterThan(0);\n`) } }],
    ["a relational assertion made exact", { before: { "tests/test_add.py": PY("", "    assert add(1, 2) > 0\n") }, after: { "tests/test_add.py": PY("") } }],
    ["one relational assertion for another", { before: { "tests/test_add.py": PY("", "    assert add(1, 2) > 0\n") }, after: { "tests/test_add.py": PY("", "    assert add(1, 2) >= 1\n") } }],
    ["an exact assertion on one value, a bound on another", { before: { "tests/test_add.py": PY("") }, after: { "tests/test_add.py": PY("", "    assert len(history()) > 0\n") } }],
    ["unittest: assertEqual → assertEqual with another value", { before: { "tests/test_add.py": UNITTEST("self.assertEqual(add(1, 2), 3)") }, after: { "tests/test_add.py": UNITTEST("self.assertEqual(add(2, 2), 4)") } }],
    ["a Go exact check kept, its message reworded", { before: { "calc_test.go": GO(GO_BODY) }, after: { "calc_test.go": GO(GO_BODY.replace('t.Fatal("Add(1, 2) != 3")', 't.Fatalf("Add(1, 2) = %d, want 3", Add(1, 2))')) } }],
    // One third-party warning let through, every other still an error (as filterwarnings' ignore beside error above).
    ["a third-party warning ignored beside pytest's -W error", { before: { Makefile: "test:\n\tpytest -W error\n" }, after: { Makefile: "test:\n\tpytest -W error -W ignore::DeprecationWarning:botocore\n" } }],
    // A wrapped assertion re-wrapped by a formatter, or its expected value corrected: still exact.
    ["prettier re-wrapping an assertion", { before: { "test/total.test.js": JS(PRETTIER("toBe(1234)")) }, after: { "test/total.test.js": JS(`  expect(${TOTAL}).toBe(\n    1234,\n  );\n`) } }],
    ["a wrapped expected value corrected", { before: { "test/total.test.ts": VITEST(PRETTIER("toBe(1234)")) }, after: { "test/total.test.ts": VITEST(PRETTIER("toBe(1235)")) } }],
    ["black unwrapping an assert", { before: { "tests/test_total.py": PY("", BLACK("== 1234")) }, after: { "tests/test_total.py": PY("", '    assert compute_total(order, currency="EUR", rounding="bankers") == 1234\n') } }],
    ["black's wrapped assertEqual given another expected value", { before: { "tests/test_total.py": UNITTEST("self.assertEqual(\n            compute_total(order),\n            1234,\n        )") }, after: { "tests/test_total.py": UNITTEST("self.assertEqual(\n            compute_total(order),\n            1235,\n        )") } }],
    // The same calls re-wrapped by a formatter, or made more specific: nothing is loosened.
    ["black wrapping a pytest.raises(..., match=...)", { before: { "tests/test_m.py": MEAN('pytest.raises(ValueError, match="mean requires at least one data point")') }, after: { "tests/test_m.py": MEAN(RAISES_WRAPPED("ValueError")) } }],
    ["a wrapped pytest.raises made more specific", { before: { "tests/test_m.py": MEAN(RAISES_WRAPPED("Exception")) }, after: { "tests/test_m.py": MEAN(RAISES_WRAPPED("StatisticsError")) } }],
    ["a wrapped toThrow(message) given the type too", { before: { "test/config.test.js": JS(THROWS_WRAPPED) }, after: { "test/config.test.js": JS(THROWS_WRAPPED.replace("toThrow(", "toThrow(ConfigError);\n  expect(() => parseConfig(text)).toThrow(")) } }],
    ["black wrapping a narrow approx", { before: { "tests/test_total.py": PY("", `    assert ${TOTAL_PY} == pytest.approx(1234, abs=1e-9)\n`) }, after: { "tests/test_total.py": PY("", `    assert ${TOTAL_PY} == pytest.approx(\n        1234, abs=1e-9\n    )\n`) } }],
    ["a wrapped assertAlmostEqual given more places", { before: { "tests/test_total.py": UNITTEST(ALMOST("5")) }, after: { "tests/test_total.py": UNITTEST(ALMOST("7")) } }],
    ["a wrapped toBeCloseTo re-wrapped on one line", { before: { "test/total.test.js": JS(CLOSE_WRAPPED("5")) }, after: { "test/total.test.js": JS(`  expect(total).toBeCloseTo(${EXPECTED_JS}, 5);\n`) } }],
    ["a new wrapped assertion added under a None guard", { before: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    assert result is None or result > 0\n`) }, after: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    assert result is None or result > 0\n    if result is not None:\n        ${GUARDED_WRAPPED}\n`) } }],
    ["a new parenthesized assertion added under a None guard", { before: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    assert result is None or result.grand_total_including_vat > 0\n`) }, after: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    assert result is None or result.grand_total_including_vat > 0\n    if result is not None:\n        ${GUARDED_PARENS}\n`) } }],
    ["black's tall wrap given another expected value past git's context", { before: { "tests/test_total.py": PY("", BLACK_TALL("== 1234")) }, after: { "tests/test_total.py": PY("", BLACK_TALL("== 1235")) } }],
    ["prettier's tall wrap given another expected value past git's context", { before: { "test/total.test.js": JS(PRETTIER_TALL("toBe(1234)")) }, after: { "test/total.test.js": JS(PRETTIER_TALL("toBe(1235)")) } }],
    ["black's tall assertEqual given another expected value", { before: { "tests/test_total.py": UNITTEST_TALL("assertEqual") }, after: { "tests/test_total.py": UNITTEST_TALL("assertEqual", "1235") } }],
    ["a tall wrapped == turned into a bound at the very value, the call's end past git's context", { before: { "tests/test_total.py": PY("", TALL_RHS("==")) }, after: { "tests/test_total.py": PY("", TALL_RHS(">=")) } }],
    ["a tall wrapped assertion kept, a bound on another value added after it", { before: { "tests/test_total.py": PY("", BLACK_TALL("== 1234")) }, after: { "tests/test_total.py": PY("", `${BLACK_TALL("== 1234")}    assert len(history()) > 0\n`) } }],
    ["a parenthesized assertion under a None guard it already had, the value above it changed", { before: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY}\n    if result is not None:\n        ${GUARDED_PARENS}\n`) }, after: { "tests/test_total.py": PY("", `    result = ${TOTAL_PY.replace("bankers", "half_even")}\n    if result is not None:\n        ${GUARDED_PARENS}\n`) } }],
    ["-W error moved from a make variable into the recipe", { before: { Makefile: "PYTEST_FLAGS = -q -W error\n\ntest:\n\tpytest $(PYTEST_FLAGS)\n" }, after: { Makefile: "PYTEST_FLAGS = -q\n\ntest:\n\tpytest -W error $(PYTEST_FLAGS)\n" } }],
    ["a make variable of pytest flags given another flag beside -W error", { before: { Makefile: "PYTEST_FLAGS = -W error\n\ntest:\n\tpytest $(PYTEST_FLAGS)\n" }, after: { Makefile: "PYTEST_FLAGS = -W error --durations=10\n\ntest:\n\tpytest $(PYTEST_FLAGS)\n" } }],
    ["a Gradle integrationTest task registered with its own tag filter", { before: { "build.gradle": GRADLE("") }, after: { "build.gradle": `${GRADLE("")}\ntasks.register('integrationTest', Test) {\n    useJUnitPlatform {\n        includeTags 'integration'\n    }\n}\n` } }],
  ])("%s", (_name, c) => expectAccepted(c));
});
