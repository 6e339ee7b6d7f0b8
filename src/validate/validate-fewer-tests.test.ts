import { afterEach, describe, expect, test } from "@jest/globals";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandPlan } from "./select-commands.js";
import { validateWorkspace, type ValidationSettings } from "./validate-workspace.js";
import { validationSettings } from "../../test/helpers/validation-settings.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const settings = (extra: Partial<ValidationSettings> = {}): ValidationSettings => validationSettings("none", extra);
/** A pytest stand-in: red with `before` unpatched, green with `after` once the patch wrote `patched`. */
const plan = (before: string, after: string): CommandPlan => ({
  setup: [],
  validate: [{ command: `if [ -f patched ]; then echo "===== ${after} in 0.1s ====="; else echo "===== ${before} in 0.1s ====="; exit 1; fi`, source: "default" }],
  skipped: [],
});

async function run(before: string, after: string, extra: Partial<ValidationSettings> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "t0-fewer-"));
  dirs.push(dir);
  return validateWorkspace({ workspaceDir: dir, plan: plan(before, after), settings: settings(extra), apply: async () => {
    await writeFile(join(dir, "patched"), "");
    return { files: ["patched"] };
  } });
}

describe("validation compares how many tests ran before and after the patch", () => {
  test("green by running fewer tests (one now skipped) fails validation", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped");
    expect(report.verdict).toBe("failed");
    expect(report.testsRan).toEqual({ before: 10, after: 9 });
    expect(report.evidence).toMatchObject({ before: "red", after: "green", note: expect.stringMatching(/fewer tests ran with the patch \(9\) than without it \(10\)/) });
  });

  test("the same tests, now passing, pass", async () => {
    const report = await run("1 failed, 9 passed", "10 passed");
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toEqual({ before: 10, after: 10 });
  });

  test("a test added passes", async () => {
    expect((await run("1 failed, 9 passed", "11 passed")).verdict).toBe("passed");
  });

  test("fewer tests pass where the repository allows skipping or deleting tests", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { fewerTestsAllowed: true });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toEqual({ before: 10, after: 9 });
  });

  test("no comparison without the unpatched run", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { reproduceFirst: false });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toBeUndefined();
  });

  test("without the unpatched run, CI's count for the same command is recorded beside the one here, and fewer here does not fail", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { reproduceFirst: false, ciTestsRan: 10 });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toBeUndefined();
    expect(report.ciTestsRan).toEqual({ ci: 10, after: 9 });
  });

  test("with the unpatched run, fewer than before still fails, CI's count only recorded", async () => {
    const report = await run("1 failed, 9 passed", "9 passed, 1 skipped", { ciTestsRan: 10 });
    expect(report.verdict).toBe("failed");
    expect(report.ciTestsRan).toEqual({ ci: 10, after: 9 });
  });

  test("CI's log of the step was cut: recorded as such, with the count here", async () => {
    const report = await run("1 failed, 9 passed", "10 passed", { reproduceFirst: false, ciTestsRan: "cut" });
    expect(report.ciTestsRan).toEqual({ ci: "cut", after: 10 });
  });
});

/**
 * A Gradle stand-in: prints no count, writes one JUnit report per test class under build/test-results/test.
 * Unpatched it runs ATest (one test failing) and BTest; patched, `classes` (BTest deleted, say) all passing.
 */
