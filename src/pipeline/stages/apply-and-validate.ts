import { resolve } from "node:path";
import type { RepoConfig } from "../../config/repo-config.js";
import type { Deps } from "../../core/deps.js";
import { permanent } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import { redactDeep } from "../../core/redact.js";
import { diffPaths, restoreFiles } from "../../validate/restore-files.js";
import { chooseSandbox, probeBwrap, type SandboxProbe } from "../../validate/sandbox.js";
import { selectCommands } from "../../validate/select-commands.js";
import { capNetwork } from "../../validate/network-cap.js";
import { failingTestsOf } from "../../validate/failing-tests.js";
import { validateWorkspace, type ValidationReport } from "../../validate/validate-workspace.js";
import { validationInputFromJob } from "../../validate/validation-input.js";
import { applyPatch as realApplyPatch, refusalError, type ApplyResult } from "../../patch/apply-patch.js";
import type { Refusal } from "../../patch/types.js";
import type { Stage, StageContext } from "../stage.js";
import { repoConfigOf } from "./check-repo-config.js";
import { ensureWorkspace } from "./clone-repo.js";
import { refusedPatchAtRest } from "./refused-patch-at-rest.js";

/** The patch applier's contract (src/patch): a policy refusal or the files it changed. */
export type ApplyPatchFn = (diff: string, repoDir: string, opts: { config: RepoConfig; dryRun?: boolean }) => Promise<ApplyResult>;

/** What the job record keeps of this stage (and what `validation_failed` carries in its details). */
export interface ApplyAndValidateResult extends Omit<ValidationReport, "commands"> {
  patch: { files: Array<{ path: string; status?: string; additions?: number; deletions?: number }>; overrides: string[]; additions: number; deletions: number };
  commands: ValidationReport["commands"];
  /** Tests the model suggested; recorded, never run (model output is not a command). */
  suggestedTests?: string[];
  notes: string[];
  /** The repository asked for more network than the operator's SANDBOX_NETWORK allows. */
  networkCapped?: string;
  /** On `validation_failed`: the tests the failing command's output names as failed (failingTestsOf), when it names any. */
  failingTests?: string[];
}

export interface ApplyAndValidateOptions {
  applyPatch: ApplyPatchFn;
  probeSandbox?: () => Promise<SandboxProbe>;
  /** The environment validation commands pick allow-listed variables from (default: process.env). */
  parentEnv?: NodeJS.ProcessEnv;
}

const TAIL_BYTES = 4 * 1024;

/**
 * Applies the proposed patch under the repository's policy and proves it on the project's own commands:
 * red on the unpatched tree (reproduce-first), green with the patch. A refusal is `patch_refused`; a
 * patch that does not turn the build green is `validation_failed` with the evidence in the details.
 */
export function createApplyAndValidateStage(opts: ApplyAndValidateOptions): Stage {
  return {
    name: "apply-and-validate",
    state: "testing",
    sideEffects: false,
    run: (job, deps, ctx) => run(job, deps, ctx, opts),
  };
}

export const applyAndValidateStage = createApplyAndValidateStage({ applyPatch: realApplyPatch });

