import { describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { RULES } from "../../src/patch/rules.js";
import { configWith, DIFFS_DIR, makeSandbox, snapshotTree } from "./helpers.js";

interface CorpusCase {
  file: string;
  expect: string;
  note?: string;
  allow?: string[];
  limits?: { max_files?: number; max_lines?: number };
  overrides?: string[];
  expectedDir?: string;
  /** "<status> <path>" or "renamed <from> -> <path>", in order. */
  changed?: string[];
}

const corpus = JSON.parse(await fs.readFile(path.join(DIFFS_DIR, "corpus.json"), "utf8")) as { cases: CorpusCase[] };

describe("fixtures/diffs corpus", () => {
  test("lists every case file, and every expected rule exists", async () => {
    const listed = new Set(corpus.cases.map((c) => c.file));
    for (const f of await fs.readdir(path.join(DIFFS_DIR, "cases"))) expect(listed).toContain(`cases/${f}`);
    for (const c of corpus.cases) if (c.expect !== "ok") expect(Object.keys(RULES)).toContain(c.expect);
  });

  test.each(corpus.cases.map((c) => [`${c.file}${c.allow ? ` (allow ${c.allow.join(",")})` : ""}${c.limits ? ` (limits ${JSON.stringify(c.limits)})` : ""} → ${c.expect}`, c] as const))(
    "%s",
    async (_name, c) => {
      const sb = await makeSandbox();
      try {
        const diff = await fs.readFile(path.join(DIFFS_DIR, c.file), "utf8");
        const before = await snapshotTree(sb.top);
        const result = await applyPatch(diff, sb.repo, { config: configWith(c.allow, c.limits) });
        const after = await snapshotTree(sb.top);
        if (c.expect !== "ok") {
          expect(result).toMatchObject({ ok: false, refusal: { rule: c.expect } });
          if (!result.ok) expect(result.refusal.reason.length).toBeGreaterThan(20);
          expect(after).toEqual(before);
          return;
        }
        if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.refusal)}`);
        expect(result.overrides).toEqual(c.overrides ?? []);
        if (c.changed) expect(result.files.map((f) => `${f.status} ${f.from ? `${f.from} -> ` : ""}${f.path}`)).toEqual(c.changed);
        // Nothing outside the files the result names may change.
        const named = new Set(result.files.flatMap((f) => (f.from ? [f.from, f.path] : [f.path])));
        const strip = (t: Record<string, unknown>) =>
          Object.fromEntries(Object.entries(t).filter(([k]) => ![...named].some((n) => `repo/${n}` === k || `repo/${n}`.startsWith(`${k}/`))));
        expect(strip(after)).toEqual(strip(before));
        for (const f of result.files) {
          const abs = path.join(sb.repo, f.path);
          if (f.status === "deleted") {
            await expect(fs.lstat(abs)).rejects.toThrow(/ENOENT/);
            continue;
          }
          if (f.from) await expect(fs.lstat(path.join(sb.repo, f.from))).rejects.toThrow(/ENOENT/);
          if (c.expectedDir) {
            const want = await fs.readFile(path.join(DIFFS_DIR, c.expectedDir, f.path));
            expect((await fs.readFile(abs)).toString("latin1")).toBe(want.toString("latin1"));
          }
        }
      } finally {
        await sb.cleanup();
      }
    },
  );
});
