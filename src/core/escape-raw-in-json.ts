import { BIDI_CONTROLS, LINE_SEPARATORS } from "./hidden-chars.js";

/**
 * What JSON.stringify leaves raw in its text: DEL, the C1 controls, the line and paragraph separators and the
 * bidi controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the marks U+200E/U+200F/
 * U+061C). JSON's own syntax is ASCII, so they can only be inside strings.
 */
const RAW = new RegExp(`[\\x7f-\\x9f${LINE_SEPARATORS}${BIDI_CONTROLS}]`, "g");

/**
 * JSON text with those characters written as `\uXXXX`: the same value to any JSON reader, and nothing a
 * terminal acts on (an 8-bit CSI) or a viewer reorders (a bidi override from a CI log or a model's answer
 * hiding part of a line) when the JSON is read as text: a log line on the console, an admin answer in curl.
 */
export function escapeRawInJson(json: string): string {
  return json.replace(RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
