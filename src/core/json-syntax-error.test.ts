import { describe, expect, test } from "@jest/globals";
import { jsonSyntaxError } from "./json-syntax-error.js";

/** JSON.parse's position, where its message gives one ("… in JSON at position N"). */
function v8Position(text: string): number | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const m = / at position (\d+)/.exec((err as Error).message);
    return m ? Number(m[1]) : -1;
  }
}

describe("jsonSyntaxError", () => {
  test.each([
    "{}", "[]", " {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\\u00e9\\n\\\"\"] } ", "\"é𝄞\"", "0", "-0.1E-2", "[[[[{}]]]]",
    JSON.stringify({ nested: { list: [1, "two", { three: [null] }], empty: {}, text: "tab\there" } }),
  ])("JSON: %s", (text) => {
    expect(v8Position(text)).toBeUndefined();
    expect(jsonSyntaxError(text)).toBeUndefined();
  });

  test.each([
    ['{"a": 1,}', 8, "a property name in double quotes"],
    ['{"a" 1}', 5, "':'"],
    ['{"a": 1 "b": 2}', 8, "',' or '}'"],
    ["[1, 2", 5, "',' or ']'"],
    ["[1 2]", 3, "',' or ']'"],
    ['{"a": "abc', 10, "'\"' (the string's end)"],
    ['"a\\x"', 3, "an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)"],
    ['"\\u12G4"', 5, "a hexadecimal digit of a \\u escape"],
    ['"a\nb"', 2, "no control character (a string's characters below U+0020 are escaped)"],
    ["-", 1, "a digit"],
    ["1.", 2, "a digit"],
    ["1e+", 3, "a digit"],
    ["[01]", 2, "',' or ']'"],
    ["{\"a\": tru}", 6, "a value"],
    ["", 0, "a value"],
    ["\uFEFF{}", 0, "a value"],
    ['{"a": 1} x', 9, undefined],
  ])("%j breaks at %d: %s expected", (text, position, expected) => {
    expect(jsonSyntaxError(text)).toEqual(expected === undefined ? { position } : { position, expected });
    // Where V8 says where, it says the same place.
    const v8 = v8Position(text);
    if (v8 !== -1) expect(v8).toBe(position);
  });
});
