import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectLanguages, isManifest, isTestConfig, manifestExcerpt, relevantFiles } from "./repo-facts.js";
import { fileBySuffix, listRepoFiles, logPathInCheckout, readRepoText, REPO_TEXT_MAX_BYTES, toRepoPath } from "./repo-files.js";
import { snippetsFor } from "./snippets.js";
import { redact } from "../core/redact.js";
import { acrossHeadCut, HEAD_CUT_KINDS, leakedKeyBody, leakedPieces, RSA_KEY_LINES, SECRETS_CORPUS } from "../../test/helpers/planted-secrets.js";

let root: string;
let outside: string;

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), "t0-outside-"));
  await writeFile(join(outside, "secret.txt"), "do not read\n");
  root = await mkdtemp(join(tmpdir(), "t0-repo-files-"));
  for (const [p, c] of Object.entries({
    "src/app/main.py": Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n",
    "src/app/pyproject.toml": "[project]\nname = 'app'\n",
    "pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-q'\n",
    "tests/conftest.py": "import pytest\n",
    "conftest.py": "import pytest\n",
    ".git/config": "[core]\n",
    "node_modules/x/index.js": "module.exports = 1\n",
    "bin.dat": Buffer.from([1, 0, 2]),
  })) {
    await mkdir(join(root, p, ".."), { recursive: true });
    await writeFile(join(root, p), c);
  }
  await symlink(join(outside, "secret.txt"), join(root, "link.txt"));
  await symlink(outside, join(root, "linkdir"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe("reading the checkout safely", () => {
  test("only regular text files inside the checkout, never .git or through symlinks", async () => {
    expect(await readRepoText(root, "src/app/main.py")).toContain("line 30");
    for (const bad of ["../" + "x", "/etc/passwd", ".git/config", "link.txt", "linkdir/secret.txt", "bin.dat", "missing.py", "src"]) {
      expect(await readRepoText(root, bad)).toBeNull();
    }
  });

  // A dotenv file holds secrets under any name (`DB_PW=hunter2x` has no shape a rule could see): a log line
  // that names it must not bring it into the prompt. Its documented example is read.
  test("a dotenv file, .netrc or .git-credentials is not read; .env.example is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-repo-dotenv-"));
    try {
      const files: Record<string, string> = {
        ".env": "DB_PW=hunter2x\n",
        "app/.env.local": "DB_PW=hunter2x\n",
        "app/.env.production": "DB_PW=hunter2x\n",
        ".netrc": "machine api.example.com\n  login ci\n  password hunter2x\n",
        ".git-credentials": "https://ci:hunter2x@git.example.com\n",
        ".env.example": "DB_PW=change-me\n",
        "app/.env.sample": "DB_PW=change-me\n",
        "environment.py": "DB = 1\n",
      };
      for (const [p, c] of Object.entries(files)) {
        await mkdir(join(dir, p, ".."), { recursive: true });
        await writeFile(join(dir, p), c);
      }
      for (const p of [".env", "app/.env.local", "app/.env.production", ".netrc", ".git-credentials"]) expect([p, await readRepoText(dir, p)]).toEqual([p, null]);
      expect(await readRepoText(dir, ".env.example")).toBe("DB_PW=change-me\n");
      expect(await readRepoText(dir, "app/.env.sample")).toBe("DB_PW=change-me\n");
      expect(await readRepoText(dir, "environment.py")).toBe("DB = 1\n");
      const snippets = await snippetsFor(dir, [{ path: ".env", line: 1 }, { path: ".netrc", line: 3 }, { path: ".env.example", line: 1 }]);
      expect(snippets.map((s) => s.path)).toEqual([".env.example"]);
      expect(JSON.stringify(snippets)).not.toContain("hunter2x");
      expect(await manifestExcerpt(dir, ".env")).toBe("[not shown: .env can hold credentials under any name; it is not read]");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // Read in part, a large package.json no longer parsed and its head was shown as if the file were broken;
  // a large source gave snippets of the part read only. Too large is skipped, and the excerpt says so.
  test("a file over REPO_TEXT_MAX_BYTES is not read: no snippet, a manifest excerpt that says why", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-repo-large-"));
    try {
      const pad = "x".repeat(REPO_TEXT_MAX_BYTES);
      await writeFile(join(dir, "package.json"), JSON.stringify({ name: "big", description: pad, scripts: { test: "jest" } }));
      await writeFile(join(dir, "gen.js"), `const a = 1;\n// ${pad}\n`);
      expect(await readRepoText(dir, "package.json")).toBeNull();
      expect(await manifestExcerpt(dir, "package.json")).toBe(`[not shown: package.json is larger than ${REPO_TEXT_MAX_BYTES} bytes]`);
      expect(await snippetsFor(dir, [{ path: "gen.js", line: 1 }])).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("log paths become checkout paths", async () => {
    expect(await toRepoPath(root, "/home/runner/work/app/app/src/app/main.py")).toBe("src/app/main.py");
    expect(await toRepoPath(root, "D:\\a\\app\\app\\src\\app\\main.py")).toBe("src/app/main.py");
    expect(await toRepoPath(root, "/__w/app/app/src/app/main.py")).toBe("src/app/main.py");
    expect(await toRepoPath(root, "./src/app/main.py")).toBe("src/app/main.py");
    expect(await toRepoPath(root, "/opt/venv/lib/site/app/main.py")).toBeNull();
    expect(await toRepoPath(root, "/tmp/build/src/app/main.py")).toBe("src/app/main.py");
  });

  test("a printed path's tail places it among the checkout's files; several files ending so, none of them", () => {
    const files = ["src/cart.test.js", "packages/api/src/cart.test.js", "packages/web/src/util.test.js", "packages/api/src/util.test.js", "test/only.test.js"];
    // A container's workdir (/app) in front of the checkout's path.
    expect(fileBySuffix(files, "/app/packages/web/src/util.test.js")).toBe("packages/web/src/util.test.js");
    // Printed from a package's directory.
    expect(fileBySuffix(files, "/app/src/util.test.js")).toBeNull();
    expect(fileBySuffix(files, "C:\\app\\test\\only.test.js")).toBe("test/only.test.js");
    expect(fileBySuffix(files, "../other/test/only.test.js")).toBe("test/only.test.js");
    expect(fileBySuffix(files, "/app/src/none.test.js")).toBeNull();
    // A file whose whole path is the tail wins only when asked: a go base name says nothing of the root.
    expect(fileBySuffix(files, "/app/src/cart.test.js")).toBeNull();
    expect(fileBySuffix(files, "/app/src/cart.test.js", { wholeFirst: true })).toBe("src/cart.test.js");
  });

  test("a log's path in the runner's checkout is the checkout's; another stays as it was, without ./", () => {
    expect(logPathInCheckout("/home/runner/work/app/app/src/a.test.js")).toBe("src/a.test.js");
    expect(logPathInCheckout("D:\\a\\app\\app\\src\\a.test.js")).toBe("src/a.test.js");
    expect(logPathInCheckout("././src/a.test.js")).toBe("src/a.test.js");
    expect(logPathInCheckout("/app/src/a.test.js")).toBe("/app/src/a.test.js");
  });

  test("file listing skips .git and dependency folders", async () => {
    const files = await listRepoFiles(root);
    expect(files).toContain("src/app/main.py");
    expect(files.some((f) => f.startsWith(".git/") || f.startsWith("node_modules/"))).toBe(false);
  });

  test("manifests and test config: root first, then nearest to the failing file", async () => {
    const files = await listRepoFiles(root);
    expect(relevantFiles(files, ["src/app/main.py"], isManifest, 5)).toEqual(["pyproject.toml", "src/app/pyproject.toml"]);
    expect(relevantFiles(files, ["src/app/main.py"], isTestConfig, 5)).toEqual(["conftest.py"]);
    expect(detectLanguages([...files, "a.ts", "b.ts", "c.ts"])).toEqual(["Python", "TypeScript"]);
  });

  test("snippets carry line numbers and merge overlapping windows", async () => {
    const s = await snippetsFor(root, [{ path: "src/app/main.py", line: 10 }, { path: "src/app/main.py", line: 14 }, { path: "link.txt", line: 1 }], { around: 2 });
    expect(s).toEqual([{ path: "src/app/main.py", startLine: 8, endLine: 16, text: expect.stringMatching(/^ 8\| line 8\n[\s\S]*16\| line 16$/) }]);
  });

  // The context redacts snippets again, but only what the cut left: the head of a secret across it passed.
  test("a long line is redacted before it is cut to 240 characters", async () => {
    const cases = SECRETS_CORPUS.filter((c) => (HEAD_CUT_KINDS as readonly string[]).includes(c.kind));
    await writeFile(join(root, "long.js"), cases.map((c) => acrossHeadCut(c, 240, "const settings = ")).join("\n") + "\n");
    const [s] = await snippetsFor(root, [{ path: "long.js", line: 1 }], { around: cases.length });
    const text = redact(s!.text);
    expect(cases.map((c) => [c.kind, leakedPieces(text, c.secret)])).toEqual(cases.map((c) => [c.kind, []]));
    expect(s!.text.split("\n").every((l) => l.length <= l.indexOf("| ") + "| ".length + 241)).toBe(true);
  });

  // A manifest's head is cut at a line's end, or mid-line when a line runs past half of it; the context's
  // redaction then saw the head of a secret across that cut.
  test("a manifest line cut in the middle is redacted before it is cut", async () => {
    const cases = SECRETS_CORPUS.filter((c) => (HEAD_CUT_KINDS as readonly string[]).includes(c.kind));
    for (const max of [2500, 1500]) {
      for (const [i, c] of cases.entries()) {
        await writeFile(join(root, `setup-${i}.cfg`), `${acrossHeadCut(c, max / 2, "[options]\nscript = ")}${" --flag".repeat(300)}\n${"x = 1\n".repeat(400)}`);
        const excerpt = (await manifestExcerpt(root, `setup-${i}.cfg`, max))!;
        expect([max, c.kind, leakedPieces(redact(excerpt), c.secret)]).toEqual([max, c.kind, []]);
        expect(excerpt.startsWith("[options]\nscript = ")).toBe(true);
        expect(excerpt.length).toBeLessThanOrEqual(max / 2 + "…\n[... cut]".length);
      }
    }
  });

  // A window that starts (or ends) inside a key has no BEGIN (or END) line for the context's redaction to
  // see: the body lines are high-entropy base64 one by one, but the short last line passes for a word.
  test("a window that starts or ends inside a private key shows none of its body", async () => {
    const hash = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const lines = ["# deploy settings", `checksum: ${hash}`, "deploy_key: |", ...RSA_KEY_LINES.map((l) => `  ${l}`), "retries: 3", `  ${hash.slice(7)}`, "done: true"];
    await writeFile(join(root, "deploy.yml"), lines.join("\n") + "\n");
    const begin = 4;
    const end = begin + RSA_KEY_LINES.length - 1;
    for (const line of [end - 1, begin + 1, end + 4]) {
      const [s] = await snippetsFor(root, [{ path: "deploy.yml", line }], { around: 3 });
      const text = redact(s!.text);
      expect([line, leakedKeyBody(text)]).toEqual([line, []]);
      // Base64-looking text away from the key is evidence, not a key.
      if (s!.startLine <= 2) expect(text).toContain(hash);
      if (s!.endLine >= end + 2) expect(text).toContain(hash.slice(7));
    }
  });
});
