// What rerun-flaky keeps on the job, in a module of its own: the intake's re-run handler and the parked-job
// reconciliation read it, and importing the stage would load its config and analysis code into the webhook path.

export const RERUN_FLAKY = "rerun-flaky";
/** `waitingFor` of a job parked until its re-run attempt ends. */
export const WAIT_RERUN = "rerun";

export interface RerunFlakyResult {
  rerun: boolean;
  reason: string;
  /** The attempt whose outcome decides: green → done without a patch, red → patch from its logs. */
  awaitingAttempt?: number;
}
