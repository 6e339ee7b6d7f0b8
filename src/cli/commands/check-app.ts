import type { GitHubAppPort } from "../../core/ports/index.js";
import type { Logger } from "../../core/ports/logger.js";
import { loadCliConfig, parseArgs, stdio, type CliIo } from "./cli-store.js";
import { unexpectedArguments } from "./unexpected-arguments.js";
import { terminalLine } from "../terminal-text.js";

const USAGE =
  "usage: t0-ci-bot check-app\n\n" +
  "Asks GitHub, with the app's credentials, what the server asks at start: whether it accepts APP_ID and the\n" +
  "private key, the app's bot login, and which permissions and events the registration or an installation lacks\n" +
  "of what app.yml asks for. Exit 0 when nothing is missing, 1 when something is or GitHub could not be asked.\n";

/** `githubApp` (tests): answers instead of GitHub's. */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = stdio, githubApp?: GitHubAppPort): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(USAGE);
    return 0;
  }
  const { error, rest } = parseArgs(argv, {});
  const problem = error ?? unexpectedArguments(rest, "check-app takes no arguments");
  if (problem) {
    io.err(`t0-ci-bot check-app: ${problem}\n\n${USAGE}`);
    return 2;
  }
  const config = loadCliConfig(env, io);
  if (!config) return 1;
  if (!config.hasCredentials) {
    io.err("t0-ci-bot check-app: needs the app's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH); see .env.example, or run `npm start` once to register the app.\n");
    return 1;
  }
  // Which key is checked matters most here: a warning that the other one is ignored (not a problem found).
  for (const w of config.warnings) io.err(`warning: ${w}\n`);
  // Loaded here only: the other commands do not pay for Probot.
  const [{ checkAppRegistration }, { AppIdentity }] = await Promise.all([import("../../admin/check-app-registration.js"), import("../../core/app-identity.js")]);
  let port = githubApp;
  // With REDIS_URL, Probot's throttling opens Redis connections that hold the process open until closed.
  let closeProbot = async (): Promise<void> => undefined;
  if (!port) {
    const [{ createProbot }, { createOctokitGitHubApp }, { silentLogger }] = await Promise.all([
      import("../../app.js"), import("../../adapters/github/octokit-github-app.js"), import("../../core/logger.js"),
    ]);
    const probot = createProbot(config, silentLogger());
    closeProbot = () => probot.close();
    port = createOctokitGitHubApp((await probot.auth()) as Parameters<typeof createOctokitGitHubApp>[0]);
  }
  const text = textLogger(io);
  const outcome = await checkAppRegistration(port, { config, logger: text.logger, identity: new AppIdentity(config.BOT_LOGIN) }).finally(closeProbot);
  if (outcome.kind === "unreachable") {
    // The server asks again by itself; someone running this by hand needs to know where to look.
    const host = config.GHE_HOST ? `${config.GHE_HOST} (GHE_HOST)` : "api.github.com";
    io.err(`t0-ci-bot check-app: GitHub could not be reached from here; check this machine's network (and proxy) to ${host}, then run it again.\n`);
  }
  if (outcome.kind !== "ok") return 1;
  return text.problems() ? 1 : 0;
}

/** The check's log lines as text: info on stdout, the rest on stderr, each counted as a problem. */
function textLogger(io: CliIo): { logger: Logger; problems(): number } {
  let problems = 0;
  const line = (toErr: boolean) => (fields: object | string, msg?: string) => {
    // GitHub's answers (the app's slug, accounts, permission names, error bodies): one line each, escaped.
    const text = terminalLine(typeof fields === "string" ? fields : (msg ?? ""));
    if (toErr) {
      problems++;
      io.err(`${text}\n`);
    } else io.out(`${text}\n`);
  };
  const quiet = () => undefined;
  const logger: Logger = { child: () => logger, trace: quiet, debug: quiet, info: line(false), warn: line(true), error: line(true), fatal: line(true) };
  return { logger, problems: () => problems };
}
