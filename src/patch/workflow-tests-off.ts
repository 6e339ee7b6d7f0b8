import { parse as parseYaml } from "yaml";
import { displayName } from "../core/step-display-name.js";
import path from "node:path";
import { jobRunDefault, workflowText } from "../core/workflow-run-defaults.js";
import { matchesFilter } from "../core/github-filter.js";
import { triggersOf } from "../core/workflow-triggers.js";
import { checkTestCommand } from "./check-test-command.js";
import { commandSegments, shellScriptAt } from "./command-segments.js";
import { quote, type Finding } from "./greenwash.js";
import { liveShellText } from "./live-shell-text.js";
import { ACTION_FILE, actionFiles, localUse } from "./local-use.js";
import { programOf } from "./program-of.js";
import { commandsOf, programsOf } from "./programs-of.js";
import { scriptOf } from "./script-of.js";
import { isShellScript } from "./test-entry-scripts.js";
import { TEST_RUNNER } from "./test-runner.js";
import type { AllowKey, Hunk } from "./types.js";

/** The files GitHub runs as workflows: YAML directly in .github/workflows/ (not in a folder below, not `ci.yml.off`). */
export const WORKFLOW_FILE = /^\.github\/workflows\/[^/]+\.ya?ml$/;
export { ACTION_FILE };

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
  /** The local actions and reusable workflow whose steps it runs (see localUse). */
  uses: string[];
  /** A local action or workflow it uses does not parse: GitHub fails the job, which is not a green run. */
  broken?: boolean;
}

const isRunner = (program: string) => TEST_RUNNER.test(program) || RUNS_TESTS_TOO.test(program);
const runnersOf = (text: string) => [...programsOf(text)].filter(isRunner);

/**
 * The folder, from the step's own, that a script's tests start in: where the moves before its first test runner lead
 * (before its first other command, when it runs none: a script it runs). `cd backend && pytest` runs where
 * `working-directory: backend` does, and so does `env -C backend pytest`, read as a `pushd` (see commandSegments).
 * A move to a folder not known here (`cd "$DIR"`, `cd ~`, `cd -`, an absolute path) is left out.
 */
