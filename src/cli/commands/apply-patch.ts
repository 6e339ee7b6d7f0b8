import { promises as fs } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parseArgsProblem } from "./parse-args-problem.js";
import { parse as parseYaml } from "yaml";
import { defaultRepoConfig, parseRepoConfig, type RepoConfig } from "../../config/repo-config.js";
import { AppError } from "../../core/errors.js";
import { applyPatch, formatRefusal, type ApplyResult } from "../../patch/apply-patch.js";
import { unexpectedArguments } from "./unexpected-arguments.js";
import { terminalJson, terminalLine } from "../terminal-text.js";

const USAGE = `usage: t0-ci-bot apply-patch <diff-file|-> --repo <dir> [--config <ci-bot.yml>] [--dry-run] [--json]

Applies a model's unified diff to a git work tree under the patch policy (no paths outside the repo,
no .git/, symlinks or binaries, size caps, no green-washing). All or nothing: a refused patch leaves
the tree exactly as it was. Without --config, <dir>/.github/ci-bot.yml is used when present.

exit codes: 0 applied (or would apply, with --dry-run), 1 refused, 2 usage error
`;

class UsageError extends Error {}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
}

const processIo: Io = {
  stdout: (s) => void process.stdout.write(s),
  stderr: (s) => void process.stderr.write(s),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
};

export async function run(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await runOrThrow(argv, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`t0-ci-bot apply-patch: ${terminalLine(err.message)}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof AppError) {
      io.stderr(`t0-ci-bot apply-patch: ${terminalLine(err.message)} [${err.code}]\n`);
      return 1;
    }
    throw err;
  }
}

async function runOrThrow(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        repo: { type: "string" },
        config: { type: "string" },
        "dry-run": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new UsageError(parseArgsProblem(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const stray = unexpectedArguments(positionals.slice(1), "apply-patch takes one <diff-file> (- for stdin)");
  if (stray || positionals.length === 0) throw new UsageError(stray ?? "missing <diff-file>");
  if (!values.repo) throw new UsageError("missing --repo <dir>");
  const repo = path.resolve(values.repo);
  await assertGitWorkTree(repo);
  const diffText = await readDiff(positionals[0]!, io);
  const config = await loadConfig(values.config, repo, io);
  const notes: string[] = [];
  const result = await applyPatch(diffText, repo, { config, dryRun: values["dry-run"], notes });
  if (values.json) io.stdout(terminalJson({ ...result, dryRun: values["dry-run"], notes }));
  else if (result.ok) io.stdout(describe(result, values["dry-run"], notes));
  // The refusal quotes the diff's paths and hunks (a model's output): its lines are ours, what they quote is escaped.
  else io.stderr(`${formatRefusal(shownRefusal(result.refusal))}\n(the work tree was not changed)\n`);
  return result.ok ? 0 : 1;
}

type Refusal = Extract<ApplyResult, { ok: false }>["refusal"];

/** The refusal's quoted parts, each kept on its line: formatRefusal's line breaks are the layout. */
function shownRefusal(r: Refusal): Refusal {
  return { ...r, reason: terminalLine(r.reason), ...(r.file ? { file: terminalLine(r.file) } : {}), ...(r.hunk ? { hunk: terminalLine(r.hunk) } : {}) };
}

async function assertGitWorkTree(repo: string): Promise<void> {
  const st = await fs.stat(repo).catch(() => null);
  if (!st?.isDirectory()) throw new UsageError(`--repo ${repo} is not a directory`);
  // `.git` is a directory in a clone and a file in a linked worktree or submodule.
  if (!(await fs.lstat(path.join(repo, ".git")).catch(() => null))) {
    throw new UsageError(`--repo ${repo} is not the top of a git work tree (no .git there); pass the repository root`);
  }
}

async function readDiff(file: string, io: Io): Promise<string> {
  if (file === "-") return io.stdin();
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the diff file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function loadConfig(explicit: string | undefined, repo: string, io: Io): Promise<RepoConfig> {
  const file = explicit ?? path.join(repo, ".github", "ci-bot.yml");
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === "ENOENT") return defaultRepoConfig();
    throw new UsageError(`cannot read the config ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  // The repository's own file is judged as the bot judges it (below); a file named on the command line that is
  // no mapping is the wrong file, and applying "with the defaults" hid that.
  if (explicit && raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    const shape = Array.isArray(raw) ? "a list" : "a plain value";
    throw new UsageError(`--config ${file} holds ${shape}, not a mapping of .github/ci-bot.yml keys; pass a ci-bot.yml (e.g. \`enabled: true\`)`);
  }
  const { config, problems } = parseRepoConfig(raw);
  // A problem names the repository's own keys and values, which anyone who can push to it writes.
  for (const p of problems) io.stderr(`warning: ${terminalLine(p)} (using the default for it)\n`);
  return config;
}

const LETTER = { added: "A", modified: "M", deleted: "D", renamed: "R" } as const;

function describe(result: Extract<ApplyResult, { ok: true }>, dryRun: boolean, notes: string[]): string {
  const lines = [`${dryRun ? "would apply" : "applied"} ${result.files.length} file(s), +${result.additions} -${result.deletions}${dryRun ? " (dry run: nothing written)" : ""}`];
  for (const f of result.files) lines.push(`  ${LETTER[f.status]} ${f.from ? `${f.from} -> ` : ""}${f.path} (+${f.additions} -${f.deletions})`);
  for (const o of result.overrideDetails) lines.push(`overridden by allow.${o.rule}: ${o.file}: ${o.reason}`);
  for (const n of notes) lines.push(`note: ${n}`);
  // Paths and reasons come from the diff: one line each, shown and not acted on by the terminal.
  return `${lines.map(terminalLine).join("\n")}\n`;
}
