import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { analyzeLog } from "../../src/logs/analyze-log.js";

// Runners the labelled log set has no sample of, in the raw Actions log form; each fixture's source is in
// fixtures/logs/ATTRIBUTION.md.
const snippet = (name: string) => readFileSync(new URL(`../../fixtures/logs/snippets/${name}`, import.meta.url), "utf8");
const errorTexts = (a: Awaited<ReturnType<typeof analyzeLog>>) => a.errors.map((e) => e.text);

describe("a failing test's line", () => {
  test("is kept where the runner prints one (RSpec's re-run command)", async () => {
    const log = "Failed examples:\n\nrspec ./spec/cart_spec.rb:12 # Cart totals adds tax\n";
    expect((await analyzeLog(log)).failedTests).toEqual([{ name: "Cart totals adds tax", file: "./spec/cart_spec.rb", line: 12 }]);
  });
});
