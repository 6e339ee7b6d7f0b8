import type { FilePatch } from "./types.js";

const HEADER = /^\s*\[\[?\s*([\w.-]+)\s*\]\]?\s*(#.*)?$/;
const HARNESS_OFF = /^\s*harness\s*=\s*false\b/;

/**
 * `harness = false` added to a `[[test]]` target of a Cargo.toml: cargo then runs the file's own `main`
 * instead of libtest, so its `#[test]` functions no longer run (a `fn main() {}` beside them passes). On a
 * `[[bench]]` (criterion) it is the usual setting. The section is the last header before the line: in its
 * hunk, else in the file before the hunk's first old line; one found nowhere is taken as a test target's.
 */
export function findCargoHarnessOff(fp: FilePatch, oldContent: string | null): { line: string; hunk: string } | undefined {
  if (!/(^|\/)Cargo\.toml$/.test(fp.path)) return undefined;
  for (const h of fp.hunks) {
    let section = oldContent === null ? undefined : sectionAbove(oldContent, h.lines.filter((l) => l.kind !== "+").map((l) => l.text));
    for (const l of h.lines) {
      if (l.kind === "-") continue;
      const header = HEADER.exec(l.text);
      if (header) section = header[1];
      else if (l.kind === "+" && HARNESS_OFF.test(l.text) && (section === undefined || section === "test")) return { line: l.text, hunk: h.header };
    }
  }
  return undefined;
}

/** The last section header in `text` before the lines `old` (the hunk's old side), if they are found there. */
function sectionAbove(text: string, old: string[]): string | undefined {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (old.length === 0) return undefined;
  const at = lines.findIndex((_, i) => old.every((o, j) => lines[i + j] === o));
  if (at < 0) return undefined;
  for (let i = at - 1; i >= 0; i--) {
    const header = HEADER.exec(lines[i]!);
    if (header) return header[1];
  }
  return undefined;
}
