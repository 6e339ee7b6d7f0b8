import { describe, expect, test } from "@jest/globals";
import { findRelaxedAssertions } from "./relaxed-assertion.js";
import type { Hunk, HunkLine } from "./types.js";

const hunk = (lines: string[], header = "@@ -1 +1 @@"): Hunk => ({ header, oldStart: 1, lines: lines.map((l): HunkLine => ({ kind: l[0] as HunkLine["kind"], text: l.slice(1) })) });
/** A Go `if` is given the body that makes it an assertion. */
const relaxed = (removed: string, added: string, go = false) =>
  findRelaxedAssertions([hunk([`-${removed}`, `+${added}`, ...(go && /^\s*if\b/.test(added) ? ['\t\tt.Fatal("wrong sum")'] : [])].map((l, i) => (i === 2 ? ` ${l}` : l)))], go).map((r) => r.added);

describe("findRelaxedAssertions", () => {
  // Rest parameters: jest reads a named one past a row's length as a `done` callback, and waits for it.
  test.each<[string, string, boolean?]>([
    ["  expect(sum([1, 2])).toBe(3);", "  expect(sum([1, 2])).toBeGreaterThan(0);"],
    ["  expect(sum([1, 2])).toBe(3);", "  expect(sum([1, 2])).toBeGreaterThanOrEqual(1);"],
    ["  expect(sum([1, 2])).toBe(3);", "  expect(sum([1, 2])).toBeLessThan(10);"],
    ["  expect(sum([1, 2])).toBe(3);", "  expect(sum([1,2])).not.toBe(0);"],
    ["  expect(sum([1, 2])).toEqual(3);", "  expect(sum([1, 2]) > 0).toBe(true);"],
    ["  expect(pair()).toEqual([1, 2]);", "  expect(pair()).toHaveLength(2);"],
    ["  expect(pair()).toEqual([1, 2]);", "  expect(pair().length).toBe(2);"],
    ["    assert pair() == [1, 2]", "    assert len(pair()) == 2"],
    ["    assert pair() == [1, 2]", "    assert len(pair()) > 0"],
    ["  expect(sum([1, 2])).to.equal(3);", "  expect(sum([1, 2])).to.be.above(0);"],
    ["  assert.strictEqual(sum([1, 2]), 3);", "  assert.ok(sum([1, 2]) > 0);"],
    ["  assert.strictEqual(sum([1, 2]), 3);", "  assert(sum([1, 2]), 'sums');"],
    ["    assert add(1, 2) == 3", "    assert add(1, 2) > 0"],
    ["    assert add(1, 2) == 3", "    assert add(1, 2) >= 1"],
    ["    assert add(1, 2) == 3", "    assert add(1, 2)"],
    ["    assert add(1, 2) == 3", "    assert add(1, 2) != 0"],
    ["    assert 3 == add(1, 2), 'sum'", "    assert 0 < add(1, 2) < 10"],
    ["        self.assertEqual(add(1, 2), 3)", "        self.assertGreater(add(1, 2), 0)"],
    ["        self.assertEqual(add(1, 2), 3)", "        self.assertTrue(add(1, 2))"],
    ["        assertEquals(3, Calc.add(1, 2));", "        assertTrue(Calc.add(1, 2) > 0);"],
    ["        Assertions.assertEquals(\"sum\", 3, Calc.add(1, 2));", "        Assertions.assertNotNull(Calc.add(1, 2));"],
    ["        assertThat(Calc.add(1, 2)).isEqualTo(3);", "        assertThat(Calc.add(1, 2)).isPositive();"],
    ["        assertThat(Calc.add(1, 2), is(3));", "        assertThat(Calc.add(1, 2), greaterThan(0));"],
    ["        assertThat(Calc.add(1, 2), is(equalTo(3)));", "        assertThat(Calc.add(1, 2), is(notNullValue()));"],
    ["        assert_eq!(add(1, 2), 3);", "        assert!(add(1, 2) > 0);"],
    ["    expect(Calc.add(1, 2)).to eq(3)", "    expect(Calc.add(1, 2)).to be > 0"],
    ["    expect(Calc.add(1, 2)).to eq(3)", "    expect(Calc.add(1, 2)).to be_positive"],
    ["\tif Add(1, 2) != 3 {", "\tif Add(1, 2) <= 0 {", true],
    ["\tassert.Equal(t, 3, Add(1, 2))", "\tassert.Greater(t, Add(1, 2), 0)", true],
  ])("flags %s → %s", (...[removed, added, go]) => {
    expect(relaxed(removed, added, go)).toEqual([added]);
  });

  test.each<[string, string, string, boolean?]>([
    ["another expected value, still exact", "  expect(sum([1, 2])).toBe(3);", "  expect(sum([1, 2])).toBe(4);"],
    ["toBe → toStrictEqual", "  expect(sum([1, 2])).toBe(3);", "  expect(sum([1, 2])).toStrictEqual(3);"],
    ["a relational assertion made exact", "  expect(sum([1, 2])).toBeGreaterThan(0);", "  expect(sum([1, 2])).toBe(3);"],
    ["one relation for another", "    assert add(1, 2) > 0", "    assert add(1, 2) >= 1"],
    ["another subject", "  expect(sum([1, 2])).toBe(3);", "  expect(count([1, 2])).toBeGreaterThan(0);"],
    // A timing that may run over: the bound is the value the exact assertion expected.
    ["a lower bound at the expected value", "  expect(elapsed()).toBe(100);", "  expect(elapsed()).toBeGreaterThanOrEqual(100);"],
    ["a Hamcrest matcher swapped for another exact one", "        assertThat(Calc.add(1, 2), is(3));", "        assertThat(\"sum\", Calc.add(1, 2), equalTo(3));"],
    ["one length for another", "    assert len(pair()) == 2", "    assert len(pair()) == 3"],
    ["a flake8 E712 fix", "    assert is_ready() == True", "    assert is_ready()"],
    ["an expected absence turned into a presence", "  expect(find(9)).toBe(null);", "  expect(find(9)).toBeDefined();"],
    ["a Go error check", "\tif err != nil {", "\tif err == nil {", true],
    ["a Go want fixed", "\tif got != 5 {", "\tif got != 4 {", true],
    // The parentheses close before the comparison: the subject is still asserted exactly.
    ["a Python assert with its subject in parentheses", "    assert divmod(7, 2) == (3, 0)", "    assert (divmod(7, 2)) == (3, 1)"],
    ["the literal side only in common", "    assert add(1, 2) == 3", "    assert mul(1, 3) > 3"],
  ])("does not flag %s", (...[_name, removed, added, go]) => {
    expect(relaxed(removed, added, go)).toEqual([]);
  });

  test("does not flag a Go if whose body does not fail the test", () => {
    const h = hunk(["-\tif n != 3 {", "+\tif n <= 0 {", " \t\treturn"]);
    expect(findRelaxedAssertions([h], true)).toEqual([]);
  });

  test("does not flag an exact assertion removed while the hunk keeps another on the same value", () => {
    const h = hunk(["   expect(sum([1, 2])).toBe(3);", "-  expect(sum([1, 2])).toBe(3);", "+  expect(sum([1, 2])).toBeGreaterThan(0);"]);
    expect(findRelaxedAssertions([h])).toEqual([]);
  });

  test("does not flag a length asserted beside the value, which is still asserted exactly", () => {
    const h = hunk(["-    assert pair() == [1, 2]", "+    assert pair() == [2, 1]", "+    assert len(pair()) == 2"]);
    expect(findRelaxedAssertions([h])).toEqual([]);
  });

  test("keeps a relational assertion added beside the exact one", () => {
    const h = hunk(["   expect(sum([1, 2])).toBe(3);", "+  expect(sum([1, 2])).toBeGreaterThan(0);"]);
    expect(findRelaxedAssertions([h])).toEqual([]);
  });

  // Another hunk may be another test, with its own `result`.
  test("compares a removal with the additions of its own hunk only", () => {
    expect(findRelaxedAssertions([hunk(["-    assert result == 3"]), hunk(["+    assert result > 0"], "@@ -9 +9 @@")])).toEqual([]);
  });

  // prettier and black wrap a long assertion: the subject and the matcher sit on lines of their own.
  test.each<[string, string[]]>([
    ["prettier's toBe → toBeGreaterThan under a wrapped subject", ["     expect(", "       computeTotal(order, { currency: \"EUR\" }),", "-    ).toBe(1234);", "+    ).toBeGreaterThan(0);"]],
    ["black's == 3 → > 0 inside assert (...)", ["     assert (", "         compute_total(order)", "-        == 1234", "+        > 0", "     )"]],
    ["unittest's assertEqual → assertGreater, wrapped", ["-        self.assertEqual(", "+        self.assertGreater(", "             compute_total(order),", "-            1234,", "+            0,", "         )"]],
    ["black's assert (...) with a message", ["     assert (", "-        compute_total(order) == 1234", "+        compute_total(order) > 0", '     ), "total"']],
    ["a matcher carried on the next line", ["     expect(computeTotal(order))", "-      .toBe(1234);", "+      .toBeGreaterThan(0);"]],
  ])("flags %s", (_name, lines) => {
    expect(findRelaxedAssertions([hunk(lines)])).toHaveLength(1);
  });

  test.each<[string, string[]]>([
    ["a wrapped assertion re-wrapped", ["-    expect(", "-      computeTotal(order),", "-    ).toBe(1234);", "+    expect(computeTotal(order)).toBe(", "+      1234,", "+    );"]],
    ["a wrapped expected value changed", ["     expect(", "       computeTotal(order),", "-    ).toBe(1234);", "+    ).toBe(1235);"]],
    ["black's assert unwrapped", ["-    assert (", "-        compute_total(order)", "-        == 1234", "-    )", "+    assert compute_total(order) == 1234"]],
  ])("does not flag %s", (_name, lines) => {
    expect(findRelaxedAssertions([hunk(lines)])).toEqual([]);
  });

  // The value became an object (an API change): its field pinned exactly pins it still; a guard beside that adds a check.
  test.each<[string, string[]]>([
    ["pytest: a not-None guard beside the field asserted exactly", ["-    assert result == 3", "+    assert result is not None", "+    assert result.value == 3"]],
    ["jest: toBeDefined beside the field asserted exactly", ["-  expect(user).toEqual({ id: 1 });", "+  expect(user).toBeDefined();", "+  expect(user.id).toBe(1);"]],
    ["jest: an element asserted exactly", ["-  expect(rows).toEqual([3]);", "+  expect(rows).toBeTruthy();", "+  expect(rows[0]).toBe(3);"]],
  ])("does not flag %s", (_name, lines) => {
    expect(findRelaxedAssertions([hunk(lines)])).toEqual([]);
  });

  test.each<[string, string[]]>([
    ["toEqual([1, 2]) → a truthy value and its length", ["-  expect(rows).toEqual([1, 2]);", "+  expect(rows).toBeTruthy();", "+  expect(rows.length).toBe(2);"]],
    ["== 3 → not None beside another name's field", ["-    assert result == 3", "+    assert result is not None", "+    assert result_count.value == 3"]],
  ])("flags %s", (_name, lines) => {
    expect(findRelaxedAssertions([hunk(lines)])).toHaveLength(1);
  });

  test("says which hunk, and both lines", () => {
    expect(findRelaxedAssertions([hunk(["-    assert add(1, 2) == 3", "+    assert add(1, 2) > 0"], "@@ -5,1 +5,1 @@")])).toEqual([
      { hunk: "@@ -5,1 +5,1 @@", removed: "    assert add(1, 2) == 3", added: "    assert add(1, 2) > 0" },
    ]);
  });
});
