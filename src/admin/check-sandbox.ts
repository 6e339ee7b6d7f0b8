import type { Deps } from "../core/deps.js";
import { toAppError } from "../core/errors.js";
import { chooseSandbox, probeBwrap, type SandboxChoice, type SandboxProbe } from "../validate/sandbox.js";

export type SandboxCheckDeps = Pick<Deps, "config" | "logger" | "metrics">;

export type SandboxCheckOutcome = { kind: "ok"; choice: SandboxChoice } | { kind: "refused"; message: string };

/**
 * Says once, when a process starts running jobs, how it will run repositories' commands. Without it, a
 * production host lacking bubblewrap looks healthy until every job that validates a patch fails with
 * `sandbox_unavailable`, one at a time. A repository's own `sandbox:` can only make it stricter, so the
 * operator's setting alone decides what this host can do. Never throws: jobs that need no sandbox still run.
 */
export async function checkSandbox(deps: SandboxCheckDeps, probe: () => Promise<SandboxProbe> = () => probeBwrap()): Promise<SandboxCheckOutcome> {
  const { SANDBOX, NODE_ENV } = deps.config;
  try {
    const choice = await chooseSandbox(SANDBOX, undefined, probe, { production: NODE_ENV === "production" });
    deps.metrics.sandboxAvailable.set(choice.kind === "bwrap" ? 1 : 0);
    if (choice.kind === "bwrap") deps.logger.info({ sandbox: SANDBOX }, "validation commands run in a bubblewrap sandbox");
    else if (SANDBOX === "off") deps.logger.info({ sandbox: SANDBOX }, "validation commands run unsandboxed (SANDBOX=off)");
    else deps.logger.warn({ sandbox: SANDBOX, reason: choice.reason }, "validation commands will run unsandboxed, as this app's user; install bubblewrap to isolate them");
    return { kind: "ok", choice };
  } catch (err) {
    const message = toAppError(err).message;
    deps.metrics.sandboxAvailable.set(0);
    deps.logger.error({ sandbox: SANDBOX }, `every job that validates a patch will fail: ${message}`);
    return { kind: "refused", message };
  }
}
