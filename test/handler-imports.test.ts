import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The webhook path (handlers, and the feedback recording they share with the runner) answers GitHub within
// its 10 s: loading a stage at runtime would pull the patch, sandbox and PR machinery into it, and tie
// intake to the pipeline's internals. What a stage keeps on the job lives in its `*-result.ts` module.
const src = join(dirname(fileURLToPath(import.meta.url)), "../src");
const IMPORT = /^import\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms;

function stageImports(folder: string): string[] {
  const found: string[] = [];
  for (const file of readdirSync(join(src, folder))) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    const text = readFileSync(join(src, folder, file), "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const [, typeOnly, from] = m;
      if (!typeOnly && /\/pipeline\/stages\//.test(from!) && !/-result\.js$/.test(from!)) found.push(`${folder}/${file} imports ${from}`);
    }
  }
  return found;
}

describe("what the webhook path loads", () => {
  it.each(["handlers", "feedback"])("src/%s loads no pipeline stage module (only their *-result modules)", (folder) => {
    expect(stageImports(folder)).toEqual([]);
  });
});
