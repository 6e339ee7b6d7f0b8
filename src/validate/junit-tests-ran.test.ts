import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { junitTestsRan, JUNIT_LIMITS } from "./junit-tests-ran.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function workspace(): Promise<{ dir: string; since: number }> {
  const dir = await mkdtemp(join(tmpdir(), "t0-junit-"));
  dirs.push(dir);
  // The command's start as the clock that stamps files reads it (what validate-workspace takes).
  await writeFile(join(dir, ".started"), "");
  return { dir, since: (await stat(join(dir, ".started"))).mtimeMs };
}

async function put(dir: string, rel: string, text: string, old = false) {
  const path = join(dir, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
  // Left by an earlier run: an hour before this one started.
  if (old) await utimes(path, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
}

/** Gradle's plain console (its default off a terminal) names each task it ran; only `-q` hides them. */
const TASKS = "> Task :compileTestJava\n> Task :test\n";

/** A report as Gradle writes one per test class: `ran` tests and `skipped` skips. */
const gradle = (cls: string, ran: number, skipped = 0) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="${cls}" tests="${ran + skipped}" skipped="${skipped}" failures="0" errors="0" time="0.1">\n  <properties/>\n` +
  Array.from({ length: ran }, (_, i) => `  <testcase name="t${i}()" classname="${cls}" time="0.001"/>\n`).join("") +
  Array.from({ length: skipped }, (_, i) => `  <testcase name="s${i}()" classname="${cls}" time="0.0">\n    <skipped/>\n  </testcase>\n`).join("") +
  `  <system-out><![CDATA[]]></system-out>\n  <system-err><![CDATA[]]></system-err>\n</testsuite>\n`;

/** A report as surefire writes one: a failure and an error ran, `<skipped message>` did not. */
const surefire = (cls: string) => `<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="${cls}" time="0.2" tests="4" errors="1" skipped="1" failures="1">
  <properties><property name="java.version" value="21"/></properties>
  <testcase name="ok" classname="${cls}" time="0.01"/>
  <testcase name="bad" classname="${cls}" time="0.01"><failure message="x" type="java.lang.AssertionError">at ${cls}</failure><system-out><![CDATA[<testcase name="printed"/>]]></system-out></testcase>
  <testcase name="broken" classname="${cls}" time="0.01"><error message="npe" type="java.lang.NullPointerException">at ${cls}</error></testcase>
  <testcase name="later" classname="${cls}" time="0"><skipped message="not yet"/></testcase>
</testsuite>
`;

describe("junitTestsRan", () => {
  test("Gradle: the reports of every project's test tasks, skipped tests not counted", async () => {
    const { dir, since } = await workspace();
    await put(dir, "core/build/test-results/test/TEST-core.ATest.xml", gradle("core.ATest", 3, 1));
    await put(dir, "core/build/test-results/integrationTest/TEST-core.BTest.xml", gradle("core.BTest", 2));
    await put(dir, "app/build/test-results/test/TEST-app.CTest.xml", gradle("app.CTest", 4, 2));
    await put(dir, "app/build/test-results/test/binary/results.bin", "");
    expect(await junitTestsRan(dir, since, `${TASKS}BUILD SUCCESSFUL in 3s\n`)).toEqual({ ran: 9, reports: 3 });
  });

  test("Maven: surefire's and failsafe's reports in each module; failures and errors ran", async () => {
    const { dir, since } = await workspace();
    await put(dir, "pom.xml", "<project><modules><module>a</module></modules></project>", true);
    await put(dir, "a/target/surefire-reports/TEST-a.ATest.xml", surefire("a.ATest"));
    await put(dir, "a/target/failsafe-reports/TEST-a.AIT.xml", surefire("a.AIT"));
    await put(dir, "a/target/failsafe-reports/failsafe-summary.xml", `<?xml version="1.0"?>\n<failsafe-summary result="255"><completed>4</completed></failsafe-summary>\n`);
    await put(dir, "a/target/classes/log4j2.xml", "<Configuration/>");
    expect(await junitTestsRan(dir, since, TASKS)).toEqual({ ran: 6, reports: 2 });
  });

  test("reports older than the command's start are an earlier run's, not counted", async () => {
    const { dir, since } = await workspace();
    await put(dir, "build/test-results/test/TEST-ATest.xml", gradle("ATest", 3));
    // The unpatched run's report of a test class the patch deleted: this run did not write it.
    await put(dir, "build/test-results/test/TEST-GoneTest.xml", gradle("GoneTest", 5), true);
    expect(await junitTestsRan(dir, since, TASKS)).toEqual({ ran: 3, reports: 1 });
  });

  test("no report written by the command: no count (not zero)", async () => {
    const { dir, since } = await workspace();
    await put(dir, "build/test-results/test/TEST-ATest.xml", gradle("ATest", 3), true);
    expect(await junitTestsRan(dir, since, TASKS)).toBeUndefined();
  });

  test("node_modules and .git are not looked in; a symlinked directory is not followed", async () => {
    const { dir, since } = await workspace();
    const outside = await workspace();
    await put(outside.dir, "TEST-Elsewhere.xml", gradle("Elsewhere", 7));
    await put(dir, "junit.xml", gradle("jest", 2));
    await put(dir, "node_modules/some-lib/junit.xml", gradle("lib", 5));
    await put(dir, ".git/junit.xml", gradle("git", 5));
    await symlink(outside.dir, join(dir, "linked"));
    expect(await junitTestsRan(dir, since, TASKS)).toEqual({ ran: 2, reports: 1 });
  });

  test("a Gradle test task whose results were reused: its reports count however old, as this run's results", async () => {
    const { dir, since } = await workspace();
    await put(dir, "app/build/test-results/test/TEST-app.CTest.xml", gradle("app.CTest", 4));
    await put(dir, "core/build/test-results/test/TEST-core.ATest.xml", gradle("core.ATest", 3, 1), true);
    await put(dir, "core/build/test-results/integrationTest/TEST-core.BTest.xml", gradle("core.BTest", 2), true);
    await put(dir, "lib/build/test-results/test/TEST-lib.DTest.xml", gradle("lib.DTest", 5), true);
    const output = "> Task :core:compileJava UP-TO-DATE\n> Task :core:test UP-TO-DATE\n> Task :app:test\n> Task :lib:test\nBUILD SUCCESSFUL in 2s\n";
    // core's unit tests reused; lib's old report is an earlier run's (this run's of lib went missing).
    expect(await junitTestsRan(dir, since, output)).toEqual({ ran: 7, reports: 2 });
    expect(await junitTestsRan(dir, since, output.replace(":core:test UP-TO-DATE", ":core:integrationTest FROM-CACHE"))).toEqual({ ran: 6, reports: 2 });
    expect(await junitTestsRan(dir, since, output.replace(":core:test UP-TO-DATE", ":core:test"))).toEqual({ ran: 4, reports: 1 });
  });

  test("the tasks Gradle runs before a reused test task (compileTestJava, processTestResources, testClasses) are no test tasks", async () => {
    const { dir, since } = await workspace();
    await put(dir, "app/build/test-results/test/TEST-app.CTest.xml", gradle("app.CTest", 4));
    await put(dir, "core/build/test-results/test/TEST-core.ATest.xml", gradle("core.ATest", 3), true);
    const output =
      "> Task :core:compileTestJava UP-TO-DATE\n> Task :core:compileTestKotlin UP-TO-DATE\n> Task :core:processTestResources UP-TO-DATE\n" +
      "> Task :core:testClasses UP-TO-DATE\n> Task :core:testJar UP-TO-DATE\n> Task :core:test UP-TO-DATE\n> Task :app:compileTestJava\n> Task :app:test\n";
    expect(await junitTestsRan(dir, since, output)).toEqual({ ran: 7, reports: 2 });
  });

  test("Gradle's reports with no task named in the output (run with -q): unknown, since a reused task cannot be seen", async () => {
    const { dir, since } = await workspace();
    await put(dir, "app/build/test-results/test/TEST-app.CTest.xml", gradle("app.CTest", 4));
    await put(dir, "core/build/test-results/test/TEST-core.ATest.xml", gradle("core.ATest", 3), true);
    expect(await junitTestsRan(dir, since, "BUILD SUCCESSFUL in 2s\n")).toEqual({ unknown: expect.stringMatching(/names no task \(run with -q\?\)/) });
    expect(await junitTestsRan(dir, since, "> Task :app:test\nBUILD SUCCESSFUL in 2s\n")).toEqual({ ran: 4, reports: 1 });
  });

  test("Gradle's reports when the output kept was cut: unknown, since a reused task's line may be in the part lost", async () => {
    const { dir, since } = await workspace();
    await put(dir, "app/build/test-results/test/TEST-app.CTest.xml", gradle("app.CTest", 4));
    await put(dir, "core/build/test-results/test/TEST-core.ATest.xml", gradle("core.ATest", 3), true);
    await put(dir, "a/target/surefire-reports/TEST-a.ATest.xml", surefire("a.ATest"));
    // What is left of "> Task :core:test UP-TO-DATE\n> Task :app:test\n" once the head went.
    expect(await junitTestsRan(dir, since, "> Task :app:test\n", JUNIT_LIMITS, true)).toEqual({ unknown: expect.stringMatching(/output was cut/) });
    await rm(join(dir, "app"), { recursive: true });
    // surefire's reports are each this run's: no task is reused.
    expect(await junitTestsRan(dir, since, "[INFO] BUILD SUCCESS\n", JUNIT_LIMITS, true)).toEqual({ ran: 3, reports: 1 });
  });

  test("a reused Gradle test task whose reports are not where Gradle puts them: unknown", async () => {
    const { dir, since } = await workspace();
    await put(dir, "modules/core/build/test-results/test/TEST-core.ATest.xml", gradle("core.ATest", 3), true);
    await put(dir, "app/build/test-results/test/TEST-app.CTest.xml", gradle("app.CTest", 4));
    expect(await junitTestsRan(dir, since, "> Task :core:test UP-TO-DATE\n> Task :app:test\n")).toEqual({ unknown: expect.stringMatching(/:core:test was UP-TO-DATE and its reports are not in core\/build\/test-results\/test/) });
  });

  describe("past a cap the count is unknown, not smaller", () => {
    const limits = { ...JUNIT_LIMITS };
    test("report files", async () => {
      const { dir, since } = await workspace();
      for (let i = 0; i < 4; i++) await put(dir, `build/test-results/test/TEST-T${i}.xml`, gradle(`T${i}`, 1));
      expect(await junitTestsRan(dir, since, TASKS, { ...limits, files: 4 })).toEqual({ ran: 4, reports: 4 });
      expect(await junitTestsRan(dir, since, TASKS, { ...limits, files: 3 })).toEqual({ unknown: expect.stringMatching(/more than 3 XML files/) });
    });

    test("bytes read", async () => {
      const { dir, since } = await workspace();
      const text = gradle("Big", 200);
      await put(dir, "build/test-results/test/TEST-Big.xml", text);
      const size = Buffer.byteLength(text);
      expect(await junitTestsRan(dir, since, TASKS, { ...limits, bytes: size })).toEqual({ ran: 200, reports: 1 });
      expect(await junitTestsRan(dir, since, TASKS, { ...limits, bytes: size - 1 })).toEqual({ unknown: expect.stringMatching(/more than \d+ bytes/) });
    });

    test("directory entries", async () => {
      const { dir, since } = await workspace();
      await put(dir, "build/test-results/test/TEST-A.xml", gradle("A", 1));
      // .started, build, test-results, test, TEST-A.xml
      expect(await junitTestsRan(dir, since, TASKS, { ...limits, entries: 5 })).toEqual({ ran: 1, reports: 1 });
      expect(await junitTestsRan(dir, since, TASKS, { ...limits, entries: 4 })).toEqual({ unknown: expect.stringMatching(/more than 4 directory entries/) });
    });
  });
});

test("README states the caps the code applies", async () => {
  const readme = (await readFile(fileURLToPath(new URL("../../README.md", import.meta.url)), "utf8")).replace(/\s+/g, " ");
  const n = (x: number) => x.toLocaleString("en-US");
  expect(readme).toContain(`Past ${n(JUNIT_LIMITS.entries)} directory entries, ${n(JUNIT_LIMITS.files)} such files or ${JUNIT_LIMITS.bytes / (1024 * 1024)} MiB read`);
});
