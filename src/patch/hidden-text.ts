import { codePointName, hiddenChars, showHiddenChars, type HiddenChar, type HiddenKind } from "../core/hidden-chars.js";
import { redactHead } from "../core/redact.js";
import type { Finding } from "./greenwash.js";
import type { FilePatch, Hunk } from "./types.js";

/**
 * Lines the patch adds that read differently from what they are (src/core/hidden-chars.ts): a bidirectional
 * control that shows a reviewer a comment where the compiler sees code ("Trojan Source"), an invisible
 * character inside an identifier or string, tag characters carrying text nobody sees, a raw control character,
 * or an identifier mixing Latin letters with Cyrillic or Greek look-alikes (`аdmin` with a Cyrillic `а` is
 * another name than `admin`). A prompt-injected or confused model can write any of them, and review would
 * not catch it, so the patch is refused (allow.hidden_text lets it through).
 *
 * What the file already had passes: a line the patch removes and adds back unchanged (moved), a character the file already held (a test fixture of
 * bidi controls, a Persian string with its ZWNJ), and the BOM at the start of a file that started with one.
 * Non-Latin text (CJK, Arabic, Hebrew words in a string or a comment) is text, not hidden: only the control
 * and invisible characters, and mixed-script identifiers, are refused. A line holding only form feeds (a page
 * break in Python or C sources) is shown by every editor and passes.
 */
export function findHiddenText(fp: FilePatch, before: string | null): Finding[] {
  if (fp.status === "deleted") return [];
  // A name the patch gives: a file that has its name already (a fixture named to test such names) keeps it.
  // The refusal names it escaped, as the PR's earlier tries show the file it names.
  const inPath = fp.status === "added" || fp.status === "renamed" ? hiddenChars(fp.path)[0] : undefined;
  if (inPath) {
    return [{ rule: "hidden_text", file: showHiddenChars(fp.path), reason: `the path ${fp.path.length > 200 ? "" : `"${showHiddenChars(fp.path)}" `}holds ${describe(inPath)}; name the file with visible characters only` }];
  }
  const startsWithBom = before?.startsWith("\ufeff") ?? false;
  const known = new Set(hiddenChars(startsWithBom ? before!.slice(1) : (before ?? "")).map((h) => h.codePoint));
  const removed = new Set(fp.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "-").map((l) => l.text)));
  const knownWords = before ?? "";
  for (const h of fp.hunks) {
    let line = newStart(h);
    let first = h.oldStart <= 1;
    for (const l of h.lines) {
      if (l.kind === "-") continue;
      const at = line++;
      const top = first;
      first = false;
      if (l.kind !== "+" || removed.has(l.text) || /^\f+$/.test(l.text)) continue;
      const hidden = hiddenChars(l.text).find((c) => !known.has(c.codePoint) && !(c.index === 0 && c.codePoint === 0xfeff && top && startsWithBom));
      if (hidden) {
        return [{
          rule: "hidden_text",
          file: fp.path,
          hunk: h.header,
          reason: `the patch adds ${describe(hidden)} at ${fp.path} line ${at}, column ${hidden.index + 1}: ${excerpt(l.text, hidden.index)}. ` +
            `Write the line again without it; if the character is wanted in a string, write it as an escape (${escapeOf(hidden.codePoint)}), or allow hidden_text in .github/ci-bot.yml`,
        }];
      }
      const mixed = mixedScriptTokens(l.text).find((m) => !knownWords.includes(m.token));
      if (mixed) {
        const lookalike = mixed.letters.every((c) => LOOKALIKES[c]);
        return [{
          rule: "hidden_text",
          file: fp.path,
          hunk: h.header,
          reason: `the patch adds the identifier "${mixed.token}" at ${fp.path} line ${at}, which mixes Latin letters with ${mixed.script} ones (${mixed.letters.map((c) => `${codePointName(c.codePointAt(0)!)} ${mixed.script.toUpperCase()} "${c}"`).join(", ")})` +
            (lookalike ? `, which look like Latin ones: it reads as "${toLatin(mixed.token)}" but is another name. ` : `: a name in two scripts is how a look-alike of another name is made. `) +
            `Write it in Latin letters only, or allow hidden_text in .github/ci-bot.yml`,
        }];
      }
    }
  }
  return [];
}

const KINDS: Record<HiddenKind, string> = {
  bidi: "a bidirectional control: it reorders how the line is displayed, so the code reads differently from what it does, as Trojan Source attacks do, CVE-2021-42574",
  invisible: "an invisible character: two names or strings look the same while they differ",
  tag: "a Unicode tag character: invisible, it can carry text nobody reading the change sees",
  variation: "a variation selector not after an emoji or ideograph: invisible, it can carry data nobody reading the change sees",
  control: "a control character: terminals and editors act on it or hide it",
};

