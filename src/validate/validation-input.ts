import { readFile, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { WORKFLOW_MAX_BYTES } from "../context/fetched-logs.js";
import type { Job } from "../core/job.js";
import { readRegularFile } from "../core/read-regular-file.js";
import type { ValidationInput } from "./select-commands.js";
import { workflowSteps } from "./workflow-steps.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/**
 * What validation needs from the failure analysis, read from the earlier stages' results on the job:
 * `fetch-logs` (failed jobs with their failing step's `run:` script and the workflow file) and
 * `build-context` (the FailureContext: languages, failing step names). The workflow file is read
 * again for the `run:` steps before the failing one. Anything missing just leaves a field empty.
 */
export async function validationInputFromJob(job: Job, workspaceDir: string): Promise<ValidationInput & { notes: string[]; failingTestsRan?: number | "cut" }> {
  const notes: string[] = [];
  const fetched = obj(job.results["fetch-logs"]);
  const built = obj(job.results["build-context"]);
  const context = obj(built?.context) ?? (await readContextFile(built)) ?? built;

  const languages = Array.isArray(context?.languages) ? context.languages.filter((l): l is string => typeof l === "string") : [];
  const fetchedJobs = Array.isArray(fetched?.jobs) ? fetched.jobs.map(obj).filter((j): j is Obj => !!j) : [];
  const contextJobs = Array.isArray(context?.failing_jobs) ? context.failing_jobs.map(obj).filter((j): j is Obj => !!j) : [];

  // The first failed job whose failing step is a `run:` step is the one to reproduce.
  let jobName: string | undefined;
  let stepName: string | undefined;
  let command: string | undefined;
  let workingDirectory: string | undefined;
  let shell: string | undefined;
  // What fetch-logs read of that step's part of the CI log: how many tests it ran there.
  let testsRan: number | "cut" | undefined;
  const ranOf = (step: Obj) => (typeof step.testsRan === "number" || step.testsRan === "cut" ? step.testsRan : undefined);
  for (const j of fetchedJobs) {
    const step = obj(j.failingStep);
    if (!step) continue;
    if (!jobName) testsRan = ranOf(step);
    jobName ??= str(j.name);
    stepName ??= str(step.name);
    if (str(step.command)) {
      jobName = str(j.name);
      stepName = str(step.name);
      testsRan = ranOf(step);
      command = str(step.command);
      workingDirectory = str(step.workingDirectory);
      shell = str(step.shell);
      break;
    }
  }
  if (!command) {
    for (const j of contextJobs) {
      if (str(j.command)) {
        // Not a step fetch-logs read: its count, if any, was of another job's step.
        if (str(j.name) !== jobName) testsRan = undefined;
        jobName = str(j.name);
        stepName = str(j.failing_step);
        command = str(j.command);
        break;
      }
      jobName ??= str(j.name);
      stepName ??= str(j.failing_step);
    }
  }

  let earlierRunSteps: ValidationInput["earlierRunSteps"] = [];
  const workflowText = await readFailingWorkflow(job, workspaceDir);
  if (workflowText && jobName && stepName) {
    const found = workflowSteps(workflowText, jobName, stepName);
    if (found.problem) notes.push(`workflow: ${found.problem}`);
    earlierRunSteps = found.earlier;
    if (found.failing) {
      command ??= found.failing.run;
      workingDirectory ??= found.failing.workingDirectory;
      // fetch-logs may not know a workflow-wide `defaults.run.shell`: a pwsh script is no bash command.
      shell ??= found.failing.shell;
    }
  } else if (!workflowText) {
    notes.push("workflow file not available; setup is not derived from it");
  }
  return {
    ...(command ? { failingCommand: command } : {}),
    ...(workingDirectory ? { failingWorkingDirectory: workingDirectory } : {}),
    ...(shell ? { failingShell: shell } : {}),
    earlierRunSteps,
    languages,
    notes,
    ...(command && testsRan !== undefined ? { failingTestsRan: testsRan } : {}),
  };
}

/** The failing run's workflow file: as fetch-logs saved it from GitHub, else the checkout's copy. */
export async function readFailingWorkflow(job: Job, workspaceDir: string): Promise<string | undefined> {
  const fetched = obj(job.results["fetch-logs"]);
  const wf = obj(fetched?.workflow);
  const logsDir = str(fetched?.logsDir);
  const saved = logsDir && str(wf?.file) ? await readFile(join(logsDir, str(wf?.file)!), "utf8").catch(() => undefined) : undefined;
  if (saved !== undefined) return saved;
  // The checkout is at head_sha, so its copy is the workflow that failed. The repository decides what its
  // files are: a workflow path that is a symlink (or under one) out of the checkout is not read.
  if (!job.run.workflowPath || job.run.workflowPath.includes("..")) return undefined;
  // Only a regular file within the cap fetch-logs applies: it left a larger one unread, and the repository's
  // commands, which ran in the checkout, could leave a FIFO there, whose read would wait forever.
  try {
    const [root, file] = await Promise.all([realpath(workspaceDir), realpath(join(workspaceDir, job.run.workflowPath))]);
    if (!file.startsWith(root + sep)) return undefined;
    const read = await readRegularFile(file, WORKFLOW_MAX_BYTES);
    return read.ok ? read.data.toString("utf8") : undefined;
  } catch {
    return undefined;
  }
}

/** build-context may keep a large context in a file beside the checkout (`contextPath`). */
async function readContextFile(built: Obj | undefined): Promise<Obj | undefined> {
  const p = str(built?.contextPath);
  if (!p) return undefined;
  try {
    return obj(JSON.parse(await readFile(p, "utf8")));
  } catch {
    return undefined;
  }
}
