import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { loadAppConfig } from "../../src/config/app-config.js";

/**
 * README.md and docs/*.md give settings' defaults in passing — "`REDELIVER_WINDOW_HOURS` (24)", "(10 s)",
 * "(256 MiB by default", and docs/scaling.md's Settings table — and an operator sizes a deployment by them.
 * Each must be the default app-config.ts applies. (.env.example's own values are checked in env-example.test.ts.)
 */
const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");
const docs = ["README.md", ...readdirSync(new URL("../../docs", import.meta.url)).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const defaults = loadAppConfig({}) as unknown as Record<string, unknown>;
const UNIT: Record<string, number> = { "": 1, s: 1000, MB: 1024 * 1024, MiB: 1024 * 1024 };

/** `NAME` (N[ unit] …: N in the setting's own unit; seconds are written for settings in ms. */
function statedDefaults(text: string): Array<[name: string, said: string, value: number]> {
  const found: Array<[string, string, number]> = [];
  for (const m of text.matchAll(/`([A-Z][A-Z0-9_]+)`\s+\((\d[\d,]*)(?: (s|MB|MiB))?(?=[\s;,)])/g)) {
    const [said, name, digits, unit = ""] = m;
    if (!Object.hasOwn(defaults, name!)) continue; // compose's own variables (REDIS_PASSWORD, …)
    if (unit === "s" && !name!.endsWith("_MS")) continue;
    found.push([name!, said.replace(/\s+/g, " "), Number(digits!.replaceAll(",", "")) * UNIT[unit]!]);
  }
  // A settings table: | `NAME` | default | meaning |
  for (const m of text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| `?(\d+)`?(?: \(off\))? \|/gm)) found.push([m[1]!, m[0], Number(m[2])]);
  return found;
}

describe("docs: the defaults they give for settings", () => {
  test("every default README.md and docs/*.md state for a setting is the one app-config.ts applies", () => {
    const stated = docs.flatMap((doc) => statedDefaults(read(doc)).map(([name, said, value]) => ({ doc, name, said, value })));
    expect(stated.length).toBeGreaterThan(10);
    const wrong = stated.filter((s) => defaults[s.name] !== s.value).map((s) => `${s.doc}: ${s.said} but the default is ${String(defaults[s.name])}`);
    expect(wrong).toEqual([]);
  });

  test("the Settings table's text defaults too (docs/scaling.md)", () => {
    const rows = [...read("docs/scaling.md").matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const);
    expect(rows.length).toBeGreaterThan(5);
    const wrong = rows.filter(([name, said]) => {
      if (said === "unset") return defaults[name] !== undefined;
      const text = /^`([^`]+)`$/.exec(said)?.[1];
      return text !== undefined && defaults[name] !== text;
    });
    expect(wrong).toEqual([]);
  });
});
