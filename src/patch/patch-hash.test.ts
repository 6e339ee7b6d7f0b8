import { expect, test } from "@jest/globals";
import { patchHash } from "./patch-hash.js";

const DIFF = "--- a/src/math.js\n+++ b/src/math.js\n@@ -1,3 +1,3 @@\n export function sum(a, b) {\n-  return a - b;\n+  return a + b;\n \n }\n";

test("the same diff with other line endings or trailing whitespace is the same patch", () => {
  expect(patchHash(DIFF.replace(/\n/g, "\r\n"))).toBe(patchHash(DIFF));
  expect(patchHash(DIFF.replace("\n \n", "\n\n").replace("b) {", "b) {  "))).toBe(patchHash(DIFF));
  expect(patchHash(`${DIFF}\n\n`)).toBe(patchHash(DIFF));
});

test("a change of content or indentation is another patch", () => {
  expect(patchHash(DIFF.replace("a + b", "b + a"))).not.toBe(patchHash(DIFF));
  expect(patchHash(DIFF.replace("+  return", "+    return"))).not.toBe(patchHash(DIFF));
});
