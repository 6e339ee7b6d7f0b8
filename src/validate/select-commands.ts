import type { RepoConfig } from "../config/repo-config.js";
import { projectDefaults } from "./project-defaults.js";
import { checkStep, inWorkingDirectory } from "./step-safety.js";

/** Where a command came from, in order of precedence. */
export type CommandSource = "repo-config" | "workflow" | "default";

export interface PlannedCommand {
  command: string;
  source: CommandSource;
}

export interface SkippedCommand {
  command: string;
  source: CommandSource;
  reason: string;
}

export interface CommandPlan {
  setup: PlannedCommand[];
  validate: PlannedCommand[];
  /** Candidates left out, with the reason (shown in the job record so a person can add them to the config). */
  skipped: SkippedCommand[];
  /** The project kind the defaults came from, when they were used. */
  language?: string;
}

export interface RunStepInput {
  run: string;
  name?: string;
  workingDirectory?: string;
}

/** What the failure analysis knows about the failing step (filled in by the stage from earlier results). */
export interface ValidationInput {
  /** The failing step's `run:` command. */
  failingCommand?: string;
  failingWorkingDirectory?: string;
  /** The failing step's `shell:`; only bash/sh steps can be replayed as they are. */
  failingShell?: string;
  /** `run:` steps before the failing one in the same job. */
  earlierRunSteps?: Array<string | RunStepInput>;
  languages?: string[];
}

export interface SelectOptions {
  config: Pick<RepoConfig, "setup" | "validate">;
  input: ValidationInput;
  workspaceDir: string;
  /** Whether setup commands get network access; install steps that need it are skipped otherwise. */
  setupNetwork: boolean;
  /** Why there is no network when the operator's SANDBOX_NETWORK took it away (the skip note then says so). */
  networkCapped?: string;
}

const NO_NETWORK = "downloads dependencies but the sandbox has no network; set `network: setup` (or true) in .github/ci-bot.yml, or list setup commands there";
const noNetwork = (o: SelectOptions) =>
  o.networkCapped ? `downloads dependencies but the sandbox has no network (${o.networkCapped}); ask the operator, or list setup commands that need none` : NO_NETWORK;

/**
 * Chooses setup and validation commands: `.github/ci-bot.yml` first, then the failing workflow step (with
 * the safe install/build steps before it as setup), then the detected project's usual commands. Setup
 * and validate are chosen independently, so a repo may set `validate:` and still get the workflow's setup.
 */
export function selectCommands(opts: SelectOptions): CommandPlan {
  const plan: CommandPlan = { setup: [], validate: [], skipped: [] };
  const { config, input } = opts;
  const defaults = projectDefaults(opts.workspaceDir, input.languages ?? []);

  if (config.validate?.length) {
    plan.validate = config.validate.map((command) => ({ command, source: "repo-config" }));
  } else if (input.failingCommand) {
    const command = inWorkingDirectory(input.failingCommand, input.failingWorkingDirectory);
    const verdict = checkStep(input.failingCommand, "validate");
    const shell = input.failingShell?.trim().split(/\s+/)[0];
    if (shell && !["bash", "sh"].includes(shell)) {
      plan.skipped.push({ command: input.failingCommand, source: "workflow", reason: `runs under shell "${shell}"; only bash and sh steps are replayed` });
    } else if (!command) plan.skipped.push({ command: input.failingCommand, source: "workflow", reason: "its working-directory is outside the checkout" });
    else if (!verdict.ok) plan.skipped.push({ command: input.failingCommand, source: "workflow", reason: verdict.reason! });
    else plan.validate = [{ command, source: "workflow" }];
  }
  if (!plan.validate.length && defaults) {
    plan.validate = [{ command: defaults.validate, source: "default" }];
    plan.language = defaults.language;
  }

  if (config.setup) {
    // An explicit list, even an empty one, is the repository's final word.
    plan.setup = config.setup.map((command) => ({ command, source: "repo-config" }));
    return plan;
  }
  if (input.earlierRunSteps?.length) {
    for (const raw of input.earlierRunSteps) {
      const step = typeof raw === "string" ? { run: raw } : raw;
      const verdict = checkStep(step.run, "setup");
      const command = inWorkingDirectory(step.run, step.workingDirectory);
      if (!verdict.ok) plan.skipped.push({ command: step.run, source: "workflow", reason: verdict.reason! });
      else if (!command) plan.skipped.push({ command: step.run, source: "workflow", reason: "its working-directory is outside the checkout" });
      else if (verdict.needsNetwork && !opts.setupNetwork) plan.skipped.push({ command, source: "workflow", reason: noNetwork(opts) });
      else plan.setup.push({ command, source: "workflow" });
    }
    return plan;
  }
  for (const s of defaults?.setup ?? []) {
    if (s.needsNetwork && !opts.setupNetwork) plan.skipped.push({ command: s.command, source: "default", reason: noNetwork(opts) });
    else plan.setup.push({ command: s.command, source: "default" });
  }
  return plan;
}
