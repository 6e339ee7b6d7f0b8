import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultRepoConfig } from "../../src/config/repo-config.js";
import { planPatch } from "../../src/patch/apply-patch.js";
import { GUARD_READ_MAX_BYTES, textBeforePatch } from "../../src/patch/text-before-patch.js";
import type { Original } from "../../src/patch/types.js";

/**
 * The checks for skipped tests read files the patch does not touch (the config a new vitest config takes
 * over from, the package.json naming vitest's version, pytest's testpaths) from the originals read before
 * the patch, else from disk. A file there that cannot be read must not pass as absent: the guard would
 * then compare with no settings, another vitest version or no testpaths, and let a narrowing through.
 * A symlink to a file in the checkout is read through: refusing it cost monorepos that link shared configs a fix.
 */
let top: string;
let repo: string;
beforeEach(async () => {
  top = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ci-bot-before-")));
  repo = path.join(top, "repo");
  await fs.mkdir(repo);
  await fs.mkdir(path.join(top, "outside"));
  await fs.writeFile(path.join(top, "outside", "pytest.ini"), "[pytest]\ntestpaths = tests/unit\n");
});
afterEach(async () => {
  await fs.rm(top, { recursive: true, force: true });
});

const write = async (rel: string, text: string) => {
  await fs.mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
  await fs.writeFile(path.join(repo, rel), text);
};
const link = async (rel: string, target: string) => {
  await fs.mkdir(path.dirname(path.join(repo, rel)), { recursive: true });
  await fs.symlink(target, path.join(repo, rel));
};
/** A diff that creates `rel` with `text`. */
const added = (rel: string, text: string) => {
  const lines = text.replace(/\n$/, "").split("\n");
  return [`diff --git a/${rel} b/${rel}`, "new file mode 100644", "--- /dev/null", `+++ b/${rel}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`), ""].join("\n");
};
/** A diff that replaces the one line of `rel`. */
const replaced = (rel: string, from: string, to: string) => [`--- a/${rel}`, `+++ b/${rel}`, "@@ -1 +1 @@", `-${from}`, `+${to}`, ""].join("\n");
const plan = (diff: string) => planPatch(diff, repo, { config: defaultRepoConfig() });

