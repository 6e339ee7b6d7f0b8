import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "@jest/globals";
import { dropRedraws, stripAnsi } from "../../src/logs/line-format.js";

const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/logs/${p}`, import.meta.url));

describe("stripAnsi: a log line as a person reads it", () => {
  test("real jest --colors output loses every code and keeps every character of its text", async () => {
    const text = stripAnsi(await readFile(fixture("snippets/jest-colors.log"), "utf8"));
    expect(text).not.toContain("\x1b");
    expect(text.split("\n").slice(0, 4)).toEqual([" FAIL  ./sum.test.js", "  ✕ sum adds (26 ms)", "", "  ● sum adds"]);
    expect(text).toContain("    expect(received).toBe(expected) // Object.is equality");
  });

  test("real pip/rich progress lines: private modes and line clears", async () => {
    const raw = (await readFile(fixture("ci-logs/gha-bugswarm/27530380915.log"), "utf8")).split("\n").filter((l) => l.includes("\x1b[?25l") || l.includes("\x1b[2K"));
    expect(raw.length).toBeGreaterThan(0);
    for (const l of raw) expect(stripAnsi(l)).not.toContain("\x1b");
  });

  test.each([
    ["OSC 8 hyperlink, BEL and ST ended", "see \x1b]8;;https://example.com/\x07docs\x1b]8;;\x07 and \x1b]8;;https://example.com/\x1b\\more\x1b]8;;\x1b\\", "see docs and more"],
    ["OSC 0 window title", "\x1b]0;npm test\x07PASS", "PASS"],
    // ITU T.416 colours separate their parameters with `:` (ECMA-48 parameter bytes are 0x30-0x3F).
    ["truecolour with colon parameters", "\x1b[38:2::255:0:0mred\x1b[0m", "red"],
    ["private parameters (<=>)", "\x1b[>4;2mkeys\x1b[<u", "keys"],
    ["save and restore the cursor (ESC 7 / ESC 8)", "\x1b7 50%\x1b8done", " 50%done"],
    ["charset selection", "\x1b(Bplain", "plain"],
  ])("%s", (_what, input, expected) => {
    expect(stripAnsi(input)).toBe(expected);
  });

  test("text without ESC is returned as it is", () => {
    const plain = "C:\\new\\x1b 50% [====>   ] ✓ café";
    expect(stripAnsi(plain)).toBe(plain);
  });
});

describe("dropRedraws: each line as the terminal last drew it", () => {
  test.each([
    ["a progress bar redrawn with bare \\r", "Downloading 50%\rDownloading 60%\rDownloading 100%\ndone\n", "Downloading 100%\ndone\n"],
    ["CRLF line ends are not redraws", "one\r\ntwo\r\n", "one\r\ntwo\r\n"],
    ["a redrawn line that ends in CRLF keeps its line end", "10%\r100%\r\nok", "100%\r\nok"],
    ["a \\r at the end of the text moves no text", "building\r", "building\r"],
    ["several \\r before the line end, and a line of only \\r", "a\rb\r\r\n\r\n", "b\r\r\n\r\n"],
    ["a redraw of blanks clears the line", "Fetching 3/9\r           \nok", "           \nok"],
  ])("%s", (_what, input, expected) => {
    expect(dropRedraws(input)).toBe(expected);
  });
});
