import { describe, expect, test } from "@jest/globals";
import { statementAt, statementKey, statementsOf } from "./assertion-statements.js";
import type { Hunk, HunkLine } from "./types.js";

const hunk = (lines: string[]): Hunk => ({ header: "@@ -1 +1 @@", oldStart: 1, lines: lines.map((l): HunkLine => ({ kind: l[0] as HunkLine["kind"], text: l.slice(1) })) });
const texts = (lines: string[], kind: "-" | "+" = "+") => statementsOf(hunk(lines), kind).map((s) => s.text);

describe("statementsOf", () => {
  test.each<[string, string[], string[]]>([
    ["prettier's wrapped subject", ["     expect(", '       computeTotal(order, { currency: "EUR" }),', "+    ).toBe(1234);"], ['    expect(computeTotal(order, { currency: "EUR" })).toBe(1234);']],
    ["prettier's wrapped expected value", ["+    expect(total(order)).toEqual(", "+      1234,", "+    );"], ["    expect(total(order)).toEqual(1234);"]],
    ["an object literal after the matcher", ["+    expect(make()).toEqual({", "+      id: 1,", "+    });"], ["    expect(make()).toEqual({id: 1});"]],
    ["black's parenthesized assert", ["+    assert (", "+        compute_total(order)", "+        == 1234", "+    )"], ["    assert (compute_total(order) == 1234)"]],
    ["black's wrapped unittest call", ["+        self.assertEqual(", "+            compute_total(order),", "+            1234,", "+        )"], ["        self.assertEqual(compute_total(order), 1234)"]],
    ["a matcher carried on the next line", ["+    expect(screen.getByRole(\"status\"))", "+      .toHaveTextContent(\"3 items\");"], ['    expect(screen.getByRole("status")).toHaveTextContent("3 items");']],
    ["a wrapped chain carried on", ["+    expect(", "+      total(order),", "+    )", "+      .toBe(3);"], ["    expect(total(order)).toBe(3);"]],
  ])("joins %s", (_name, lines, want) => {
    expect(texts(lines)).toEqual(want);
  });

  test.each<[string, string[]]>([
    ["a test's block", ['+test("adds", () => {', "+  expect(sum([1, 2])).toBe(3);", "+});"]],
    ["a Go if", ["+\tif got != want {", '+\t\tt.Fatal("wrong")', "+\t}"]],
    ["an assertion cut by a blank line", ["+    expect(", "+", "+    ).toBe(3);"]],
    ["an assertion the hunk ends inside", ["+    expect(", "+      total(order),"]],
    ["an assertion ended by its semicolon, before a line starting with a dot", ["+    expect(a).toBe(1);", "+    .5 + x;"]],
    ["an assertion whose carried-on chain is cut by the hunk's end", ["+    expect(x)", "+      .toEqual("]],
    ["a commented-out assertion", ["+    // expect(", "+    //   total(order),", "+    // ).toBe(3);"]],
  ])("keeps the lines of %s apart", (_name, lines) => {
    expect(texts(lines)).toEqual(lines.map((l) => l.slice(1)));
  });

  test("statementAt joins the statement starting on a line, and says where it ends", () => {
    const lines = ["    if result is not None:", "        assert result == total(", "            order, currency=\"EUR\"", "        )", "    done()"];
    expect(statementAt(lines, 1)).toEqual({ text: '        assert result == total(order, currency="EUR")', end: 3 });
    expect(statementAt(lines, 4)).toEqual({ text: "    done()", end: 4 });
  });

  test("reads each side with the context, and marks what the patch changes", () => {
    const lines = ["     expect(", "       total(order),", "-    ).toBe(1234);", "+    ).toBeGreaterThan(0);", "     done();"];
    expect(statementsOf(hunk(lines), "-")).toEqual([{ text: "    expect(total(order)).toBe(1234);", changed: true }, { text: "    done();", changed: false }]);
    expect(statementsOf(hunk(lines), "+")).toEqual([{ text: "    expect(total(order)).toBeGreaterThan(0);", changed: true }, { text: "    done();", changed: false }]);
  });

  test("statementKey reads black's parenthesized assert as the assert it wraps, a tuple not", () => {
    expect(statementKey("    assert (result == total(order))")).toBe(statementKey("assert result == total( order )"));
    expect(statementKey('assert (result == 3), "message"')).toBe(statementKey('assert result == 3, "message"'));
    expect(statementKey('assert (result == 3, "message")')).not.toBe(statementKey('assert result == 3, "message"'));
    expect(statementKey("assert (a) == b")).toBe("assert(a)==b");
  });
});
