import { permanent } from "../core/errors.js";
import type { JobState } from "../core/job.js";
import type { Stage } from "./stage.js";

/** An honest placeholder: the job fails with `not_implemented`, never with a fake success. */
export function notImplementedStage(name: string, state: JobState, sideEffects: boolean): Stage {
  const fail = async (): Promise<never> => {
    throw permanent("not_implemented", `Stage "${name}" is not implemented yet in this version of t0-ci-bot; the job stops here.`);
  };
  return { name, state, sideEffects, run: fail, dryRun: fail };
}
