import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { createMetrics } from "../../src/admin/metrics.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

/** Dashboards and alerts are written from the README's names: each must be one /metrics serves. */
describe("README: metrics", () => {
  const metrics = createMetrics();
  // Every process's own figures, and the store-wide ones web processes serve.
  const served = [...metrics.registry.getMetricsAsArray(), ...metrics.fleet.getMetricsAsArray()].map((m) => m.name);

  test("every metric the README names is served", () => {
    const named = [...new Set([...readme.matchAll(/`(t0_[a-z_]+)`/g)].map((m) => m[1]!))];
    expect(named.filter((n) => !served.includes(n))).toEqual([]);
  });

  test("every metric of the app's own is named in the README", () => {
    expect(served.filter((n) => !readme.includes(`\`${n}\``))).toEqual([]);
  });
});