describe("textBeforePatch", () => {
  const original = (text: string | null): Original => ({ data: text === null ? null : Buffer.from(text), perm: 0o644 });

  test("a path among the originals reads as it was read before the patch, not as the disk has it now", async () => {
    await write("pytest.ini", "[pytest]\ntestpaths = now\n");
    const originals = new Map([["pytest.ini", original("[pytest]\ntestpaths = before\n")]]);
    expect(await textBeforePatch(repo, "pytest.ini", originals)).toEqual({ ok: true, text: "[pytest]\ntestpaths = before\n" });
  });

  test("a path the originals record as absent is absent, whatever is on disk", async () => {
    await write("pytest.ini", "[pytest]\n");
    expect(await textBeforePatch(repo, "pytest.ini", new Map([["pytest.ini", original(null)]]))).toEqual({ ok: true, text: null });
  });

  test("a path only on disk reads from disk; a missing one is null", async () => {
    await write("sub/pytest.ini", "[pytest]\n");
    expect(await textBeforePatch(repo, "sub/pytest.ini", new Map())).toEqual({ ok: true, text: "[pytest]\n" });
    expect(await textBeforePatch(repo, "pytest.ini", new Map())).toEqual({ ok: true, text: null });
    expect(await textBeforePatch(repo, "nowhere/pytest.ini", new Map())).toEqual({ ok: true, text: null });
  });

  test.each([
    ["a directory", () => fs.mkdir(path.join(repo, "pytest.ini")), "target_exists", /pytest\.ini is not a regular file/],
    ["a symlink leaving the checkout", () => link("pytest.ini", "../outside/pytest.ini"), "path_outside_repo", /pytest\.ini is a symlink that leads outside the repository/],
    ["a symlink to a directory inside the checkout", async () => (await fs.mkdir(path.join(repo, "config")), link("pytest.ini", "config")), "target_exists", /pytest\.ini is a symlink to config, which is not a regular file/],
    ["a dangling symlink", () => link("pytest.ini", "config/pytest.ini"), "symlink", /^pytest\.ini is a symlink to nothing$/],
    ["a symlink to itself", () => link("pytest.ini", "pytest.ini"), "symlink", /^pytest\.ini is a symlink to nothing$/],
  ])("%s cannot be read: it is no absent file, and says why", async (_name, make, rule, reason) => {
    await make();
    const r = await textBeforePatch(repo, "pytest.ini", new Map());
    expect(r).toMatchObject({ ok: false, refusal: { rule, file: "pytest.ini", reason: expect.stringMatching(reason) } });
    // Never the text behind a symlink that leads out of the checkout.
    expect(JSON.stringify(r)).not.toContain("tests/unit");
  });

  test.each([
    ["a symlink out of the checkout", () => link("pk/pytest.ini", "../../outside/pytest.ini"), "path_outside_repo", /^web\/pytest\.ini leads outside the repository through a symlink$/],
    ["a dangling symlink", () => link("pk/pytest.ini", "nowhere.ini"), "symlink", /^web\/pytest\.ini is a symlink to nothing$/],
  ])("behind a linked folder inside the checkout, %s cannot be read either", async (_name, make, rule, reason) => {
    await make();
    await link("web", "pk");
    const r = await textBeforePatch(repo, "web/pytest.ini", new Map());
    expect(r).toMatchObject({ ok: false, refusal: { rule, file: "web/pytest.ini", reason: expect.stringMatching(reason) } });
    // Never the text behind a symlink that leads out of the checkout.
    expect(JSON.stringify(r)).not.toContain("tests/unit");
  });

  // A repository decides its files: a generated config of hundreds of MB read whole would hold the worker's
  // memory; one the guard does not read must not pass as absent either.
  test("a config larger than the guard reads is refused as unreadable, not read and not absent", async () => {
    await write("package.json", "{}\n");
    await fs.truncate(path.join(repo, "package.json"), GUARD_READ_MAX_BYTES + 1);
    const r = await textBeforePatch(repo, "package.json", new Map());
    expect(r).toEqual({ ok: false, refusal: { rule: "too_large", file: "package.json", reason: `package.json is larger than ${GUARD_READ_MAX_BYTES} bytes` } });
    // Through a symlink inside the checkout, the same.
    await link("web/package.json", "../package.json");
    expect(await textBeforePatch(repo, "web/package.json", new Map())).toMatchObject({ ok: false, refusal: { rule: "too_large", file: "web/package.json" } });
  });

  test("a planned patch over a too-large config it must read is refused, with no allow.* key to pass it", async () => {
    await write("vite.config.ts", "export default {}\n");
    await fs.truncate(path.join(repo, "vite.config.ts"), GUARD_READ_MAX_BYTES + 1);
    const r = await plan(added("vitest.config.ts", "export default defineConfig({\n  test: {},\n})\n"));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "too_large", file: "vite.config.ts", reason: expect.stringContaining("cannot be checked for skipped tests") } });
  });

  test("a file under a folder linked to nothing cannot be read: it is no absent file (what CI finds there is not known)", async () => {
    await link("web", "generated/web");
    const r = await textBeforePatch(repo, "web/pytest.ini", new Map());
    expect(r).toEqual({ ok: false, refusal: { rule: "symlink", file: "web/pytest.ini", reason: "web/pytest.ini goes through web, a symlink to nothing" } });
  });

  test("a symlink to a file inside the checkout reads as that file, and says which (monorepos link shared configs)", async () => {
    await write("config/pytest.ini", "[pytest]\ntestpaths = tests/unit\n");
    await link("pytest.ini", "config/pytest.ini");
    await link("packages/web", "../apps/web");
    await write("apps/web/setup.cfg", "[tool:pytest]\n");
    expect(await textBeforePatch(repo, "pytest.ini", new Map())).toEqual({ ok: true, text: "[pytest]\ntestpaths = tests/unit\n", from: "config/pytest.ini" });
    expect(await textBeforePatch(repo, "packages/web/setup.cfg", new Map())).toEqual({ ok: true, text: "[tool:pytest]\n", from: "apps/web/setup.cfg" });
    // The file it leads to, as the originals have it when the patch touches it.
    expect(await textBeforePatch(repo, "pytest.ini", new Map([["config/pytest.ini", original("[pytest]\n")]]))).toEqual({ ok: true, text: "[pytest]\n", from: "config/pytest.ini" });
    // No file behind a linked folder: absent, as for pytest.
    expect(await textBeforePatch(repo, "packages/web/pytest.ini", new Map())).toEqual({ ok: true, text: null });
  });
});

