import { describe, expect, test } from "@jest/globals";
import { statementsOf } from "./assertion-statements.js";
import type { Hunk, HunkLine } from "./types.js";
import { withWrappedContext } from "./with-wrapped-context.js";

const hunk = (oldStart: number, lines: string[]): Hunk => ({ header: `@@ -${oldStart} @@`, oldStart, lines: lines.map((l): HunkLine => ({ kind: l[0] as HunkLine["kind"], text: l.slice(1) })) });
const changed = (hunks: Hunk[], kind: "-" | "+") => hunks.flatMap((h) => statementsOf(h, kind).filter((s) => s.changed).map((s) => s.text.trim()));

const TALL = ["def test_total():", "    assert (", "        compute_total(", "            order,", "            currency=\"EUR\",", "        )", "        == 1234", "    )", "", "def test_other():", "    assert total == 3", ""].join("\n");

describe("withWrappedContext", () => {
  test("reads the head of a wrap from the file when it is above the hunk's context", () => {
    const h = hunk(4, ["             order,", "             currency=\"EUR\",", "         )", "-        == 1234", "+        > 0", "     )"]);
    const [wide] = withWrappedContext(TALL, [h]);
    expect(changed([wide!], "-")).toEqual(['assert (compute_total(order, currency="EUR") == 1234)']);
    expect(changed([wide!], "+")).toEqual(['assert (compute_total(order, currency="EUR") > 0)']);
    expect(wide!.oldStart).toBe(2);
  });

  test("reads the end of a wrap from the file when it is below the hunk's context", () => {
    const file = ["class T:", "    def test(self):", "        self.assertEqual(", "            compute_total(", "                order,", "                currency=\"EUR\",", "            ),", "            1234,", "        )", ""].join("\n");
    const h = hunk(2, ["     def test(self):", "-        self.assertEqual(", "+        self.assertGreater(", "             compute_total(", "                 order,", "                 currency=\"EUR\","]);
    const [wide] = withWrappedContext(file, [h]);
    expect(changed([wide!], "+")).toEqual(['self.assertGreater(compute_total(order, currency="EUR"), 1234)']);
  });

  test("leaves a hunk alone when no statement crosses its edges, and does not read another test's lines", () => {
    const h = hunk(11, ["-    assert total == 3", "+    assert total > 0"]);
    expect(withWrappedContext(TALL, [h])).toEqual([h]);
  });

  test("does not read into another hunk's lines, and leaves hunks that do not apply as they are", () => {
    const first = hunk(2, ["     assert (", "-        compute_total(", "+        compute_total_eur("]);
    const second = hunk(7, ["-        == 1234", "+        > 0", "     )"]);
    const wide = withWrappedContext(TALL, [first, second]);
    // The head is in the first hunk, and what this one would need of the file lies in it: read apart, as before.
    expect(wide).toEqual([first, second]);
    const missing = hunk(1, ["-not in the file", "+x"]);
    expect(withWrappedContext(TALL, [missing])).toEqual([missing]);
  });
});
