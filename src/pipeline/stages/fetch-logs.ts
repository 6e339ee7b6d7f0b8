import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { logsDirOf } from "../../adapters/workspace/logs-dir.js";
import { AppError, permanent } from "../../core/errors.js";
import type { Job } from "../../core/job.js";
import type { GitHubClient, RunJob } from "../../core/ports/github-port.js";
import { WORKFLOW_MAX_BYTES, type FailingStep, type FetchedJob, type FetchedLogs, type JobMeta } from "../../context/fetched-logs.js";
import { mapLogSections } from "../../context/log-steps.js";
import { keepLogTail } from "../../context/log-tail.js";
import { stepTestsRan } from "../../context/step-tests-ran.js";
import { findWorkflowJob, findWorkflowStep, parseWorkflow } from "../../context/workflow-steps.js";
import type { Stage, StageContext } from "../stage.js";
import { ensureWorkspace } from "./clone-repo.js";
import { notActionsRun } from "./check-repo-config.js";
import { FAILING } from "../../core/conclusions.js";

/** More failed jobs than this in one run are nearly always one cause repeated across a matrix. */
export const MAX_FAILED_JOBS = 5;
export { WORKFLOW_MAX_BYTES };

/**
 * Downloads what explains the failure: the failed jobs of the run's attempt, each job's log (tail kept,
 * within LOG_MAX_BYTES_PER_JOB), its check-run annotations, and the workflow file at head_sha, whose
 * `run:` script of the failing step becomes the command to reproduce. Files go to `<workspace>.logs/`;
 * build-context removes all but the workflow file once it has made the redacted context from them.
 */
export const fetchLogsStage: Stage = {
  name: "fetch-logs",
  state: "analysis",
  sideEffects: false,
  async run(job, deps, ctx) {
    if (job.run.source !== "workflow_run") {
      // check-repo-config ends such a job; one that reached here (queued before it did) fails with the reason.
      throw permanent("not_actions_run", `${notActionsRun(job)}.`);
    }
    const ws = await ensureWorkspace(job, deps, ctx);
    const gh = await deps.github.forInstallation(job.installationId);
    const logsDir = logsDirOf(ws);
    await mkdir(logsDir, { recursive: true });

    const result = await fetchRunLogs(gh, job, { id: job.run.id, attempt: job.run.attempt, headSha: job.run.headSha, ...(job.run.workflowPath ? { workflowPath: job.run.workflowPath } : {}) }, logsDir, deps.config.LOG_MAX_BYTES_PER_JOB, ctx);
    return { result };
  },
};

/** Which run to read: the job's own run, or a later run of the same workflow (CI on the fix branch). */
export interface RunRef { id: number; attempt: number; headSha: string; workflowPath?: string }

/**
 * The failed jobs of one run attempt, fetched into `logsDir` (logs tail-kept, step meta, annotations,
 * failing step mapped to the workflow file at `run.headSha`). Shared by fetch-logs and the repair attempt.
 */
export async function fetchRunLogs(gh: GitHubClient, job: Job, run: RunRef, logsDir: string, maxBytes: number, ctx: Pick<StageContext, "log" | "signal">): Promise<FetchedLogs> {
  await mkdir(logsDir, { recursive: true });
  const all = await gh.listRunJobs(job.repo, run.id, run.attempt);
  const failed = all.filter((j) => FAILING.has(j.conclusion ?? ""));
  if (!failed.length) {
    throw permanent("no_failed_jobs", `Run ${run.id} (attempt ${run.attempt}) has no failed jobs (the workflow may have failed before any job started, e.g. an invalid workflow file); there is no log to analyse.`);
  }
  const picked = failed.slice(0, MAX_FAILED_JOBS);
  const workflow = await fetchWorkflow(gh, job, run, logsDir, ctx);
  const jobs: FetchedJob[] = [];
  for (const j of picked) {
    jobs.push(await fetchJob(gh, job, j, logsDir, maxBytes, workflow.text, ctx.signal));
  }
  for (const j of jobs) {
    // Not `runId`: the stage's logger carries the job's run as runId, and a second key of the same name
    // (the fix branch's run, for a repair) replaced it in the JSON line.
    ctx.log.info({ logsOfRun: run.id, ghJob: j.id, bytes: j.log.totalBytes, kept: j.log.keptBytes, truncated: j.log.truncated, step: j.failingStep?.name, annotations: j.annotations }, "job log fetched");
  }
  return {
    logsDir,
    workflow: {
      ...(run.workflowPath ? { path: run.workflowPath } : {}), ...(workflow.file ? { file: workflow.file } : {}), found: workflow.text !== undefined,
      ...(workflow.note ? { note: workflow.note } : {}),
    },
    jobs,
    skippedJobs: failed.slice(MAX_FAILED_JOBS).map((j) => j.name),
  };
}

