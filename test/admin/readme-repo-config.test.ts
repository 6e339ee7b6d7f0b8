import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { parse as parseYaml } from "yaml";
import { defaultRepoConfig, parseRepoConfig } from "../../src/config/repo-config.js";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

/**
 * The README's `.github/ci-bot.yml` table is what repository owners go by (docs/repo-config.md is a copy of
 * that section): a key missing there is unknown to them, a wrong default or range makes them write a value
 * the bot drops (with a note on the job they may never read).
 */
describe("README: .github/ci-bot.yml", () => {
  const defaults = defaultRepoConfig() as unknown as Record<string, unknown>;
  const leaves = Object.entries(defaults).flatMap(([k, v]) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v).map((n) => `${k}.${n}`) : [k],
  );
  // Keys whose default is left out of the parsed file (the operator's setting or the workflow decides).
  const derived = ["setup", "validate", "timeouts.setup_seconds", "timeouts.validate_seconds", "reproduce_first", "sandbox"];
  const at = (obj: Record<string, unknown>, key: string): unknown => key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
  const set = (key: string, value: unknown): Record<string, unknown> => key.split(".").reduceRight<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;
  const accepts = (key: string, n: number) => parseRepoConfig(set(key, n)).problems.length === 0;

  for (const doc of ["README.md", "docs/repo-config.md"]) {
    const rows = new Map(
      read(doc)
        .split("\n")
        .filter((l) => l.startsWith("| `"))
        .flatMap((l) => {
          // `\|` inside a cell is not a column break.
          const [keys = "", type = ""] = l.slice(2).split(" | ");
          return [...keys.matchAll(/`([a-z_.*]+)`/g)].map((m) => [m[1]!, type] as const);
        }),
    );
    const rowOf = (key: string) => rows.get(key) ?? rows.get(`${key.split(".")[0]}.*`);

    test(`${doc}: every key has a row, with its default`, () => {
      const keys = [...new Set([...leaves, ...derived])];
      expect(keys.filter((k) => rowOf(k) === undefined)).toEqual([]);
      const wrong: string[] = [];
      for (const k of leaves) {
        const want = at(defaults, k);
        if (want === undefined || k.startsWith("allow.")) continue;
        // The default is the first backticked value in the type column's parentheses; a pair (`10`, `400`) is in key order.
        const shown = [...(/\(([^)]*)\)/.exec(rowOf(k)!)?.[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => parseYaml(m[1]!));
        const pair = [...rows.keys()].filter((r) => rows.get(r) === rowOf(k));
        const value = shown.length > 1 ? shown[pair.indexOf(k)] : shown[0];
        if (JSON.stringify(value) !== JSON.stringify(want)) wrong.push(`${k}: shows ${JSON.stringify(value)}, default ${JSON.stringify(want)}`);
      }
      expect(wrong).toEqual([]);
      // allow.* says "all `false`" (its keys are checked against the example file below).
      expect(Object.values(defaults.allow as Record<string, boolean>).every((v) => v === false)).toBe(true);
      expect(rowOf("allow.x")).toContain("all `false`");
    });

    test(`${doc}: each number key's range is the one the bot accepts`, () => {
      const wrong: string[] = [];
      for (const k of [...new Set([...leaves, ...derived])]) {
        if (!accepts(k, 1) && !accepts(k, 0)) continue; // not a number
        const min = accepts(k, 0) ? 0 : 1;
        let max: number | undefined;
        if (!accepts(k, 1_000_000)) {
          let lo = min;
          let hi = 1_000_000;
          while (hi - lo > 1) {
            const mid = Math.floor((lo + hi) / 2);
            if (accepts(k, mid)) lo = mid;
            else hi = mid;
          }
          max = lo;
        }
        const says = max === undefined ? `≥ ${min}` : `${min}–${max}`;
        if (!rowOf(k)!.includes(says)) wrong.push(`${k}: accepts ${says}, the row says "${rowOf(k)}"`);
      }
      expect(wrong).toEqual([]);
    });
  }

  test("docs/repo-config.md is the README's section, word for word", () => {
    // A copy that drifts tells owners who land on it (linked from elsewhere) less than the README does.
    const readme = read("README.md");
    const section = readme.slice(readme.indexOf("## Repository configuration"), readme.indexOf("\n## ", readme.indexOf("## Repository configuration") + 3));
    expect(section.length).toBeGreaterThan(1000);
    expect(read("docs/repo-config.md").trim()).toBe(section.trim());
  });

  test("the example file in the README loads without a problem and names every allow.* key", () => {
    const example = /```yaml\n# \.github\/ci-bot\.yml\n([\s\S]*?)```/.exec(read("README.md"))?.[1];
    expect(example).toBeDefined();
    const raw = parseYaml(example!) as Record<string, unknown>;
    expect(parseRepoConfig(raw).problems).toEqual([]);
    expect(Object.keys(raw.allow as object).sort()).toEqual(Object.keys(defaults.allow as object).sort());
  });
});
