import { constants } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { TestcaseCounter } from "./testcase-counter.js";

/**
 * How much of the workspace is looked at for reports: a monorepo's build can leave hundreds of thousands of
 * files and write thousands of reports, and a test's captured output makes a report of any size. Past a cap
 * the count is unknown, not a smaller number: a count short of what ran reads as tests lost by the patch.
 */
export interface JUnitLimits {
  /** Directory entries listed while looking for reports. */
  entries: number;
  /** `.xml` files written since the command started, read (to their root element at least). */
  files: number;
  /** Bytes read from them, all together. */
  bytes: number;
}

export const JUNIT_LIMITS: JUnitLimits = { entries: 500_000, files: 10_000, bytes: 128 * 1024 * 1024 };

export type JUnitCount = { ran: number; reports: number } | { unknown: string };

/** Never reports of this command: dependencies' own files and git's. */
const PASSED_OVER = new Set(["node_modules", ".git"]);

/**
 * A Gradle test task whose results were reused (`> Task :core:test UP-TO-DATE`, or `FROM-CACHE`) ran no test
 * and may rewrite no report: in a multi-project build the patched run's fresh reports would be only those of
 * the projects the patch touched, fewer than the unpatched run's, though no test was lost. Not the tasks that
 * build a test task's input (`compileTestJava`, `processTestResources`, `testClasses`, `testJar`): they write no
 * reports, and are UP-TO-DATE in nearly every patched run.
 */
const REUSED_TEST_TASK = /^> Task ((?::[\w.-]+)*:(\w*[Tt]est\w*)) (UP-TO-DATE|FROM-CACHE)\s*$/gm;
const BUILDS_TEST_INPUT = /(Java|Kotlin|Groovy|Scala|Classes|Resources|Jar)$/;

/**
 * The report directories of the Gradle test tasks `output` says were reused, where Gradle puts them by
 * default (`:core:test` → `core/build/test-results/test`): their reports are this run's results, however old.
 * A reason instead when one is not there (a project directory or build directory moved by the build).
 */
async function reusedReportDirs(dir: string, output: string): Promise<Set<string> | string> {
  const dirs = new Set<string>();
  for (const [, task, name, outcome] of output.matchAll(REUSED_TEST_TASK)) {
    if (BUILDS_TEST_INPUT.test(name!)) continue;
    const project = task!.split(":").slice(1, -1);
    const reports = join(dir, ...project, "build", "test-results", name!);
    if (!(await lstat(reports).then((st) => st.isDirectory(), () => false))) {
      return `Gradle's ${task} was ${outcome} and its reports are not in ${relative(dir, reports)}, so the count from JUnit reports is unknown`;
    }
    dirs.add(reports);
  }
  return dirs;
}

/** Where Gradle writes a test task's reports by default. */
const GRADLE_REPORT = /(^|\/)build\/test-results\//;

type Read = { ok: true; counter: TestcaseCounter; bytes: number } | { ok: false; bytes: number };

/** Counts the file at `path` up to `budget` bytes (not followed if a symlink; a FIFO does not block it). */
async function readReport(path: string, budget: number): Promise<Read> {
  const counter = new TestcaseCounter();
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    // Gone since it was listed, or a symlink: not this command's report to count.
    return { ok: true, counter, bytes: 0 };
  }
  try {
    if (!(await fh.stat()).isFile()) return { ok: true, counter, bytes: 0 };
    const decoder = new StringDecoder("utf8");
    const buf = Buffer.allocUnsafe(64 * 1024);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, budget - bytes + 1), null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      if (bytes > budget) return { ok: false, bytes };
      counter.push(decoder.write(buf.subarray(0, bytesRead)));
      // Not a report (a resource copied to the build directory, a Maven descriptor): the rest is not read.
      if (counter.isReport === false) return { ok: true, counter, bytes };
    }
    counter.push(decoder.end());
    counter.end();
    return { ok: true, counter, bytes };
  } finally {
    await fh.close();
  }
}

/**
 * How many tests ran by the JUnit XML reports a command wrote under `dir`: Gradle's
 * `build/test-results/<task>/TEST-*.xml` in every project, surefire's and failsafe's `target/*-reports/`,
 * jest-junit's, pytest's `--junitxml`, gotestsum's `--junitfile`, wherever they are (outside node_modules and
 * .git). Only `.xml` files modified at or after `sinceMs` (the command's start, on the clock that stamps
 * files) are read: reports an earlier run left (the unpatched run's, a class since deleted) are not this
 * run's, except in the report directory of a Gradle test task `output` says was reused. Undefined when none
 * was found; unknown when a limit was reached, or a reused task's reports are not where Gradle puts them, or
 * (`outputCut`: only the end of the output was kept) a reused task's line may be in the part lost.
 */
export async function junitTestsRan(dir: string, sinceMs: number, output: string, limits: JUnitLimits = JUNIT_LIMITS, outputCut = false): Promise<JUnitCount | undefined> {
  const reused = await reusedReportDirs(dir, output);
  if (typeof reused === "string") return { unknown: reused };
  const capped = (what: string) => ({ unknown: `more than ${what}: the count from JUnit reports is unknown` });
  const candidates: string[] = [];
  let entries = 0;
  const dirs = [dir];
  while (dirs.length) {
    const d = dirs.pop()!;
    // A directory the command made unreadable is passed over, like one that is gone.
    const listed = await readdir(d, { withFileTypes: true }).catch(() => []);
    entries += listed.length;
    if (entries > limits.entries) return capped(`${limits.entries} directory entries in the workspace`);
    for (const e of listed) {
      const path = join(d, e.name);
      // Symlinks are neither files nor directories here: nothing outside the workspace, no loops.
      if (e.isDirectory()) {
        if (!PASSED_OVER.has(e.name)) dirs.push(path);
      } else if (e.isFile() && e.name.toLowerCase().endsWith(".xml")) {
        const st = await lstat(path).catch(() => undefined);
        if (st && (st.mtimeMs >= sinceMs || reused.has(d))) candidates.push(path);
      }
    }
  }
  if (candidates.length > limits.files) return capped(`${limits.files} XML files written by the command`);
  // Gradle run quiet (`-q`, `--quiet`, a `-q` in GRADLE_OPTS) prints no `> Task` line, so a reused test task
  // cannot be seen: the patched run of a multi-project build would count only the projects it touched, and a
  // right fix would read as tests lost.
  if (candidates.some((c) => GRADLE_REPORT.test(relative(dir, c)))) {
    if (!/^> Task :/m.test(output)) {
      return { unknown: "Gradle's reports were written but its output names no task (run with -q?), so reused test tasks cannot be told: the count from JUnit reports is unknown" };
    }
    // A long build's first tasks are in the part of the output not kept: a reused test task's line with them.
    if (outputCut) return { unknown: "Gradle's reports were written but its output was cut, so reused test tasks cannot be told: the count from JUnit reports is unknown" };
  }
  let ran = 0;
  let reports = 0;
  let bytes = 0;
  for (const path of candidates) {
    const read = await readReport(path, limits.bytes - bytes);
    bytes += read.bytes;
    if (!read.ok) return capped(`${limits.bytes} bytes of XML written by the command`);
    if (read.counter.malformed) return { unknown: `${path.slice(dir.length + 1)} has a tag of more than 64 KiB: the count from JUnit reports is unknown` };
    if (!read.counter.isReport) continue;
    ran += read.counter.ran;
    reports++;
  }
  return reports ? { ran, reports } : undefined;
}