async function fetchWorkflow(gh: GitHubClient, job: Job, run: RunRef, logsDir: string, ctx: Pick<StageContext, "log">): Promise<{ text?: string; file?: string; note?: string }> {
  if (!run.workflowPath) return {};
  let text: string | null;
  try {
    text = await gh.getFileContent(job.repo, run.workflowPath, run.headSha, WORKFLOW_MAX_BYTES);
  } catch (err) {
    if (!(err instanceof AppError && err.code === "file_too_large")) throw err;
    // The log alone still explains the failure; only the failing step's full `run:` script is lost.
    const note = `${run.workflowPath} at ${run.headSha.slice(0, 7)} is larger than ${WORKFLOW_MAX_BYTES} bytes and was not read; the failing step's command comes from the log alone.`;
    ctx.log.warn({ workflowPath: run.workflowPath, bytes: err.details?.["bytes"], maxBytes: WORKFLOW_MAX_BYTES }, note);
    return { note };
  }
  if (text === null) return {};
  await writeFile(join(logsDir, "workflow.yml"), text);
  return { text, file: "workflow.yml" };
}

async function fetchJob(gh: GitHubClient, job: Job, j: RunJob, logsDir: string, maxBytes: number, workflowText: string | undefined, signal: AbortSignal): Promise<FetchedJob> {
  const logFile = `${j.id}.log`;
  const kept = await keepLogTail(await gh.downloadJobLog(job.repo, j.id, signal), maxBytes, join(logsDir, logFile));
  const annotations = j.checkRunId ? await gh.listAnnotations(job.repo, j.checkRunId) : [];
  const meta: JobMeta = { steps: j.steps, annotations };
  const metaFile = `${j.id}.json`;
  await writeFile(join(logsDir, metaFile), JSON.stringify(meta));
  const failingStep = await findFailingStep(j, join(logsDir, logFile), workflowText);
  return {
    id: j.id,
    name: j.name,
    conclusion: j.conclusion,
    ...(j.htmlUrl ? { htmlUrl: j.htmlUrl } : {}),
    ...(j.checkRunId ? { checkRunId: j.checkRunId } : {}),
    log: { file: logFile, totalBytes: kept.totalBytes, keptBytes: kept.keptBytes, truncated: kept.truncated },
    meta: metaFile,
    annotations: annotations.length,
    ...(failingStep ? { failingStep } : {}),
  };
}

/** The failed API step, its log section (timestamps) and its `run:` script (workflow file). */
async function findFailingStep(j: RunJob, logPath: string, workflowText: string | undefined): Promise<FailingStep | undefined> {
  const apiStep = j.steps.find((s) => FAILING.has(s.conclusion ?? "")) ?? j.steps.find((s) => s.conclusion === "cancelled");
  const sections = await mapLogSections(logPath, j.steps.map((s) => ({ ...s, conclusion: s.conclusion })));
  if (!apiStep) {
    // No step marked failed (e.g. a timed-out job): the last section of the log is the best guess.
    const last = sections.at(-1);
    return last ? { number: last.stepNumber ?? 0, name: `Run ${last.header}`, logHeader: last.header, logLine: last.line } : undefined;
  }
  const at = sections.findIndex((s) => s.stepNumber === apiStep.number);
  const section = sections[at];
  const out: FailingStep = { number: apiStep.number, name: apiStep.name };
  if (section) {
    Object.assign(out, { logHeader: section.header, logLine: section.line });
    // Up to the next step's header (a later step's output, a test report upload, is not this step's); a
    // `::group::Run …` the step printed itself reads as a header too, and is mapped to this step by its time.
    const next = sections.slice(at + 1).find((s) => s.stepNumber !== apiStep.number);
    const testsRan = await stepTestsRan(logPath, section.line, next?.line);
    if (testsRan !== undefined) out.testsRan = testsRan;
  }
  const jobs = workflowText ? parseWorkflow(workflowText) : null;
  const wfJob = jobs ? findWorkflowJob(jobs, j.name) : undefined;
  const step = wfJob ? findWorkflowStep(wfJob, apiStep, j.steps) : undefined;
  // Whole (the workflow file is capped): validation replays it, and the context cuts it once redacted.
  if (step?.run) out.command = step.run;
  if (step?.uses) out.uses = step.uses;
  if (step?.shell) out.shell = step.shell;
  if (step?.workingDirectory) out.workingDirectory = step.workingDirectory;
  return out;
}
