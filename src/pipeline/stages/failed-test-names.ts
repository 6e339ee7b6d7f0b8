import type { FailureContext } from "../../core/failure-context.js";
import type { Job } from "../../core/job.js";
import { BUILD_CONTEXT } from "./propose-patch.js";

/** The failure context build-context left on the job. */
export const contextOf = (job: Job) => (job.results[BUILD_CONTEXT] as { context?: Pick<FailureContext, "failed_tests"> } | undefined)?.context;
