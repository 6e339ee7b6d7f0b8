import { parse as parseYaml } from "yaml";
import { displayName } from "../core/step-display-name.js";
import path from "node:path";
import { jobRunDefault, workflowText } from "../core/workflow-run-defaults.js";
import { matchesFilter } from "../core/github-filter.js";
import { triggersOf } from "../core/workflow-triggers.js";
import { checkTestCommand } from "./check-test-command.js";
import { quote, type Finding } from "./greenwash.js";
import { liveShellText } from "./live-shell-text.js";
import { programsOf } from "./programs-of.js";
import { TEST_RUNNER } from "./test-runner.js";
import type { AllowKey, Hunk } from "./types.js";

/** The files GitHub runs as workflows: YAML directly in .github/workflows/ (not in a folder below, not `ci.yml.off`). */
export const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;

/**
 * Build phases that run the test phase first, as CI often writes its test step (`mvn -B verify`, `./gradlew build`).
 * Only here: a make target or npm script running them is a build, and is not held to run tests.
 */
const RUNS_TESTS_TOO = /^(mvnw? (verify|install|package|deploy)|gradlew? (build|check))$/;
/** Conditions under which a step or job runs at least whenever it ran without one. */
const NO_NARROWER = /^(always|success|!\s*cancelled)\(\)$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

interface Step {
  name: string;
  run: string;
  runners: string[];
  if?: string;
  /** Its working directory (the step's, or the job's or workflow's default), "" for the checkout's root. */
  cwd: string;
}

interface Job {
  file: string;
  key: string;
  if?: string;
  steps: Step[];
}

const runnersOf = (text: string) => [...programsOf(text)].filter((p) => TEST_RUNNER.test(p) || RUNS_TESTS_TOO.test(p));
/** An `if:` as written, without `${{ }}` around it: YAML reads `if: false` as a boolean, GitHub as the expression. */
const condition = (v: unknown): string | undefined => {
  const t = workflowText(v)?.trim();
  return t === undefined ? undefined : t.replace(/^\$\{\{([\s\S]*)\}\}$/, "$1").trim();
};

interface Workflow {
  jobs: Job[];
  /** Its `on:` as a map of events, when it has one. */
  on?: Obj;
}

/** A workflow's triggers and jobs, with their `run:` steps and the test runners each runs; undefined when it does not parse. */
function readWorkflow(file: string, text: string | null): Workflow | undefined {
  if (text === null) return { jobs: [] };
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  const on = isObj(doc) ? triggersOf(doc.on) : undefined;
  if (!isObj(doc) || !isObj(doc.jobs)) return { jobs: [], ...(on ? { on } : {}) };
  const jobs = Object.entries(doc.jobs).flatMap(([key, job]): Job[] => {
    if (!isObj(job)) return [];
    const steps = (Array.isArray(job.steps) ? job.steps : []).filter(isObj).flatMap((s): Step[] => {
      const run = workflowText(s.run);
      if (run === undefined) return [];
      const live = liveShellText(run);
      const cond = condition(s.if);
      const cwd = path.posix.normalize(workflowText(s["working-directory"]) ?? jobRunDefault(doc, job, "working-directory") ?? ".").replace(/^\.\/?$|\/$/g, "");
      return [{ name: displayName(s) ?? "(unnamed)", run: live, runners: runnersOf(live), cwd, ...(cond !== undefined ? { if: cond } : {}) }];
    });
    const cond = condition(job.if);
    return [{ file, key, steps, ...(cond !== undefined ? { if: cond } : {}) }];
  });
  return { jobs, ...(on ? { on } : {}) };
}

/** A condition put on a test step or job where it had none or another, which may keep it from running. */
const narrowerIf = (before: string | undefined, after: string | undefined) => after !== undefined && after !== before && !NO_NARROWER.test(after);

