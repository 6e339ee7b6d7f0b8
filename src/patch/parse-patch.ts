import parseDiff from "parse-diff";
import { extractDiff, sectionText } from "./extract-diff.js";
import type { FilePatch, Hunk, HunkLine, Refusal } from "./types.js";

export type ParseResult = { ok: true; files: FilePatch[] } | { ok: false; refusal: Refusal };

const DEV_NULL = "/dev/null";

/**
 * Model answer → one FilePatch per file section. parse-diff reads the headers (paths with or without
 * `a/` `b/`, modes, new/deleted/renamed); extractDiff has already cleaned the text around it.
 */
export function parsePatch(input: string): ParseResult {
  const { sections, problems } = extractDiff(input);
  if (problems.length > 0) return { ok: false, refusal: { rule: "malformed_diff", reason: problems[0]! } };
  if (sections.length === 0) {
    return {
      ok: false,
      refusal: { rule: "no_diff", reason: "the answer contains no unified diff (expected '--- a/<path>', '+++ b/<path>' and '@@' hunks)" },
    };
  }
  const files: FilePatch[] = [];
  for (const section of sections) {
    const parsed = parseDiff(sectionText(section));
    const f = parsed[0];
    if (parsed.length !== 1 || !f) {
      return { ok: false, refusal: { rule: "malformed_diff", reason: `cannot read the file header: ${section.headerLines[0] ?? "(none)"}` } };
    }
    const from = f.from === undefined ? undefined : unquote(f.from);
    const to = f.to === undefined ? undefined : unquote(f.to);
    const label = to && to !== DEV_NULL ? to : from ?? "(unknown)";
    if (!from || !to) return { ok: false, refusal: { rule: "malformed_diff", file: label, reason: "a file section has no '---'/'+++' paths" } };
    if (section.copy) {
      return { ok: false, refusal: { rule: "malformed_diff", file: label, reason: "file copies are not supported; add the new file with its full content instead" } };
    }
    const status = from === DEV_NULL || f.new ? "added" : to === DEV_NULL || f.deleted ? "deleted" : from !== to ? "renamed" : "modified";
    const path = status === "deleted" ? from : to;
    if (path === DEV_NULL) return { ok: false, refusal: { rule: "malformed_diff", file: label, reason: "both sides of the file are /dev/null" } };
    const hunks: Hunk[] = [];
    for (const [i, chunk] of f.chunks.entries()) {
      const lines: HunkLine[] = [];
      for (const ch of chunk.changes) {
        if (ch.content.startsWith("\\")) {
          const prev = lines[lines.length - 1];
          if (prev) prev.noEol = true;
          continue;
        }
        lines.push({ kind: ch.type === "add" ? "+" : ch.type === "del" ? "-" : " ", text: ch.content.slice(1) });
      }
      hunks.push({ header: section.hunks[i]?.header ?? chunk.content, oldStart: chunk.oldStart, lines });
    }
    const emptyChange = hunks.length === 0 && !section.binary && status === "modified" && f.oldMode === f.newMode;
    if (emptyChange) {
      return { ok: false, refusal: { rule: "malformed_diff", file: label, reason: "the file section has no hunks ('@@ -start,count +start,count @@' lines)" } };
    }
    files.push({
      status,
      oldPath: status === "added" ? null : from,
      path,
      oldMode: f.oldMode,
      newMode: f.newMode,
      binary: section.binary,
      hunks,
    });
  }
  return { ok: true, files };
}

/** Git quotes unusual paths C-style ("a/t\303\251.txt"); parse-diff strips the quotes but not the escapes. */
export function unquote(p: string): string {
  if (!p.includes("\\")) return p;
  const bytes: number[] = [];
  // Only octal bytes, quotes and backslashes: "src\\test.py" from a Windows-minded model must not become a tab.
  const simple: Record<string, number> = { '"': 34, "\\": 92 };
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\" && i + 1 < p.length) {
      const oct = /^[0-7]{3}/.exec(p.slice(i + 1));
      if (oct) {
        bytes.push(parseInt(oct[0], 8));
        i += 3;
        continue;
      }
      const s = simple[p[i + 1]!];
      if (s !== undefined) {
        bytes.push(s);
        i++;
        continue;
      }
    }
    bytes.push(...Buffer.from(c, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}
