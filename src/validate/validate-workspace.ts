import { mkdir, mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { transient } from "../core/errors.js";
import { MASK, REDACT_PAST_CUT, redact, redactDeep } from "../core/redact.js";
import { dropRedraws, stripAnsi } from "../logs/line-format.js";
import { junitTestsRan, type JUnitCount } from "./junit-tests-ran.js";
import { memAvailable } from "./mem-available.js";
import { removeTree } from "../core/remove-tree.js";
import { runCommand, type CommandRun, type SandboxSpec } from "./run-command.js";
import type { SandboxKind } from "./sandbox.js";
import { scrubbedEnv } from "./scrubbed-env.js";
import { testsRan, TESTS_RAN_TAIL_BYTES } from "./tests-ran.js";
import type { CommandPlan, CommandSource, PlannedCommand } from "./select-commands.js";
import type { TailBuffer } from "./tail-buffer.js";
import type { DiskFloor, DiskLow } from "./watch-disk.js";
import type { MemoryFloor, MemoryLow } from "./watch-memory.js";

export type Phase = "setup" | "reproduce" | "validate";

/** One command's outcome, as stored on the job (output redacted and cut to its tail). */
export interface CommandResult {
  phase: Phase;
  command: string;
  source: CommandSource;
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  durationMs: number;
  outputBytes: number;
  truncated: boolean;
  outputTail: string;
  spawnError?: string;
  /** Killed because free disk space fell below the floor (VALIDATION_MIN_FREE_BYTES). */
  diskLow?: DiskLow;
  /** Killed because the host's available memory fell below the floor (VALIDATION_MIN_FREE_MEMORY_BYTES). */
  memoryLow?: MemoryLow;
  /**
   * A validation command whose output printed no count of its tests: the count from the JUnit XML reports it
   * wrote (and how many reports), or why that count is unknown. Absent when it wrote none.
   */
  testReports?: JUnitCount;
}

export type Verdict = "passed" | "failed" | "setup_failed";
export type NetworkPolicy = boolean | "setup";

export interface ValidationReport {
  verdict: Verdict;
  sandbox: SandboxKind;
  sandboxReason: string;
  /** What network the commands had: none, for setup only, for all, or unrestricted (no sandbox). */
  network: "none" | "setup" | "all" | "unrestricted";
  commands: CommandPlan;
  /**
   * Red → green evidence: `before` is the validation on the unpatched tree (null when not run),
   * `after` with the patch applied (null when the patch was never reached).
   */
  evidence: { before: "red" | "green" | null; after: "red" | "green" | null; reproduced: boolean | null; note?: string };
  runs: CommandResult[];
  durationMs: number;
  /** Why the memory floor the operator set was not applied: the host's available memory cannot be read here. */
  memoryFloorOff?: string;
  /**
   * How many tests the validation commands' summaries say ran (skipped ones not counted), on the unpatched
   * tree and with the patch, over the commands that said so both times; a command that printed no count
   * says so by the JUnit XML reports it wrote (CommandResult.testReports).
   */
  testsRan?: { before: number; after: number };
  /**
   * The failed CI run's own count (settings.ciTestsRan) beside the patched run's here, when validation ran the
   * failing step's command; "cut" when CI's log of it was cut. Shown to the reviewer, never a verdict.
   */
  ciTestsRan?: { ci: number | "cut"; after?: number };
}

export interface ValidationSettings {
  sandbox: { kind: SandboxKind; reason: string; bwrapPath?: string };
  network: NetworkPolicy;
  setupTimeoutMs: number;
  validateTimeoutMs: number;
  /** Memory cap on each command's captured output. */
  maxOutputBytes: number;
  /** How much of the output tail is stored per command (after redaction). */
  tailBytes?: number;
  /** Run the validation on the unpatched tree first. */
  reproduceFirst: boolean;
  /**
   * The repository allows skipping or deleting tests (allow.skip_tests / allow.delete_tests): a patched run
   * that runs fewer tests than the unpatched one may pass. Otherwise it fails validation.
   */
  fewerTestsAllowed?: boolean;
  /**
   * Wall-clock budget for all commands together: each command's limit is cut to what is left, and
   * reproduce-first is skipped when less than two validation timeouts remain after setup.
   */
  budgetMs?: number;
  /**
   * How many tests the failed CI run's log says the one validation command ran there, when that command is the
   * failing step's (fetch-logs' `testsRan`). Recorded beside the count here, and not compared for the verdict:
   * CI's environment is not this one (services, OS, secrets), and tests that need what is missing here skip
   * themselves legitimately. With reproduce-first, the unpatched run here is what fewer tests are judged by.
   */
  ciTestsRan?: number | "cut";
  /** The parent environment to pick allow-listed variables from. */
  parentEnv?: NodeJS.ProcessEnv;
  /** Host paths kept out of the sandbox even under bound directories (the app's key file, its data dir). */
  hide?: string[];
  /**
   * Kill a command when free space on the checkout's or the temp root's filesystem falls below
   * `minFreeBytes` (0 or absent: not watched); `paths` are this run's own.
   */
  diskFloor?: Omit<DiskFloor, "paths">;
  /** Kill a command when the host's available memory falls below `minAvailableBytes` (0 or absent: not watched). */
  memoryFloor?: MemoryFloor;
  signal?: AbortSignal;
}

/** Manifests whose change means dependencies must be installed again after the patch. */
const MANIFEST = /(^|\/)(package(-lock)?\.json|pnpm-lock\.yaml|yarn\.lock|requirements[^/]*\.txt|pyproject\.toml|setup\.(py|cfg)|Pipfile(\.lock)?|poetry\.lock|go\.(mod|sum)|Cargo\.(toml|lock)|pom\.xml|build\.gradle(\.kts)?|Gemfile(\.lock)?|composer\.(json|lock))$/;

/**
 * The last `maxBytes` of a command's output, redacted before it is cut: cut first, the end of a secret the
 * cut went through is too short for any rule (`…Xk3LpQ9zR2mW` without its `ghp_`) and went into the fix PR's
 * body. What comes before the cut is redacted too, so a secret that starts there is seen whole. The word that
 * window's own cut goes through, if it ends before the tail, is dropped: no rule could tell it from the end
 * of a secret, and it is shown when redaction shortened what follows it.
 */
function redactedTail(output: TailBuffer, maxBytes: number): { tail: string; truncated: boolean } {
  let window = output.text(maxBytes + Math.max(maxBytes, REDACT_PAST_CUT));
  const windowCut = output.totalBytes > Buffer.byteLength(window);
  if (windowCut) {
    const word = /^\S*/.exec(window)![0];
    if (Buffer.byteLength(window) - Buffer.byteLength(word) >= maxBytes) window = window.slice(word.length);
  }
  // Colour and cursor codes out first (a test script that forces colours ignores NO_COLOR): the tail goes into
  // the fix PR's body, where they show as garbage, and into a retry's prompt, where they cost tokens. Before
  // redaction, so a code inside a secret does not hide it from the rules. A progress bar's redraws go too, but
  // after redaction: the rules read the text as it was printed, so a private key whose BEGIN line a redraw
  // overwrote is still masked to its END (without the BEGIN, its body would be plain text).
  const clean = Buffer.from(dropRedraws(redact(stripAnsi(window))));
  if (clean.length <= maxBytes) return { tail: clean.toString("utf8"), truncated: windowCut };
  let start = clean.length - maxBytes;
  // Not in the middle of a character, nor of a marker (`ACTED]` would read as the output's own text).
  while (start < clean.length && (clean[start]! & 0xc0) === 0x80) start++;
  const marker = clean.lastIndexOf(MASK, start);
  if (marker >= 0 && marker < start && marker + MASK.length > start) start = marker + MASK.length;
  return { tail: clean.subarray(start).toString("utf8"), truncated: true };
}

/** Summed over the commands whose summary was found both before and after the patch; undefined when none was. */
function comparedCounts(before: Array<number | undefined> | undefined, after: Array<number | undefined> | undefined): { before: number; after: number } | undefined {
  if (!before || !after) return undefined;
  let b = 0;
  let a = 0;
  let any = false;
  for (let i = 0; i < Math.min(before.length, after.length); i++) {
    if (before[i] === undefined || after[i] === undefined) continue;
    b += before[i]!;
    a += after[i]!;
    any = true;
  }
  return any ? { before: b, after: a } : undefined;
}

const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;

/** What a floor that stopped a command says: on its output, and in the error that ends the validation. */
interface FloorReached {
  code: string;
  /** The `[killed: …]` line after the output tail. */
  killed: string;
  /** What was left, the setting it fell below, what the kill prevented and what to do. */
  left: string;
  setting: string;
  prevented: string;
  todo: string;
  details: Record<string, unknown>;
}

function floorReached(r: CommandRun): FloorReached | undefined {
  if (r.diskLow) {
    const { path, freeBytes, minFreeBytes } = r.diskLow;
    return {
      code: "validation_disk_low",
      killed: `${mb(freeBytes)} free on ${path}`,
      left: `only ${mb(freeBytes)} was free on the filesystem of ${path}`,
      setting: `VALIDATION_MIN_FREE_BYTES (${mb(minFreeBytes)})`,
      prevented: "before it filled the disk",
      todo: "Free disk space on that filesystem; if the repository's tests write large files (a log or dump grown in a loop), fix them; lower VALIDATION_MIN_FREE_BYTES only if the host can spare the space.",
      details: { path, freeBytes, minFreeBytes },
    };
  }
  if (r.memoryLow) {
    const { availableBytes, minAvailableBytes } = r.memoryLow;
    return {
      code: "validation_memory_low",
      killed: `${mb(availableBytes)} of memory available`,
      left: `only ${mb(availableBytes)} of memory was available on the host`,
      setting: `VALIDATION_MIN_FREE_MEMORY_BYTES (${mb(minAvailableBytes)})`,
      prevented: "before the kernel's OOM killer had to pick a process (it may pick this app, Redis or another job)",
      todo: "Free memory on the host (other jobs, other services); if the repository's tests leak or allocate without bound (a cache or buffer grown in a loop), fix them; lower VALIDATION_MIN_FREE_MEMORY_BYTES only if the host can spare the memory.",
      details: { availableBytes, minAvailableBytes },
    };
  }
  return undefined;
}

/**
 * Not a verdict on the patch: the command was stopped before it finished, because the host ran short of
 * disk or memory. Retried like the clone's `disk_low`: the space or memory is often taken by something else
 * (other jobs, logs) and comes back; a test that takes it by itself fails the same way on every try, and the
 * job fails once JOB_MAX_RETRIES are spent, with this message and the command's output in the record.
 */
function floorError(phase: Phase, command: string, floor: FloorReached, report: ValidationReport) {
  return transient(
    floor.code,
    `Validation stopped: ${floor.left} while the ${phase} command \`${command}\` ran, below ${floor.setting}, so the command was killed ${floor.prevented}. ${floor.todo} Will retry.`,
    { details: { phase, command, ...floor.details, validation: report } },
  );
}

/**
 * When a command starts, as the clock that stamps files' modification times reads it: the kernel's coarse
 * clock, up to a tick behind Date.now(), so a report written at once would look older than a Date.now() start.
 */
async function fileClockNow(dir: string): Promise<number> {
  const mark = join(dir, "command-started");
  await writeFile(mark, "");
  return (await stat(mark)).mtimeMs;
}

/**
 * Each sandboxed command starts with an empty /tmp, /var/tmp and /run, as it did when they were bwrap's
 * tmpfs: what the unpatched run left there must not shape the patched run's result, and its space is given back.
 */
async function emptyScratch(scratch: Record<string, string>): Promise<void> {
  await Promise.all(Object.values(scratch).map(async (d) => {
    await removeTree(d);
    await mkdir(d);
  }));
}

/**
 * The floor, when the host's available memory can be read here; otherwise the report says why it is off,
 * once per validation (no /proc/meminfo on macOS, no MemAvailable before Linux 3.14).
 */
async function readableMemoryFloor(floor: MemoryFloor, report: ValidationReport): Promise<MemoryFloor | undefined> {
  const available = floor.availableBytes ?? (() => memAvailable());
  if ((await available().catch(() => undefined)) !== undefined) return floor;
  report.memoryFloorOff = "VALIDATION_MIN_FREE_MEMORY_BYTES not applied: the host's available memory (MemAvailable in /proc/meminfo) cannot be read here";
  return undefined;
}

/**
 * Runs setup, then (budget allowing) the validation on the unpatched tree, then `apply`, then the
 * validation again. `apply` is where the patch lands; it throws to stop (e.g. a policy refusal).
 */
export async function validateWorkspace(opts: {
  workspaceDir: string;
  plan: CommandPlan;
  settings: ValidationSettings;
  apply: () => Promise<{ files: string[] }>;
  /** The clock the budget and `durationMs` are measured on (default: monotonic); a test steps it. */
  now?: () => number;
}): Promise<ValidationReport> {
  const { workspaceDir, plan, settings: s } = opts;
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const runs: CommandResult[] = [];
  const report: ValidationReport = {
    verdict: "failed",
    sandbox: s.sandbox.kind,
    sandboxReason: s.sandbox.reason,
    network: s.sandbox.kind === "none" ? "unrestricted" : s.network === true ? "all" : s.network === "setup" ? "setup" : "none",
    // Kept on the job like the runs' commands, redacted: the plan is run from `plan`, and each validation
    // plans again from the job's fetch-logs result, so nothing runs what is stored here.
    commands: redactDeep(plan),
    evidence: { before: null, after: null, reproduced: null },
    runs,
    durationMs: 0,
  };
  const root = await mkdtemp(join(tmpdir(), "t0-validate-"));
  try {
    const home = join(root, "home");
    const tmp = join(root, "tmp");
    // The sandbox's /tmp, /var/tmp and /run: on this disk, watched and removed with the rest, not in RAM.
    const scratch = { tmp: join(root, "sandbox-tmp"), varTmp: join(root, "sandbox-var-tmp"), run: join(root, "sandbox-run") };
    await Promise.all([home, tmp].map((d) => mkdir(d)));
    const diskFloor = s.diskFloor?.minFreeBytes ? { ...s.diskFloor, paths: [workspaceDir, root] } : undefined;
    const memoryFloor = s.memoryFloor?.minAvailableBytes ? await readableMemoryFloor(s.memoryFloor, report) : undefined;
    const env = scrubbedEnv(s.parentEnv ?? process.env, { home, tmp });
    const parentHome = (s.parentEnv ?? process.env).HOME;
    // Tests each validation command's summary (or else its JUnit reports) says ran, by phase and command
    // (undefined: neither said).
    const counted: Partial<Record<Phase, Array<number | undefined>>> = {};
    const run = async (phase: Phase, cmds: PlannedCommand[], commandTimeoutMs: number, network: boolean): Promise<boolean> => {
      for (const c of cmds) {
        // The budget bounds the whole validation: a command gets what is left of it, at most its own limit.
        const left = s.budgetMs === undefined ? Infinity : s.budgetMs - (now() - started);
        const timeoutMs = Math.max(1, Math.floor(Math.min(commandTimeoutMs, left)));
        if (s.sandbox.kind === "bwrap") await emptyScratch(scratch);
        const sandbox: SandboxSpec =
          s.sandbox.kind === "bwrap"
            ? { kind: "bwrap", bwrapPath: s.sandbox.bwrapPath, workspace: workspaceDir, writable: [home, tmp], network, parentHome, hide: s.hide, scratch }
            : { kind: "none" };
        const startedAt = phase === "setup" ? 0 : await fileClockNow(root);
        const r = await runCommand({ command: c.command, cwd: workspaceDir, env, timeoutMs, maxOutputBytes: s.maxOutputBytes, sandbox, diskFloor, memoryFloor, signal: s.signal });
        const { tail, truncated } = redactedTail(r.output, s.tailBytes ?? 8 * 1024);
        const floor = floorReached(r);
        // The printed summary first; the reports only when there is none (Gradle prints none, `go test` without
        // -v none, surefire's may be cut), and only those this command wrote: the unpatched run's stay on disk.
        const printed = phase === "setup" ? undefined : testsRan(r.output.text(TESTS_RAN_TAIL_BYTES));
        const reports = phase === "setup" || printed !== undefined || r.aborted || floor ? undefined : await junitTestsRan(workspaceDir, startedAt, r.output.text(), undefined, r.output.truncated);
        runs.push({
          phase,
          command: redact(c.command),
          source: c.source,
          exitCode: r.exitCode,
          ...(r.signal ? { signal: r.signal } : {}),
          timedOut: r.timedOut,
          durationMs: r.durationMs,
          outputBytes: r.output.totalBytes,
          truncated,
          outputTail: r.timedOut ? `${tail}\n[killed after ${timeoutMs} ms]` : floor ? `${tail}\n[killed: ${floor.killed}]` : tail,
          ...(r.spawnError ? { spawnError: r.spawnError } : {}),
          ...(r.diskLow ? { diskLow: r.diskLow } : {}),
          ...(r.memoryLow ? { memoryLow: r.memoryLow } : {}),
          // Why a count is unknown can quote the output (a Gradle task's name) and names a path: redacted like the rest.
          ...(reports ? { testReports: "unknown" in reports ? { unknown: redact(reports.unknown) } : reports } : {}),
        });
        if (phase !== "setup") (counted[phase] ??= []).push(printed ?? (reports && "ran" in reports ? reports.ran : undefined));
        if (r.aborted) throw s.signal?.reason ?? new Error("validation aborted");
        if (floor) throw floorError(phase, redact(c.command), floor, report);
        if (r.exitCode !== 0) return false;
      }
      return true;
    };
    const setupNet = s.network === true || s.network === "setup";
    const validateNet = s.network === true;

    if (!(await run("setup", plan.setup, s.setupTimeoutMs, setupNet))) {
      report.verdict = "setup_failed";
      return report;
    }
    const elapsed = now() - started;
    if (!s.reproduceFirst) report.evidence.note = "reproduce-first is off";
    else if (s.budgetMs !== undefined && elapsed + 2 * s.validateTimeoutMs > s.budgetMs) {
      report.evidence.note = `reproduce-first skipped: ${Math.round(elapsed)} ms used of a ${s.budgetMs} ms budget`;
    } else {
      const green = await run("reproduce", plan.validate, s.validateTimeoutMs, validateNet);
      report.evidence.before = green ? "green" : "red";
      report.evidence.reproduced = !green;
      if (green) report.evidence.note = "the failure did not reproduce here before the patch (flaky, or it depends on the CI environment)";
    }

    const applied = await opts.apply();
    if (applied.files.some((f) => MANIFEST.test(f)) && plan.setup.length) {
      if (!(await run("setup", plan.setup, s.setupTimeoutMs, setupNet))) {
        report.evidence.after = "red";
        report.verdict = "failed";
        return report;
      }
    }
    const green = await run("validate", plan.validate, s.validateTimeoutMs, validateNet);
    report.evidence.after = green ? "green" : "red";
    report.verdict = green ? "passed" : "failed";
    const ran = comparedCounts(counted.reproduce, counted.validate);
    if (ran) report.testsRan = ran;
    // One command only: CI's count is of one step's script, whatever runners that script starts (both are
    // read the same way from the same script's output); beside several commands it has nothing to match.
    if (s.ciTestsRan !== undefined && plan.validate.length === 1) {
      const after = counted.validate?.[0];
      report.ciTestsRan = { ci: s.ciTestsRan, ...(after !== undefined ? { after } : {}) };
    }
    // A patch that gets green by running fewer tests (a skip, a deselection, a test deleted or moved where the
    // runner does not look) that no policy rule saw: the runners' own counts say so.
    if (green && ran && ran.after < ran.before && !s.fewerTestsAllowed) {
      report.verdict = "failed";
      report.evidence.note = `fewer tests ran with the patch (${ran.after}) than without it (${ran.before}): a test skipped, deselected or deleted does not fix the build`;
    }
    return report;
  } finally {
    report.durationMs = Math.round(now() - started);
    await removeTree(root).catch(() => undefined);
  }
}
