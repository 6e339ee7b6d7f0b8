import { expect, test } from "@jest/globals";
import { capturedOutput } from "../helpers/captured-output.js";
import { run as analyzeLog } from "../../src/cli/commands/analyze-log.js";
import { run as applyPatch } from "../../src/cli/commands/apply-patch.js";
import { run as evalLogs } from "../../src/cli/commands/eval-logs.js";

/**
 * analyze-log, eval-logs and apply-patch parse with node:util's parseArgs, whose messages were passed on
 * whole: a paragraph about positionals after `--` with an unbalanced quote for a mistyped option, and three
 * lines about "ambiguous" arguments for `--budget-tokens --json`. One short line says what to fix.
 */
const output = capturedOutput();
const io = { out: (t: string) => void (output.stdout += t), err: (t: string) => void (output.stderr += t) };
const patchIo = { stdout: io.out, stderr: io.err, stdin: async () => "" };

test.each<[string, () => Promise<number>, string]>([
  ["analyze-log, unknown option", () => analyzeLog(["a.log", "--budget", "10"]), "analyze-log: Unknown option '--budget'; usage: t0-ci-bot analyze-log <file> [--budget-tokens N] [--json]"],
  ["analyze-log, value missing", () => analyzeLog(["a.log", "--budget-tokens"]), "analyze-log: --budget-tokens needs a value; usage: t0-ci-bot analyze-log <file> [--budget-tokens N] [--json]"],
  ["analyze-log, value missing before another option", () => analyzeLog(["a.log", "--budget-tokens", "--json"]), "analyze-log: --budget-tokens needs a value; usage: t0-ci-bot analyze-log <file> [--budget-tokens N] [--json]"],
  ["analyze-log, a flag given a value", () => analyzeLog(["a.log", "--json=no"]), "analyze-log: --json takes no value (leave it out for no, give it alone for yes); usage: t0-ci-bot analyze-log <file> [--budget-tokens N] [--json]"],
  ["analyze-log, a flag with a short name given a value", () => analyzeLog(["a.log", "--help=1"]), "analyze-log: --help takes no value (leave it out for no, give it alone for yes); usage: t0-ci-bot analyze-log <file> [--budget-tokens N] [--json]"],
  ["eval-logs, unknown option", () => evalLogs(["m.jsonl", "-j"]), "eval-logs: Unknown option '-j'"],
  ["apply-patch, unknown option", () => applyPatch(["fix.diff", "--repo", ".", "--frob"], patchIo), "t0-ci-bot apply-patch: Unknown option '--frob'"],
  ["apply-patch, value missing", () => applyPatch(["fix.diff", "--repo"], patchIo), "t0-ci-bot apply-patch: --repo needs a value"],
])("%s: one line saying what to fix, exit 2", async (_name, run, first) => {
  expect(await run()).toBe(2);
  expect(output.stderr.split("\n")[0]).toBe(first);
  expect(output.stderr).not.toMatch(/To specify|ambiguous|Did you forget/);
  expect(output.stdout).toBe("");
});