/**
 * A workflow edit that stops CI running the tests it ran: a job or step running a test runner deleted, its `run:`
 * replaced or commented out, the runner told to run less (or started in a folder below), or a condition put on
 * it (`if: false`, `if: ${{ 0 }}`, `if: github.event_name == 'schedule'`), or the workflow's triggers narrowed
 * (see fewerRuns). Read as GitHub reads the workflows, before and after the patch, so that a step renamed, a setup
 * step added, or a test command split into two steps passes. A job's tests may also go to the jobs the patch adds
 * (a job renamed, split, moved to another workflow). Removing a matrix entry is not counted, as removing a tox
 * environment is not: dropping a Python version is a change of what the project supports. `before` and `after`
 * are the workflow files the patch touches, by path (null: absent).
 */
export function findWorkflowTestsOff(before: Map<string, string | null>, after: Map<string, string | null>, hunksOf: (file: string) => Hunk[]): Finding[] {
  const findings: Finding[] = [];
  const add = (file: string, reason: string, needle: string, rule: AllowKey = "skip_tests") => {
    const hunks = hunksOf(file);
    const hunk = hunks.find((h) => h.lines.some((l) => l.kind !== " " && l.text.includes(needle))) ?? hunks[0];
    findings.push({ rule, file, reason, ...(hunk ? { hunk: hunk.header } : {}) });
  };
  const read = (side: Map<string, string | null>) => new Map([...side].filter(([f]) => WORKFLOW_FILE.test(f)).map(([f, t]) => [f, readWorkflow(f, t)]));
  const then = read(before);
  const now = read(after);
  // A workflow the patch leaves unparseable runs nothing, and GitHub fails its run for that: not a green one.
  const broken = new Set([...now].filter(([, w]) => w === undefined).map(([f]) => f));
  const was = [...then.values()].flatMap((w) => w?.jobs ?? []);
  const is = [...now.values()].flatMap((w) => w?.jobs ?? []);
  const id = (j: Job) => `${j.file}\0${j.key}`;
  const old = new Set(was.map(id));
  const added = is.filter((j) => !old.has(id(j)));
  for (const job of was) {
    const tests = job.steps.filter((s) => s.runners.length > 0);
    if (tests.length === 0 || broken.has(job.file)) continue;
    const where = `the job ${quote(job.key)} in ${job.file}`;
    const same = is.find((j) => id(j) === id(job));
    const next = same ? [same, ...added] : added;
    if (same && narrowerIf(job.if, same.if)) {
      add(job.file, `the patch puts the condition ${quote(same.if!)} on ${where}, whose step ${quote(tests[0]!.name)} runs ${tests[0]!.runners.join(", ")}: it no longer runs whenever it did`, "if");
      continue;
    }
    const steps = next.flatMap((j) => j.steps);
    const guarded = tests.map((s) => [s, steps.find((n) => n.runners.some((r) => s.runners.includes(r)) && narrowerIf(s.if, n.if))] as const).find(([, n]) => n);
    if (guarded) {
      const [s, n] = guarded;
      add(job.file, `the patch puts the condition ${quote(n!.if!)} on the step ${quote(n!.name)} of ${where}, which runs ${s.runners.join(", ")}: it no longer runs whenever it did`, "if");
      continue;
    }
    // `pytest` started in a folder below the one it ran in runs only the tests there.
    const below = tests.find((s) => {
      const runs = steps.filter((n) => n.runners.some((r) => s.runners.includes(r)));
      return runs.length > 0 && runs.every((n) => !/^(\/|\.\.)|[$]/.test(n.cwd) && n.cwd !== s.cwd && (s.cwd === "" || n.cwd.startsWith(`${s.cwd}/`)));
    });
    if (below) {
      const moved = steps.find((n) => n.runners.some((r) => below.runners.includes(r)))!;
      add(job.file, `the patch runs the step ${quote(moved.name)} of ${where} in ${quote(moved.cwd)} instead of ${quote(below.cwd || ".")}, so ${below.runners.join(", ")} runs only the tests below it`, "working-directory");
      continue;
    }
    const text = (ss: Step[]) => ss.map((s) => s.run).join("\n");
    const have = new Set(steps.flatMap((s) => s.runners));
    const gone = [...new Set(tests.flatMap((s) => s.runners))].filter((r) => !have.has(r));
    const first = tests.find((s) => s.runners.some((r) => gone.includes(r))) ?? tests[0]!;
    const owner = same ? `the step ${quote(first.name)} of ${where}` : `${where}, which the patch removes (its step ${quote(first.name)})`;
    const found = (rule: AllowKey, reason: string, needle?: string) => add(job.file, reason, needle ?? job.key, rule);
    checkTestCommand({ owner, body: `the test steps of ${where}`, before: text(job.steps), after: text(steps), gone, needle: first.run.split("\n")[0] ?? job.key }, found);
  }
  // The events a workflow running tests starts on, and their filters: fewer, and its tests run less often.
  for (const [file, w] of then) {
    const tests = w?.jobs.find((j) => j.steps.some((s) => s.runners.length > 0));
    const next = now.get(file);
    if (!tests || !w?.on || !next?.on || next.jobs.length === 0) continue;
    const fewer = fewerRuns(w.on, next.on);
    if (!fewer) continue;
    add(file, `the patch ${fewer.why} in ${file}, whose job ${quote(tests.key)} runs the tests: they no longer run whenever they did`, fewer.needle);
  }
  return findings;
}

