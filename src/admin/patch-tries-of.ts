import { failedTryWhy } from "../context/failed-try-attempt.js";
import { isFinal, type Job } from "../core/job.js";
import { patchHash } from "../patch/patch-hash.js";
import { proposalOf } from "../pr/proposal-of.js";
import { prRecordOf } from "../pipeline/stages/open-pull-request-result.js";
import { retriesOf, type FailedTry } from "../pipeline/stages/patch-retries-result.js";
import { diffPaths } from "../validate/restore-files.js";

/**
 * One proposal of a job's first attempt, as `jobs show` and `GET /jobs/:id` give it (`patchTries`): the
 * tries with-patch-retry answered with another proposal (`results["patch-retries"]`), then the one after them.
 * Not redacted here: the callers redact the whole answer, as they do the job.
 */
export interface PatchTry {
  /** 1-based, in the order the model proposed them. */
  try: number;
  /**
   * `patch_refused` or `validation_failed` (or the code of the error that ended the job on this try),
   * `validated` (its patch turned the commands green), or `pending` (not judged yet).
   */
  outcome: string;
  /** Why, in one line for people: the rule and its reason, or the command, how it ended and the tests still failing. */
  reason?: string;
  /** For a refusal: the patch policy's rule id and the file it names. */
  rule?: string;
  file?: string;
  /** For a failed validation: the command that failed, how it ended, and the tests its output names as failed. */
  command?: string;
  ended?: string;
  failingTests?: string[];
  /** Its patch was the same as this earlier try's (1-based): that try's verdict, nothing run again. */
  sameAs?: number;
  /** The paths its patch names. */
  files: string[];
  inferenceId: string;
  /** The TensorZero variant that answered, when recorded. */
  variant?: string;
  patchHash?: string;
  /** Made before an operator's retry started the tries over: kept as history, no longer counted against max_patch_retries. */
  beforeRetry?: true;
}

const APPLY_AND_VALIDATE = "apply-and-validate";

/** The job's patch tries, oldest first; empty when the model proposed nothing yet. */
export function patchTriesOf(job: Job): PatchTry[] {
  const tries = retriesOf(job);
  const shown: Array<{ t: PatchTry; why?: Why }> = tries.failed.map((t, i) => failedTry(t, i + 1, i < (tries.countFrom ?? 0)));
  const last = lastTry(job, tries.failed.at(-1), shown.length + 1);
  if (last) shown.push(last);
  return shown.map(({ t, why }) => {
    if (!why) return t;
    // A repeated patch was not run again: the earlier try's verdict is its own, so say what it was.
    const earlier = why.sameAs ? shown[why.sameAs - 1]?.why : undefined;
    const full = earlier ? { ...earlier, ...defined(why) } : why;
    return defined({ ...t, ...full, reason: reasonOf(t.outcome, full) });
  });
}

function failedTry(t: FailedTry, n: number, beforeRetry: boolean): { t: PatchTry; why: Why } {
  const { inferenceId, variant, code, rule, file, command, ended, failingTests, sameAs, patchHash, files } = t;
  return { t: defined({ try: n, outcome: code, files, inferenceId, variant, patchHash, ...(beforeRetry ? { beforeRetry: true as const } : {}) }), why: { rule, file, command, ended, failingTests, sameAs, reason: t.reason } };
}

/**
 * The proposal after the recorded failed ones: the next inference of the episode (propose-patch keeps the
 * earlier ones in order). Judged from the job when it is the stored proposal; validated when a later one (a
 * repair of its PR) replaced it. Undefined when there is none yet (asking for it, or the job stopped first).
 */
function lastTry(job: Job, lastFailed: FailedTry | undefined, n: number): { t: PatchTry; why?: Why } | undefined {
  const r = job.results["propose-patch"] as { inferenceId?: string; previousInferenceIds?: string[] } | undefined;
  if (!r?.inferenceId) return undefined;
  const chain = [...(r.previousInferenceIds ?? []), r.inferenceId];
  const at = lastFailed ? chain.indexOf(lastFailed.inferenceId) : -1;
  if (lastFailed && at < 0) return undefined;
  const inferenceId = chain[at + 1];
  if (!inferenceId) return undefined;
  const pr = prRecordOf(job);
  const proposal = proposalOf(job);
  if (!proposal || proposal.inferenceId !== inferenceId) {
    return { t: { try: n, outcome: "validated", ...(pr ? { reason: `PR #${pr.pr.number}` } : {}), files: pr?.inferenceId === inferenceId ? pr.files : [], inferenceId } };
  }
  const base = { try: n, files: diffPaths(proposal.patch), inferenceId, variant: proposal.variantName, patchHash: patchHash(proposal.patch) };
  const err = job.error;
  // A retryable error is being waited out: the try is not judged yet.
  if (err?.stage === APPLY_AND_VALIDATE && (isFinal(job.state) || !err.retryable)) {
    const details = err.details ?? {};
    const rule = typeof details.rule === "string" ? details.rule : undefined;
    const sameAs = typeof details.sameAs === "number" ? details.sameAs : undefined;
    const failingTests = (details.validation as { failingTests?: string[] } | undefined)?.failingTests;
    if (err.code === "patch_refused" || err.code === "validation_failed") return { t: { ...base, outcome: err.code }, why: { rule, sameAs, failingTests, ...failedTryWhy({ code: err.code, details }) } };
    return { t: { ...base, outcome: err.code, reason: firstLine(err.message) } };
  }
  if (job.completedStages.includes(APPLY_AND_VALIDATE)) return { t: { ...base, outcome: "validated", ...(pr?.inferenceId === inferenceId ? { reason: `PR #${pr.pr.number}` } : {}) } };
  if (isFinal(job.state)) return { t: defined({ ...base, outcome: job.error?.code ?? "not_validated", reason: job.error ? firstLine(job.error.message) : undefined }) };
  return { t: { ...base, outcome: "pending" } };
}

type Why = Pick<PatchTry, "rule" | "reason" | "file" | "command" | "ended" | "failingTests" | "sameAs">;

function reasonOf(code: string, w: Why): string {
  const same = w.sameAs ? `same patch as try ${w.sameAs}, not run again: ` : "";
  if (code === "patch_refused") return `${same}${w.rule ?? "refused"}${w.reason ? `: ${w.reason}` : ""}${w.file ? ` (${w.file})` : ""}`;
  const tests = w.failingTests?.length ? `; failing: ${w.failingTests.join(", ")}` : "";
  return `${same}${w.command ? `\`${w.command}\` ${w.ended ?? "failed"}` : "validation failed"}${tests}`;
}

const firstLine = (s: string) => s.split("\n", 1)[0]!.slice(0, 300);

/** Without the keys whose value is undefined, so the JSON names only what is known. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
