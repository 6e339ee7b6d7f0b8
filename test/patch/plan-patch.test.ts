import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { applyPatch, planPatch, refusalError } from "../../src/patch/apply-patch.js";
import { checkPathText } from "../../src/patch/path-policy.js";
import { GUARD_READ_MAX_BYTES } from "../../src/patch/text-before-patch.js";
import { PLANTED, RSA_KEY_LINES } from "../helpers/planted-secrets.js";
import { gitDiff } from "./git-diff.js";
import { configWith, makeSandbox, snapshotTree, type Sandbox } from "./helpers.js";

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await sb.cleanup();
});

describe("planPatch", () => {
  test("returns full new contents and git modes without writing anything (for a commit through the API)", async () => {
    const diff = [
      "--- a/calc.py", "+++ b/calc.py", "@@ -1,2 +1,2 @@", " def add(a, b):", "-    return a - b", "+    return a + b",
      "diff --git a/scripts/run.sh b/scripts/run.sh", "new file mode 100755", "--- /dev/null", "+++ b/scripts/run.sh", "@@ -0,0 +1,2 @@", "+#!/bin/sh", "+exec pytest -q",
      "diff --git a/docs/noeol.txt b/docs/greek.txt", "rename from docs/noeol.txt", "rename to docs/greek.txt",
      "diff --git a/docs/README.md b/docs/README.md", "deleted file mode 100644",
      "--- a/scripts/test.sh", "+++ b/scripts/test.sh", "@@ -3,2 +3,3 @@", " pytest -q", " npm test", "+echo ok",
    ].join("\n");
    const before = await snapshotTree(sb.top);
    const plan = await planPatch(diff, sb.repo, { config: configWith() });
    expect(await snapshotTree(sb.top)).toEqual(before);
    if (!plan.ok) throw new Error(JSON.stringify(plan.refusal));
    const calc = await fs.readFile(path.join(sb.repo, "calc.py"), "utf8");
    expect(plan.changes).toEqual([
      { path: "calc.py", status: "modified", content: calc.replace("a - b", "a + b"), mode: "100644" },
      { path: "scripts/run.sh", status: "added", content: "#!/bin/sh\nexec pytest -q\n", mode: "100755" },
      { path: "docs/greek.txt", status: "renamed", from: "docs/noeol.txt", content: "alpha\nbeta\ngamma", mode: "100644" },
      { path: "docs/README.md", status: "deleted", content: null, mode: "100644" },
      { path: "scripts/test.sh", status: "modified", content: "#!/bin/sh\nset -e\npytest -q\nnpm test\necho ok\n", mode: "100755" },
    ]);
    expect(plan).toMatchObject({ additions: 4, deletions: 4, overrides: [] });
  });

  test("applyPatch writes the same result, keeping the exec bit", async () => {
    const diff = [
      "--- a/scripts/test.sh", "+++ b/scripts/test.sh", "@@ -3,2 +3,2 @@", "-pytest -q", "-npm test", "+pytest -q -x", "+npm test --silent",
    ].join("\n");
    const r = await applyPatch(diff, sb.repo, { config: configWith() });
    expect(r).toMatchObject({ ok: true, files: [{ path: "scripts/test.sh", status: "modified", additions: 2, deletions: 2 }] });
    expect(await fs.readFile(path.join(sb.repo, "scripts/test.sh"), "utf8")).toBe("#!/bin/sh\nset -e\npytest -q -x\nnpm test --silent\n");
    expect((await fs.stat(path.join(sb.repo, "scripts/test.sh"))).mode & 0o777).toBe(0o755);
  });

  test("a diff that changes nothing is no_diff", async () => {
    const r = await applyPatch("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a - b\n", sb.repo, { config: configWith() });
    expect(r).toMatchObject({ ok: false, refusal: { rule: "no_diff", reason: expect.stringContaining("changes nothing") } });
  });

  test("a deletion without hunks counts the file's lines against max_lines", async () => {
    const r = await applyPatch("diff --git a/calc.py b/calc.py\ndeleted file mode 100644\n", sb.repo, { config: configWith([], { max_lines: 5 }) });
    expect(r).toMatchObject({ ok: false, refusal: { rule: "too_many_lines" } });
  });

  test("a missing work tree is a permanent workspace_missing error", async () => {
    await expect(planPatch("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", `${sb.top}/nope`, { config: configWith() })).rejects.toMatchObject({
      code: "workspace_missing",
      retryable: false,
    });
  });

  test("a file that is not UTF-8 text is refused as binary", async () => {
    await fs.writeFile(path.join(sb.repo, "latin1.txt"), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const r = await applyPatch("--- a/latin1.txt\n+++ b/latin1.txt\n@@ -1 +1 @@\n-caf\n+cafe\n", sb.repo, { config: configWith() });
    expect(r).toMatchObject({ ok: false, refusal: { rule: "binary", file: "latin1.txt" } });
  });

  // Read whole, a huge generated file would hold the worker's memory (and then be refused as binary or too many lines).
  test("a file the patch edits that is larger than the guard reads is refused as too_large, unread", async () => {
    await fs.writeFile(path.join(sb.repo, "big.txt"), "caf\n");
    await fs.truncate(path.join(sb.repo, "big.txt"), GUARD_READ_MAX_BYTES + 1);
    const r = await applyPatch("--- a/big.txt\n+++ b/big.txt\n@@ -1 +1 @@\n-caf\n+cafe\n", sb.repo, { config: configWith() });
    expect(r).toMatchObject({ ok: false, refusal: { rule: "too_large", file: "big.txt", reason: expect.stringContaining(`larger than ${GUARD_READ_MAX_BYTES} bytes`) } });
  });

  // The fix branch is pushed before anyone reviews it: a credential the model echoes (or was told to plant) would be public.
  test.each([
    ["an installation token in a test", "tests/test_auth.py", [`+TOKEN = "${PLANTED.installation}"`], "github-token"],
    ["a private key added as a fixture", "tests/fixtures/key.pem", RSA_KEY_LINES.map((l) => `+${l}`), "private-key"],
    ["an AWS access key in a config", "config/app.toml", ['+aws_access_key_id = "AKIAZ7QXK3VMJ2N5WTRB"'], "aws-access-key"],
    ["a PyPI token in a release script", "scripts/release.sh", ["+twine upload -u __token__ -p pypi-AgEIcHlwaS5vcmcCJGQ4ZjY5ZTk4LTFhNjMtNDdmYi1hNTk2LWE0NjBmMzZlOTQyNQACKlszLCJmNzQ5"], "pypi-token"],
    ["a Docker Hub token in a Makefile", "Makefile", ["+\techo dckr_pat_2b3e36beeb386dfdaacb9b46004 | docker login -u octo --password-stdin"], "docker-token"],
    ["a Discord webhook in a notify script", "scripts/notify.sh", ["+curl -d @msg.json https://discord.com/api/webhooks/1234567890123456789/wkqrpdnxzbhgvmftcyjalseuoiwkqrpdnxzbhgvmft"], "discord-webhook"],
    ["a Slack workflow webhook in a config", "config/notify.yml", ["+url: https://hooks.slack.com/triggers/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"], "slack-webhook"],
  ])("%s is refused as secret, with no allow key to pass it", async (_name, file, added, kind) => {
    const diff = [`--- /dev/null`, `+++ b/${file}`, `@@ -0,0 +1,${added.length} @@`, ...added].join("\n") + "\n";
    const everything = configWith(["workflow_edits", "delete_tests", "skip_tests", "weaken_assertions", "continue_on_error", "or_true", "lower_thresholds", "read_secrets", "hidden_text"]);
    const r = await applyPatch(diff, sb.repo, { config: everything, dryRun: true });
    expect(r).toMatchObject({ ok: false, refusal: { rule: "secret", file, reason: expect.stringContaining(`(${kind})`) } });
    if (!r.ok) expect(JSON.stringify(r.refusal)).not.toContain(PLANTED.installation);
  });

  test("test data named like a credential, a local database URL and a sample JWT are not refused as secrets", async () => {
    const added = [
      '+DB_URL = "postgres://postgres:postgres@localhost:5432/test"',
      '+PASSWORD = "correct horse battery staple"',
      '+SAMPLE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"',
    ];
    const diff = ["--- /dev/null", "+++ b/tests/settings.py", `@@ -0,0 +1,${added.length} @@`, ...added].join("\n") + "\n";
    expect(await applyPatch(diff, sb.repo, { config: configWith(), dryRun: true })).toMatchObject({ ok: true });
  });

  test("a directory symlinked inside the repo is refused even when the diff goes through it to a new file", async () => {
    const r = await applyPatch("--- /dev/null\n+++ b/link-src/new.js\n@@ -0,0 +1 @@\n+x\n", sb.repo, { config: configWith() });
    expect(r).toMatchObject({ ok: false, refusal: { rule: "symlink", file: "link-src/new.js" } });
  });
});

describe("a file renamed by one section and changed by the next", () => {
  // Django's app/tests.py: only its content says it holds tests, so the second section must be checked against it.
  const DJANGO_TESTS =
    "from django.test import TestCase\n\nfrom .models import total\n\n\nclass TotalTests(TestCase):\n    def test_total(self):\n        self.assertEqual(total([1, 2]), 3)\n        self.assertEqual(total([]), 0)\n";
  const RENAME = "diff --git a/app/tests.py b/lib/tests.py\nsimilarity index 100%\nrename from app/tests.py\nrename to lib/tests.py\n";
  test.each([
    [
      "an assertion removed from the moved file",
      `${RENAME}diff --git a/lib/tests.py b/lib/tests.py\n--- a/lib/tests.py\n+++ b/lib/tests.py\n@@ -7,4 +7,3 @@ class TotalTests(TestCase):\n     def test_total(self):\n         self.assertEqual(total([1, 2]), 3)\n-        self.assertEqual(total([]), 0)\n`,
      "weaken_assertions",
      /removes the assertion "self\.assertEqual\(total\(\[\]\), 0\)"/,
    ],
    [
      "the moved file renamed again to a name Django's runner does not collect",
      `${RENAME}diff --git a/lib/tests.py b/lib/checks.py\nsimilarity index 100%\nrename from lib/tests.py\nrename to lib/checks.py\n`,
      "delete_tests",
      /moves the test file lib\/tests\.py where the test runner will not find it/,
    ],
  ])("%s is checked as the test file it was", async (_name, diff, rule, reason) => {
    const { repo, cleanup } = await gitDiff({ before: { "app/tests.py": DJANGO_TESTS, "app/models.py": "def total(xs):\n    return sum(xs)\n" } });
    try {
      expect(await applyPatch(diff, repo, { config: configWith(), dryRun: true })).toMatchObject({ ok: false, refusal: { rule, reason: expect.stringMatching(reason) } });
      expect(await applyPatch(diff, repo, { config: configWith([rule]), dryRun: true })).toMatchObject({ ok: true, overrides: [rule] });
    } finally {
      await cleanup();
    }
  });
});

describe("two sections for one path", () => {
  const TESTS = "from app.calc import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n    assert total([]) == 0\n";
  const EDIT_RETURN = [
    // The first adds a comment under the def; the second puts a `return` above it, its context ending on that
    // comment, which the file before the patch does not hold: read alone, nothing follows the return.
    "--- a/tests/test_calc.py", "+++ b/tests/test_calc.py", "@@ -4,2 +4,3 @@", " def test_total():", "+    # totals of small lists", "     assert total([1, 2]) == 3",
    "--- a/tests/test_calc.py", "+++ b/tests/test_calc.py", "@@ -4,2 +4,3 @@", " def test_total():", "+    return", "     # totals of small lists",
  ].join("\n") + "\n";
  test.each([
    ["an early return split from the line it hides behind", EDIT_RETURN],
    [
      "a change git apply would stack",
      ["--- a/app/calc.py", "+++ b/app/calc.py", "@@ -1,2 +1,2 @@", " def total(xs):", "-    return sum(xs)", "+    return sum(xs) + 0",
        "--- a/app/calc.py", "+++ b/app/calc.py", "@@ -1,2 +1,2 @@", " def total(xs):", "-    return sum(xs) + 0", "+    return sum(list(xs))"].join("\n") + "\n",
    ],
    [
      "a file deleted, then added again",
      ["diff --git a/app/calc.py b/app/calc.py", "deleted file mode 100644", "--- a/app/calc.py", "+++ /dev/null", "@@ -1,2 +0,0 @@", "-def total(xs):", "-    return sum(xs)",
        "diff --git a/app/calc.py b/app/calc.py", "new file mode 100644", "--- /dev/null", "+++ b/app/calc.py", "@@ -0,0 +1,2 @@", "+def total(xs):", "+    return 0"].join("\n") + "\n",
    ],
  ])("%s is refused as malformed_diff: no check would see the file's change whole", async (_name, diff) => {
    const { repo, cleanup } = await gitDiff({ before: { "tests/test_calc.py": TESTS, "app/calc.py": "def total(xs):\n    return sum(xs)\n" } });
    try {
      const r = await applyPatch(diff, repo, { config: configWith(), dryRun: true });
      expect(r).toMatchObject({ ok: false, refusal: { rule: "malformed_diff", reason: expect.stringMatching(/more than one section for (tests\/test_calc|app\/calc)\.py; send one section per file/) } });
    } finally {
      await cleanup();
    }
  });

  test("the same change in one section is checked whole: the early return is refused as skip_tests", async () => {
    const diff = ["--- a/tests/test_calc.py", "+++ b/tests/test_calc.py", "@@ -4,2 +4,4 @@", " def test_total():", "+    return", "+    # totals of small lists", "     assert total([1, 2]) == 3"].join("\n") + "\n";
    const { repo, cleanup } = await gitDiff({ before: { "tests/test_calc.py": TESTS } });
    try {
      expect(await applyPatch(diff, repo, { config: configWith(), dryRun: true })).toMatchObject({ ok: false, refusal: { rule: "skip_tests" } });
    } finally {
      await cleanup();
    }
  });
});

describe("a submodule's folder", () => {
  test("a file written inside it is refused: the commit would replace the submodule with a folder of the patch's own", async () => {
    const gitmodules = '[submodule "tests-data"]\n\tpath = "tests/shared/"\n\turl = https://github.com/acme/tests-data.git\n';
    const { repo, cleanup } = await gitDiff({ before: { ".gitmodules": gitmodules, "app.py": "x = 1\n" } });
    try {
      // The gitlink, as `git submodule add` records it, and the empty folder the checkout makes for it.
      const git = (...args: string[]) => promisify(execFile)("git", ["-C", repo, ...args], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" } });
      await git("update-index", "--add", "--cacheinfo", `160000,${"a".repeat(40)},tests/shared`);
      await git("commit", "-q", "-m", "submodule");
      await fs.mkdir(path.join(repo, "tests/shared"), { recursive: true });
      const into = await applyPatch("--- /dev/null\n+++ b/tests/shared/conftest.py\n@@ -0,0 +1 @@\n+collect_ignore = []\n", repo, { config: configWith(), dryRun: true });
      expect(into).toMatchObject({ ok: false, refusal: { rule: "submodule", file: "tests/shared/conftest.py", reason: expect.stringMatching(/inside the submodule tests\/shared/) } });
      const beside = await applyPatch("--- /dev/null\n+++ b/tests/shared-notes.md\n@@ -0,0 +1 @@\n+notes\n", repo, { config: configWith(), dryRun: true });
      expect(beside).toMatchObject({ ok: true });
    } finally {
      await cleanup();
    }
  });
});

describe("path rules and refusal errors", () => {
  test.each([
    ["a/./b//c.txt", { ok: true, path: "a/b/c.txt" }],
    [".git/config", { ok: false, refusal: { rule: "git_dir" } }],
    ["sub/.Git/HEAD", { ok: false, refusal: { rule: "git_dir" } }],
    [".git./config", { ok: false, refusal: { rule: "git_dir" } }],
    // `.git`'s 8.3 short name on Windows, which the clone already refuses in a tree (list-commit-files.ts).
    ["GIT~1/hooks/post-checkout", { ok: false, refusal: { rule: "git_dir" } }],
    ["sub/git~1/config", { ok: false, refusal: { rule: "git_dir" } }],
    [".github/ci-bot.yml", { ok: false, refusal: { rule: "bot_config" } }],
    [".github/workflows/ci.yml", { ok: true, path: ".github/workflows/ci.yml" }],
    ["C:/Windows/x", { ok: false, refusal: { rule: "path_outside_repo" } }],
    ["~/.ssh/authorized_keys", { ok: false, refusal: { rule: "path_outside_repo" } }],
    ["src\\x.js", { ok: false, refusal: { rule: "malformed_diff" } }],
    ["a\u0000b", { ok: false, refusal: { rule: "malformed_diff" } }],
    [".gitignore", { ok: true, path: ".gitignore" }],
    [".gitmodules", { ok: false, refusal: { rule: "submodule" } }],
    ["vendor/lib/.GITMODULES", { ok: false, refusal: { rule: "submodule" } }],
  ])("%j", (p, want) => {
    expect(checkPathText(p)).toMatchObject(want);
  });

  test("a dangling symlink is refused as a link to nothing, not as a way out of the repository", async () => {
    await fs.symlink("generated/notes.txt", path.join(sb.repo, "notes.txt"));
    await fs.symlink("generated", path.join(sb.repo, "gen"));
    const edit = await applyPatch("--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1 @@\n-a\n+b\n", sb.repo, { config: configWith() });
    expect(edit).toMatchObject({ ok: false, refusal: { rule: "symlink", file: "notes.txt", reason: "notes.txt is a symlink to nothing; the patch may not edit symlinks" } });
    const through = await applyPatch("--- /dev/null\n+++ b/gen/new.js\n@@ -0,0 +1 @@\n+x\n", sb.repo, { config: configWith() });
    expect(through).toMatchObject({ ok: false, refusal: { rule: "symlink", file: "gen/new.js", reason: "the path goes through gen, a symlink to nothing" } });
  });

  test("refusalError: permanent, code no_diff or patch_refused, message says where and why", () => {
    const e = refusalError({ rule: "hunk_failed", file: "a.py", hunk: "@@ -1 +1 @@", reason: "context differs" });
    expect(e).toMatchObject({ code: "patch_refused", retryable: false, details: { rule: "hunk_failed", file: "a.py" } });
    expect(e.message).toBe("patch refused (hunk_failed) at a.py @@ -1 +1 @@: context differs");
    expect(refusalError({ rule: "no_diff", reason: "none" })).toMatchObject({ code: "no_diff", retryable: false });
  });
});
