import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "@jest/globals";
import { run as applyPatch } from "../../src/cli/commands/apply-patch.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * `--config` given a file that is no mapping of keys (the wrong file: a key, a diff, a list) warned that
 * ".github/ci-bot.yml is a plain value … The bot stays off for this repository" and then applied the patch
 * "using the default for it": a file it was not given, a consequence that does not hold here, and on it went.
 */
test.each([
  ["a plain value", "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n", "a plain value"],
  ["a list", "- enabled: false\n", "a list"],
])("--config holding %s: usage error (2) naming that file, the tree untouched", async (_what, text, shape) => {
  const repo = mkdtempSync(join(tmpdir(), "t0-apply-cfg-"));
  dirs.push(repo);
  mkdirSync(join(repo, ".git"));
  writeFileSync(join(repo, "f.txt"), "a\nb\n");
  const config = join(repo, "wrong.yml");
  writeFileSync(config, text);
  const out: string[] = [];
  const err: string[] = [];
  const diff = "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n";
  const code = await applyPatch(["-", "--repo", repo, "--config", config], { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), stdin: async () => diff });
  expect(code).toBe(2);
  expect(err.join("").split("\n")[0]).toBe(`t0-ci-bot apply-patch: --config ${config} holds ${shape}, not a mapping of .github/ci-bot.yml keys; pass a ci-bot.yml (e.g. \`enabled: true\`)`);
  expect(out).toEqual([]);
  expect(readFileSync(join(repo, "f.txt"), "utf8")).toBe("a\nb\n");
});
