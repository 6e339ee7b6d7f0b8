import type { AllowKey, FilePatch } from "./types.js";

export interface GradleFinding {
  rule: AllowKey;
  line: string;
  hunk: string;
  why: string;
}

/** A Gradle build script or convention plugin (build.gradle, build.gradle.kts, buildSrc/…/java-conventions.gradle). */
export const GRADLE_FILE = /\.gradle(\.kts)?$/;

/**
 * Blocks configuring a test task: `test {`, `tasks.test {`, `tasks.named("test") {`, `tasks.withType<Test> {`, `useJUnitPlatform {`;
 * or the compilation of the tests (`compileTestJava`, `compileTestKotlin`), without which the test task has no source and passes.
 */
const TEST_BLOCK = /(^|[.\s(<'"])(test|Test|integrationTest)(\b|['">)])|\buseJUnit(Platform)?\b|\buseTestNG\b|\bcompileTest\w*|\bprocessTestResources\b/;
/** Blocks configuring a lint or coverage check: `checkstyle {`, `tasks.withType(Checkstyle) {`, Android's `lint {`. */
const CHECK_BLOCK = /\b(checkstyle|Checkstyle|pmd|Pmd|spotbugs|SpotBugs\w*|codenarc|CodeNarc|detekt|Detekt|ktlint|lint|lintOptions|errorprone|jacocoTestCoverageVerification)\b/;

const TURNED_OFF = /\b(is)?[eE]nabled\s*=\s*false\b|\b(set)?[eE]nabled\s*\(\s*false\s*\)|\bonlyIf\s*(\{\s*false\s*\}|\(\s*\{\s*false\s*\}\s*\))/;
const IGNORE_FAILURES = /\b(is)?[iI]gnoreFailures\s*(=\s*|\(\s*)true\b|\babortOnError\s*(=\s*|\(\s*)?false\b/;
/** Test filters that only exist to leave tests out: `excludeTestsMatching`, JUnit's `excludeTags`. */
const TEST_FILTER_OUT = /\bexclude(TestsMatching|Tags|Categories|Engines)\b/;
/** Filters that keep only some tests: in the `test` task the project's CI runs, the rest no longer run. */
const TEST_FILTER_IN = /\binclude(TestsMatching|Tags|Categories|Engines)\b|\b(set)?[iI]ncludePatterns\b/;
/** The `test` task itself (`test {`, `tasks.test {`, `tasks.named("test")`, `withType<Test>`), not a new task registered beside it. */
const THE_TEST_TASK = /^\s*(tasks\.)?test\s*$|\bnamed\s*\(\s*["']test["']|\bwithType\s*[<(]\s*Test\b/;
/** `exclude '**\/CalcTest.class'` is a test left out inside a test task; elsewhere (a jar, a dependency) it is not. */
const EXCLUDE = /\bexclude\s*[('"]/;

/**
 * Gradle settings that let a build pass without its tests or checks: a test task turned off (enabled = false,
 * onlyIf { false }), told to ignore failing tests (ignoreFailures), or to leave tests out (exclude,
 * excludeTestsMatching, excludeTags); a lint task's failures ignored or the task turned off. What a setting
 * configures is the block it is written in, followed through each hunk from its first line; a setting
 * written as `test.enabled = false` names its task itself.
 */
export function findGradleChecksOff(fp: FilePatch): GradleFinding[] {
  if (!GRADLE_FILE.test(fp.path)) return [];
  const out: GradleFinding[] = [];
  for (const h of fp.hunks) {
    const blocks: string[] = [];
    for (const l of h.lines) {
      if (l.kind === "-") continue;
      const code = l.text.replace(/\/\/.*$/, "");
      if (l.kind === "+") {
        // The line itself names its task when it opens the block on it or sets the task's own field: `test.enabled = false`.
        const where = [...blocks, code];
        const inTests = where.some((b) => TEST_BLOCK.test(b));
        const inChecks = where.some((b) => CHECK_BLOCK.test(b));
        const found = (rule: AllowKey, why: string) => out.push({ rule, line: l.text, hunk: h.header, why });
        if (TEST_FILTER_OUT.test(code) || (inTests && EXCLUDE.test(code))) found("skip_tests", "leaves tests out of a Gradle test task");
        else if (TEST_FILTER_IN.test(code) && where.some((b) => THE_TEST_TASK.test(b))) found("skip_tests", "keeps only the tests a filter names in the Gradle test task");
        else if (TURNED_OFF.test(code) && inChecks) found("lower_thresholds", "turns a Gradle lint or coverage check off");
        else if (TURNED_OFF.test(code) && inTests) found("skip_tests", "turns a Gradle test task off");
        else if (IGNORE_FAILURES.test(code)) {
          if (inChecks && !inTests) found("lower_thresholds", "lets a Gradle lint check pass with failures (ignoreFailures, abortOnError false)");
          else found("skip_tests", "lets the Gradle build pass with failing tests (ignoreFailures)");
        }
      }
      // Blocks opened and closed on the line, in order: `filter { excludeTestsMatching "x" }` opens and closes one.
      let from = 0;
      for (let i = 0; i < code.length; i++) {
        if (code[i] === "{") {
          blocks.push(code.slice(from, i));
          from = i + 1;
        } else if (code[i] === "}") {
          blocks.pop();
          from = i + 1;
        }
      }
    }
  }
  return out;
}
