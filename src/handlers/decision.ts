import type { Deps } from "../core/deps.js";
import type { Job } from "../core/job.js";
import type { Delivery } from "../core/ports/job-store.js";

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