describe("the checks that read files the patch does not touch, through a symlink inside the checkout", () => {
  test("a new vitest.config.ts over a symlinked vite.config.ts: compared with the settings of the file it links to", async () => {
    await write("config/vite.shared.ts", "export default defineConfig({\n  test: {\n    projects: ['packages/a', 'packages/b'],\n  },\n})\n");
    await link("vite.config.ts", "config/vite.shared.ts");
    const r = await plan(added("vitest.config.ts", "export default defineConfig({\n  test: {\n    projects: ['packages/a'],\n  },\n})\n"));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "skip_tests", file: "vitest.config.ts", reason: expect.stringContaining("packages/b") } });
  });

  test("pytest left without paths where a symlinked pytest.ini names only tests/unit: flagged", async () => {
    await write("config/pytest.ini", "[pytest]\ntestpaths = tests/unit\n");
    await link("pytest.ini", "config/pytest.ini");
    await write("package.json", `{ "scripts": { "test": "pytest tests/unit tests/integration" } }\n`);
    const r = await plan(replaced("package.json", `{ "scripts": { "test": "pytest tests/unit tests/integration" } }`, `{ "scripts": { "test": "pytest" } }`));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "skip_tests", reason: expect.stringContaining("tests/integration") } });
  });

  test("…and where the same patch widens the file the link leads to: read as planned after it, both run", async () => {
    await write("config/pytest.ini", "[pytest]\ntestpaths = tests/unit\n");
    await link("pytest.ini", "config/pytest.ini");
    await write("Makefile", "test:\n\tpytest tests/unit tests/integration\n");
    expect(await plan(widenAndDropPaths("config/pytest.ini"))).toMatchObject({ ok: true, overrides: [] });
  });

  test("the patch editing the symlink itself is still refused", async () => {
    await write("config/pytest.ini", "[pytest]\ntestpaths = tests/unit\n");
    await link("pytest.ini", "config/pytest.ini");
    expect(await plan(replaced("pytest.ini", "[pytest]", "[pytest]  "))).toMatchObject({ ok: false, refusal: { rule: "symlink", file: "pytest.ini" } });
  });
});

