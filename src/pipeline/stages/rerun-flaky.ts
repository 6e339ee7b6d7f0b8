import { permanent, toAppError } from "../../core/errors.js";
import type { FailureContext } from "../../core/failure-context.js";
import type { Deps } from "../../core/deps.js";
import { wake, type Job } from "../../core/job.js";
import { conclusionFilter } from "../../handlers/filters.js";
import type { Stage, StageContext, StageOutcome } from "../stage.js";
import { repoConfigOf } from "./check-repo-config.js";
import { RERUN_FLAKY, WAIT_RERUN, type RerunFlakyResult } from "./rerun-flaky-result.js";

const SUSPECT = new Set(["infra", "flaky-suspect"]);

/**
 * With `rerun_flaky: true` in .github/ci-bot.yml, a failure the analyser calls infra or flaky-suspect is first
 * re-run (failed jobs only; needs Actions: write). The job then waits for that attempt: green ends it without
 * a patch, red resumes it from fetch-logs with the new attempt's logs (handlers/on-rerun-completed.ts).
 */
export const rerunFlakyStage: Stage = {
  name: RERUN_FLAKY,
  state: "analysis",
  sideEffects: true,
  async run(job, deps, ctx) {
    const decision = decide(job);
    if (!decision.rerun) return { result: decision };
    const gh = await deps.github.forInstallation(job.installationId, { signal: ctx.signal });
    if (!gh.writes) throw permanent("github_read_only", "This build's GitHub adapter cannot write, so it cannot re-run failed jobs; set rerun_flaky: false.");
    // A later attempt exists already: this stage's request before a crash (GitHub took it, the job never
    // recorded it), or a person's re-run. Asking again would re-run a run that is re-running (refused) or
    // one whose re-run already finished (a whole CI run more, and a wait for it).
    const run = await gh.writes.getRun(job.repo, job.run.id);
    if (run.attempt > job.run.attempt) {
      const result = { ...decision, awaitingAttempt: run.attempt, alreadyRunning: true };
      if (run.status !== "completed") {
        ctx.log.info({ runId: job.run.id, awaitingAttempt: run.attempt }, "the run is already re-running; waiting for that attempt");
        return { result, wait: WAIT_RERUN };
      }
      return rerunFinished(job, deps, ctx, result, run.attempt, run.conclusion);
    }
    try {
      await gh.writes.rerunFailedJobs(job.repo, job.run.id);
    } catch (raw) {
      if (!alreadyRunning(raw)) throw raw;
      // An earlier try's request reached GitHub but its answer did not reach us (a 502, a reset, a crash
      // before the result was written), or a person pressed re-run: the attempt we wait for is under way.
      ctx.log.info({ runId: job.run.id, awaitingAttempt: decision.awaitingAttempt }, "the run is already re-running; waiting for that attempt");
      return { result: { ...decision, alreadyRunning: true }, wait: WAIT_RERUN };
    }
    ctx.log.info({ runId: job.run.id, awaitingAttempt: decision.awaitingAttempt }, "re-ran failed jobs before patching");
    return { result: decision, wait: WAIT_RERUN };
  },
  async dryRun(job, deps, ctx) {
    const decision = decide(job);
    if (!decision.rerun) return { result: { ...decision, dryRun: true } };
    // The real run's read before it asks: a later attempt under way is the one it waits for, and one already
    // finished decides at once (green: no patch), as rerunFinished takes it.
    const gh = await deps.github.forInstallation(job.installationId);
    const run = gh.writes ? await gh.writes.getRun(job.repo, job.run.id) : undefined;
    const already = run && run.attempt > job.run.attempt ? run : undefined;
    const result = { ...decision, dryRun: true, ...(already ? { awaitingAttempt: already.attempt, alreadyRunning: true } : {}) };
    const end = already?.status === "completed" ? rerunEnd(already.attempt, already.conclusion) : undefined;
    if (end) return { result, finish: `dry run: ${end}` };
    ctx.log.info({ runId: job.run.id, awaitingAttempt: result.awaitingAttempt }, already ? "dry run: would wait for the re-run under way" : "dry run: would re-run the failed jobs first");
    // A dry run never waits for a re-run: it goes on to show the patch, as if that attempt failed again
    // (open-pull-request's notChecked says so).
    return { result };
  },
};

/**
 * The re-run finished before the job waited for it, so its completion was not routed here (handlers/
 * on-rerun-completed.ts): the same verdict, taken now. Red puts the job back to fetch-logs with that
 * attempt, as the handler does, and wakes it so the runner queues it again instead of parking it.
 */
async function rerunFinished(job: Job, deps: Deps, ctx: StageContext, result: RerunFlakyResult, attempt: number, conclusion: string | null): Promise<StageOutcome> {
  ctx.log.info({ runId: job.run.id, attempt, conclusion }, "the run's re-run already finished; taking its result");
  const end = rerunEnd(attempt, conclusion);
  if (end) return { result, finish: end };
  await deps.store.updateJob(job.id, (j) => {
    j.run = { ...j.run, attempt, conclusion: conclusion ?? j.run.conclusion };
    j.completedStages = [...j.completedStages.filter((s) => s !== "fetch-logs" && s !== "build-context"), RERUN_FLAKY];
    wake(j);
  });
  return { result, wait: WAIT_RERUN };
}

/** How a finished re-run ends the job (green: flaky; a conclusion not repaired), or undefined when red: a patch from its logs. */
function rerunEnd(attempt: number, conclusion: string | null): string | undefined {
  if (conclusion === "success") return `re-run attempt ${attempt} passed: flaky, no patch`;
  if (conclusionFilter(conclusion)) return `re-run attempt ${attempt} ended ${conclusion ?? "without a conclusion"}; not repairing`;
  return undefined;
}

/** GitHub's 403 for a re-run of a run that is re-running ("This workflow is already running"). */
function alreadyRunning(raw: unknown): boolean {
  const err = toAppError(raw);
  return err.details?.["status"] === 403 && /\balready running\b/i.test(err.message);
}

function decide(job: Parameters<Stage["run"]>[0]): RerunFlakyResult {
  const config = repoConfigOf(job);
  const classification = (job.results["build-context"] as { context?: FailureContext } | undefined)?.context?.classification ?? "unknown";
  if (!config.rerun_flaky) return { rerun: false, reason: "rerun_flaky is off" };
  if (!SUSPECT.has(classification)) return { rerun: false, reason: `classified ${classification}, not infra or flaky-suspect` };
  const asked = job.results[RERUN_FLAKY] as RerunFlakyResult | undefined;
  // Stopped while it waited for its re-run, then retried (stopJob gives the stage back): the re-run asked
  // for is still the one to wait for, or to take the result of, which run() reads from GitHub.
  if (asked?.rerun && asked.awaitingAttempt && job.run.attempt < asked.awaitingAttempt) return { rerun: true, reason: asked.reason, awaitingAttempt: asked.awaitingAttempt };
  if (asked) return { rerun: false, reason: "already re-run once" };
  return { rerun: true, reason: `classified ${classification}`, awaitingAttempt: job.run.attempt + 1 };
}
