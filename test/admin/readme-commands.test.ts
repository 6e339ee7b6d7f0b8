import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { COMMANDS } from "../../src/cli/commands.js";
import { main } from "../../src/cli/main.js";
import { capturedOutput } from "../helpers/captured-output.js";

/**
 * A maintainer types the commands the docs show. Each `t0-ci-bot <command> …` in README.md, docs/*.md and
 * .env.example, and each row of README's "## Commands" table, must be a command the CLI has, with options its
 * own usage (`t0-ci-bot <command> --help`) lists; and the table must list every command and option there is.
 */
const output = capturedOutput();
const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");
const docs = ["README.md", ".env.example", ...readdirSync(new URL("../../docs", import.meta.url)).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

const readme = read("README.md");
const start = readme.indexOf("\n## Commands\n");
const table = readme
  .slice(start, readme.indexOf("\n## ", start + 3))
  .split("\n")
  .filter((l) => l.startsWith("| `"))
  .map((l) => l.slice(2, l.indexOf(" | ", 2)));
/** Each code span of the table's first column, as `[command, the span]`. */
const tableSpans = table.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => [m[1]!.split(" ")[0]!, m[1]!] as const));
const flags = (text: string) => new Set((text.match(/--[a-z][a-z-]*/g) ?? []).filter((f) => f !== "--help"));

async function usageOf(name: string): Promise<string> {
  output.stdout = "";
  expect(await main([name, "--help"])).toBe(0);
  return output.stdout;
}

describe("README and docs: t0-ci-bot commands", () => {
  test("README's Commands table has a row for every command, and no other", () => {
    expect(table.length).toBeGreaterThan(5);
    expect([...new Set(tableSpans.map(([name]) => name))].sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  test("each command's options in the table are the ones its usage lists, all of them", async () => {
    const wrong: string[] = [];
    for (const name of Object.keys(COMMANDS)) {
      const usage = [...flags(await usageOf(name))].sort();
      const shown = [...new Set(tableSpans.filter(([n]) => n === name).flatMap(([, span]) => [...flags(span)]))].sort();
      if (JSON.stringify(usage) !== JSON.stringify(shown)) wrong.push(`${name}: usage ${usage.join(" ")}; README ${shown.join(" ")}`);
    }
    expect(wrong).toEqual([]);
  });

  test("every `t0-ci-bot …` the docs show is a command, with options its usage lists", async () => {
    const spans = docs.flatMap((doc) => [...read(doc).matchAll(/`(?:npx )?t0-ci-bot ([^`]+)`/g)].map((m) => [doc, m[1]!] as const));
    expect(spans.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const [doc, span] of spans) {
      const name = span.split(" ")[0]!;
      // `help <command>` is `<command> --help` (src/cli/main.ts), not a command of its own.
      if (name === "--help" || name.startsWith("<") || span === "help <command>") continue;
      if (!Object.hasOwn(COMMANDS, name)) {
        wrong.push(`${doc}: \`t0-ci-bot ${span}\`: no command "${name}"`);
        continue;
      }
      const known = flags(await usageOf(name));
      for (const f of flags(span)) if (!known.has(f)) wrong.push(`${doc}: \`t0-ci-bot ${span}\`: ${name} has no ${f}`);
    }
    expect(wrong).toEqual([]);
  });
});
