import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { loadGatewayConfig } from "../../src/adapters/tensorzero/gateway-config.js";

const readme = readFileSync(new URL("../../tensorzero/README.md", import.meta.url), "utf8");

/**
 * tensorzero/README.md is what an operator deploys the gateway by: its summary of the shipped config (how many
 * variants and metrics, each variant's retries and timeout) had fallen behind tensorzero.toml (pr_marked_ready
 * added, the fallback variant given its own retries and timeout).
 */
describe("tensorzero/README.md and the shipped tensorzero.toml", () => {
  test("the layout line counts the function's variants and the metrics the config declares", async () => {
    const config = await loadGatewayConfig();
    const fn = config.functions.fix_ci_failure!;
    const line = readme.split("\n").find((l) => l.includes("tensorzero.toml") && l.includes("function fix_ci_failure"));
    expect(line).toBeDefined();
    expect(/(\d+) variants/.exec(line!)?.[1]).toBe(String(Object.keys(fn.variants).length));
    expect(/(\d+) metrics/.exec(line!)?.[1]).toBe(String(Object.keys(config.metrics).length));
  });

  test("the metrics table names every declared metric at its level", async () => {
    const config = await loadGatewayConfig();
    const rows = new Map(
      readme.split("\n").flatMap((l) => {
        const m = /^\| `([a-z_]+)` \| (inference|episode) \|/.exec(l);
        return m ? [[m[1]!, m[2]!] as const] : [];
      }),
    );
    for (const m of Object.values(config.metrics)) expect([m.name, rows.get(m.name)]).toEqual([m.name, m.level]);
  });

  test("what it says of each variant's retries and timeout is what the config sets", async () => {
    const fn = (await loadGatewayConfig()).functions.fix_ci_failure!;
    const wrong: string[] = [];
    for (const v of Object.values(fn.variants)) {
      const retries = (v.raw.retries as { num_retries?: number } | undefined)?.num_retries;
      const totalS = ((v.raw.timeouts as { non_streaming?: { total_ms?: number } } | undefined)?.non_streaming?.total_ms ?? 0) / 1000;
      // "The two candidate variants retry twice … after 180 s; the fallback retries once … after 120 s."
      const said = fn.fallbacks.includes(v.name) ? /; the fallback ([^.]*)\./.exec(readme)?.[1] : /The two candidate variants ([^;.]*)/.exec(readme)?.[1];
      const times = ["no more", "once", "twice"][retries ?? 0] ?? `${retries} times`;
      if (!said?.includes(`${times} inside the gateway`) && !said?.includes(` ${times} `)) wrong.push(`${v.name}: retries ${times}; README: "${said}"`);
      if (!said?.includes(`${totalS} s`)) wrong.push(`${v.name}: times out after ${totalS} s; README: "${said}"`);
    }
    expect(wrong).toEqual([]);
  });
});
