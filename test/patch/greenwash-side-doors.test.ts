import { describe, expect, test } from "@jest/globals";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { gitDiff, type GitDiffCase as Case } from "./git-diff.js";
import { configWith } from "./helpers.js";

/**
 * Green-washing through a file that is neither a test nor a test runner's config: a pytest plugin, a
 * setup file, a tool's settings. Each case is a real git repository and the diff `git diff -M` makes of
 * the edit; applyPatch must refuse it with the default config and accept it once the allow.* key is set,
 * and accept the legitimate change next to it.
 */

const PY_TEST = "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n";
const PYPROJECT = (extra = "") => `[project]\nname = "calc"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n${extra}`;
const PY = { "calc.py": "def add(a, b):\n    return a - b\n", "tests/test_calc.py": PY_TEST, "pyproject.toml": PYPROJECT() };
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

describe("legitimate changes next to those files are still accepted", () => {
  test.each<[string, Case]>([
    // Reordering the collected items keeps every test: `items.sort` is not a cut.
    ["ci_plugin.py, new, loaded with -p: runs the slow tests last", { before: PY, after: { "ci_plugin.py": "def pytest_collection_modifyitems(config, items):\n    items.sort(key=lambda i: i.get_closest_marker(\"slow\") is not None)\n", "pyproject.toml": PYPROJECT('addopts = "-p ci_plugin"\n') } }],
    // Application code handles lists named items, and a CLI exits 0: only a pytest plugin's are the test run's.
    ["calc/cart.py, not a plugin: removes an item from a list and exits 0", { before: PY, after: { "calc/cart.py": "import sys\n\n\ndef drop(items, item):\n    items.remove(item)\n    items[:] = sorted(items)\n\n\ndef main():\n    sys.exit(0)\n" } }],
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
