/**
 * Characters that make text read differently from what it is: bidirectional controls, which reorder how a
 * line is displayed so code shows one thing and runs another ("Trojan Source", CVE-2021-42574); invisible
 * and format characters, which make two identifiers or strings look the same while they differ, or carry
 * text nobody sees (tag characters, a run of variation selectors); and raw control characters (ESC starts a
 * terminal escape, BEL, a lone CR that overwrites the start of the line in a terminal). A model's text is
 * committed to people's repositories and published to reviewers: these must not reach either unseen.
 *
 * Legitimate uses are left alone: a zero-width joiner inside an emoji sequence (👨‍👩‍👧) or between letters
 * of scripts that need it (Persian, Indic), one variation selector after an emoji (⚠️) or an ideograph,
 * the tag sequence of a subdivision flag (🏴 England), tab, and LF or CRLF line ends.
 */
export type HiddenKind = "bidi" | "invisible" | "tag" | "variation" | "control";

export interface HiddenChar {
  /** UTF-16 index in the text. */
  index: number;
  codePoint: number;
  kind: HiddenKind;
}

/**
 * The bidi controls, as the inside of a character class: embeddings and overrides U+202A–U+202E, isolates
 * U+2066–U+2069, and the marks U+200E/U+200F/U+061C, which reorder neutral characters around them. Shared
 * by every place that keeps them from reordering what people read (the CLI, JSON out, PR text, the policy).
 */
export const BIDI_CONTROLS = "\\u202a-\\u202e\\u2066-\\u2069\\u200e\\u200f\\u061c";
/** The line and paragraph separators: some terminals and JavaScript break lines on them, editors may not. */
export const LINE_SEPARATORS = "\\u2028\\u2029";
const BIDI = new RegExp(`[${BIDI_CONTROLS}]`, "u");
/**
 * Zero-width and other invisible format characters, Hangul fillers (which JavaScript accepts in identifiers,
 * so `const ㅤ = …` names an invisible variable), the soft hyphen, line and paragraph separators (JavaScript
 * reads them as line ends, editors may not), interlinear annotation marks.
 */
const INVISIBLE = /[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200d\u2028\u2029\u2060-\u2064\u206a-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{1d173}-\u{1d17a}]/u;
const TAG = /[\u{e0000}-\u{e007f}]/u;
const VARIATION = /[\ufe00-\ufe0f\u{e0100}-\u{e01ef}]/u;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/u;
/** A subdivision flag: black flag, two to seven tag letters or digits, cancel tag. */
const TAG_FLAG = /\u{1f3f4}[\u{e0030}-\u{e0039}\u{e0061}-\u{e007a}]{2,7}\u{e007f}/gu;
const PICTOGRAPHIC = /[\p{Extended_Pictographic}\u{1f3fb}-\u{1f3ff}]/u;
/** Letters of a script where ZWJ/ZWNJ change how letters join (Arabic, Persian, Devanagari…), not Latin, Greek or Cyrillic. */
const JOINING_LETTER = /^(?![\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Inherited}])[\p{L}\p{M}]$/u;

/** Every hidden character in `text`, in order. LF, tab and the CR of a CRLF are text, not hidden. */
export function hiddenChars(text: string): HiddenChar[] {
  const flags = new Set<number>();
  for (const m of text.matchAll(TAG_FLAG)) for (let k = m.index; k < m.index + m[0].length; k++) flags.add(k);
  const chars = [...text];
  const found: HiddenChar[] = [];
  let index = 0;
  for (let k = 0; k < chars.length; index += chars[k]!.length, k++) {
    const c = chars[k]!;
    const prev = chars[k - 1] ?? "";
    const next = chars[k + 1] ?? "";
    let kind: HiddenKind | undefined;
    if (BIDI.test(c)) kind = "bidi";
    else if (TAG.test(c)) kind = flags.has(index) ? undefined : "tag";
    else if (VARIATION.test(c)) kind = variationShown(c, prev, next) ? undefined : "variation";
    else if (c === "\u200d" || c === "\u200c") kind = joins(c, prev, next) ? undefined : "invisible";
    else if (INVISIBLE.test(c)) kind = "invisible";
    else if (c === "\r") kind = next === "\n" ? undefined : "control";
    else if (CONTROL.test(c)) kind = "control";
    if (kind) found.push({ index, codePoint: c.codePointAt(0)!, kind });
  }
  return found;
}

/** ZWJ in an emoji sequence (👨‍👩‍👧, 🏳️‍🌈), or either joiner between letters of a script that uses them. */
function joins(c: string, prev: string, next: string): boolean {
  if (c === "\u200d" && (PICTOGRAPHIC.test(prev) || prev === "\ufe0f") && PICTOGRAPHIC.test(next)) return true;
  return JOINING_LETTER.test(prev) && JOINING_LETTER.test(next);
}

/** One selector after an emoji (⚠️, a keycap 1️⃣), or an ideographic variation selector after a CJK ideograph. */
function variationShown(c: string, prev: string, next: string): boolean {
  if (VARIATION.test(prev)) return false;
  if (c.codePointAt(0)! >= 0xe0100) return /\p{Ideographic}/u.test(prev);
  if (/^[0-9#*]$/.test(prev)) return next === "\u20e3";
  return /\p{Emoji}/u.test(prev);
}

/** `U+202E`, as refusals and notes name a character. */
export const codePointName = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * `text` with each hidden character written as an escape (`\u202e`, `\u{e0041}`): a reviewer sees that
 * something was there, and what, instead of text reordered or carrying what nobody can read.
 */
export function showHiddenChars(text: string): string {
  const found = hiddenChars(text);
  if (!found.length) return text;
  let out = "";
  let at = 0;
  for (const h of found) {
    const len = h.codePoint > 0xffff ? 2 : 1;
    const hex = h.codePoint.toString(16);
    out += text.slice(at, h.index) + (h.codePoint > 0xffff ? `\\u{${hex}}` : `\\u${hex.padStart(4, "0")}`);
    at = h.index + len;
  }
  return out + text.slice(at);
}
