import { describe, expect, test } from "@jest/globals";
import { capturedOutput } from "../helpers/captured-output.js";
import { main } from "../../src/cli/main.js";

/**
 * `--help` after any command or subcommand prints its usage on stdout and exits 0, reading nothing: the README
 * shows each command with its options, and a newcomer's first try is `t0-ci-bot <command> --help`. analyze-log
 * and eval-logs answered "Unknown option '--help'" (exit 2), `jobs list --help` and `deliveries list --help`
 * "unknown option --help".
 */
const output = capturedOutput();

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
    expect([code, output.stderr]).toEqual([0, ""]);
    expect(output.stdout).toMatch(/usage:/);
  });
});

describe("t0-ci-bot --help", () => {
  // The list's one-line summaries had fallen behind the commands: jobs list's --repo and --limit, jobs
  // retry's --url and eval-logs' --json were only in each command's own usage.
  test.each(["jobs", "deliveries", "analyze-log", "eval-logs", "apply-patch", "store"])("the %s summary shows every option its own usage shows", async (name) => {
    await main(["--help"]);
    const summary = output.stdout.split("\n").find((l) => l.startsWith(`  ${name} `))!;
    output.stdout = "";
    await main([name, "--help"]);
    const options = [...new Set(output.stdout.match(/--[a-z][a-z-]+/g))].filter((o) => o !== "--help");
    expect(options.length).toBeGreaterThan(0);
    expect(options.filter((o) => !summary.includes(o))).toEqual([]);
  });
});

describe("t0-ci-bot help <command>", () => {
  // `help jobs` printed the list of commands, as if the word after it were not there; `help bogus` did too.
  test("shows that command's usage, as `<command> --help` does", async () => {
    expect(await main(["jobs", "--help"])).toBe(0);
    const own = output.stdout;
    output.stdout = "";
    expect(await main(["help", "jobs"])).toBe(0);
    expect([output.stdout, output.stderr]).toEqual([own, ""]);
  });

  test("an unknown command after help: exit 2, naming it, with the list", async () => {
    expect(await main(["help", "jbos"])).toBe(2);
    expect(output.stderr).toMatch(/^t0-ci-bot: unknown command "jbos"\n\nusage: t0-ci-bot <command>/);
  });
});
