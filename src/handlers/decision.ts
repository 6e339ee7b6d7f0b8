import { InvalidPayloadError } from "./payload-schemas.js";
import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import type { Delivery } from "../core/ports/job-store.js";
import type { Filtered } from "./filters.js";

/** What a handler may use: reads of the store and config only; no GitHub, clone or model on this path. */
export type HandlerDeps = Pick<Deps, "config" | "store" | "clock" | "identity">;

export interface DeliveryMeta {
  id: string;
  event: string;
  receivedAt: string;
}

/** Where a delivery points, for the delivery record and the intake log line. */
export interface DecisionScope {
  repoFullName?: string;
  installationId?: number;
  runId?: number;
}

/** A handler's verdict: a job to create (the store still de-duplicates it and applies the fix-loop cap) or a recorded reason for not acting. */
export type IntakeDecision =
  | (DecisionScope & { outcome: "job_created"; job: Job })
  | (DecisionScope & {
      outcome: Exclude<Delivery["outcome"], "job_created" | "invalid">;
      reason: string;
      jobId?: string;
      resumeJobId?: string;
      /** A passing run: its workflow's failures on this branch went green, and the fix-loop guard counts them from zero. */
      green?: { repoId: number; fingerprints: string[] };
    });

/** A verdict without a job. */
export type NoJobDecision = Extract<IntakeDecision, { reason: string }>;

export type Handler = (payload: unknown, meta: DeliveryMeta, deps: HandlerDeps) => Promise<IntakeDecision>;

/** Where a payload points, read without trusting its shape: for a delivery no schema has parsed. */
export function scopeOf(payload: unknown): DecisionScope {
  const p = payload as { repository?: { full_name?: unknown }; installation?: { id?: unknown } };
  return {
    repoFullName: typeof p?.repository?.full_name === "string" ? p.repository.full_name : undefined,
    installationId: typeof p?.installation?.id === "number" ? p.installation.id : undefined,
  };
}

/**
 * `<event>.completed` is the only action the workflow_run and check_suite handlers act on: any other is
 * recorded as ignored (`things`: what the event is of, "runs"). Undefined for a completed one.
 */
export function notCompleted(payload: unknown, event: string, things: string): NoJobDecision | undefined {
  const action = (payload as { action?: unknown }).action;
  if (action === "completed") return undefined;
  // Recorded as ignored it would read "workflow_run.undefined": a body without one is not GitHub's.
  if (typeof action !== "string" || !action) throw new InvalidPayloadError(`${event} payload has no action (GitHub sends one with every ${event} event; "completed" is the one handled): is this body GitHub's?`);
  return { ...scopeOf(payload), outcome: "ignored", reason: `${event}.${String(action)}: only completed ${things} are handled` };
}

/** A filter's verdict as the delivery's: ignored, with the filter's reason; undefined when it let the delivery through. */
export function ignoredBy(scope: DecisionScope): (f: Filtered) => NoJobDecision | undefined {
  return (f) => (f ? { ...scope, outcome: "ignored", reason: f.reason } : undefined);
}
