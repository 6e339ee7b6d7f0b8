import { permanent, type AppError } from "../core/errors.js";
import type { AllowKey, Refusal, RuleId } from "./types.js";

/**
 * Every way a patch can be refused. Ids are stable (jobs, metrics and PR bodies quote them); the
 * green-washing and workflow rules share their id with the `allow.*` key that overrides them.
 */
export const RULES: Record<RuleId, { overridableBy?: AllowKey; summary: string }> = {
  no_diff: { summary: "the model answer contains no unified diff" },
  malformed_diff: { summary: "the diff cannot be parsed, or has more than one section for the same file" },
  path_outside_repo: { summary: "a path is absolute, uses '..' or goes through a symlink out of the repository" },
  git_dir: { summary: "a path is inside .git/" },
  bot_config: { summary: "the patch edits .github/ci-bot.yml, the bot's own permissions" },
  symlink: { summary: "the patch creates, edits or goes through a symlink" },
  submodule: { summary: "the patch touches a submodule (gitlink) or .gitmodules" },
  binary: { summary: "the patch touches a binary file" },
  target_missing: { summary: "the patch modifies or deletes a file that does not exist" },
  target_exists: { summary: "the patch creates a file that already exists" },
  hunk_failed: { summary: "a hunk does not apply" },
  too_many_files: { summary: "more files than limits.max_files" },
  too_many_lines: { summary: "more changed lines than limits.max_lines" },
  too_large: { summary: "a file the patch edits, or a config its checks read, is larger than the bot reads" },
  secret: { summary: "the patch adds a credential (a private key, a GitHub, cloud or API token)" },
  redacted_text: { summary: "the patch adds the redaction mask ([REDACTED]) that replaced a secret in what the model read" },
  workflow_invalid: { summary: "the patch leaves a workflow (.github/workflows/*.yml) or a local action (action.yml) that GitHub cannot run: YAML that does not parse, no on: or jobs:, a job with neither runs-on nor uses, a step with neither run nor uses" },
  workflow_edits: { overridableBy: "workflow_edits", summary: "edits .github/workflows/** or a local action (.github/actions/**, an action.yml), in any letter case (macOS and Windows runners check out case-insensitively)" },
  delete_tests: { overridableBy: "delete_tests", summary: "deletes test files or test cases, or renames a test file to a name or place the runner does not collect (out of pytest's testpaths, jest's roots or testMatch)" },
  skip_tests: { overridableBy: "skip_tests", summary: "skips, ignores, deselects, focuses or retries tests (a flaky mark, jest.retryTimes, a retry option, --reruns, rerunFailingTestsCount), or stops their code from running (an early return, if False:) (in tests, test scripts and the shell scripts they run, make test, tox, test-runner config, pytest plugins, jest/vitest setup files, Maven, Gradle, RSpec, ExUnit, dotnet test and PHPUnit settings, PYTEST_ADDOPTS or GOFLAGS set with a selection flag, Cargo harness = false, a cfg put on Rust tests, the gradlew/mvnw/yarn wrappers), or, in a workflow edit, drops, empties, narrows or puts a condition on the step or job that runs the tests, or narrows the triggers (on:) of its workflow" },
  weaken_assertions: { overridableBy: "weaken_assertions", summary: "removes or loosens assertions, makes one unable to fail (x == x, or True), swallows its failure (except AssertionError, an empty catch), widens the exception one expects (pytest.raises(ValueError) → Exception, toThrow(\"msg\") → toThrow()), or gives an exact one a wide tolerance (approx(3, rel=0.5), toBeCloseTo(x, 0))" },
  continue_on_error: { overridableBy: "continue_on_error", summary: "lets a failing CI step pass (continue-on-error)" },
  or_true: { overridableBy: "or_true", summary: "swallows a command's failure (|| true, set +e, a test run piped into tee without pipefail, jest; echo in an npm script)" },
  lower_thresholds: { overridableBy: "lower_thresholds", summary: "lowers coverage/lint thresholds or suppresses checks (a lint rule or TypeScript check turned off, a file excluded from tsc, a Gradle lint task told to ignore failures)" },
  hidden_text: { overridableBy: "hidden_text", summary: "adds text that reads differently from what it does: a bidirectional control (Trojan Source), an invisible, tag or variation character, a raw control character, or an identifier mixing Latin letters with Cyrillic or Greek look-alikes" },
  read_secrets: { overridableBy: "read_secrets", summary: "reads an environment variable named like a secret (a token, password, API or private key) or an Actions secret, which CI on the fix branch would hand it" },
};

/** The AppError a stage throws for a refused patch: always permanent, `no_diff` keeps its own code. */
export function refusalError(refusal: Refusal): AppError {
  const where = [refusal.file, refusal.hunk].filter(Boolean).join(" ");
  const message = `patch refused (${refusal.rule})${where ? ` at ${where}` : ""}: ${refusal.reason}`;
  return permanent(refusal.rule === "no_diff" ? "no_diff" : "patch_refused", message, { ...refusal });
}

/** One-line human form used by the CLI and logs. */
export function formatRefusal(refusal: Refusal): string {
  const lines = [`refused: ${refusal.rule}`];
  if (refusal.file) lines.push(`  file:   ${refusal.file}`);
  if (refusal.hunk) lines.push(`  hunk:   ${refusal.hunk}`);
  lines.push(`  reason: ${refusal.reason}`);
  return lines.join("\n");
}
