import { unexpectedArguments } from "./unexpected-arguments.js";

/**
 * How a command that takes no arguments (its settings come from the environment) answers when it was given
 * some: `--help` prints its usage and exits 0, any other word is refused with the usage and exit 2.
 * Undefined when there were none and the command goes on.
 */
export function noArgumentsExit(command: string, argv: string[], usage: string, takes: string): number | undefined {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    return 0;
  }
  const stray = unexpectedArguments(argv, takes);
  if (!stray) return undefined;
  process.stderr.write(`t0-ci-bot ${command}: ${stray}\n\n${usage}`);
  return 2;
}