async function run(job: Job, deps: Deps, ctx: StageContext, opts: ApplyAndValidateOptions) {
  const proposal = readProposal(job);
  const { config, networkCapped } = effectiveConfig(job, deps);
  const ws = await ensureWorkspace(job, deps, ctx);
  if (!proposal) {
    // A dry run without a gateway has no patch; show what would be run instead of failing.
    if (ctx.dryRun) return { result: await dryRunPlan(job, deps, ws.dir, config, networkCapped, opts) };
    throw permanent("no_proposal", `There is no proposed patch to validate (the propose-patch stage left none); retry the job from the start with \`t0-ci-bot jobs retry ${job.id}\`.`);
  }

  // Refused once, it was kept redacted: that text is not the patch that was judged, and is not applied.
  if (proposal.refused) throw refusalError({ ...proposal.refused, reason: `${proposal.refused.reason} (the refused patch is kept redacted, and is not applied again)` });

  // A previous try may have died with the patch applied: start from the committed files again.
  const restored = await restoreFiles(ws.dir, diffPaths(proposal.patch));
  if (restored.length) ctx.log.info({ restored }, "restored files left patched by an earlier try");

  const check = await opts.applyPatch(proposal.patch, ws.dir, { config, dryRun: true });
  if (!check.ok) throw refusalError(check.refusal);

  const input = await validationInputFromJob(job, ws.dir);
  const plan = selectCommands({ config, input, workspaceDir: ws.dir, setupNetwork: setupNetwork(config), networkCapped });
  if (!plan.validate.length) {
    throw permanent(
      "no_validation_command",
      "No command to validate the patch with: the failing step is not a replayable run: step and no known project type was found. Add `validate:` (and `setup:` if needed) to .github/ci-bot.yml.",
      { skipped: plan.skipped, notes: input.notes },
    );
  }
  const sandbox = await sandboxFor(deps, config, opts);
  // CI's count is of the failing step's script: beside validation only when that script is what runs here (the
  // repository's `validate:` commands or the project's defaults are other commands, whose counts differ).
  const ciTestsRan = plan.validate.length === 1 && plan.validate[0]!.source === "workflow" ? input.failingTestsRan : undefined;
  const reproduceFirst = config.reproduce_first ?? deps.config.REPRODUCE_FIRST;
  ctx.log.info({ setup: plan.setup, validate: plan.validate, skipped: plan.skipped.length, sandbox: sandbox.kind, reproduceFirst, networkCapped }, "validating patch");

  let applied: Extract<ApplyResult, { ok: true }> | undefined;
  const report = await validateWorkspace({
    workspaceDir: ws.dir,
    plan,
    settings: {
      sandbox,
      network: config.network,
      setupTimeoutMs: (config.timeouts.setup_seconds ?? 0) * 1000 || deps.config.VALIDATION_TIMEOUT_MS,
      validateTimeoutMs: (config.timeouts.validate_seconds ?? 0) * 1000 || deps.config.VALIDATION_TIMEOUT_MS,
      maxOutputBytes: deps.config.VALIDATION_OUTPUT_MAX_BYTES,
      tailBytes: TAIL_BYTES,
      reproduceFirst,
      fewerTestsAllowed: config.allow.skip_tests || config.allow.delete_tests,
      ...(ciTestsRan !== undefined ? { ciTestsRan } : {}),
      budgetMs: deps.config.VALIDATION_BUDGET_MS,
      parentEnv: opts.parentEnv,
      diskFloor: { minFreeBytes: deps.config.VALIDATION_MIN_FREE_BYTES },
      memoryFloor: { minAvailableBytes: deps.config.VALIDATION_MIN_FREE_MEMORY_BYTES },
      // Absolute: a relative PRIVATE_KEY_PATH or DATA_DIR would otherwise not be recognised, and stay visible.
      // WORKSPACE_ROOT holds the other jobs' checkouts and logs (other repositories' private code); this
      // job's own checkout is bound again on top of it.
      hide: [deps.config.PRIVATE_KEY_PATH, deps.config.dataDir, deps.config.WORKSPACE_ROOT, process.cwd()].filter((p): p is string => !!p).map((p) => resolve(p)),
      signal: ctx.signal,
    },
    apply: async () => {
      // The unpatched run may have rewritten files the patch touches (formatters, snapshots): undo that.
      await restoreFiles(ws.dir, diffPaths(proposal.patch));
      const r = await opts.applyPatch(proposal.patch, ws.dir, { config });
      if (!r.ok) throw refusalError(r.refusal);
      applied = r;
      return { files: r.files.map((f) => f.path) };
    },
  });

  const result: ApplyAndValidateResult = {
    ...report,
    patch: applied
      ? { files: applied.files.map(({ path, status, additions, deletions }) => ({ path, status, additions, deletions })), overrides: applied.overrides, additions: applied.additions, deletions: applied.deletions }
      : { files: [], overrides: [], additions: 0, deletions: 0 },
    ...(proposal.tests.length ? { suggestedTests: proposal.tests.slice(0, 20) } : {}),
    notes: input.notes,
    ...(networkCapped ? { networkCapped } : {}),
  };
  ctx.log.info({ verdict: report.verdict, evidence: report.evidence, durationMs: report.durationMs }, "validation finished");
  if (report.verdict === "passed") return { result };
  const last = [...report.runs].reverse().find((r) => r.exitCode !== 0);
  const what = last ? `\`${last.command}\` ${last.timedOut ? "timed out" : last.spawnError ? "could not start" : `exited ${last.exitCode ?? last.signal}`}` : report.evidence.note ?? "a command failed";
  if (report.verdict === "setup_failed") {
    throw permanent(
      "validation_setup_failed",
      `Validation could not start: setup command ${what} before the patch was applied. Set \`setup:\` in .github/ci-bot.yml (and \`network: setup\` if it downloads dependencies); the patch is kept for manual review.`,
      { validation: result },
    );
  }
  const evidence = report.evidence.before ? `${report.evidence.before} before the patch, ${report.evidence.after} after` : `${report.evidence.after} with the patch`;
  // Kept with the verdict: a later try's or the operator's view (jobs show's tries) names them without the output.
  const failingTests = await failingTestsOf(report.runs);
  throw permanent(
    "validation_failed",
    `The proposed patch does not fix the build: ${what} (${evidence}). No pull request was opened; the diagnosis, patch and command output are in the job record for manual review.`,
    { validation: failingTests.length ? { ...result, failingTests } : result },
  );
}

