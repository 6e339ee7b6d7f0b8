import { describe, expect, test } from "@jest/globals";
import { terminalJson, terminalLine, terminalText } from "../../src/cli/terminal-text.js";

describe("terminal text", () => {
  test("text without controls is returned as it is: accents, CJK, emoji, arrows, Windows paths", () => {
    const plain = "café 日本語 🚀 → C:\\x1b\\new ✘ ● `npm test` [REDACTED] ‘quotes’ \u200b";
    expect(terminalLine(plain)).toBe(plain);
    expect(terminalText(plain)).toBe(plain);
    expect(terminalText("a\n\tb")).toBe("a\n\tb");
  });

  test("a line escapes the layout's \\n and \\t too; a block keeps them", () => {
    expect(terminalLine("a\nb\tc\rd")).toBe("a\\nb\\tc\\rd");
    expect(terminalText("a\nb\tc\rd")).toBe("a\nb\tc\\rd");
  });

  test("DEL, C1 and bidi controls are shown by code", () => {
    expect(terminalLine("\x7f\x85\u009b\u061c\u200e\u200f\u2028\u2029\u202a\u202e\u2066\u2069")).toBe(
      "\\x7f\\x85\\x9b\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069",
    );
  });

  test("--json: the same value to a JSON reader, nothing raw for a terminal", () => {
    const value = { s: "\x1b[31m\x7f\u009b\u2028\u202e ok" };
    const text = terminalJson(value);
    expect(text).toBe('{\n  "s": "\\u001b[31m\\u007f\\u009b\\u2028\\u202e ok"\n}\n');
    expect(JSON.parse(text)).toEqual(value);
  });
});
