import { openLogFile } from "../../logs/open-log-file.js";
import { open, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parseArgsProblem } from "./parse-args-problem.js";
import { analyzeLog } from "../../logs/analyze-log.js";
import { unexpectedArguments } from "./unexpected-arguments.js";
import { terminalJson, terminalLine, terminalText } from "../terminal-text.js";
import type { LogAnalysis } from "../../logs/types.js";

const USAGE = "usage: t0-ci-bot analyze-log <file> [--budget-tokens N] [--json]";

/** `analyze-log`: explains a CI job log. Exit 0 on success, 2 on bad input (one line on stderr). */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { "budget-tokens": { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  } catch (err) {
    return fail(`${parseArgsProblem(err)}; ${USAGE}`);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [file, ...extra] = parsed.positionals;
  const stray = unexpectedArguments(extra, "analyze-log takes one log file");
  if (!file || stray) return fail(`${stray ?? "give exactly one log file"}; ${USAGE}`);
  const budgetRaw = parsed.values["budget-tokens"];
  const budget = budgetRaw === undefined ? 4000 : Number(budgetRaw);
  if (!Number.isInteger(budget) || budget < 1) return fail(`--budget-tokens must be a positive whole number, got "${budgetRaw}"`);

  const problem = await checkFile(file);
  if (problem) return fail(problem);
  const analysis = await analyzeLog(openLogFile(file), { budgetTokens: budget });
  process.stdout.write(parsed.values.json ? terminalJson(analysis) : report(file, analysis));
  return 0;
}

/** Missing, unreadable, empty or binary files are refused before any parsing. */
async function checkFile(file: string): Promise<string | null> {
  let size: number;
  try {
    const s = await stat(file);
    if (!s.isFile()) return `${file} is not a regular file; pass the path of a job log`;
    size = s.size;
  } catch {
    return `cannot read ${file}: no such file; pass the path of a job log (e.g. from "gh run view --log")`;
  }
  if (size === 0) return `${file} is empty; download the job log again`;
  const fh = await open(file, "r");
  try {
    const buf = Buffer.alloc(Math.min(size, 8192));
    await fh.read(buf, 0, buf.length, 0);
    if (looksBinary(buf)) return `${file} looks binary (e.g. a zip of logs); unzip it and pass one .txt job log`;
  } finally {
    await fh.close();
  }
  return null;
}

function looksBinary(buf: Buffer): boolean {
  if (buf.includes(0)) return true;
  let control = 0;
  for (const b of buf) if (b < 9 || (b > 13 && b < 32 && b !== 27)) control++;
  return control > buf.length * 0.1;
}

function report(file: string, a: LogAnalysis): string {
  const out: string[] = [];
  // Everything here is the log's text (a hostile PR's tests print any byte): each line escaped, so none drives
  // the terminal or starts a line of its own; an excerpt keeps its line breaks and tabs, the log's own layout.
  const line = (text: string): void => void out.push(terminalLine(text));
  line(`${file}: ${a.lines} lines, ${a.format} log, status ${a.status}, classification ${a.classification}`);
  if (a.failingStep) {
    const s = a.failingStep;
    line(`failing step: ${s.name} (lines ${s.startLine}-${s.endLine}${s.exitCode === null ? "" : `, exit code ${s.exitCode}`})`);
  }
  if (a.failedTests.length > 0) {
    line(`failing tests (${a.failedTests.length}):`);
    for (const t of a.failedTests.slice(0, 30)) line(`  - ${t.name}${t.file ? `  [${t.file}${t.line ? `:${t.line}` : ""}]` : ""}`);
    if (a.failedTests.length > 30) line(`  … ${a.failedTests.length - 30} more`);
  }
  if (a.errors.length > 0) {
    line(`errors (${a.errors.length}):`);
    for (const e of a.errors.slice(0, 15)) line(`  ${String(e.line).padStart(6)}  [${e.kind}] ${e.text.slice(0, 200)}`);
  }
  if (a.locations.length > 0) line(`locations: ${a.locations.slice(0, 10).map((l) => `${l.path}:${l.line}${l.column ? `:${l.column}` : ""}`).join(", ")}`);
  line(`excerpts (${a.excerpts.length}, ${a.excerptTokens} tokens):`);
  for (const e of a.excerpts) {
    line(`--- lines ${e.startLine}-${e.endLine}: ${e.reason}`);
    out.push(terminalText(e.text));
  }
  return `${out.join("\n")}\n`;
}

function fail(message: string): number {
  process.stderr.write(`analyze-log: ${message}\n`);
  return 2;
}
