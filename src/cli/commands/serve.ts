import { noArgumentsExit } from "./no-arguments-exit.js";

const USAGE = "usage: t0-ci-bot serve\n\nServes webhooks and the admin API; settings come from the environment and .env (see .env.example).\n";

/** `t0-ci-bot serve`: the same server as `npm start` (T0_WORKERS=0 for a web-only process). */
export async function run(argv: string[]): Promise<number> {
  const refused = noArgumentsExit("serve", argv, USAGE, "serve takes no arguments (set PORT, HOST and the rest in the environment or .env)");
  if (refused !== undefined) return refused;
  const { serve } = await import("../../main.js");
  const code = await serve();
  // Everything the server owns is closed by now; a stage that ignored its abort signal (a hung network
  // call) must not keep the process alive after shutdown.
  process.exit(code);
}
