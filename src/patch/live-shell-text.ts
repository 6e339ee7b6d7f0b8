import { commandSegments } from "./command-segments.js";

/**
 * The part of a shell script that can run, for comparing what it runs before and after a patch.
 * Left out: comments, `: '…'` and `: <<EOF` comment blocks, heredoc bodies (data, unless fed to a
 * shell), the branch of `if false; then`, and everything after a top-level `exit`, `exit 0`, `return`
 * or `return 0` (which end the script with success). `exit 1` and exits inside `if`, loops and
 * functions are kept: they end the script only on some path, usually an error.
 */
export function liveShellText(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").replace(/\\\n/g, " ").split("\n").map(stripComment);
  const out: string[] = [];
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const block = /^\s*:\s+(['"])/.exec(line);
    if (block) {
      i = closingLine(lines, i, line.indexOf(block[1]!) + 1, block[1]!);
      continue;
    }
    const here = /(?<!<)<<(?!<)-?\s*(['"]?)([A-Za-z_]\w*)\1/.exec(line);
    if (here) {
      let end = lines.findIndex((l, j) => j > i && l.replace(/^\t+/, "") === here[2]);
      if (end < 0) end = lines.length;
      const program = commandSegments(line)[0]?.[0];
      if (program !== ":") out.push(line);
      if (program !== undefined && /^(ba|z|da|k)?sh$/.test(program)) out.push(...lines.slice(i + 1, end));
      i = end;
      continue;
    }
    if (/^\s*if\s+(false|\/bin\/false|!\s*true)\s*(;|$)/.test(line)) {
      i = skipDeadBranch(lines, i, out);
      continue;
    }
    if (depth === 0 && /^\s*(exit|return)(\s+0)?\s*;?\s*$/.test(line)) {
      out.push(line);
      break;
    }
    depth = Math.max(0, depth + nesting(line));
    out.push(line);
  }
  return out.filter((l) => l.trim()).join("\n");
}

/** `#` starts a comment at the start of a word, outside quotes (`$#`, `${#x}` and `a#b` are not comments). */
function stripComment(line: string): string {
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = "";
    } else if (c === "\\") i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /[\s;&|(]/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/** The index of the line holding the quote that closes the one opened at `lines[from][col - 1]`. */
function closingLine(lines: string[], from: number, col: number, quote: string): number {
  for (let j = from; j < lines.length; j++) {
    if (lines[j]!.indexOf(quote, j === from ? col : 0) >= 0) return j;
  }
  return lines.length;
}

/** How far a line opens (`if`, `case`, loops, `{`) or closes (`fi`, `esac`, `done`, `}`) blocks. */
function nesting(line: string): number {
  let d = 0;
  for (const words of commandSegments(line)) {
    const first = words[0]!;
    if (/^(if|case|for|while|until|select)$/.test(first)) d++;
    else if (/^(fi|esac|done|\})$/.test(first)) d--;
    d += words.filter((w) => w === "{").length;
  }
  return d;
}

/**
 * Skips the body of `if false; then` up to its `else`, `elif` or `fi`, returning the last line skipped.
 * An else branch always runs, so it is kept, opened as `if true; then` to keep the `fi` balanced.
 */
function skipDeadBranch(lines: string[], from: number, out: string[]): number {
  let depth = nesting(lines[from]!);
  if (depth <= 0) return from;
  for (let j = from + 1; j < lines.length; j++) {
    const first = commandSegments(lines[j]!)[0]?.[0];
    if (depth === 1 && first === "else") {
      out.push("if true; then");
      return j;
    }
    if (depth === 1 && first === "elif") {
      out.push(lines[j]!.replace(/^\s*elif\b/, "if"));
      return j;
    }
    depth += nesting(lines[j]!);
    if (depth <= 0) return j;
  }
  return lines.length;
}