describe("the checks that read files the patch does not touch, when one cannot be read", () => {
  /** vite.config.ts running two projects; the new vitest.config.ts, which vitest reads instead, one of them. */
  const VITE = "export default defineConfig({\n  test: {\n    projects: ['packages/a', 'packages/b'],\n  },\n})\n";
  const VITEST = "export default defineConfig({\n  test: {\n    projects: ['packages/a'],\n  },\n})\n";

  test("a new vitest.config.ts over vite.config.ts: compared with vite.config.ts's settings as on disk", async () => {
    await write("vite.config.ts", VITE);
    expect(await plan(added("vitest.config.ts", VITEST))).toMatchObject({ ok: false, refusal: { rule: "skip_tests", reason: expect.stringContaining("packages/b") } });
  });

  test("a new vitest.config.ts over a dangling vite.config.ts symlink is refused, not compared with no settings", async () => {
    await link("vite.config.ts", "config/vite.shared.ts");
    const r = await plan(added("vitest.config.ts", VITEST));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "symlink", file: "vite.config.ts", reason: expect.stringMatching(/vite\.config\.ts is a symlink to nothing.*vitest\.config\.ts/) } });
  });

  test("vitest.config.ts merging vite.config.ts, a symlink out of the checkout, loses its include: refused, the merged include not known", async () => {
    await fs.writeFile(path.join(top, "outside", "vite.config.ts"), "export default defineConfig({ test: { include: ['src/**/*.test.ts'] } })\n");
    await link("vite.config.ts", "../outside/vite.config.ts");
    const MERGED = (test: string) => `import viteConfig from './vite.config'; export default mergeConfig(viteConfig, defineConfig({ test: { ${test} } }))`;
    await write("vitest.config.ts", `${MERGED("include: ['e2e/**/*.check.ts']")}\n`);
    const r = await plan(replaced("vitest.config.ts", MERGED("include: ['e2e/**/*.check.ts']"), MERGED("")));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "path_outside_repo", file: "vite.config.ts", reason: expect.stringMatching(/vite\.config\.ts is a symlink.*vitest\.config\.ts cannot be checked/) } });
  });

  test("…and a vitest.config.ts of its own beside it: vitest does not read vite.config.ts, nothing refused", async () => {
    await link("vite.config.ts", "../outside/vite.config.ts");
    const OWN = (extra: string) => `export default defineConfig({ test: { include: ['src/**/*.test.ts']${extra} } })`;
    await write("vitest.config.ts", `${OWN("")}\n`);
    expect(await plan(replaced("vitest.config.ts", OWN(""), OWN(", environment: 'node'")))).toMatchObject({ ok: true, overrides: [] });
  });

  test("a new jest.config.js where package.json is a directory is refused, not compared with no settings", async () => {
    await fs.mkdir(path.join(repo, "package.json"));
    const r = await plan(added("jest.config.js", 'module.exports = { testPathIgnorePatterns: ["/node_modules/"] };\n'));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "target_exists", file: "package.json", reason: expect.stringContaining("jest.config.js") } });
  });

  const VITEST_3_LITERAL =
    "export default defineConfig({\n  test: {\n    exclude: ['**/node_modules/**', '**/dist/**', '**/cypress/**', '**/.{idea,git,cache,output,temp}/**', '**/{karma,rollup,webpack,vite,vitest,jest,ava,babel,nyc,cypress,tsup,build,eslint,prettier}.config.*'],\n  },\n})\n";
  const pkg = (vitest: string) => `${JSON.stringify({ name: "web", devDependencies: { vitest } }, null, 2)}\n`;

  test("vitest 1-3's exclude written out where packages/web's package.json, naming ^4, is on disk: flagged", async () => {
    await write("package.json", pkg("^3.2.4"));
    await write("packages/web/package.json", pkg("^4.0.0"));
    expect(await plan(added("packages/web/vitest.config.ts", VITEST_3_LITERAL))).toMatchObject({ ok: false, refusal: { rule: "skip_tests", reason: expect.stringContaining("cypress") } });
  });

  test("…and where it is a symlink in the checkout: read through it, ^4, not the root's ^3 (the bug: this passed)", async () => {
    await write("package.json", pkg("^3.2.4"));
    await write("shared/web.json", pkg("^4.0.0"));
    await link("packages/web/package.json", "../../shared/web.json");
    expect(await plan(added("packages/web/vitest.config.ts", VITEST_3_LITERAL))).toMatchObject({ ok: false, refusal: { rule: "skip_tests", reason: expect.stringContaining("cypress") } });
  });

  test("pytest left without paths where pytest.ini, on disk, names only tests/unit: flagged", async () => {
    await write("pytest.ini", "[pytest]\ntestpaths = tests/unit\n");
    await write("package.json", `{ "scripts": { "test": "pytest tests/unit tests/integration" } }\n`);
    expect(await plan(replaced("package.json", `{ "scripts": { "test": "pytest tests/unit tests/integration" } }`, `{ "scripts": { "test": "pytest" } }`))).toMatchObject({
      ok: false,
      refusal: { rule: "skip_tests", reason: expect.stringContaining("tests/integration") },
    });
  });

  test("…and where pytest.ini is a symlink out of the checkout: refused, not read as no testpaths (the bug: this passed)", async () => {
    await link("pytest.ini", "../outside/pytest.ini");
    await write("package.json", `{ "scripts": { "test": "pytest tests/unit tests/integration" } }\n`);
    const r = await plan(replaced("package.json", `{ "scripts": { "test": "pytest tests/unit tests/integration" } }`, `{ "scripts": { "test": "pytest" } }`));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "path_outside_repo", file: "pytest.ini", reason: expect.stringMatching(/pytest\.ini is a symlink.*package\.json/) } });
  });

  test("pytest.ini widened by the same patch is read as planned after it: pytest left without paths runs both", async () => {
    await write("pytest.ini", "[pytest]\ntestpaths = tests/unit\n");
    await write("Makefile", "test:\n\tpytest tests/unit tests/integration\n");
    expect(await plan(widenAndDropPaths("pytest.ini"))).toMatchObject({ ok: true, overrides: [] });
  });
});

