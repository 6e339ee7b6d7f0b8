import { escapeRawInJson } from "../core/escape-raw-in-json.js";
import { BIDI_CONTROLS, LINE_SEPARATORS } from "../core/hidden-chars.js";

/**
 * Text for the operator's terminal. What the CLI prints comes from untrusted places (CI log lines, test and
 * branch names, PR titles, model output, GitHub's answers), and a terminal acts on what it is sent: ESC and
 * C1 sequences recolour, move the cursor, clear or rewrite earlier lines, set the window title (OSC 0/2),
 * make links (OSC 8) or write the clipboard (OSC 52); a bare CR overwrites the line; bidi overrides reorder
 * what is shown. Each such character is shown as an escape instead (`\x1b`, `\r`, `\u202e`), so the operator
 * sees that it was there and nothing acts on it. Text without them is returned unchanged; a backslash is not
 * doubled (a Windows path stays readable), so `--json` is the exact form when one is needed.
 */

// C0 controls and DEL, C1 controls, the line and paragraph separators and the bidi controls.
const CONTROL = new RegExp(`[\\x00-\\x1f\\x7f-\\x9f${LINE_SEPARATORS}${BIDI_CONTROLS}]`, "g");
const CONTROL_BUT_LAYOUT = new RegExp(`[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f${LINE_SEPARATORS}${BIDI_CONTROLS}]`, "g");

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return NAMED[c] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
}

/** One line's worth (a table cell, a field): every control escaped, `\n` and `\t` too, so no value can start a line of its own. */
export function terminalLine(text: string): string {
  return text.replace(CONTROL, visible);
}

/** A block whose line breaks and tabs are its layout (a log excerpt, a whole report): every other control escaped. */
export function terminalText(text: string): string {
  return text.replace(CONTROL_BUT_LAYOUT, visible);
}

/**
 * `--json` output, safe to print as it is: JSON.stringify's text with what it leaves raw written as `\uXXXX`.
 * Those characters can only be inside strings (JSON's own syntax is ASCII), where `\uXXXX` is the same
 * character to any JSON reader: `jq` and JSON.parse get exactly the stored value, a terminal gets no control.
 */
export function terminalJson(value: unknown): string {
  return `${escapeRawInJson(JSON.stringify(value, null, 2))}\n`;
}
