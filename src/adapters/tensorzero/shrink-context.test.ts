import { describe, expect, test } from "@jest/globals";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { approxTokens, shrinkFailureContext } from "./shrink-context.js";

describe("shrinkFailureContext", () => {
  test("halves a context with a huge log by dropping the least useful parts and cutting log middles", () => {
    const ctx = sampleFailureContext();
    ctx.excerpts[0]!.text = Array.from({ length: 2000 }, (_, i) => `noise ${i}`).join("\n") + "\nTHE REAL ERROR";
    ctx.snippets.push({ path: "src/other.js", startLine: 1, endLine: 400, text: "x\n".repeat(400) });
    const small = shrinkFailureContext(ctx, 0.5);
    expect(approxTokens(small)).toBeLessThanOrEqual(approxTokens(ctx) / 2);
    expect(small.excerpts[0]!.text).toContain("THE REAL ERROR"); // the tail of a log is kept
    expect(small.excerpts[0]!.text).toMatch(/lines cut to fit/);
    expect(small.budget.tokens).toBe(3000);
    expect(small.budget.dropped).toEqual(expect.arrayContaining(["head_commit_diff", "log excerpt middles"]));
    expect(ctx.head_commit_diff).toBeDefined(); // the input is not modified
  });

  test("a small context only loses what it must", () => {
    const ctx = sampleFailureContext();
    const small = shrinkFailureContext(ctx, 0.9);
    expect(small.excerpts).toEqual(ctx.excerpts);
    expect(small.failing_jobs).toEqual(ctx.failing_jobs);
  });

  test("a single minified line is cut by characters", () => {
    const ctx = sampleFailureContext();
    ctx.excerpts[0]!.text = "a".repeat(200_000) + "END";
    const small = shrinkFailureContext(ctx, 0.2);
    expect(small.excerpts[0]!.text.length).toBeLessThan(50_000);
    expect(small.excerpts[0]!.text.endsWith("END")).toBe(true);
  });
});