describe("the test entry scripts, found from files the patch does not touch", () => {
  const SCRIPT = (body: string) => `#!/bin/sh\nset -e\n${body}`;
  const RUNS = `{ "scripts": { "test": "./scripts/test.sh" } }\n`;
  const dropPytest = replaced("scripts/test.sh", "pytest -q tests", "echo tests skipped").replace("@@ -1 +1 @@", "@@ -3 +3 @@");

  test("package.json on disk runs scripts/test.sh: pytest dropped from it is flagged", async () => {
    await write("package.json", RUNS);
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    expect(await plan(dropPytest)).toMatchObject({ ok: false, refusal: { rule: "skip_tests", file: "scripts/test.sh", reason: expect.stringContaining("pytest") } });
  });

  test("…and where package.json is a symlink out of the checkout: refused, not read as no package.json (the bug: this passed)", async () => {
    await fs.writeFile(path.join(top, "outside", "package.json"), RUNS);
    await link("package.json", "../outside/package.json");
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    expect(await plan(dropPytest)).toMatchObject({ ok: false, refusal: { rule: "path_outside_repo", file: "package.json", reason: expect.stringMatching(/package\.json is a symlink.*scripts\/test\.sh cannot be checked/) } });
  });

  test("…where a workflow is a directory: refused, the steps it would run not known", async () => {
    await fs.mkdir(path.join(repo, ".github/workflows/ci.yml"), { recursive: true });
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    expect(await plan(dropPytest)).toMatchObject({ ok: false, refusal: { rule: "target_exists", file: ".github/workflows/ci.yml" } });
  });

  test.each([
    [".github/workflows", ".github/workflows is a symlink to nothing"],
    [".github", ".github/workflows goes through .github, a symlink to nothing"],
  ])("…where %s links to nothing: refused, not read as no workflows", async (linked, reason) => {
    await link(linked, `generated/${linked}`);
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    expect(await plan(dropPytest)).toMatchObject({ ok: false, refusal: { rule: "symlink", file: ".github/workflows", reason: `${reason}: scripts/test.sh cannot be checked for skipped tests without reading it` } });
  });

  test("…where .github/workflows is no folder but a file: no workflows, nothing refused", async () => {
    await write(".github/workflows", "moved to ci/\n");
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    expect(await plan(dropPytest)).toMatchObject({ ok: true, overrides: [] });
  });

  test("…where package.json is a symlink to a file in the checkout: read through it, flagged", async () => {
    await write("config/package.json", RUNS);
    await link("package.json", "config/package.json");
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    expect(await plan(dropPytest)).toMatchObject({ ok: false, refusal: { rule: "skip_tests", file: "scripts/test.sh" } });
  });

  test("…where scripts/test.sh links to tools/test.sh: the patch to tools/test.sh is checked as the script CI runs", async () => {
    await write("package.json", RUNS);
    await write("tools/test.sh", SCRIPT("pytest -q tests\n"));
    await link("scripts/test.sh", "../tools/test.sh");
    const r = await plan(dropPytest.replaceAll("scripts/test.sh", "tools/test.sh"));
    expect(r).toMatchObject({ ok: false, refusal: { rule: "skip_tests", file: "tools/test.sh", reason: expect.stringContaining("pytest") } });
  });

  test("a script a test command names that cannot be read is none the patch edits: no refusal for it", async () => {
    await write("package.json", `{ "scripts": { "test": "./ci/outside.sh && ./scripts/test.sh" } }\n`);
    await fs.writeFile(path.join(top, "outside", "outside.sh"), SCRIPT("pytest\n"));
    await link("ci/outside.sh", "../../outside/outside.sh");
    await write("scripts/test.sh", SCRIPT("pytest -q tests\n"));
    const diff = replaced("scripts/test.sh", "pytest -q tests", "pytest -q -v tests").replace("@@ -1 +1 @@", "@@ -3 +3 @@");
    expect(await plan(diff)).toMatchObject({ ok: true, overrides: [] });
  });
});

/** One patch: `ini`'s testpaths widened to both folders, and the Makefile's pytest left without paths. */
function widenAndDropPaths(ini: string): string {
  return [
    `--- a/${ini}`, `+++ b/${ini}`, "@@ -1,2 +1,2 @@", " [pytest]", "-testpaths = tests/unit", "+testpaths = tests/unit tests/integration",
    "--- a/Makefile", "+++ b/Makefile", "@@ -1,2 +1,2 @@", " test:", "-\tpytest tests/unit tests/integration", "+\tpytest", "",
  ].join("\n");
}