const NAMES: Record<number, string> = {
  0x061c: "ARABIC LETTER MARK", 0x200e: "LEFT-TO-RIGHT MARK", 0x200f: "RIGHT-TO-LEFT MARK",
  0x202a: "LEFT-TO-RIGHT EMBEDDING", 0x202b: "RIGHT-TO-LEFT EMBEDDING", 0x202c: "POP DIRECTIONAL FORMATTING",
  0x202d: "LEFT-TO-RIGHT OVERRIDE", 0x202e: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
  0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
  0x00ad: "SOFT HYPHEN", 0x200b: "ZERO WIDTH SPACE", 0x200c: "ZERO WIDTH NON-JOINER", 0x200d: "ZERO WIDTH JOINER",
  0x2060: "WORD JOINER", 0xfeff: "ZERO WIDTH NO-BREAK SPACE (BOM)", 0x3164: "HANGUL FILLER", 0x2028: "LINE SEPARATOR",
  0x2029: "PARAGRAPH SEPARATOR", 0x00: "NUL", 0x07: "BEL", 0x08: "BACKSPACE", 0x0b: "VERTICAL TAB", 0x0c: "FORM FEED",
  0x0d: "CARRIAGE RETURN (not of a CRLF line end)", 0x1b: "ESCAPE", 0x7f: "DELETE",
};

const describe = (h: HiddenChar) => `${codePointName(h.codePoint)}${NAMES[h.codePoint] ? ` ${NAMES[h.codePoint]}` : ""} (${KINDS[h.kind]})`;

/** The new side's first line, from the header (`@@ -a,b +c,d @@`); the old side's when the model wrote no such header. */
const newStart = (h: Hunk): number => {
  const m = /\+(\d+)/.exec(h.header);
  return m ? Math.max(1, Number(m[1])) : Math.max(1, h.oldStart);
};

const escapeOf = (cp: number) => (cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, "0")}`);

/** The line around the character, hidden characters written as escapes: the refusal must not carry them itself. */
function excerpt(text: string, index: number): string {
  const from = Math.max(0, index - 40);
  const part = text.slice(from, index + 40);
  return `"${from > 0 ? "…" : ""}${showHiddenChars(redactHead(part, 100))}${index + 40 < text.length ? "…" : ""}"`;
}

/** Cyrillic and Greek letters a reader takes for Latin ones, with the Latin letter they show. */
const LOOKALIKES: Record<string, string> = {
  а: "a", е: "e", о: "o", р: "p", с: "c", у: "y", х: "x", і: "i", ј: "j", ѕ: "s", һ: "h", ԁ: "d", ԛ: "q", ԝ: "w", ӏ: "l",
  А: "A", В: "B", Е: "E", К: "K", М: "M", Н: "H", О: "O", Р: "P", С: "C", Т: "T", Х: "X", І: "I", Ј: "J", Ѕ: "S", У: "Y",
  ο: "o", ν: "v", ι: "i", ρ: "p", Α: "A", Β: "B", Ε: "E", Ζ: "Z", Η: "H", Ι: "I", Κ: "K", Μ: "M", Ν: "N", Ο: "O", Ρ: "P", Τ: "T", Υ: "Y", Χ: "X",
};
const toLatin = (token: string) => [...token].map((c) => LOOKALIKES[c] ?? c).join("");

/**
 * The identifier-like tokens mixing Latin letters with Cyrillic ones (no real name does), or with Greek
 * letters that look like Latin ones: `Δt` and `σ_x` are how scientific code names things, `nοde` with a Greek
 * omicron is not. A word wholly in another script is a word.
 */
function mixedScriptTokens(text: string): Array<{ token: string; script: "Cyrillic" | "Greek"; letters: string[] }> {
  const found: Array<{ token: string; script: "Cyrillic" | "Greek"; letters: string[] }> = [];
  for (const [token] of text.matchAll(/[\p{L}\p{M}\p{N}_$]+/gu)) {
    if (!/\p{Script=Latin}/u.test(token)) continue;
    const cyrillic = token.match(/\p{Script=Cyrillic}/gu);
    const greek = token.match(/\p{Script=Greek}/gu)?.filter((c) => LOOKALIKES[c]);
    if (cyrillic) found.push({ token, script: "Cyrillic", letters: [...new Set(cyrillic)] });
    else if (greek?.length) found.push({ token, script: "Greek", letters: [...new Set(greek)] });
  }
  return found;
}
