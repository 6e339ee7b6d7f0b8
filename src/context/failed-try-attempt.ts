import type { AppError } from "../core/errors.js";
import type { ContextExcerpt } from "../core/failure-context.js";
import { redact } from "../core/redact.js";
import type { CommandResult } from "../validate/validate-workspace.js";
import type { PreviousAttempt } from "./fit-repair-context.js";

/**
 * What the next proposal is told of a first patch that failed before any PR (with-patch-retry): for a refusal,
 * the policy's message (rule, file, reason); for a failed validation, the command that failed and the tail of
 * its output (redacted when stored, redacted again: it goes to the gateway) as an excerpt. The patch is the
 * one that failed; the next replaces it, as a repair's does.
 */
export function failedTryAttempt(patch: string, err: Pick<AppError, "code" | "message" | "details">): PreviousAttempt {
  const sameAs = err.details?.sameAs;
  if (typeof sameAs === "number") {
    // Not run again (with-patch-retry): what the earlier try was told holds for it, with its output.
    const earlier = typeof err.details?.previousOutcome === "string" ? ` ${err.details.previousOutcome}` : "";
    const excerpts = Array.isArray(err.details?.excerpts) ? (err.details.excerpts as ContextExcerpt[]) : [];
    const outcome = redact(`This is the same patch as try ${sameAs}, proposed again; it was not applied or run again, as it fails the same way. Propose a different one.${earlier}`);
    return { patch, outcome, ...(excerpts.length ? { excerpts } : {}) };
  }
  const refused = err.code === "patch_refused";
  const run = refused ? undefined : failedRunOf(err);
  const outcome = redact(
    refused
      ? `The repository's patch policy refused this patch before anything ran: ${err.message}. It refuses that every time; write the next patch against the failing commit (it replaces this one) without it.`
      : `The patch applied, but the project's own validation still fails with it${run ? ` (\`${run.command}\` ${howItEnded(run)})` : ""}. Write the next patch against the failing commit (it replaces this one, it is not applied on top of it).`,
  );
  const excerpts = run?.outputTail.trim() ? [excerptOf(run)] : [];
  return { patch, outcome, ...(excerpts.length ? { excerpts } : {}) };
}

/**
 * Why a try failed, in a few words for people (the PR body of a later try's fix): the policy's reason and the
 * file it names, or the command that failed and how it ended. Redacted; made safe for Markdown where shown.
 */
export function failedTryWhy(err: Pick<AppError, "code" | "details">): { reason?: string; file?: string; command?: string; ended?: string } {
  const str = (v: unknown) => (typeof v === "string" && v ? redact(v) : undefined);
  if (err.code === "patch_refused") {
    const reason = str(err.details?.reason);
    const file = str(err.details?.file);
    return { ...(reason ? { reason } : {}), ...(file ? { file } : {}) };
  }
  const run = failedRunOf(err);
  return run ? { command: redact(run.command), ended: howItEnded(run) } : {};
}

/** The last command that failed with the patch applied (validate-workspace's report, in the error's details). */
function failedRunOf(err: Pick<AppError, "details">): CommandResult | undefined {
  const runs = (err.details?.validation as { runs?: CommandResult[] } | undefined)?.runs ?? [];
  return [...runs].reverse().find((r) => r.phase === "validate" && r.exitCode !== 0);
}

const howItEnded = (r: CommandResult) => (r.timedOut ? "timed out" : r.spawnError ? "could not start" : `exited ${r.exitCode ?? r.signal}`);

function excerptOf(r: CommandResult): ContextExcerpt {
  const text = redact(r.outputTail).trimEnd();
  return { job: "local validation", startLine: 1, endLine: text.split("\n").length, reason: `output of \`${r.command}\` with the patch applied${r.truncated ? " (its end)" : ""}`, text };
}
