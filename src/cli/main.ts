import { redact } from "../core/redact.js";
import { COMMANDS } from "./commands.js";
import { terminalLine, terminalText } from "./terminal-text.js";

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: t0-ci-bot <command> [options]\n\ncommands:\n${rows.join("\n")}\n\n\`t0-ci-bot <command> [subcommand] --help\` shows one command's usage.\n`;
}

let pipeGuarded = false;

/**
 * `t0-ci-bot deliveries list | head`: once the reader is gone, output has nowhere to go. Without a listener
 * the EPIPE is an unhandled 'error' event that kills the process with a stack trace; with one, the rest of
 * the output is dropped and the command finishes what it started (a store write is not cut in half).
 */
function ignoreClosedOutput(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  ignoreClosedOutput();
  // `help jobs` is `jobs --help`, as in git and npm.
  if (argv[0] === "help" && argv.length > 1) return main([...argv.slice(1), "--help"]);
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`t0-ci-bot: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

/**
 * `main` with what a command did not expect said in one line, not as an unhandled rejection's stack
 * (LOG_LEVEL=debug or trace shows the stack too); the exit code.
 */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    // Redacted as a log line is: the message can quote a remote's URL with its token, and stderr ends up in
    // terminals' scrollback, CI logs and bug reports.
    // Escaped too: the message can quote what a server or a stored record said.
    process.stderr.write(terminalLine(redact(`t0-ci-bot: ${(err as Error)?.message ?? String(err)}${typeof code === "string" ? ` (${code})` : ""}`)) + "\n");
    if (/^(debug|trace)$/i.test(process.env.LOG_LEVEL ?? "")) process.stderr.write(`${terminalText(redact((err as Error)?.stack ?? ""))}\n`);
    else process.stderr.write("Run it again with LOG_LEVEL=debug to see where it failed.\n");
    return 1;
  }
}

// Run when executed directly (`node --import tsx src/cli/main.ts`); bin/t0-ci-bot.js calls runCli itself.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