async function gradleLike(classes: string): Promise<{ dir: string; plan: CommandPlan }> {
  const dir = await mkdtemp(join(tmpdir(), "t0-fewer-gradle-"));
  dirs.push(dir);
  await writeFile(join(dir, "gradlew"), `#!/bin/sh
out=build/test-results/test
mkdir -p $out
report() { # class, passing tests, failing tests
  { echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo "<testsuite name=\\"$1\\" tests=\\"$(($2 + $3))\\" skipped=\\"0\\" failures=\\"$3\\" errors=\\"0\\">"
    i=0; while [ $i -lt $2 ]; do echo "  <testcase name=\\"ok$i()\\" classname=\\"$1\\" time=\\"0.001\\"/>"; i=$((i + 1)); done
    i=0; while [ $i -lt $3 ]; do echo "  <testcase name=\\"bad$i()\\" classname=\\"$1\\" time=\\"0.001\\"><failure message=\\"boom\\">at $1</failure></testcase>"; i=$((i + 1)); done
    echo '</testsuite>'; } > $out/TEST-$1.xml
}
echo "> Task :compileJava"
echo "> Task :test"
if [ -f patched ]; then
  for c in ${classes}; do report $c 3 0; done
  echo "BUILD SUCCESSFUL in 1s"
else
  report ATest 2 1; report BTest 2 0
  echo "BUILD FAILED in 1s"; exit 1
fi
`);
  await chmod(join(dir, "gradlew"), 0o755);
  return { dir, plan: { setup: [], validate: [{ command: "./gradlew test", source: "default" }], skipped: [] } };
}

describe("a runner that prints no count is counted by the JUnit reports it wrote", () => {
  const validate = async (classes: string, extra: Partial<ValidationSettings> = {}) => {
    const { dir, plan } = await gradleLike(classes);
    return validateWorkspace({ workspaceDir: dir, plan, settings: settings(extra), apply: async () => {
      await writeFile(join(dir, "patched"), "");
      return { files: ["patched"] };
    } });
  };

  test("green with a test class gone fails validation: the unpatched run's report of it is not counted again", async () => {
    const report = await validate("ATest");
    expect(report.verdict).toBe("failed");
    expect(report.testsRan).toEqual({ before: 5, after: 3 });
    expect(report.evidence).toMatchObject({ before: "red", after: "green", note: expect.stringMatching(/fewer tests ran with the patch \(3\) than without it \(5\)/) });
    expect(report.runs.map((r) => r.testReports)).toEqual([{ ran: 5, reports: 2 }, { ran: 3, reports: 1 }]);
  });

  test("the same tests, now passing, pass", async () => {
    const report = await validate("ATest BTest");
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toEqual({ before: 5, after: 6 });
  });

  test("fewer tests pass where the repository allows skipping or deleting tests", async () => {
    const report = await validate("ATest", { fewerTestsAllowed: true });
    expect(report.verdict).toBe("passed");
    expect(report.testsRan).toEqual({ before: 5, after: 3 });
  });

  test("why a count is unknown is redacted like the output it quotes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-fewer-redact-"));
    dirs.push(dir);
    const token = `ghp_${"a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"}`;
    const report = await validateWorkspace({
      workspaceDir: dir,
      plan: { setup: [], validate: [{ command: `echo '> Task :${token}:test UP-TO-DATE'`, source: "default" }], skipped: [] },
      settings: settings({ reproduceFirst: false }),
      apply: async () => ({ files: [] }),
    });
    expect(report.runs[0]!.testReports).toEqual({ unknown: expect.stringMatching(/was UP-TO-DATE and its reports are not in/) });
    expect(JSON.stringify(report.runs)).not.toContain(token);
  });

  test("a printed summary stays the count: reports are not read beside it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-fewer-both-"));
    dirs.push(dir);
    const report1 = `mkdir -p out && echo '<testsuite><testcase name="a"/></testsuite>' > out/junit.xml`;
    const report = await validateWorkspace({
      workspaceDir: dir,
      plan: { setup: [], validate: [{ command: `${report1}; if [ -f patched ]; then echo "===== 10 passed in 0.1s ====="; else echo "===== 1 failed, 9 passed in 0.1s ====="; exit 1; fi`, source: "default" }], skipped: [] },
      settings: settings(),
      apply: async () => {
        await writeFile(join(dir, "patched"), "");
        return { files: ["patched"] };
      },
    });
    expect(report.testsRan).toEqual({ before: 10, after: 10 });
    expect(report.runs.map((r) => r.testReports)).toEqual([undefined, undefined]);
  });
});
