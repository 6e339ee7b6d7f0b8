import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test } from "@jest/globals";

/**
 * The docs send a maintainer to files: links (`[tensorzero/README.md](tensorzero/README.md)`, relative to the
 * page, as GitHub resolves them) and paths in code spans (`src/adapters/queue/write-pacer.ts`,
 * `fixtures/logs/ci-logs/manifest.jsonl`, relative to the repository). Each must be there.
 */
const root = new URL("../../", import.meta.url).pathname;
const docs = ["README.md", ".env.example", "tensorzero/README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const TOP = ["src", "test", "fixtures", "bench", "scripts", "tensorzero", "docs", "eval", "bin"];

describe("docs: the files they name exist", () => {
  test("every relative link resolves from its page, and every repository path in a code span exists", () => {
    const missing: string[] = [];
    let seen = 0;
    for (const doc of docs) {
      const text = readFileSync(join(root, doc), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        seen++;
        if (!existsSync(join(root, dirname(doc), target!))) missing.push(`${doc}: link ${target}`);
      }
      for (const [, path] of text.matchAll(new RegExp(`\`((?:${TOP.join("|")})/[A-Za-z0-9_.\\-/]+)\``, "g"))) {
        if (path!.endsWith("/.env")) continue; // the operator's own, made from the .env.example beside it
        seen++;
        if (!existsSync(join(root, path!))) missing.push(`${doc}: \`${path}\``);
      }
    }
    expect(seen).toBeGreaterThan(20);
    expect(missing).toEqual([]);
  });
});
