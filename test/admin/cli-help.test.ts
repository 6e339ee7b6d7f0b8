import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { main } from "../../src/cli/main.js";

/**
 * `--help` after any command or subcommand prints its usage on stdout and exits 0, reading nothing: the README
 * shows each command with its options, and a newcomer's first try is `t0-ci-bot <command> --help`. analyze-log
 * and eval-logs answered "Unknown option '--help'" (exit 2), `jobs list --help` and `deliveries list --help`
 * "unknown option --help".
 */
let stdout: string;
let stderr: string;
beforeEach(() => {
  stdout = "";
  stderr = "";
  jest.spyOn(process.stdout, "write").mockImplementation((s) => ((stdout += String(s)), true));
  jest.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
});
afterEach(() => {
  jest.restoreAllMocks();
});

describe("t0-ci-bot <command> --help", () => {
  test.each(
    [
    ["analyze-log", "--help"],
    ["analyze-log", "-h"],
    ["eval-logs", "--help"],
    ["jobs", "list", "--help"],
    ["jobs", "show", "--help"],
    ["jobs", "retry", "-h"],
    ["deliveries", "list", "--help"],
    ["deliveries", "redeliver", "--help"],
    ["apply-patch", "--help"],
    ["store", "migrate", "--help"],
    ["check-app", "--help"],
    ["serve", "--help"],
    ["worker", "--help"],
    ].map((argv) => [argv.join(" "), argv] as const),
  )("%s", async (_, argv) => {
    const code = await main([...argv]);
    expect([code, stderr]).toEqual([0, ""]);
    expect(stdout).toMatch(/usage:/);
  });
});
