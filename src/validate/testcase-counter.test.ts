import { describe, expect, test } from "@jest/globals";
import { TestcaseCounter } from "./testcase-counter.js";

/** Gradle's shape: one suite per class, `<skipped/>` for a skip, output in CDATA. */
const GRADLE = `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="calc.CalcTest" tests="4" skipped="1" failures="1" errors="0" timestamp="2026-12-07T17:00:00" hostname="h" time="0.02">
  <properties/>
  <testcase name="adds" classname="calc.CalcTest" time="0.001"/>
  <testcase name="subtracts" classname="calc.CalcTest" time="0.001">
    <failure message="expected: &lt;1&gt; but was: &lt;2&gt;" type="org.opentest4j.AssertionFailedError">org.opentest4j.AssertionFailedError: expected: &lt;1&gt;</failure>
  </testcase>
  <testcase name="a &gt; b" classname="calc.CalcTest" time="0.0">
    <skipped/>
  </testcase>
  <testcase name="multiplies" classname="calc.CalcTest" time="0.001"/>
  <system-out><![CDATA[printed <testcase name="fake"/> and <skipped/> ]]></system-out>
  <system-err><![CDATA[]]></system-err>
</testsuite>
`;

/** Surefire's shape: a `>` in a quoted attribute, a re-run flaky test, a skip with a message. */
const SUREFIRE = `<?xml version="1.0" encoding="UTF-8"?>
<!-- <testcase name="commented out"/> -->
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.0" name="io.IoTest" time="0.1" tests="3" errors="0" skipped="1" failures="0">
  <properties><property name="java.version" value="21"/></properties>
  <testcase name="reads a > b" classname="io.IoTest" time="0.01"/>
  <testcase name="flaky x > 1" classname="io.IoTest" time="0.02">
    <flakyFailure message="boom" type="java.lang.AssertionError"><stackTrace>at io.IoTest</stackTrace></flakyFailure>
  </testcase>
  <testcase name="later" classname="io.IoTest" time="0"><skipped message="not yet"/></testcase>
</testsuite>
`;

/** jest-junit's shape: a `<testsuites>` root that repeats the total. */
const JEST = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="3" failures="0" errors="0" time="1.2">
  <testsuite name="sum" errors="0" failures="0" skipped="1" timestamp="2026-12-07T17:00:00" time="0.5" tests="3">
    <testcase classname="sum adds" name="sum adds" time="0.001">
    </testcase>
    <testcase classname="sum subtracts" name="sum subtracts" time="0.001">
    </testcase>
    <testcase classname="sum later" name="sum later" time="0">
      <skipped/>
    </testcase>
  </testsuite>
</testsuites>
`;

function count(xml: string, piece = xml.length) {
  const c = new TestcaseCounter();
  for (let i = 0; i < xml.length; i += piece) c.push(xml.slice(i, i + piece));
  c.end();
  return c;
}

describe("TestcaseCounter", () => {
  test.each([["gradle", GRADLE, 3], ["surefire", SUREFIRE, 2], ["jest-junit", JEST, 2]])("%s: testcases that ran, skipped ones, CDATA and comments not counted", (_name, xml, n) => {
    expect(count(xml)).toMatchObject({ ran: n, isReport: true });
  });

  test.each([1, 2, 3, 5, 7, 11])("the same count when the file comes in pieces of %i characters", (piece) => {
    expect(count(GRADLE, piece).ran).toBe(3);
    expect(count(SUREFIRE, piece).ran).toBe(2);
    expect(count(JEST, piece).ran).toBe(2);
  });

  test("a file whose root is not a suite is not a report", () => {
    const c = count(`<?xml version="1.0"?>\n<project><testcase name="x"/></project>\n`);
    expect(c.isReport).toBe(false);
    expect(c.root).toBe("project");
  });

  test("a tag that never ends within 64 KiB makes the file unreadable as a report", () => {
    const c = count(`<testsuite><testcase name="${"x".repeat(70 * 1024)}`, 4096);
    expect(c.malformed).toBe(true);
    expect(c.isReport).toBe(false);
  });
});