function startFolder(live: string): string {
  let dir = "";
  let first: string | undefined;
  const pushed: string[] = [];
  // The segments lose their parentheses: a move in a subshell (`(cd docs && make) && pytest`) ends with it, so
  // only the moves before the first `(` are followed.
  const open = live.indexOf("(");
  const followed = open < 0 ? Infinity : commandSegments(live.slice(0, open)).length;
  for (const [k, words] of commandSegments(live).entries()) {
    const [program, to] = words;
    if (program === "cd" || program === "pushd") {
      if (program === "pushd") pushed.push(dir);
      if (k < followed && words.length === 2 && !/^[/~-]|[$`]/.test(to!)) dir = path.posix.join(dir, to!);
      continue;
    }
    if (program === "popd") {
      if (k < followed) dir = pushed.pop() ?? dir;
      continue;
    }
    first ??= dir;
    const p = programOf(words);
    if (p && isRunner(p.name)) return dir;
  }
  return first ?? dir;
}
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

/** A step's condition under its caller's (the step using a local action, or the calling workflow's job). */
const both = (outer: string | undefined, inner: string | undefined) => (outer === undefined ? inner : inner === undefined ? outer : `(${outer}) && (${inner})`);

/** `${{ inputs.cmd }}`, `${{ inputs['cmd'] }}`: the whole expression an input's value. */
const INPUT_REF = /\$\{\{\s*inputs\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])\s*\}\}/g;

/**
 * How GitHub fills in `${{ inputs.<name> }}` in the steps of a local action or reusable workflow: the caller's
 * `with:` value, else the input's `default`, else nothing. Read into a step's `run:` and `working-directory:`
 * before it is judged, so that a patch changing the command a caller passes (`cmd: pytest` → `cmd: echo ok`),
 * the folder, or the default it relies on, is compared as what runs. Input names are matched without case, as
 * GitHub's expressions read them. An input reaching the command through `env:` (`run: $CMD`) is followed by
 * withEnv, which reads the env values with their inputs filled in.
 */
function withInputs(declared: unknown, given: unknown): (text: string) => string {
  const values = new Map<string, string>();
  const put = (m: unknown, value: (v: unknown) => string | undefined) => {
    if (!isObj(m)) return;
    for (const [k, v] of Object.entries(m)) {
      const t = value(v);
      if (t !== undefined) values.set(k.toLowerCase(), t);
    }
  };
  put(declared, (v) => (isObj(v) ? workflowText(v.default) : undefined));
  put(given, workflowText);
  return (text) => text.replace(INPUT_REF, (_m, dotted: string | undefined, quoted: string | undefined) => values.get((dotted ?? quoted ?? "").toLowerCase()) ?? "");
}

/** `$CMD`, `${CMD}` (bare or in double quotes: single ones keep them as written) and `${{ env.CMD }}` (anywhere) in a step's `run:`. */
const ENV_REF = /\$\{\{\s*env\.([A-Za-z_][\w-]*)\s*\}\}|\$\{([A-Za-z_]\w*)\}|\$([A-Za-z_]\w*)/g;

/**
 * The variables `env:` maps set, outermost first (a workflow's, a job's, a step's: the nearest wins), their
 * values with `inputs` filled in: those of the action or called workflow the maps are written in.
 */
function envValues(envs: unknown[], inputs?: (text: string) => string, into = new Map<string, string>()): Map<string, string> {
  const values = new Map(into);
  for (const env of envs) {
    if (!isObj(env)) continue;
    for (const [k, v] of Object.entries(env)) {
      const t = workflowText(v);
      if (t !== undefined) values.set(k, inputs ? inputs(t) : t);
    }
  }
  return values;
}

/**
 * A step's `run:` with the variables of its environment filled in, so that a command reaching the shell through
 * one (`env: {TEST_CMD: pytest}`, `run: $TEST_CMD`, or `CMD: ${{ inputs.cmd }}` in a local action) is compared
 * as what runs. A variable no `env:` here sets is left as written.
 */
const withEnv = (run: string, values: Map<string, string>) => {
  if (values.size === 0) return run;
  const quoted = singleQuoted(run);
  return run.replace(ENV_REF, (all, expr: string | undefined, braced: string | undefined, bare: string | undefined, at: number) =>
    // The shell leaves `'$CMD'` as written; the runner fills `${{ env.CMD }}` before any shell reads the quotes.
    expr === undefined && quoted[at] ? all : (values.get(expr ?? braced ?? bare ?? "") ?? all),
  );
};

/**
 * Which characters of a shell script are inside single quotes, where `$` is literal. `${{ … }}` is skipped: the
 * runner replaces it before the shell runs, so its own quotes (`format('{0}', …)`) open nothing. The script given
 * to a shell in single quotes (`bash -c '$CMD'`) is not: the outer shell passes `$CMD` as written, and the inner
 * shell, whose environment the step's `env:` sets too, reads it.
 */
function singleQuoted(text: string): boolean[] {
  const out = new Array<boolean>(text.length).fill(false);
  let state: "none" | "single" | "script" | "double" = "none";
  // Where the simple command being read starts, to tell whether a quote opens a `-c` script.
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("${{", i)) {
      const end = text.indexOf("}}", i);
      if (end >= 0) {
        i = end + 1;
        continue;
      }
    }
    const c = text[i]!;
    if (state === "single" || state === "script") {
      if (c === "'") state = "none";
      else out[i] = state === "single";
    } else if (c === "\\") i++;
    else if (c === '"') state = state === "double" ? "none" : "double";
    else if (c === "'" && state === "none") {
      const words = commandSegments(text.slice(from, i)).at(-1) ?? [];
      state = shellScriptAt(words) === words.length ? "script" : "single";
    } else if (state === "none" && /[;&|\n(]/.test(c)) from = i + 1;
  }
  return out;
}

interface RunOptions {
  /** The environment over the steps (the workflow's and job's `env:`; for a composite action's, its caller step's too), see envValues. */
  env?: Map<string, string>;
  /** The condition of the step using the action or the job calling the workflow the steps are of. */
  outerIf?: string;
  /** Fills in the inputs of the action or called workflow they are the steps of (see withInputs). */
  inputs?: (text: string) => string;
  /** The repository's files read for the comparison, the scripts the steps run among them (see scriptsRun). */
  files?: Map<string, string | null>;
}

/**
 * The repository scripts a command started in `cwd` runs (`./scripts/test.sh`, `bash ci/test.sh`, see scriptOf),
 * by their path from the checkout's root; none from a folder built from a variable or outside the checkout.
 */
function scriptsRun(live: string, cwd: string): string[] {
  if (/[$~]/.test(cwd) || cwd.startsWith("/")) return [];
  return commandsOf(live).flatMap((words) => {
    const script = scriptOf(words);
    if (script === undefined || script.startsWith("/")) return [];
    const p = path.posix.normalize(path.posix.join(cwd, script));
    return p === ".." || p.startsWith("../") ? [] : [p];
  });
}

/**
 * The `run:` steps of a list, with the test runners each runs; `cwdOf` gives the working directory of one that
 * sets none. A step running a shell script of the repository runs what the script runs: its text is read after
 * the step's (one level: what the script calls is left to check-test-entry-script), so that a step pointed at
 * a script that echoes, deleted, or put under a condition, is compared as the tests it ran.
 */
function runSteps(list: unknown, cwdOf: () => string | undefined, { outerIf, inputs, files, env }: RunOptions = {}): Step[] {
  return (Array.isArray(list) ? list : []).filter(isObj).flatMap((s): Step[] => {
    const text = workflowText(s.run);
    const filled = text === undefined || !inputs ? text : inputs(text);
    const run = filled === undefined ? undefined : withEnv(filled, envValues([s.env], inputs, env));
    if (run === undefined) return [];
    const live = liveShellText(run);
    const cond = both(outerIf, condition(s.if));
    const wd = workflowText(s["working-directory"]);
    const dir = (wd !== undefined && inputs ? inputs(wd) : wd) ?? cwdOf() ?? ".";
    // `cd backend && pytest` runs where `working-directory: backend` does: the one written as the other is no move.
    const cwd = path.posix.normalize(path.posix.join(dir, startFolder(live))).replace(/^\.\/?$|\/$/g, "");
    const scripts = scriptsRun(live, cwd).flatMap((p) => {
      const text = files?.get(p);
      return typeof text === "string" && isShellScript(p, text) ? [liveShellText(text)] : [];
    });
    const all = [live, ...scripts].join("\n");
    return [{ name: displayName(s) ?? "(unnamed)", run: all, runners: runnersOf(all), cwd, ...(cond !== undefined ? { if: cond } : {}) }];
  });
}

/**
 * The repository files a workflow's jobs run the steps of: the action files of the local actions its steps use,
 * the local reusable workflows its jobs call, and the shell scripts its `run:` steps run (see scriptsRun); for a
 * local action's file, the scripts its steps run. The guard reads them before and after the patch, touched or
 * not (see findWorkflowTestsOff).
 */
export function localFilesUsed(text: string | null): string[] {
  const doc = parseQuietly(text);
  const scripts = (steps: Step[]) => steps.flatMap((s) => scriptsRun(s.run, s.cwd));
  // A local action's file: the scripts its composite steps run, from the checkout's root as its callers' are.
  if (isObj(doc) && isObj(doc.runs)) return scripts(runSteps(doc.runs.steps, () => undefined));
  if (!isObj(doc) || !isObj(doc.jobs)) return [];
  return Object.values(doc.jobs).filter(isObj).flatMap((job) => {
    const called = localUse(job.uses);
    if (called !== undefined) return WORKFLOW_FILE.test(called) ? [called] : [];
    return (Array.isArray(job.steps) ? job.steps : []).filter(isObj).flatMap((s) => {
      const dir = localUse(s.uses);
      return dir === undefined ? scripts(runSteps([s], () => jobRunDefault(doc, job, "working-directory"), { env: envValues([doc.env, job.env]) })) : actionFiles(dir);
    });
  });
}

/** A YAML document; undefined for no text, or text that does not parse (an empty one is null). */
function parseQuietly(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return parseYaml(text);
  } catch {
    return undefined;
  }
}

/** What a job's local action or reusable workflow runs: its steps, or undefined when it does not parse. */
type Expand = { steps: Step[]; file: string } | { steps?: undefined; file: string };

/**
 * The `run:` steps of the local composite action in `dir`, from `files` (null: absent, not there: not read). A
 * JavaScript or Docker action runs no step the guard can read, nor does one with no action file (a Dockerfile
 * may be there in its place): taken as running no tests, not as failing.
 */
function actionSteps(dir: string, files: Map<string, string | null>, outerIf: string | undefined, given: unknown, callerEnv: Map<string, string>): Expand | undefined {
  const names = actionFiles(dir);
  if (!names.some((f) => files.has(f))) return undefined;
  const file = names.find((f) => typeof files.get(f) === "string") ?? names[0]!;
  const text = files.get(file) ?? null;
  const doc = parseQuietly(text);
  if (text !== null && doc === undefined) return { file };
  // A composite action's steps get none of the job's `defaults.run`.
  const steps = isObj(doc) && isObj(doc.runs) && doc.runs.using === "composite" ? runSteps(doc.runs.steps, () => undefined, { outerIf, inputs: withInputs(doc.inputs, given), files, env: callerEnv }) : [];
  return { steps, file };
}

/** The `run:` steps of every job of the local reusable workflow `file` (one level: what it calls is not followed). */
function calledSteps(file: string, files: Map<string, string | null>, given: unknown): Expand | undefined {
  if (!WORKFLOW_FILE.test(file) || !files.has(file)) return undefined;
  const called = readWorkflow(file, files.get(file) ?? null, files, given ?? {});
  if (!called) return { file };
  return { steps: called.jobs.flatMap((j) => j.steps.map((s) => ({ ...s, ...(both(j.if, s.if) !== undefined ? { if: both(j.if, s.if)! } : {}) }))), file };
}

/**
 * A workflow's triggers and jobs, with their `run:` steps and the test runners each runs; undefined when it does
 * not parse. Given `files` (the local actions and reusable workflows it uses, see localFilesUsed), a job's steps
 * include those of the local composite actions its steps use, in their place, and a job calling a local
 * reusable workflow runs the steps of that workflow's jobs: one level deep, so no cycle can be followed.
 */
function readWorkflow(file: string, text: string | null, files?: Map<string, string | null>, given?: unknown): Workflow | undefined {
  if (text === null) return { jobs: [] };
  const doc = parseQuietly(text);
  if (doc === undefined) return undefined;
  const on = isObj(doc) ? triggersOf(doc.on) : undefined;
  // Called by a job (`given` its `with:`), it runs with the inputs workflow_call declares filled in.
  const call = on?.workflow_call;
  const inputs = given === undefined ? undefined : withInputs(isObj(call) ? call.inputs : undefined, given);
  if (!isObj(doc) || !isObj(doc.jobs)) return { jobs: [], ...(on ? { on } : {}) };
  const jobs = Object.entries(doc.jobs).flatMap(([key, job]): Job[] => {
    if (!isObj(job)) return [];
    const cond = condition(job.if);
    const used: Expand[] = [];
    const use = (e: Expand | undefined) => (e && used.push(e), e?.steps ?? []);
    const called = localUse(job.uses);
    // The steps of a called workflow are not followed into what it uses: one level, so that no cycle can be.
    const follow = given === undefined ? files : undefined;
    const steps =
      called !== undefined && follow
        ? use(calledSteps(called, follow, job.with))
        : (Array.isArray(job.steps) ? job.steps : []).filter(isObj).flatMap((s) => {
            const dir = localUse(s.uses);
            // The action's steps run in the environment of the step using it, its job's and its workflow's.
            if (dir !== undefined && follow) return use(actionSteps(dir, follow, condition(s.if), s.with, envValues([doc.env, job.env, s.env], inputs)));
            return runSteps([s], () => jobRunDefault(doc, job, "working-directory"), { env: envValues([doc.env, job.env], inputs), ...(inputs ? { inputs } : {}), ...(files ? { files } : {}) });
          });
    const broken = used.some((e) => !e.steps);
    return [{ file, key, steps, uses: [...new Set(used.map((e) => e.file))], ...(cond !== undefined ? { if: cond } : {}), ...(broken ? { broken } : {}) }];
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
 * environment is not: dropping a Python version is a change of what the project supports. A job's steps include
 * those of the local composite actions and reusable workflows it uses (see readWorkflow), so that a test step
 * moved into one and neutered there, edited there, or no longer used is found; its reasons name the caller's
 * workflow and job and the file it uses. `before` and `after` are the workflows and the files they use (see
 * localFilesUsed), by path (null: absent); `fileOf` gives the file of the checkout read for one (the path that
 * differs only in case, when the caller read that one), which reasons name.
 */
export function findWorkflowTestsOff(
  before: Map<string, string | null>,
  after: Map<string, string | null>,
  hunksOf: (file: string) => Hunk[],
  fileOf: (file: string) => string = (f) => f,
): Finding[] {
  const findings: Finding[] = [];
  const add = (file: string, reason: string, needle: string, rule: AllowKey = "skip_tests") => {
    const hunks = hunksOf(file);
    const hunk = hunks.find((h) => h.lines.some((l) => l.kind !== " " && l.text.includes(needle))) ?? hunks[0];
    findings.push({ rule, file, reason, ...(hunk ? { hunk: hunk.header } : {}) });
  };
  const read = (side: Map<string, string | null>) => new Map([...side].filter(([f]) => WORKFLOW_FILE.test(f)).map(([f, t]) => [f, readWorkflow(f, t, side)]));
  const then = read(before);
  const now = read(after);
  // A workflow that does not parse after the patch runs nothing: one the patch changed so is refused before this
  // (workflow_invalid, see workflow-invalid.ts), one it left as it was ran nothing before either.
  const broken = new Set([...now].filter(([, w]) => w === undefined).map(([f]) => f));
  const was = [...then.values()].flatMap((w) => w?.jobs ?? []);
  const is = [...now.values()].flatMap((w) => w?.jobs ?? []);
  const id = (j: Job) => `${j.file}\0${j.key}`;
  const old = new Set(was.map(id));
  // A workflow GitHub starts only when another calls it runs its jobs as its callers' (counted there): a job added
  // to one nothing calls takes over no tests.
  const calledOnly = (file: string) => Object.keys(now.get(file)?.on ?? {}).join() === "workflow_call";
  const added = is.filter((j) => !old.has(id(j)) && !calledOnly(j.file));
  // A reusable workflow's own jobs are compared too: its callers first, whose reasons say where it runs.
  const callersFirst = [...was.filter((j) => j.uses.length), ...was.filter((j) => !j.uses.length)];
  for (const job of callersFirst) {
    const tests = job.steps.filter((s) => s.runners.length > 0);
    const same = is.find((j) => id(j) === id(job));
    if (tests.length === 0 || broken.has(job.file) || same?.broken) continue;
    const uses = [...new Set([...job.uses, ...(same?.uses ?? [])].map(fileOf))];
    const where = `the job ${quote(job.key)} in ${job.file}${uses.length ? ` (with the steps of ${uses.join(", ")})` : ""}`;
    // Reported at the file the patch edits: the caller's, or the action's when the caller is left as it was.
    const at = [job.file, ...uses].find((f) => hunksOf(f).length) ?? job.file;
    const next = same ? [same, ...added] : added;
    if (same && narrowerIf(job.if, same.if)) {
      add(at, `the patch puts the condition ${quote(same.if!)} on ${where}, whose step ${quote(tests[0]!.name)} runs ${tests[0]!.runners.join(", ")}: it no longer runs whenever it did`, "if");
      continue;
    }
    const steps = next.flatMap((j) => j.steps);
    // A step the job ran as it is, condition and all (a slow-tests step only on push beside the unit tests), had
    // its condition before the patch: the patch put none on it.
    const kept = (n: Step) => job.steps.some((o) => o.run === n.run && o.if === n.if);
    // Conditions on the job's own steps, while it is kept: a job the patch adds beside it (nightly slow tests)
    // takes none of its tests away.
    const own = same ? same.steps : steps;
    const guarded = tests.map((s) => [s, own.find((n) => n.runners.some((r) => s.runners.includes(r)) && narrowerIf(s.if, n.if) && !kept(n))] as const).find(([, n]) => n);
    if (guarded) {
      const [s, n] = guarded;
      add(at, `the patch puts the condition ${quote(n!.if!)} on the step ${quote(n!.name)} of ${where}, which runs ${s.runners.join(", ")}: it no longer runs whenever it did`, "if");
      continue;
    }
    // Every step left running a test step's runner ran under a condition already: the step that ran it whenever is gone.
    const onlyGuarded = tests
      .map((s) => [s, steps.filter((n) => n.runners.some((r) => s.runners.includes(r)))] as const)
      .find(([s, runs]) => runs.length > 0 && runs.every((n) => narrowerIf(s.if, n.if)));
    if (onlyGuarded) {
      const [s, [n]] = onlyGuarded;
      add(at, `the patch leaves ${s.runners.join(", ")} of ${where} only in the step ${quote(n!.name)}, which runs only if ${quote(n!.if!)}: it no longer runs whenever it did`, s.run.split("\n")[0] ?? job.key);
      continue;
    }
    // `pytest` started in a folder below the one it ran in runs only the tests there.
    const below = tests.find((s) => {
      const runs = steps.filter((n) => n.runners.some((r) => s.runners.includes(r)));
      return runs.length > 0 && runs.every((n) => !/^(\/|\.\.)|[$]/.test(n.cwd) && n.cwd !== s.cwd && (s.cwd === "" || n.cwd.startsWith(`${s.cwd}/`)));
    });
    if (below) {
      const moved = steps.find((n) => n.runners.some((r) => below.runners.includes(r)))!;
      add(at, `the patch runs the step ${quote(moved.name)} of ${where} in ${quote(moved.cwd)} instead of ${quote(below.cwd || ".")}, so ${below.runners.join(", ")} runs only the tests below it`, "working-directory");
      continue;
    }
    const text = (ss: Step[]) => ss.map((s) => s.run).join("\n");
    const have = new Set(steps.flatMap((s) => s.runners));
    const gone = [...new Set(tests.flatMap((s) => s.runners))].filter((r) => !have.has(r));
    const first = tests.find((s) => s.runners.some((r) => gone.includes(r))) ?? tests[0]!;
    const owner = same ? `the step ${quote(first.name)} of ${where}` : `${where}, which the patch removes (its step ${quote(first.name)})`;
    const found = (rule: AllowKey, reason: string, needle?: string) => add(at, reason, needle ?? job.key, rule);
    // A job kept that still runs all its tests lost none: the jobs the patch adds beside it (nightly slow tests,
    // `pytest -m slow`) only run more. They are read with it when it lost some, which they may have taken over.
    let keptAll = false;
    if (same && added.length) {
      const ownGone = [...new Set(tests.flatMap((s) => s.runners))].filter((r) => !same.steps.some((n) => n.runners.includes(r)));
      keptAll = true;
      checkTestCommand({ owner, body: "", before: text(job.steps), after: text(same.steps), gone: ownGone, needle: "" }, () => (keptAll = false));
    }
    if (keptAll) continue;
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
 * when the new filter has it as it was. A filter swapped for an ignore list loses runs only if it ignores
 * something the old filter ran on (`branches: [main]` → `branches-ignore: [gh-pages]` runs on more).
 */
function fewerRuns(before: Obj, after: Obj): { why: string; needle: string } | undefined {
  for (const [event, was] of Object.entries(before)) {
    if (!(event in after)) return { why: `removes the trigger ${event}`, needle: event };
    const f = isObj(was) ? was : {};
    const g = isObj(after[event]) ? (after[event] as Obj) : {};
    // A push filtering only branches runs on no tag push, and one filtering only tags on no branch push (GitHub's
    // workflow syntax: "the workflow won't run for events affecting the undefined Git ref"), `branches: ['**']`
    // and `branches-ignore: []` too. The filters of pushes it did not run on can only add runs: `tags` put beside
    // a branch filter, `branches` beside a tag filter.
    const then = event === "push" ? pushRefs(f) : { branch: true, tag: true };
    const ran = (key: string) => (key.startsWith("branches") ? then.branch : key.startsWith("tags") ? then.tag : true);
    for (const key of ["branches", "paths", "tags"]) {
      const old = list(f[key]);
      const now = list(g[key]);
      if (!now || !ran(key)) continue;
      if (!old && !matchesEverything(now)) return { why: `adds a ${key} filter to ${event}`, needle: key };
      if (!old) continue;
      const lost = old.find((o) => !now.includes(o) && (/[*?+[\]!]/.test(o) || !matches(o, now)));
      if (lost !== undefined) return { why: `takes ${quote(lost)} out of the ${key} of ${event}`, needle: key };
    }
    for (const key of ["branches-ignore", "paths-ignore", "tags-ignore"]) {
      if (!ran(key)) continue;
      const old = list(f[key]) ?? [];
      const positive = key.replace("-ignore", "");
      const named = list(f[positive]);
      // A positive filter swapped for an ignore list (`branches: [main]` → `branches-ignore: [foo]`) runs on
      // everything but what it ignores: judged by what it ignores that the old filter ran on (see ranOn).
      const swapped = named !== undefined && list(g[positive]) === undefined;
      const grown = (list(g[key]) ?? []).find((n) => (swapped ? ranOn(n, named) : !old.includes(n)));
      if (grown !== undefined) return { why: `adds ${quote(grown)} to the ${key} of ${event}`, needle: grown };
    }
    if (event === "push") {
      const now = pushRefs(g);
      if (then.tag && !now.tag) return { why: "leaves tag pushes out of push", needle: "branches" };
      if (then.branch && !now.branch) return { why: "leaves branch pushes out of push", needle: "tags" };
    }
    const types = list(g.types);
    const dropped = types && (list(f.types) ?? (event.startsWith("pull_request") ? PR_TYPES : [])).find((t) => !types.includes(t));
    if (dropped) return { why: `takes ${dropped} out of the types of ${event}`, needle: "types" };
  }
  return undefined;
}

/**
 * Whether the ignore pattern `ignored` may match a name the positive filter `named` ran on. Comparing what two
 * lists of patterns match is not decided in general, so this answers "may" (refuse) unless one of these shows
 * they share no name: `ignored` is a literal name `named` does not match (negations included); or, for each
 * pattern `named` includes (its `!` ones only take names out), a literal name on either side the other does
 * not match, or literal heads (the text before the first wildcard) where neither starts the other, as `docs/**`
 * and `src/**`, since every name a pattern matches starts with its head. A negated ignore pattern is not read.
 */
function ranOn(ignored: string, named: string[]): boolean {
  if (ignored.startsWith("!")) return true;
  if (isLiteral(ignored)) return matches(ignored, named);
  return named.some((p) => !p.startsWith("!") && !disjoint(ignored, p));
}

const isLiteral = (p: string) => !/[*?+[\]!\\]/.test(p);

function disjoint(a: string, b: string): boolean {
  if (isLiteral(a)) return !matches(a, [b]);
  if (isLiteral(b)) return !matches(b, [a]);
  const x = literalHead(a);
  const y = literalHead(b);
  return !x.startsWith(y) && !y.startsWith(x);
}

/** The text every name a pattern matches starts with: up to its first wildcard, less a character `?` or `+` quantifies. */
function literalHead(p: string): string {
  const at = p.search(/[*?+[\]!\\]/);
  return at < 0 ? p : /[?+]/.test(p[at]!) ? p.slice(0, Math.max(0, at - 1)) : p.slice(0, at);
}

/** Whether a push's filters let it run on branch pushes and on tag pushes: both when it filters neither. */
function pushRefs(o: Obj): { branch: boolean; tag: boolean } {
  const b = "branches" in o || "branches-ignore" in o;
  const t = "tags" in o || "tags-ignore" in o;
  return { branch: b || !t, tag: t || !b };
}

/**
 * Patterns that match every branch, tag or path: `**`, and `**` then `/*` or `/**`. `*` alone stops at a `/`, so it
 * misses `release/1.x`. Only these are taken to match everything, not any pattern that happens to.
 */
const EVERYTHING = new Set(["**", "**/*", "**/**"]);

/**
 * A filter no name fails: one of EVERYTHING with no `!pattern` after it, since the last pattern that matches
 * decides. A `paths` filter of `**` still leaves out a push changing no file, which changes nothing the tests run.
 */
function matchesEverything(patterns: string[]): boolean {
  const last = patterns.findLastIndex((p) => EVERYTHING.has(p));
  return last >= 0 && !patterns.slice(last + 1).some((p) => p.startsWith("!"));
}

/** A filter too wild to read (see filterPatternRegExp) is not taken to match. */
function matches(value: string, patterns: string[]): boolean {
  try {
    return matchesFilter(value, patterns);
  } catch {
    return false;
  }
}
