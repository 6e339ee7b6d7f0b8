import type { ContextExcerpt, FailureClass, FailureContext } from "../core/failure-context.js";
import type { Job } from "../core/job.js";
import type { Annotation } from "../core/ports/github-port.js";
import { redact, redactDeep, redactHead } from "../core/redact.js";
import { stripAnsi } from "../logs/line-format.js";
import { sliceExcerptLines } from "../logs/repeat-lines.js";
import type { FailedTest, LogAnalysis } from "../logs/types.js";
import type { FetchedJob } from "./fetched-logs.js";
import { goFileResolver, isGoBaseName } from "./go-file-resolver.js";
import { detectLanguages, isManifest, isTestConfig, manifestExcerpt, relevantFiles } from "./repo-facts.js";
import { listRepoFiles, toRepoPath } from "./repo-files.js";
import { sameOutputOnce } from "./same-output-once.js";
import { snippetsFor } from "./snippets.js";
import { testFileResolver } from "./test-file-resolver.js";

/**
 * What goes into the context, most important first. Everything up to `failing_jobs` is always sent; each
 * later part is added only while the whole context stays within the token budget, shortened (fewer items,
 * a shorter diff) when it does not fit whole, and named in `budget.dropped` when cut or left out.
 */
export const CONTEXT_PRIORITY = [
  "repo/run/failing_jobs/classification",
  "excerpts",
  "failed_tests",
  "locations",
  "snippets",
  "annotations",
  "head_commit_diff",
  "manifests",
  "languages",
  "test_config",
] as const;

export interface AnalysedJob {
  fetched: FetchedJob;
  analysis: LogAnalysis;
  annotations: Annotation[];
}

export interface BuildContextInput {
  job: Job;
  /** The checkout at head_sha. */
  dir: string;
  jobs: AnalysedJob[];
  headCommitDiff: string | null;
  budgetTokens: number;
  countTokens: (text: string) => number;
}

/**
 * An annotation as GitHub shows it, without colour codes: its text is what the step printed after `::error::`
 * (a coloured `echo -e`, a reporter that colours its messages), and the model gets the log's lines without them.
 */
const annotationText = (a: Annotation) => stripAnsi(a.title ? `${a.title}: ${a.message}` : a.message);

const CLASS_RANK: FailureClass[] = ["compile", "dependency", "test", "lint", "infra", "flaky-suspect", "unknown"];

