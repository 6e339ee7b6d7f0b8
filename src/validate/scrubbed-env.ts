import { isAbsolute, join } from "node:path";

/**
 * Parent variables a validation command may see. Everything else (the app's private key, installation
 * token, model keys, webhook secret, Redis URL, ...) stays out, whatever its name: an allow-list, never a
 * deny-list. Toolchain locations are passed so pyenv/rustup/Go/Java keep working with a temporary HOME.
 */
export const ENV_ALLOWLIST: readonly string[] = [
  "PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ",
  "PYENV_ROOT", "PYENV_VERSION", "CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN", "GOROOT", "GOPATH", "GOMODCACHE",
  "GOFLAGS", "GOPROXY", "JAVA_HOME", "MAVEN_HOME", "M2_HOME", "GRADLE_HOME", "NVM_DIR", "VOLTA_HOME",
];

export interface ScrubbedEnvOptions {
  /** The temporary HOME the command runs with. */
  home: string;
  /** The temporary TMPDIR. */
  tmp: string;
  /** Extra names to pass through from the parent (operator's choice). */
  allow?: readonly string[];
}

/** A URL with a user or password in it (`https://user:token@goproxy.corp`): a credential, whatever the name. */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/[^/\s@]*@/i;

/** The whole environment of a validation command: allow-listed parent variables plus fixed CI settings. */
export function scrubbedEnv(parent: NodeJS.ProcessEnv, opts: ScrubbedEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ENV_ALLOWLIST) {
    const v = parent[name];
    // GOPROXY for a private module proxy often carries its login: without it Go falls back to its defaults.
    if (typeof v === "string" && v !== "" && !URL_CREDENTIALS.test(v)) env[name] = v;
  }
  // The operator's own extra names are passed as they are: they chose them.
  for (const name of opts.allow ?? []) {
    const v = parent[name];
    if (typeof v === "string" && v !== "") env[name] = v;
  }
  env.PATH = cleanPath(env.PATH);
  // rustup finds its toolchains through HOME unless told otherwise; HOME is now a temp dir.
  const parentHome = parent.HOME;
  if (parentHome && isAbsolute(parentHome)) {
    const entries = env.PATH.split(":");
    if (!env.CARGO_HOME && entries.includes(join(parentHome, ".cargo", "bin"))) {
      env.CARGO_HOME = join(parentHome, ".cargo");
      env.RUSTUP_HOME ??= join(parentHome, ".rustup");
    }
  }
  env.HOME = opts.home;
  env.TMPDIR = opts.tmp;
  env.CI = "true";
  env.NO_COLOR = "1";
  env.FORCE_COLOR = "0";
  env.LANG ??= "C.UTF-8";
  // The before-run must not leave bytecode behind: a same-size edit within the same second (a one-char
  // fix) would otherwise be masked by the stale .pyc, whose check is mtime + size.
  env.PYTHONDONTWRITEBYTECODE = "1";
  // Keeps npm from phoning home about updates and from writing to the (temp) home's logs on every run.
  env.npm_config_update_notifier = "false";
  env.npm_config_fund = "false";
  env.npm_config_audit = "false";
  return env;
}

/**
 * Drops relative PATH entries (`.`): they would resolve inside the untrusted checkout; and any
 * `node_modules/.bin` (npm puts the bot's own there when it starts the bot): the project's tools, not ours.
 */
function cleanPath(path: string | undefined): string {
  const entries = (path ?? "").split(":").filter((p) => p && isAbsolute(p) && !p.split("/").includes("node_modules"));
  const seen = new Set<string>();
  const out = entries.filter((p) => (seen.has(p) ? false : (seen.add(p), true)));
  return out.length ? out.join(":") : ["/usr/local/bin", "/usr/bin", "/bin"].join(":");
}

