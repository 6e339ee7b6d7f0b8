import { describe, expect, test } from "@jest/globals";
import { sampleFailureContext } from "../../../test/fakes/fake-tensorzero-context.js";
import { compressRepeats, expandRepeats } from "../../logs/repeat-lines.js";
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

  test("a cut excerpt keeps no repeat marker that points into the cut; a patch is cut as plain text", () => {
    const ctx = sampleFailureContext();
    const msg = "    testing.go:132: Incompatible Terraform version: the configured backend is not compatible";
    const lines = Array.from({ length: 600 }, (_, i) => [`--- FAIL: TestCase${i} (0.00s)`, msg]).flat();
    ctx.excerpts[0]!.text = compressRepeats(lines).join("\n");
    const patchLines = Array.from({ length: 600 }, () => "+    [= 2 lines up]");
    ctx.previous_attempt = { ...ctx.previous_attempt!, patch: patchLines.join("\n") };
    const small = shrinkFailureContext(ctx, 0.3);
    const [head, tail] = small.excerpts[0]!.text.split(/\n\[\.\.\. \d+ lines cut to fit the model's context \.\.\.\]\n/);
    expect(head!.split("\n")[1]).toBe(msg);
    // The tail starts after the cut: its first message is written out again, not "[= 2 lines up]".
    expect(tail!.split("\n").slice(0, 2)).toContain(msg);
    expect(expandRepeats(tail!.split("\n"))).toEqual(lines.slice(-tail!.split("\n").length));
    expect(small.previous_attempt!.patch.split("\n").filter((l) => l !== "" && !l.startsWith("[...")).every((l) => l === "+    [= 2 lines up]")).toBe(true);
  });

  test("a cut excerpt says how many log lines went, counting those its block markers stood for", () => {
    const ctx = sampleFailureContext();
    const trace = Array.from({ length: 10 }, (_, f) => `    at org.example.pkg${f}.Visitor.scan (Visitor.java:${100 + f})`);
    const distinct = Array.from({ length: 400 }, (_, i) => `[ERROR] /src/main/java/org/example/File${i}.java:[${i},8] cannot find symbol ${i}`);
    // 400 distinct lines, then one trace printed 50 times: 411 lines written, 900 in the log.
    const lines = [...distinct, ...Array.from({ length: 50 }, () => trace).flat()];
    ctx.excerpts[0]!.text = compressRepeats(lines).join("\n");
    expect(ctx.excerpts[0]!.text.split("\n").length).toBeLessThan(420);
    const small = shrinkFailureContext(ctx, 0.3);
    const parts = small.excerpts[0]!.text.split(/\n\[\.\.\. (\d+) lines cut to fit the model's context \.\.\.\]\n/);
    expect(parts).toHaveLength(3);
    const [head, cut, tail] = parts as [string, string, string];
    const shownHead = expandRepeats(head.split("\n"));
    const shownTail = expandRepeats(tail.split("\n"));
    expect(shownHead).toEqual(lines.slice(0, shownHead.length));
    expect(shownTail).toEqual(lines.slice(-shownTail.length));
    expect(shownHead.length + Number(cut) + shownTail.length).toBe(lines.length);
  });

  test("a single minified line is cut by characters", () => {
    const ctx = sampleFailureContext();
    ctx.excerpts[0]!.text = "a".repeat(200_000) + "END";
    const small = shrinkFailureContext(ctx, 0.2);
    expect(small.excerpts[0]!.text.length).toBeLessThan(50_000);
    expect(small.excerpts[0]!.text.endsWith("END")).toBe(true);
  });
});
