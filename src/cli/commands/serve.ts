import { unexpectedArguments } from "./unexpected-arguments.js";

const USAGE = "usage: t0-ci-bot serve\n\nServes webhooks and the admin API; settings come from the environment and .env (see .env.example).\n";

/** `t0-ci-bot serve`: the same server as `npm start` (T0_WORKERS=0 for a web-only process). */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const stray = unexpectedArguments(argv, "serve takes no arguments (set PORT, HOST and the rest in the environment or .env)");
  if (stray) {
    process.stderr.write(`t0-ci-bot serve: ${stray}\n\n${USAGE}`);
    return 2;
  }
  const { serve } = await import("../../main.js");
  const code = await serve();
  // Everything the server owns is closed by now; a stage that ignored its abort signal (a hung network
  // call) must not keep the process alive after shutdown.
  process.exit(code);
}
