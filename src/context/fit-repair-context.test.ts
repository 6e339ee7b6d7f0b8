import { describe, expect, test } from "@jest/globals";
import type { FailureContext } from "../core/failure-context.js";
import { countTokens } from "../logs/count-tokens.js";
import { sampleFailureContext } from "../../test/fakes/fake-tensorzero-context.js";
import { fitRepairContext, type PreviousAttempt } from "./fit-repair-context.js";

const excerpt = (i: number, job = "test (20.x)") => ({ job, startLine: i * 10, endLine: i * 10 + 4, reason: "failure block", text: Array.from({ length: 5 }, (_, k) => `  at step ${i}.${k} (src/m${i}.js:${k}) ${"ctx ".repeat(6)}`).join("\n") });
const tokens = (ctx: FailureContext) => countTokens(JSON.stringify(ctx));

/** A base context of about `fill` tokens, with some of every part. */
function baseOf(fill: number): FailureContext {
  const ctx = sampleFailureContext();
  delete ctx.previous_attempt;
  ctx.head_commit_diff = "diff --git a/src/math.js b/src/math.js\n" + Array.from({ length: 20 }, (_, i) => `+const v${i} = ${i};`).join("\n");
  for (let n = 0; tokens(ctx) < fill; n++) {
    const kind = n % 5;
    if (kind === 0) ctx.excerpts.unshift(excerpt(n));
    if (kind === 1) ctx.snippets.push({ path: `src/m${n}.js`, startLine: 1, endLine: 3, text: `export function f${n}(a, b) {\n  return a + b; // ${"note ".repeat(5)}\n}` });
    if (kind === 2) ctx.manifests.push({ path: `pkg${n}/package.json`, excerpt: `{ "name": "pkg${n}", "dependencies": { ${Array.from({ length: 12 }, (_, k) => `"dep-${n}-${k}": "^${k}.2.0"`).join(", ")} } }` });
    if (kind === 3) (ctx.test_config ??= []).push({ path: `pkg${n}/jest.config.js`, excerpt: "export default { testEnvironment: 'node' };" });
    if (kind === 4) ctx.locations.push({ path: `src/m${n}.js`, line: n, message: `TypeError at ${n}` });
  }
  ctx.budget = { tokens: fill, used: tokens(ctx), dropped: ["annotations (2 of 5)"] };
  return ctx;
}

const previous = (excerpts = 3, patchLines = 20): PreviousAttempt => ({
  patch: ["--- a/src/math.js", "+++ b/src/math.js", "@@ -1,20 +1,20 @@", ...Array.from({ length: patchLines }, (_, i) => `-const v${i} = ${i};\n+const v${i} = ${i + 1};`)].join("\n"),
  outcome: "CI failure on the fix branch ci-bot/fix-1 (run 900) after the patch passed local validation",
  excerpts: Array.from({ length: excerpts }, (_, i) => excerpt(100 + i, "fix run")),
});

describe("fitRepairContext (counted with the project's tokenizer)", () => {
  test("a context with room takes the previous attempt whole and drops nothing", () => {
    const base = baseOf(800);
    const out = fitRepairContext(base, previous(), 6000, countTokens);
    expect(out.previous_attempt).toEqual(previous());
    expect({ ...out, previous_attempt: undefined, budget: undefined }).toEqual({ ...base, previous_attempt: undefined, budget: undefined });
    expect(out.budget).toEqual({ tokens: 6000, used: tokens(out), dropped: ["annotations (2 of 5)"] });
  });

  test("a full base makes room from its least useful parts; the patch, the outcome and the excerpts stay", () => {
    const BUDGET = 3000;
    const base = baseOf(BUDGET * 0.98);
    const out = fitRepairContext(base, previous(), BUDGET, countTokens);
    expect(tokens(out)).toBeLessThanOrEqual(BUDGET);
    expect(out.budget.used).toBeLessThanOrEqual(BUDGET);
    expect(out.previous_attempt!.patch).toBe(previous().patch);
    expect(out.previous_attempt!.outcome).toBe(previous().outcome);
    expect(out.previous_attempt!.excerpts).toEqual(previous().excerpts);
    expect(out.excerpts).toEqual(base.excerpts);
    expect(out.snippets).toEqual(base.snippets);
    expect(out.test_config).toBeUndefined();
    expect(out.budget.dropped[0]).toBe("annotations (2 of 5)");
    expect(out.budget.dropped[1]).toMatch(/^test_config \(all \d+, to make room for the previous attempt\)$/);
    // The input is not changed (the job keeps its stored context until the write).
    expect(base.test_config?.length).toBeGreaterThan(0);
  });

  test("with nothing else left, the fix run's excerpts go oldest first, then the base's, then the patch's middle", () => {
    const BUDGET = 1200;
    const out = fitRepairContext(baseOf(BUDGET), previous(12, 200), BUDGET, countTokens);
    expect(tokens(out)).toBeLessThanOrEqual(BUDGET);
    const dropped = out.budget.dropped.join("\n");
    for (const part of ["test_config", "manifests", "head_commit_diff", "snippets", "locations", "previous_attempt.excerpts", "excerpts", "previous_attempt.patch"]) expect(dropped).toContain(part);
    expect(out.previous_attempt!.patch).toMatch(/^--- a\/src\/math\.js\n/);
    expect(out.previous_attempt!.patch).toMatch(/lines of the previous patch cut to fit the context budget/);
    expect(out.previous_attempt!.outcome).toBe(previous().outcome);
  });
});
