import { maskKeyBodies, redactHead } from "../core/redact.js";
import { readRepoText } from "./repo-files.js";

export interface Snippet {
  path: string;
  startLine: number;
  endLine: number;
  /** Lines prefixed with their number: `  41| code`. */
  text: string;
}

/**
 * Source around the lines the failure points at: `around` lines either side, overlapping windows of one
 * file merged, in the order the locations were given (most important first).
 */
export async function snippetsFor(
  root: string,
  locations: Array<{ path: string; line: number }>,
  opts: { around?: number; maxFiles?: number; maxPerFile?: number; maxLineChars?: number } = {},
): Promise<Snippet[]> {
  const around = opts.around ?? 10;
  const maxFiles = opts.maxFiles ?? 6;
  const maxPerFile = opts.maxPerFile ?? 3;
  const maxLineChars = opts.maxLineChars ?? 240;
  const byFile = new Map<string, number[]>();
  for (const l of locations) {
    if (!byFile.has(l.path)) {
      if (byFile.size >= maxFiles) continue;
      byFile.set(l.path, []);
    }
    const lines = byFile.get(l.path)!;
    if (lines.length < maxPerFile && !lines.includes(l.line)) lines.push(l.line);
  }
  const out: Snippet[] = [];
  for (const [path, lines] of byFile) {
    const text = await readRepoText(root, path).catch(() => null);
    if (text === null) continue;
    const all = text.split("\n");
    // Before the windows are cut: one that starts (or ends) inside a key has no BEGIN (or END) line for the
    // context's redaction to see.
    maskKeyBodies(all);
    const windows = lines
      .filter((n) => n >= 1 && n <= all.length)
      .map((n) => [Math.max(1, n - around), Math.min(all.length, n + around)] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const w of windows) {
      const last = merged.at(-1);
      if (last && w[0] <= last[1] + 1) last[1] = Math.max(last[1], w[1]);
      else merged.push([...w]);
    }
    const width = String(merged.at(-1)?.[1] ?? 1).length;
    for (const [s, e] of merged) {
      const body = all
        .slice(s - 1, e)
        // Redacted before the cut (the context's redaction comes after it and would see a secret's head only).
        .map((line, i) => `${String(s + i).padStart(width)}| ${line.length > maxLineChars ? redactHead(line, maxLineChars) : line}`)
        .join("\n");
      out.push({ path, startLine: s, endLine: e, text: body });
    }
  }
  return out;
}