export async function buildFailureContext(input: BuildContextInput): Promise<FailureContext> {
  const { job, dir, jobs, budgetTokens, countTokens } = input;
  const classification = CLASS_RANK.find((c) => jobs.some((j) => j.analysis.classification === c)) ?? "unknown";

  const ctx: FailureContext = redactDeep({
    repo: { full_name: job.repo.fullName, ...(job.repo.defaultBranch ? { default_branch: job.repo.defaultBranch } : {}) },
    run: {
      id: job.run.id, attempt: job.run.attempt, head_sha: job.run.headSha, head_branch: job.run.headBranch,
      ...(job.run.name ? { workflow: job.run.name } : {}), ...(job.run.workflowPath ? { workflow_path: job.run.workflowPath } : {}),
      ...(job.run.htmlUrl ? { url: job.run.htmlUrl } : {}),
    },
    failing_jobs: jobs.map(({ fetched: f, analysis: a }) => ({
      name: f.name,
      id: f.id,
      ...(f.failingStep?.name ?? a.failingStep?.name ? { failing_step: f.failingStep?.name ?? a.failingStep?.name } : {}),
      ...opt("command", stepCommand(f) || undefined),
      ...(a.failingStep?.exitCode !== null && a.failingStep?.exitCode !== undefined ? { exit_code: a.failingStep.exitCode } : {}),
      ...(f.log.truncated ? { log_truncated: true } : {}),
    })),
    classification,
    excerpts: [],
    failed_tests: [],
    locations: [],
    languages: [],
    manifests: [],
    snippets: [],
    budget: { tokens: budgetTokens, used: 0, dropped: [] },
  } satisfies FailureContext);

  // Candidate parts, gathered from the logs and the checkout.
  const excerpts = sameOutputOnce(
    jobs.flatMap(({ fetched, analysis }) => analysis.excerpts.map((e) => ({ job: fetched.name, startLine: e.startLine, endLine: e.endLine, reason: e.reason, text: e.text }))),
  );
  const files = await listRepoFiles(dir);
  // go prints only a file's base name; its test's package tells the directory (go-file-resolver.ts). The tests
  // then name the file by its path in the checkout, as the model can open it.
  const goFile = await goFileResolver(dir, files);
  // Other runners print a path from their working directory, maybe a container's (test-file-resolver.ts).
  const testFile = testFileResolver(files);
  const goTests = dedupe(jobs.flatMap((j) => j.analysis.failedTests), (t) => `${t.name}|${t.file ?? ""}|${t.package ?? ""}`);
  const failedTests: FailedTest[] = [];
  for (const t of goTests.slice(0, 50)) {
    if (!t.file || !isGoBaseName(t.file)) {
      failedTests.push(testFile(t));
      continue;
    }
    const path = await goFile(t.file, t.package);
    failedTests.push(path ? { ...t, file: path } : t);
  }
  // A base name the log printed as an error's location (`calc_test.go:12: got 3`) is in the package of the tests
  // that print it, that line's first; in a go test's output such a name is never relative to the root.
  const goOutput = goTests.some((t) => t.file !== undefined && isGoBaseName(t.file));
  const repoPath = async (p: string, line: number) => {
    if (!goOutput || !isGoBaseName(p)) return toRepoPath(dir, p);
    const packages = (same: (t: FailedTest) => boolean) => new Set(goTests.filter((t) => t.file === p && t.package !== undefined && same(t)).map((t) => t.package!));
    const atLine = packages((t) => t.line === line);
    const pkgs = atLine.size === 1 ? atLine : packages(() => true);
    // Tests of several packages print this name: which one's it is, nothing tells.
    return pkgs.size > 1 ? null : goFile(p, [...pkgs][0]);
  };
  const rawLocations = [
    ...jobs.flatMap((j) => j.analysis.locations.map((l) => ({ ...l, message: undefined as string | undefined }))),
    ...jobs.flatMap((j) => j.annotations.filter((a) => a.level !== "notice").map((a) => ({ path: a.path, line: a.startLine, column: undefined, message: annotationText(a) }))),
    ...failedTests.filter((t) => t.file && t.line).map((t) => ({ path: t.file!, line: t.line!, column: undefined, message: `failed test ${t.name}` })),
  ];
  const locations: FailureContext["locations"] = [];
  for (const l of rawLocations) {
    const path = await repoPath(l.path, l.line);
    if (!path || !(l.line >= 1)) continue;
    if (locations.some((x) => x.path === path && x.line === l.line)) continue;
    // Redacted before the cut: a token cut short no longer matches its pattern and would be sent in part.
    locations.push({ path, line: l.line, ...(l.column ? { column: l.column } : {}), ...(l.message ? { message: redact(l.message).slice(0, 300) } : {}) });
    if (locations.length >= 30) break;
  }
  const annotations = dedupe(jobs.flatMap((j) => j.annotations), (a) => `${a.path}:${a.startLine}:${stripAnsi(a.message)}`)
    .slice(0, 20)
    .map((a) => ({ path: a.path, line: a.startLine, level: a.level, message: redact(annotationText(a)).slice(0, 500) }));
  const snippets = await snippetsFor(dir, locations);
  const focus = locations.map((l) => l.path);
  const manifests: FailureContext["manifests"] = [];
  for (const p of relevantFiles(files, focus, isManifest, 6)) manifests.push({ path: p, ...opt("excerpt", await manifestExcerpt(dir, p)) });
  const testConfig: NonNullable<FailureContext["test_config"]> = [];
  for (const p of relevantFiles(files, focus, isTestConfig, 4)) testConfig.push({ path: p, ...opt("excerpt", await manifestExcerpt(dir, p, 1500)) });
  const languages = detectLanguages(files);

  // Fit them in priority order. The budget record is part of what is measured (live `dropped` list, `used`
  // at its largest), and each fit keeps a margin for the one `dropped` entry it may add afterwards.
  const dropped: string[] = [];
  ctx.budget = { tokens: budgetTokens, used: budgetTokens, dropped };
  const MARGIN = 24;
  const size = () => countTokens(JSON.stringify(ctx)) + MARGIN;
  // Lists are ordered most important first, except excerpts (log order: the failure is at the end).
  const fitList = <T>(name: string, items: T[], set: (v: T[]) => void, keep: "head" | "tail" = "head") => {
    const clean = redactDeep(items);
    const take = (k: number) => (keep === "head" ? clean.slice(0, k) : clean.slice(clean.length - k));
    set(clean);
    if (size() <= budgetTokens) return;
    let lo = 0;
    let hi = clean.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      set(take(mid));
      if (size() <= budgetTokens) lo = mid;
      else hi = mid - 1;
    }
    set(take(lo));
    dropped.push(lo === 0 ? `${name} (all ${clean.length})` : `${name} (${clean.length - lo} of ${clean.length})`);
  };

  fitList("excerpts", excerpts, (v) => (ctx.excerpts = v), "tail");
  if (!ctx.excerpts.length && excerpts.length) {
    // Not even one excerpt fits whole: keep the end of the last one (where the failure is).
    const first = redactDeep(excerpts.at(-1)!);
    let keep = first.endLine - first.startLine + 1;
    do {
      keep = Math.floor(keep / 2);
      ctx.excerpts = [{ ...first, startLine: first.endLine - keep + 1, text: sliceExcerptLines(first.text, -keep).join("\n") }];
    } while (keep > 1 && size() > budgetTokens);
    if (size() > budgetTokens) ctx.excerpts = [];
    dropped[dropped.length - 1] = `excerpts (cut to the last ${ctx.excerpts.length ? keep : 0} lines of the last)`;
  }
  fitList("failed_tests", failedTests.map((t) => ({ name: t.name, ...opt("file", t.file), ...opt("line", t.line) })), (v) => (ctx.failed_tests = v));
  fitList("locations", locations, (v) => (ctx.locations = v));
  fitList("snippets", snippets, (v) => (ctx.snippets = v));
  if (annotations.length) fitList("annotations", annotations, (v) => (ctx.annotations = v.length ? v : undefined));
  if (!ctx.annotations?.length) delete ctx.annotations;
  if (input.headCommitDiff) fitDiff(ctx, redact(input.headCommitDiff), size, budgetTokens, dropped);
  fitList("manifests", manifests, (v) => (ctx.manifests = v));
  fitList("languages", languages, (v) => (ctx.languages = v));
  if (testConfig.length) fitList("test_config", testConfig, (v) => (ctx.test_config = v.length ? v : undefined));
  if (!ctx.test_config?.length) delete ctx.test_config;

  // Last resort, should the margin not have been enough: lowest priority first, one item at a time.
  const lists: Array<[string, () => unknown[] | undefined]> = [
    ["test_config", () => ctx.test_config], ["languages", () => ctx.languages], ["manifests", () => ctx.manifests],
    ["annotations", () => ctx.annotations], ["snippets", () => ctx.snippets], ["locations", () => ctx.locations],
    ["failed_tests", () => ctx.failed_tests],
  ];
  const exact = () => countTokens(JSON.stringify(ctx));
  if (exact() > budgetTokens && ctx.head_commit_diff !== undefined) {
    delete ctx.head_commit_diff;
    dropped.push("head_commit_diff");
  }
  for (const [name, get] of lists) {
    while (exact() > budgetTokens && get()?.length) {
      get()!.pop();
      if (!dropped.includes(`${name} (trimmed to fit)`)) dropped.push(`${name} (trimmed to fit)`);
    }
  }
  while (exact() > budgetTokens && ctx.excerpts.length) {
    ctx.excerpts.shift();
    if (!dropped.includes("excerpts (trimmed to fit)")) dropped.push("excerpts (trimmed to fit)");
  }
  if (!ctx.test_config?.length) delete ctx.test_config;
  if (!ctx.annotations?.length) delete ctx.annotations;
  ctx.budget.used = exact();
  return ctx;
}