/**
 * The diff and suggested tests from `propose-patch`, whichever field names it used (`patch`/`diff`,
 * `tests_to_run`/`testsToRun`); undefined when there is no diff.
 */
function readProposal(job: Job): { patch: string; tests: string[]; refused?: Refusal } | undefined {
  const p = (job.results["propose-patch"] as { proposal?: Record<string, unknown> } | undefined)?.proposal;
  const patch = typeof p?.patch === "string" ? p.patch : typeof p?.diff === "string" ? p.diff : undefined;
  if (!patch) return undefined;
  const tests = Array.isArray(p?.tests_to_run) ? p.tests_to_run : Array.isArray(p?.testsToRun) ? p.testsToRun : [];
  const refused = refusedPatchAtRest(p);
  return { patch, tests: tests.filter((t): t is string => typeof t === "string"), ...(refused ? { refused } : {}) };
}

/** The repository's settings, with `network:` under the operator's SANDBOX_NETWORK ceiling. */
function effectiveConfig(job: Job, deps: Deps): { config: RepoConfig; networkCapped?: string } {
  const asked = repoConfigOf(job);
  const net = capNetwork(asked.network, deps.config.SANDBOX_NETWORK);
  return { config: { ...asked, network: net.network }, networkCapped: net.capped };
}

const setupNetwork = (config: RepoConfig) => config.network === true || config.network === "setup";

async function dryRunPlan(job: Job, deps: Deps, dir: string, config: RepoConfig, networkCapped: string | undefined, opts: ApplyAndValidateOptions) {
  const input = await validationInputFromJob(job, dir);
  const plan = selectCommands({ config, input, workspaceDir: dir, setupNetwork: setupNetwork(config), networkCapped });
  const sandbox = await sandboxFor(deps, config, opts).catch((e: Error) => ({ kind: "none" as const, reason: e.message }));
  // Kept on the job: redacted like the real run's plan (validate-workspace.ts).
  return { dryRun: true as const, wouldRun: redactDeep(plan), sandbox: sandbox.kind, sandboxReason: sandbox.reason, notes: input.notes, ...(networkCapped ? { networkCapped } : {}) };
}

/** The operator's SANDBOX, the repository's `sandbox:` and what this host can do (production fails closed). */
function sandboxFor(deps: Deps, config: RepoConfig, opts: ApplyAndValidateOptions) {
  return chooseSandbox(deps.config.SANDBOX, config.sandbox, opts.probeSandbox ?? (() => probeBwrap()), { production: deps.config.NODE_ENV === "production" });
}
