import { describe, expect, test } from "@jest/globals";
import fc from "fast-check";
import { promises as fs } from "node:fs";
import path from "node:path";
import { applyPatch } from "../../src/patch/apply-patch.js";
import { applyHunks } from "../../src/patch/apply-hunks.js";
import { parsePatch } from "../../src/patch/parse-patch.js";
import { nodeWriteIo, type WriteIo } from "../../src/patch/write-changes.js";
import { AppError } from "../../src/core/errors.js";
import { configWith, makeSandbox, snapshotTree, type Sandbox } from "./helpers.js";

/** Paths a hostile or confused model might aim at; `<outside>` becomes the sandbox's sibling directory. */
const TARGETS = [
  "calc.py", "src/sum.js", "docs/README.md", "docs/new.txt", "new/dir/file.txt",
  "../outside/secret.txt", "src/../../outside/secret.txt", "./../outside/new.txt", "<outside>/secret.txt", "<outside>/new.txt",
  "link-out/secret.txt", "link-out/new.txt", "link-src/sum.js", "docs/calc-link.py", "link-out",
  ".git/config", ".git/hooks/post-checkout", ".GIT/config", "docs/.git/x", "//etc/passwd",
];

const lineArb = fc.oneof(
  fc.constantFrom("def add(a, b):", "    return a - b", "export function sum(xs) {", "# calc", "", "do not touch", "[core]"),
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, "")),
);

const sectionArb = fc.record({
  target: fc.constantFrom(...TARGETS),
  from: fc.option(fc.constantFrom(...TARGETS), { nil: undefined }),
  kind: fc.constantFrom("add", "modify", "delete", "rename"),
  mode: fc.constantFrom(undefined, "100644", "100755", "120000"),
  start: fc.nat({ max: 20 }),
  lines: fc.array(fc.tuple(fc.constantFrom(" ", "+", "-"), lineArb), { minLength: 1, maxLength: 6 }),
});

type Section = typeof sectionArb extends fc.Arbitrary<infer T> ? T : never;

