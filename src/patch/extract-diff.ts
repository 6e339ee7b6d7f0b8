/**
 * Pulls the unified diff out of a model answer: markdown fences, prose before, between and after the
 * files, CRLF line endings, blank context lines that lost their leading space and hunk headers with
 * wrong or missing counts are all normal in model output. The result is one clean section per file.
 */
export interface RawHunk {
  /** The header as written, for messages. */
  header: string;
  oldStart: number;
  newStart: number;
  /** Hunk body lines with their prefix (` `, `+`, `-`, `\`). */
  lines: string[];
}

export interface DiffSection {
  headerLines: string[];
  hunks: RawHunk[];
  binary: boolean;
  copy: boolean;
}

export interface ExtractResult {
  sections: DiffSection[];
  /** Problems that make the diff unusable (a hunk with no file header, …). */
  problems: string[];
}

const HEADER_LINE =
  /^(index [0-9a-f]+\.\.[0-9a-f]+|new file mode |deleted file mode |old mode |new mode |similarity index |dissimilarity index |rename from |rename to |copy from |copy to |Binary files .* differ$)/;
const HUNK_HEADER = /^@@+ (?:-(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))?)? ?@@+/;

export function extractDiff(input: string): ExtractResult {
  const lines = dedentFences(input.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)));
  const sections: DiffSection[] = [];
  const problems: string[] = [];
  let cur = null as DiffSection | null;
  type OpenHunk = RawHunk & { oldLeft: number; newLeft: number; implicitBlankTail: number; counted: boolean };
  let hunk = null as OpenHunk | null;
  let inBinary = false;

  const closeHunk = () => {
    if (!hunk || !cur) return;
    // Blank lines the model left after the hunk are not context (they carry no leading space).
    if (hunk.implicitBlankTail > 0) hunk.lines.splice(hunk.lines.length - hunk.implicitBlankTail);
    if (hunk.lines.length > 0) cur.hunks.push({ header: hunk.header, oldStart: hunk.oldStart, newStart: hunk.newStart, lines: hunk.lines });
    hunk = null;
  };
  const startSection = (): DiffSection => {
    closeHunk();
    inBinary = false;
    cur = { headerLines: [], hunks: [], binary: false, copy: false };
    sections.push(cur);
    return cur;
  };
  const isFileHeaderAt = (i: number) =>
    /^--- \S/.test(lines[i] ?? "") && /^\+\+\+ \S/.test(lines[i + 1] ?? "");

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith("diff --git ")) {
      startSection().headerLines.push(line);
      continue;
    }
    const satisfied = !hunk || (hunk.oldLeft <= 0 && hunk.newLeft <= 0) || !hunk.counted;
    if (isFileHeaderAt(i) && (satisfied || HUNK_HEADER.test(lines[i + 2] ?? ""))) {
      // A `--- ` pair right after a `diff --git` line belongs to that section; otherwise it starts one.
      const gitLine = cur?.headerLines[0];
      const joins =
        cur !== null && gitLine !== undefined && gitLine.startsWith("diff --git ") && cur.hunks.length === 0 && !hunk &&
        !cur.headerLines.some((h) => h.startsWith("--- ")) && namesSameFile(gitLine, line, lines[i + 1]!);
      const s: DiffSection = joins && cur ? cur : startSection();
      closeHunk();
      s.headerLines.push(line, lines[i + 1]!);
      i++;
      continue;
    }
    if (inBinary) continue;
    const m = HUNK_HEADER.exec(line);
    if (m) {
      closeHunk();
      if (!cur) {
        problems.push(`a hunk (${line.trim()}) has no file header before it; give each file "--- a/<path>" and "+++ b/<path>" lines`);
        continue;
      }
      const counted = m[1] !== undefined;
      hunk = {
        header: line,
        oldStart: counted ? Number(m[1]) : 1,
        newStart: counted ? Number(m[3]) : 1,
        oldLeft: counted ? (m[2] === undefined ? 1 : Number(m[2])) : 0,
        newLeft: counted ? (m[4] === undefined ? 1 : Number(m[4])) : 0,
        lines: [],
        implicitBlankTail: 0,
        counted,
      };
      continue;
    }
    if (hunk) {
      const c = line[0];
      if (c === " " || c === "+" || c === "-" || c === "\\") {
        hunk.lines.push(line);
        hunk.implicitBlankTail = 0;
        if (c === " " || c === "-") hunk.oldLeft--;
        if (c === " " || c === "+") hunk.newLeft--;
        continue;
      }
      if (line === "" && !satisfied) {
        hunk.lines.push(" ");
        hunk.implicitBlankTail++;
        hunk.oldLeft--;
        hunk.newLeft--;
        continue;
      }
      if (line === "" && !hunk.counted) {
        hunk.lines.push(" ");
        hunk.implicitBlankTail++;
        continue;
      }
      closeHunk();
      // fall through: the line may be a header line of the next section or prose
    }
    if (!cur && line.startsWith("Binary files ")) startSection();
    if (!cur) continue;
    const c: DiffSection = cur;
    if (line === "GIT binary patch") {
      c.binary = true;
      inBinary = true;
      continue;
    }
    if (c.hunks.length === 0 && HEADER_LINE.test(line)) {
      c.headerLines.push(line);
      if (line.startsWith("Binary files ")) c.binary = true;
      if (line.startsWith("copy from ")) c.copy = true;
    }
    // anything else is prose or a markdown fence: dropped
  }
  closeHunk();
  return { sections, problems };
}

/**
 * A fence inside a markdown list is indented ("   ```diff"), and so is every line in it; strip that
 * indentation so the diff's own leading spaces (context lines) survive.
 */
function dedentFences(lines: string[]): string[] {
  const out = [...lines];
  for (let i = 0; i < out.length; i++) {
    const open = /^( +)(`{3,}|~{3,})/.exec(out[i]!);
    if (!open) continue;
    const [, indent, fence] = open;
    let j = i + 1;
    while (j < out.length && !out[j]!.startsWith(`${indent}${fence![0]!.repeat(3)}`)) j++;
    if (j >= out.length) continue;
    // Only a real indented block: every line carries the indent. A hunk's context line " ```" must not trigger this.
    const body = out.slice(i + 1, j);
    if (indent!.length < 2 || !body.every((l) => l === "" || l.startsWith(indent!))) continue;
    for (let k = i + 1; k < j; k++) out[k] = out[k]!.slice(indent!.length);
    i = j;
  }
  return out;
}

/** Whether a `---`/`+++` pair continues the `diff --git` section before it (a header-only deletion may precede another file). */
function namesSameFile(gitLine: string, minus: string, plus: string): boolean {
  const clean = (l: string) => l.slice(4).split("\t")[0]!.replace(/^"|"$/g, "").replace(/^[ab]\//, "");
  const p = clean(plus) === "/dev/null" ? clean(minus) : clean(plus);
  return gitLine.replace(/"/g, "").endsWith(`/${p}`) || gitLine.replace(/"/g, "").endsWith(` ${p}`);
}

/** Rebuilds a section as a well-formed diff with hunk counts that match the lines. */
export function sectionText(s: DiffSection): string {
  const out = [...s.headerLines];
  for (const h of s.hunks) {
    let oldCount = 0;
    let newCount = 0;
    for (const l of h.lines) {
      if (l[0] === " " || l[0] === "-") oldCount++;
      if (l[0] === " " || l[0] === "+") newCount++;
    }
    out.push(`@@ -${h.oldStart},${oldCount} +${h.newStart},${newCount} @@`, ...h.lines);
  }
  return out.join("\n") + "\n";
}