/** The diff, cut to whole lines from its start when it does not fit; left out when not even a little fits. */
function fitDiff(ctx: FailureContext, diff: string, size: () => number, budget: number, dropped: string[]): void {
  ctx.head_commit_diff = diff;
  if (size() <= budget) return;
  const lines = diff.split("\n");
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    ctx.head_commit_diff = lines.slice(0, mid).join("\n") + "\n[... diff cut]";
    if (size() <= budget) lo = mid;
    else hi = mid - 1;
  }
  if (lo < 5) {
    delete ctx.head_commit_diff;
    dropped.push("head_commit_diff");
    return;
  }
  ctx.head_commit_diff = lines.slice(0, lo).join("\n") + "\n[... diff cut]";
  dropped.push(`head_commit_diff (cut to ${lo} of ${lines.length} lines)`);
}

/** How much of the failing step's script the model sees. */
const MAX_STEP_COMMAND = 4000;

function stepCommand(f: FetchedJob): string | undefined {
  const s = f.failingStep;
  if (!s) return undefined;
  // Redacted before it is cut: a secret across the cut would keep a head no rule knows.
  if (s.command) return redactHead(s.command.trimEnd(), MAX_STEP_COMMAND);
  if (s.uses) return `uses: ${s.uses}`;
  return s.logHeader;
}

function dedupe<T>(items: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => (seen.has(key(t)) ? false : (seen.add(key(t)), true)));
}

const opt = <K extends string, V>(k: K, v: V | undefined): Partial<Record<K, V>> => (v === undefined ? {} : ({ [k]: v } as Record<K, V>));