/** Sections that apply cleanly to the sandbox, so the success path gets exercised too. */
const benignArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom("docs/new.txt", "new/dir/file.txt", "src/extra.js"), fc.array(lineArb, { minLength: 1, maxLength: 4 })).map(
    ([p, lines]) => [`--- /dev/null`, `+++ b/${p}`, `@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join("\n"),
  ),
  lineArb.map((l) => ["--- a/calc.py", "+++ b/calc.py", "@@ -1,2 +1,2 @@", " def add(a, b):", "-    return a - b", `+${l}`].join("\n")),
  fc.constant(["diff --git a/docs/README.md b/docs/README.md", "deleted file mode 100644"].join("\n")),
  fc.constant(["diff --git a/docs/noeol.txt b/docs/moved.txt", "rename from docs/noeol.txt", "rename to docs/moved.txt"].join("\n")),
);

const patchArb = fc.array(fc.oneof({ weight: 3, arbitrary: benignArb }, { weight: 1, arbitrary: sectionArb }), { minLength: 1, maxLength: 3 });

function render(sections: Array<Section | string>, outside: string): string {
  const p = (t: string) => t.replace("<outside>", outside);
  return sections
    .map((s) => {
      if (typeof s === "string") return s;
      const to = p(s.target);
      const from = p(s.from ?? s.target);
      const body = s.lines.map(([k, t]) => (s.kind === "add" ? `+${t}` : `${k}${t}`));
      const head = [`diff --git a/${from} b/${to}`];
      if (s.kind === "add") head.push(`new file mode ${s.mode ?? "100644"}`, "--- /dev/null", `+++ b/${to}`);
      else if (s.kind === "delete") head.push(`deleted file mode ${s.mode ?? "100644"}`, `--- a/${from}`, "+++ /dev/null");
      else if (s.kind === "rename") head.push(`rename from ${from}`, `rename to ${to}`, `--- a/${from}`, `+++ b/${to}`);
      else head.push(`--- a/${to}`, `+++ b/${to}`);
      return [...head, `@@ -${s.start},${body.length} +${s.start},${body.length} @@`, ...body].join("\n");
    })
    .join("\n");
}

function without(tree: Record<string, unknown>, prefix: string) {
  return Object.fromEntries(Object.entries(tree).filter(([k]) => k === prefix || !k.startsWith(`${prefix}/`)));
}

async function withSandbox<T>(fn: (sb: Sandbox) => Promise<T>): Promise<T> {
  const sb = await makeSandbox();
  try {
    return await fn(sb);
  } finally {
    await sb.cleanup();
  }
}

describe("applyPatch safety properties", () => {
  test("never writes outside the workspace or into .git, and a refused patch changes nothing at all", async () => {
    await fc.assert(
      fc.asyncProperty(patchArb, fc.boolean(), async (sections, allowAll) =>
        withSandbox(async (sb) => {
          const before = await snapshotTree(sb.top);
          const allow = allowAll ? ["workflow_edits", "skip_tests", "delete_tests", "weaken_assertions", "continue_on_error", "or_true", "lower_thresholds", "read_secrets", "hidden_text"] : [];
          const result = await applyPatch(render(sections, sb.outside), sb.repo, { config: configWith(allow) });
          const after = await snapshotTree(sb.top);
          // Outside the repo and inside .git: identical whatever happened.
          const outsideOnly = (t: Record<string, unknown>) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith("repo/") || k.startsWith("repo/.git/") || k === "repo/.git"));
          expect(outsideOnly(after)).toEqual(outsideOnly(before));
          expect(after["repo/link-out"]).toEqual(before["repo/link-out"]);
          if (!result.ok) {
            expect(after).toEqual(before);
            return;
          }
          const named = new Set(result.files.flatMap((f) => (f.from ? [f.from, f.path] : [f.path])));
          for (const [k, v] of Object.entries(after)) {
            if (JSON.stringify(before[k]) === JSON.stringify(v)) continue;
            const rel = k.slice("repo/".length);
            const ok = named.has(rel) || [...named].some((n) => n.startsWith(`${rel}/`));
            expect({ changed: k, named: ok }).toEqual({ changed: k, named: true });
            expect(v).not.toMatchObject({ type: "symlink" });
          }
        }),
      ),
      { numRuns: 120 },
    );
    // 120 patches applied in temp trees take ~5 s here: the budget leaves a CI machine slowed 25x room
    // without running fewer cases.
  }, 150_000);

  test("an I/O failure at any point while writing rolls the tree back byte-for-byte", async () => {
    const diff = [
      "--- a/calc.py", "+++ b/calc.py", "@@ -1,2 +1,2 @@", " def add(a, b):", "-    return a - b", "+    return a + b",
      "--- /dev/null", "+++ b/new/deep/dir/notes.md", "@@ -0,0 +1 @@", "+notes",
      "diff --git a/docs/README.md b/docs/README.md", "deleted file mode 100644",
      "diff --git a/docs/noeol.txt b/docs/moved.txt", "rename from docs/noeol.txt", "rename to docs/moved.txt",
      "--- a/scripts/test.sh", "+++ b/scripts/test.sh", "@@ -3,2 +3,3 @@", " pytest -q", " npm test", "+echo done",
    ].join("\n");
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: 30 }), async (failAt) =>
        withSandbox(async (sb) => {
          const before = await snapshotTree(sb.top);
          let calls = 0;
          const boom = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
            if (calls++ === failAt) throw Object.assign(new Error("disk full (injected)"), { code: "ENOSPC" });
            return f(...a);
          };
          const io: WriteIo = {
            writeFile: boom(nodeWriteIo.writeFile), chmod: boom(nodeWriteIo.chmod), rename: boom(nodeWriteIo.rename),
            unlink: boom(nodeWriteIo.unlink), mkdir: boom(nodeWriteIo.mkdir), rmdir: boom(nodeWriteIo.rmdir),
          };
          const outcome = await applyPatch(diff, sb.repo, { config: configWith(), io }).catch((e: unknown) => e);
          if (outcome instanceof AppError) {
            expect(outcome.code).toBe("patch_write_failed");
            expect(await snapshotTree(sb.top)).toEqual(before);
          } else {
            // The failure point lay beyond the last call: the whole patch landed.
            expect(outcome).toMatchObject({ ok: true });
            expect(calls).toBeLessThanOrEqual(failAt);
            expect(await fs.readFile(path.join(sb.repo, "new/deep/dir/notes.md"), "utf8")).toBe("notes\n");
          }
        }),
      ),
      { numRuns: 31 },
    );
    // ~1.5 s here; as above.
  }, 60_000);
});

describe("applyHunks properties", () => {
  const uniqueLines = fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 60 }).map((ns) => ns.map((n) => `line ${n}`));

  test("a generated diff turns the old text into the new one, at any header offset, LF or CRLF", () => {
    fc.assert(
      fc.property(
        uniqueLines,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.array(fc.integer({ min: 20_000, max: 30_000 }).map((n) => `new ${n}`), { maxLength: 3 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: -5, max: 5 }),
        fc.boolean(),
        fc.nat({ max: 3 }),
        (old, edits, skew, crlf, ctx) => {
          // Non-overlapping edits (start, deleteCount, inserted), sorted, with room for context between them.
          const plan: Array<{ at: number; del: number; ins: string[] }> = [];
          let min = 0;
          for (const [s, d, ins] of edits) {
            const at = min + (s % Math.max(1, old.length - min + 1));
            if (at > old.length) break;
            const del = Math.min(d, old.length - at);
            if (del === 0 && ins.length === 0) continue;
            plan.push({ at, del, ins });
            min = at + del + 2 * ctx + 1;
            if (min > old.length) break;
          }
          fc.pre(plan.length > 0);
          const expected = [...old];
          for (const e of [...plan].reverse()) expected.splice(e.at, e.del, ...e.ins);
          const diff = ["--- a/f.txt", "+++ b/f.txt"];
          for (const e of plan) {
            const from = Math.max(0, e.at - ctx);
            const to = Math.min(old.length, e.at + e.del + ctx);
            const body = [
              ...old.slice(from, e.at).map((l) => ` ${l}`),
              ...old.slice(e.at, e.at + e.del).map((l) => `-${l}`),
              ...e.ins.map((l) => `+${l}`),
              ...old.slice(e.at + e.del, to).map((l) => ` ${l}`),
            ];
            const oldLen = to - from;
            const start = oldLen === 0 ? from : from + 1;
            diff.push(`@@ -${Math.max(0, start + skew)},${oldLen} +${start},${oldLen - e.del + e.ins.length} @@`, ...body);
          }
          // Context-free insertions are placed by the header alone: a skewed header moves them (by design).
          fc.pre(skew === 0 || plan.every((e) => e.del > 0 || ctx > 0));
          const parsed = parsePatch(diff.join("\n") + "\n");
          if (!parsed.ok) throw new Error(JSON.stringify(parsed.refusal));
          const eol = crlf ? "\r\n" : "\n";
          const res = applyHunks(old.join(eol) + eol, parsed.files[0]!.hunks);
          if (!res.ok) throw new Error(res.reason);
          expect(res.content).toBe(expected.length ? expected.join(eol) + eol : "");
        },
      ),
      { numRuns: 300 },
    );
  });
});
