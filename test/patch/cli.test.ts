import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { run } from "../../src/cli/commands/apply-patch.js";
import { DIFFS_DIR, snapshotTree } from "./helpers.js";

const exec = promisify(execFile);
const ROOT = path.resolve(DIFFS_DIR, "../..");
const caseFile = (name: string) => path.join(DIFFS_DIR, "cases", name);

let top: string;
let repo: string;

async function git(...args: string[]): Promise<string> {
  const { stdout } = await exec("git", ["-C", repo, ...args], {
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1", HOME: top, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid" },
  });
  return stdout;
}

async function cli(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), stdin: async () => "" });
  return { code, stdout, stderr };
}

beforeEach(async () => {
  top = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "ci-bot-cli-")));
  repo = path.join(top, "repo");
  await fs.cp(path.join(DIFFS_DIR, "base"), repo, { recursive: true });
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-q", "-m", "base");
});
afterEach(async () => {
  await fs.rm(top, { recursive: true, force: true });
});

describe("t0-ci-bot apply-patch", () => {
  test("applies a fenced model answer: exit 0, lists the files, git sees exactly that change", async () => {
    const r = await cli(caseFile("ok-fenced-python.md"), "--repo", repo);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toContain("applied 1 file(s), +1 -1");
    expect(r.stdout).toContain("M calc.py (+1 -1)");
    expect(await git("status", "--porcelain")).toBe(" M calc.py\n");
    expect(await git("diff", "-U0")).toContain("-    return a - b\n+    return a + b\n");
  });

  test("a refused patch exits 1 with rule, file, hunk and reason, and leaves the tree (and .git) byte-for-byte as it was", async () => {
    const before = await snapshotTree(repo);
    const r = await cli(caseFile("hunk_failed-second-hunk.diff"), "--repo", repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refused: hunk_failed");
    expect(r.stderr).toContain("file:   src/sum.js");
    expect(r.stderr).toContain("hunk:   @@ -1,3 +1,3 @@");
    expect(r.stderr).toMatch(/reason: hunk 1 of 1: .*regenerate the diff/);
    expect(await snapshotTree(repo)).toEqual(before);
    expect(await git("status", "--porcelain")).toBe("");
  });

  test("--json prints the ApplyResult; a green-washing refusal names the rule", async () => {
    const r = await cli(caseFile("skip_tests-js-it-skip.diff"), "--repo", repo, "--json");
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, refusal: { rule: "skip_tests", file: "src/sum.test.js" } });
    expect(out.refusal.hunk).toMatch(/^@@ -3,5 \+3,5 @@/);
  });

  test("--dry-run reports what would change and writes nothing", async () => {
    const before = await snapshotTree(repo);
    const r = await cli(caseFile("ok-multi-file.diff"), "--repo", repo, "--dry-run", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, dryRun: true, files: [{ path: "go/sum.go" }, { path: "rust/src/lib.rs" }] });
    expect(await snapshotTree(repo)).toEqual(before);
  });

  test("--config allow.skip_tests lets the patch through and says which rule was overridden", async () => {
    const cfg = path.join(top, "ci-bot.yml");
    await fs.writeFile(cfg, "allow:\n  skip_tests: true\n");
    const r = await cli(caseFile("skip_tests-go-tskip.diff"), "--repo", repo, "--config", cfg);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("overridden by allow.skip_tests: go/sum_test.go: skips a Go test");
    expect(await git("status", "--porcelain")).toBe(" M go/sum_test.go\n");
  });

  test("without --config the repository's .github/ci-bot.yml applies; bad keys warn and fall back", async () => {
    await fs.writeFile(path.join(repo, ".github", "ci-bot.yml"), "limits:\n  max_lines: 1\nfrobnicate: true\n");
    const r = await cli(caseFile("ok-fenced-python.md"), "--repo", repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refused: too_many_lines");
    expect(r.stderr).toMatch(/warning: .*frobnicate/);
  });

  test("usage errors exit 2 and say what to do", async () => {
    const notGit = path.join(top, "plain");
    await fs.mkdir(notGit);
    const cases: Array<[string[], RegExp]> = [
      [[caseFile("ok-no-prefix.diff")], /missing --repo/],
      [["--repo", repo], /missing <diff-file>/],
      [[path.join(top, "missing.diff"), "--repo", repo], /cannot read the diff file .*ENOENT/],
      [[caseFile("ok-no-prefix.diff"), "--repo", notGit], /not the top of a git work tree/],
      [[caseFile("ok-no-prefix.diff"), "--repo", path.join(top, "nowhere")], /is not a directory/],
      [[caseFile("ok-no-prefix.diff"), "--repo", repo, "--frob"], /Unknown option '--frob'/],
      [[caseFile("ok-no-prefix.diff"), "--repo", repo, "--config", path.join(top, "none.yml")], /cannot read the config/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(...argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain("usage: t0-ci-bot apply-patch");
    }
    const bad = path.join(top, "bad.yml");
    await fs.writeFile(bad, "allow: [unclosed\n");
    const r = await cli(caseFile("ok-no-prefix.diff"), "--repo", repo, "--config", bad);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not valid YAML");
    expect(await git("status", "--porcelain")).toBe("");
  });

  test("runs through bin/t0-ci-bot.js with the documented exit codes", async () => {
    const bin = path.join(ROOT, "bin", "t0-ci-bot.js");
    const ok = await exec(process.execPath, [bin, "apply-patch", caseFile("ok-plain-git.diff"), "--repo", repo]);
    expect(ok.stdout).toContain("M src/sum.js (+1 -1)");
    const refused = await exec(process.execPath, [bin, "apply-patch", caseFile("path_outside_repo-dotdot.diff"), "--repo", repo]).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused: path_outside_repo");
    const usage = await exec(process.execPath, [bin, "apply-patch", "--repo", repo]).catch((e) => e);
    expect(usage.code).toBe(2);
    expect(await git("status", "--porcelain")).toBe(" M src/sum.js\n");
  }, 90_000); // three CLI processes, ~3 s here: room for a CI machine slowed 25x
});

// A diff is a model's output, which can echo whatever a hostile log planted: paths and hunk headers are
// quoted in what the command prints, and must not drive the operator's terminal.
describe("t0-ci-bot apply-patch: what the diff quotes is shown escaped", () => {
  // eslint-disable-next-line no-control-regex
  const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const write = async (name: string, text: string) => {
    const file = path.join(top, name);
    await fs.writeFile(file, text);
    return file;
  };

  test("a refused hunk's header", async () => {
    const diff = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@ \x1b]0;owned\x07\x1b[2J\n def nope(a, b):\n-    return a\n+    return b\n";
    const r = await cli(await write("hunk.diff", diff), "--repo", repo);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain("hunk:   @@ -1,2 +1,2 @@ \\x1b]0;owned\\x07\\x1b[2J");
  });

  test("a new file whose name carries controls and a bidi override", async () => {
    const name = "notes\u202etxt.py\x1b[8m";
    const diff = `--- /dev/null\n+++ b/${name}\n@@ -0,0 +1 @@\n+x = 1\n`;
    const r = await cli(await write("new.diff", diff), "--repo", repo, "--dry-run");
    expect(`${r.stdout}${r.stderr}`).not.toMatch(RAW_CONTROL);
    expect(`${r.stdout}${r.stderr}`).toContain("notes\\u202etxt.py\\x1b[8m");
  });

  test("a repository config's unknown key, named in the warning", async () => {
    const config = await write("ci-bot.yml", '"\\e]0;owned\\a\\e[2J": true\n');
    const r = await cli(caseFile("ok-fenced-python.md"), "--repo", repo, "--config", config, "--dry-run");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: /);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain("\\x1b]0;owned\\x07\\x1b[2J");
  });
});