const list = (v: unknown): string[] | undefined => (typeof v === "string" ? [v] : Array.isArray(v) ? v.map(String) : undefined);
/** The pull request activity GitHub starts a pull_request workflow on when it names no `types`. */
const PR_TYPES = ["opened", "synchronize", "reopened"];

/**
 * How the triggers `after` start a workflow on fewer events than `before` did, if they do: an event removed, a
 * branch or path filter added or narrowed, an ignore list grown, a pull_request activity type dropped. A branch
 * (or path) the old filter named is kept when the new filter still matches it (`main` → `*`); a pattern, only
 * when the new filter has it as it was.
 */
function fewerRuns(before: Obj, after: Obj): { why: string; needle: string } | undefined {
  for (const [event, was] of Object.entries(before)) {
    if (!(event in after)) return { why: `removes the trigger ${event}`, needle: event };
    const f = isObj(was) ? was : {};
    const g = isObj(after[event]) ? (after[event] as Obj) : {};
    for (const key of ["branches", "paths", "tags"]) {
      const old = list(f[key]);
      const now = list(g[key]);
      if (!now) continue;
      // `tags` beside a branch filter adds tag pushes; alone, it leaves branch pushes out.
      if (key === "tags" && !old && (list(g.branches) || list(g["branches-ignore"]))) continue;
      if (!old) return { why: `adds a ${key} filter to ${event}`, needle: key };
      const lost = old.find((o) => !now.includes(o) && (/[*?+[\]!]/.test(o) || !matches(o, now)));
      if (lost !== undefined) return { why: `takes ${quote(lost)} out of the ${key} of ${event}`, needle: key };
    }
    for (const key of ["branches-ignore", "paths-ignore", "tags-ignore"]) {
      const old = list(f[key]) ?? [];
      const grown = (list(g[key]) ?? []).find((n) => !old.includes(n));
      if (grown !== undefined) return { why: `adds ${quote(grown)} to the ${key} of ${event}`, needle: grown };
    }
    const types = list(g.types);
    const dropped = types && (list(f.types) ?? (event.startsWith("pull_request") ? PR_TYPES : [])).find((t) => !types.includes(t));
    if (dropped) return { why: `takes ${dropped} out of the types of ${event}`, needle: "types" };
  }
  return undefined;
}

/** A filter too wild to read (see filterPatternRegExp) is not taken to match. */
function matches(value: string, patterns: string[]): boolean {
  try {
    return matchesFilter(value, patterns);
  } catch {
    return false;
  }
}
