import { showHiddenChars } from "../core/hidden-chars.js";
import { redact, redactHead } from "../core/redact.js";
import { shownLogLines, TESTS_SHOWN, type FailedInCi } from "./failed-in-ci.js";
import type { FailedTry } from "../pipeline/stages/patch-retries-result.js";

/** Everything the PR body shows; built by `prBodyInput` from the job record. */
export interface PrBodyInput {
  repo: string;
  run: { id: number; attempt: number; url?: string; workflow?: string; headBranch: string; headSha: string };
  failing: Array<{ job: string; step?: string; command?: string; exitCode?: number }>;
  classification: string;
  diagnosis: string;
  confidence: number;
  files: Array<{ path: string; status?: string; additions?: number; deletions?: number }>;
  additions: number;
  deletions: number;
  validation: {
    evidence: { before: "red" | "green" | null; after: "red" | "green" | null; reproduced: boolean | null; note?: string };
    commands: Array<{ phase: string; command: string; exitCode: number | null; timedOut: boolean; durationMs: number }>;
    outputTail?: string;
    sandbox?: string;
    /** How many tests the runner's summary says ran here, before the patch and with it (ValidationReport.testsRan). */
    testsRan?: { before: number; after: number };
    /** The failed CI run's count for the same command, beside the one here with the patch (ValidationReport.ciTestsRan). */
    ciTestsRan?: { ci: number | "cut"; after?: number };
  };
  overrides: string[];
  tensorzero: { episodeId: string; inferenceId: string; variant: string };
  repairAttempt: number;
  /**
   * The fix PR was opened for an earlier commit of the failing branch and is brought to this run's commit,
   * with this fix in place of that one's (a later commit of people's PR, or of a pushed branch, failing the
   * same way): the PR, its commit and the bot's comment on people's PR say it was updated for that commit.
   */
  laterCommit?: boolean;
  /**
   * The fix PR was opened for an earlier run of the same commit failing the same way (a branch push failing
   * other tests), and this fix replaces the one it held (planned on the commit alone): the PR says it was
   * updated for this run, not opened for it.
   */
  sameCommit?: boolean;
  /**
   * With `sameCommit`, the runs whose fixes the branch held before; with `laterCommit`, the runs whose fixes the branch held before, when several (another workflow's was
   * stacked on the earlier commit's): the merge replaces them all, and the PR names them, so nobody takes
   * the other workflow's fix for still being there.
   */
  replaces?: number[];
  /**
   * The first attempt's earlier tries, oldest first, when its fix came from a later one (with-patch-retry):
   * each refused by the patch policy or still red, answered by another proposal. The PR names them.
   */
  earlierTries?: EarlierTry[];
  /**
   * The runs whose fixes are on the fix branch already, under this one (another workflow's failure of the
   * same commit: this fix is committed on top of theirs). Each was validated alone on the commit: this
   * fix's commit says so, as its tree (their fixes and this one) never ran locally.
   */
  stackedOn?: number[];
  /** The tests CI's log named as failed, and its lines around the error (from the failure context). */
  failedInCi?: FailedInCi;
  /** Set when the failing workflow will not run on the fix (see fix-branch-ci.ts): the PR says so. */
  noCi?: { workflow: string; triggers: string; branch: string; baseBranch: string; dispatch: boolean };
}

/**
 * A fix on the branch whose record is no longer kept (a later repair's proposal replaced it, or its job was
 * removed): the PR says what it changed, and no evidence it cannot show.
 */
export interface LostFix {
  lost: true;
  run: { id: number; headSha: string; workflow?: string; url?: string };
  files: string[];
  commitSha: string;
}

/** An earlier try, as the job recorded it: refused (rule, reason, file) or still red (command, how it ended). */
export type EarlierTry = Pick<FailedTry, "code" | "rule" | "reason" | "file" | "command" | "ended" | "sameAs">;

const TAIL_LINES = 30;
/** Earlier tries listed in the body: the last ones (an operator's retries can make more). */
const MAX_TRIES_SHOWN = 3;
const MAX_BODY = 60_000; // GitHub rejects PR bodies above 65,536 characters

const fence = (text: string) => {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return `${f}\n${text}\n${f}`;
};
/** Model text and command output must not ping people: `@name` gets a word joiner (U+2060) after the `@`. */
const noMentions = (s: string) => s.replace(/@(?=[A-Za-z0-9])/g, "@\u2060");
/**
 * Model text (which can echo instructions planted in a log) must not act on issues either: `Fixes #12` in
 * a PR body or commit closes issue 12 when the fix is merged, and each `#12` or `owner/repo#12` posts a
 * cross-reference in that thread. The closing keyword and the `#` get a word joiner, as `@` does, and an
 * HTML entity for `@` or `#` (`&#64;name`) is shown as written instead of becoming one.
 */
const quiet = (s: string) => noIssueRefs(noEntities(s));
/** Inside code an entity is shown as written already: escaping it there would show `&amp;#x27;`. */
const noEntities = (s: string) => s.replace(/&(?=#x?[0-9a-f]+;|commat;|num;)/gi, "&amp;");
/**
 * Model text shown as Markdown must not hide the rest of the body: an unclosed `<!--` or `<details>` would
 * swallow the change, validation and policy sections, and so would an unclosed code fence. Tags outside
 * code are shown as text, and a fence left open is closed.
 */
function contained(s: string): string {
  const parts = s.split(/(^(?:```|~~~)[^\n]*\n[\s\S]*?^(?:```|~~~)[ \t]*$|(?<!`)`[^`\n]+`(?!`))/m);
  const out = parts.map((part, i) => (i % 2 ? part : noEntities(part).replace(/<(?=[A-Za-z/!?])/g, "&lt;"))).join("");
  const opened = /^(```|~~~)/m.exec(parts.filter((_, i) => i % 2 === 0).join(""));
  return opened ? `${out}\n${opened[1]}` : out;
}
/**
 * `quiet` for plain text (a commit message), where an HTML entity is not read as one. Every word of the model's
 * that is published passes here, so it is also where the characters that make text read differently from what
 * it is (bidi controls, invisible, tag and control characters: src/core/hidden-chars.ts) are shown as escapes,
 * before the word joiners this adds itself.
 */
const noIssueRefs = (s: string) =>
  noMentions(
    showHiddenChars(s)
      .replace(/\b(close[sd]?|fix(?:e[sd])?|resolve[sd]?)(?=\s*:?\s+\S*(?:#|\/issues\/|\/pull\/|\bGH-\d))/gi, (k: string) => `${k[0]}\u2060${k.slice(1)}`)
      .replace(/(#|\bGH-)(?=\d)/gi, "$1\u2060"),
  );
/**
 * Inline code kept on one line: a line break (a multi-line `run:` script) would end the span at a blank
 * line, or end a table row, and the rest would render as Markdown, mentions included. What goes in comes from
 * the repository (job, step, command, path), and shows its hidden characters as escapes as the model's words do.
 */
const code = (s: string) => `\`${showHiddenChars(s.replace(/`/g, "'").replace(/\s*\r?\n\s*/g, " ⏎ "))}\``;
/** Inline code in a table cell, where a `|` would start the next cell. */
const cell = (s: string) => code(s).replace(/\|/g, "\\|");
const exit = (c: { exitCode: number | null; timedOut: boolean }) => (c.timedOut ? "timed out" : `exit ${c.exitCode ?? "?"}`);
const colour = (v: "red" | "green" | null) => (v === "red" ? "🔴 red" : v === "green" ? "🟢 green" : "not run");

/** The fix PR's title: short, names the run. */
export function renderPrTitle(i: Pick<PrBodyInput, "run" | "failing">): string {
  const what = i.failing[0] ? `${i.failing[0].job}${i.failing[0].step ? ` / ${i.failing[0].step}` : ""}` : (i.run.workflow ?? "CI");
  return redact(`ci-bot: fix ${what} on ${i.run.headBranch} (run ${i.run.id})`).slice(0, 200);
}

/** The commit message: what changed and why, with the run it repairs. */
export function renderCommitMessage(i: PrBodyInput): string {
  const first = redactHead(i.diagnosis.split("\n")[0]!.trim(), 200);
  const files = i.files.map((f) => `- ${f.path} (+${f.additions ?? 0}/-${f.deletions ?? 0})`).join("\n");
  const oneLine = (s: string) => s.replace(/\s*\r?\n\s*/g, " ⏎ ");
  // Quiet as a whole: a commit merged into the default branch closes the issues its message names with a
  // keyword, and a run id written as `#555` would name issue 555.
  return redact(
    noIssueRefs(
      `${renderPrTitle(i)}\n\n` +
        (i.sameCommit ? `Replaces the ${replacedFixes(i)} on this branch with one validated on the same commit (${i.run.headSha.slice(0, 12)}) for run ${i.run.id}.\n\n` : "") +
        (i.laterCommit ? `Brings this branch to ${i.run.headBranch} at ${i.run.headSha.slice(0, 12)}, a later commit failing the same way, with the fix validated on it in place of the earlier commit's${replacedRuns(i)}.\n\n` : "") +
        `Why: ${first}\n\nChanged:\n${files}\n\n` +
        `Validated locally: ${i.validation.commands.filter((c) => c.phase === "validate").map((c) => oneLine(c.command)).join("; ") || "(none)"} ` +
        `(${colour(i.validation.evidence.before)} → ${colour(i.validation.evidence.after)}).\n` +
        (i.stackedOn?.length
          ? `Validated alone on ${i.run.headSha.slice(0, 12)}, without the fix${i.stackedOn.length > 1 ? "es of runs" : " of run"} ${i.stackedOn.join(", ")} already on this branch: this branch's CI is the first run of them together.\n`
          : "") +
        `Failing run: ${i.run.url ?? `run ${i.run.id}`}\nTensorZero episode: ${i.tensorzero.episodeId}\n`,
    ),
  );
}

/** The ONE template of the fix PR body (snapshot-tested). Every string is redacted on the way out. */
export function renderPrBody(i: PrBodyInput): string {
  const runLink = runLinkOf(i);
  const body = [
    `## 🤖 Automated fix for a failed CI run`,
    ``,
    (i.sameCommit
      ? `This PR was opened by t0-ci-bot for an earlier failed run of ${code(i.run.headBranch)} on ${code(i.run.headSha.slice(0, 12))}, and updated for ${runLink} of ${code(i.run.workflow ?? "CI")}, failing the same way on that commit: the branch now holds a fix validated on it, in place of the ${replacedFixes(i)}.`
      : i.laterCommit
      ? `This PR was opened by t0-ci-bot for an earlier failed run of ${code(i.run.headBranch)}, and updated for ${runLink} of ${code(i.run.workflow ?? "CI")} on its later commit ${code(i.run.headSha.slice(0, 12))}: the branch now holds that commit and a fix validated on it, in place of the earlier commit's${replacedRuns(i)}.`
      : `This PR was opened by t0-ci-bot for ${runLink} of ${code(i.run.workflow ?? "CI")} on ${code(i.run.headBranch)} (${code(i.run.headSha.slice(0, 12))}).`) +
      (i.repairAttempt > 1 ? ` This is repair attempt ${i.repairAttempt}: CI failed on the previous version of this branch.` : ""),
    ``,
    ...fixSections(i, "###", TAIL_LINES, { change: "The change", validation: "Validation" }),
    `### Policy`,
    policyOf(i),
    ``,
    `Model confidence: **${Math.round(i.confidence * 100)}%**. Review the change as you would any contributor's.`,
    ``,
    ...FEEDBACK,
    ``,
    tensorZeroLine(i),
  ].join("\n");
  return capped(redact(body));
}

/**
 * The body of a fix PR holding several fixes, one commit each (another workflow's failure of the same commit,
 * its fix committed on top: open-pull-request), oldest first. Each was validated alone on the commit, never
 * together with the others: the body must not read as if the branch's tree was, so each fix shows its own
 * failure, change, validation and policy, and the PR's CI is named as the first run of them together.
 */
export function renderCombinedPrBody(fixes: Array<PrBodyInput | LostFix>): string {
  const [first] = fixes;
  if (fixes.length === 1 && first && !("lost" in first)) return renderPrBody(first);
  const n = fixes.length;
  const sha = code(first!.run.headSha.slice(0, 12));
  const branch = code(fixes.find((f): f is PrBodyInput => !("lost" in f))?.run.headBranch ?? "the failing branch");
  // The tails share the body's room: many fixes each with a long tail would be cut at GitHub's limit.
  const tailLines = Math.max(5, Math.floor(TAIL_LINES / n));
  const silent = fixes.some((f) => !("lost" in f) && f.noCi);
  const overridden = fixes.flatMap((f, k) => ("lost" in f || !f.overrides.length ? [] : [`fix ${k + 1}: ${f.overrides.map(code).join(", ")}`]));
  const opened = !("lost" in first!) && first!.laterCommit
    ? `This PR was opened by t0-ci-bot for an earlier failed run of ${branch}, and brought to its later commit ${sha}.`
    : `This PR was opened by t0-ci-bot for a failed run of ${branch} at ${sha}.`;
  const body = [
    `## 🤖 Automated fixes for failed CI runs`,
    ``,
    `${opened} It holds ${n} fixes, one commit each, for failures of that commit in different workflows. ` +
      `Each fix was validated locally on its own on ${sha}, never together with the others: the evidence under each fix is that fix's alone, ` +
      (silent ? `and this PR's CI, where it runs (see the notices below), is the first run of them together.` : `and this PR's CI is the first run of them together.`),
    ``,
    // Said up front: a maintainer reading the first fix's policy must not take it for the PR's.
    ...(overridden.length ? [`⚠️ Safety rules overridden on this PR (allowed by \`.github/ci-bot.yml\`): ${overridden.join("; ")}.`, ``] : []),
    ...fixes.flatMap((f, k) => {
      const heading = `### Fix ${k + 1} of ${n}: ${runLinkOf(f)} of ${code(f.run.workflow ?? "CI")}` + (k ? `, committed on top of fix ${k}` : "");
      if ("lost" in f) {
        const files = f.files.map((p) => code(p)).join(", ") || "(no file recorded)";
        return [heading, ``, `The bot no longer keeps this fix's record (a later attempt's replaced it, or its job was removed): it changed ${files} in commit ${code(f.commitSha.slice(0, 12))}, whose message says how it was validated.`, ``];
      }
      return [
        heading + (f.laterCommit ? ` (updated for commit ${code(f.run.headSha.slice(0, 12))})` : "") + (f.repairAttempt > 1 ? ` (repair attempt ${f.repairAttempt}: CI failed on an earlier version of it)` : ""),
        ``,
        ...fixSections(f, "####", tailLines, { change: "Its change", validation: "Its validation, alone" }),
        `#### Policy`,
        policyOf(f, "This fix overrides no safety rule"),
        ``,
        `Model confidence: **${Math.round(f.confidence * 100)}%**.`,
        ``,
        tensorZeroLine(f),
        ``,
      ];
    }),
    `Review the changes as you would any contributor's.`,
    ``,
    ...FEEDBACK,
  ].join("\n");
  return capped(redact(body));
}

/** The title of a PR holding several fixes: each workflow, and the runs. */
export function renderCombinedPrTitle(fixes: Array<PrBodyInput | LostFix>): string {
  const [first] = fixes;
  if (fixes.length === 1 && first && !("lost" in first)) return renderPrTitle(first);
  const names = [...new Set(fixes.map((f) => f.run.workflow ?? ("lost" in f ? undefined : f.failing[0]?.job) ?? "CI"))];
  const what = names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0]!;
  const branch = fixes.find((f): f is PrBodyInput => !("lost" in f))?.run.headBranch;
  return redact(`ci-bot: fix ${what}${branch ? ` on ${branch}` : ""} (runs ${fixes.map((f) => f.run.id).join(", ")})`).slice(0, 200);
}

const replacedRuns = (i: Pick<PrBodyInput, "replaces">) => {
  const r = i.replaces ?? [];
  return r.length > 1 ? ` fixes of runs ${r.slice(0, -1).join(", ")} and ${r.at(-1)}` : "";
};

/** The fixes a same-commit update replaced, by run: "fix of run 555", "fixes of runs 555 and 556". */
const replacedFixes = (i: Pick<PrBodyInput, "replaces">) => {
  const r = i.replaces ?? [];
  return r.length === 0 ? "earlier fix" : r.length === 1 ? `fix of run ${r[0]}` : `fixes of runs ${r.slice(0, -1).join(", ")} and ${r.at(-1)}`;
};

const FEEDBACK = [
  `### Feedback`,
  `Your reaction teaches the model which fixes are good:`,
  `- **Merge** to accept it, **close** to reject it.`,
  `- Review comments are sent back as feedback.`,
  `- Push commits to this branch to correct the fix: the final diff is kept as an example of the right answer.`,
];

const capped = (out: string) => (out.length > MAX_BODY ? `${out.slice(0, MAX_BODY)}\n\n…(truncated)` : out);
const runLinkOf = (i: PrBodyInput | LostFix) => {
  const text = "lost" in i ? `run ${i.run.id}` : `run ${i.run.id} (attempt ${i.run.attempt})`;
  return i.run.url ? `[${text}](${i.run.url})` : text;
};
const tensorZeroLine = (i: PrBodyInput) => `<sub>TensorZero episode ${code(i.tensorzero.episodeId)}, inference ${code(i.tensorzero.inferenceId)}, variant ${code(i.tensorzero.variant)}</sub>`;
/** `none`: what is said without an override (of the PR's one fix, or of one fix among several). */
const policyOf = (i: PrBodyInput, none = "No safety rule was overridden") =>
  i.overrides.length
    ? i.overrides.map((o) => `- ⚠️ ${o} (allowed by \`.github/ci-bot.yml\`)`).join("\n")
    : `- ${none}: no test deleted or skipped, no assertion weakened, no workflow edited.`;

/** One fix's failure, diagnosis, change and validation, under headings of level `h`; ends with a blank line. */
function fixSections(i: PrBodyInput, h: string, tailLines: number, titles: { change: string; validation: string }): string[] {
  const failing = i.failing.length
    ? i.failing.map((f) => `- job ${code(f.job)}${f.step ? `, step ${code(f.step)}` : ""}${f.command ? `: ${code(f.command)}` : ""}${f.exitCode !== undefined ? ` (exit ${f.exitCode})` : ""}`).join("\n")
    : "- (the failing job could not be identified)";
  const files = i.files.map((f) => `| ${cell(f.path)} | ${f.status ?? "modified"} | +${f.additions ?? 0} | -${f.deletions ?? 0} |`).join("\n");
  const commands = i.validation.commands.length
    ? i.validation.commands.map((c) => `| ${c.phase} | ${cell(c.command)} | ${exit(c)} | ${(c.durationMs / 1000).toFixed(1)} s |`).join("\n")
    : "| - | (no command ran) | - | - |";
  // Redacted whole before it is cut or quieted: a value the output registered with `::add-mask::` is known only
  // while that line is with it, and a word joiner in its `@` hides it from the rules.
  const tail = i.validation.outputTail ? noMentions(showHiddenChars(redact(i.validation.outputTail))).split("\n").slice(-tailLines).join("\n").trimEnd() : "";
  const ev = i.validation.evidence;
  return [
    `${h} What failed`,
    failing,
    ...(i.failedInCi ? failedInCiLines(i.failedInCi, tailLines) : []),
    ``,
    `Classification: **${i.classification}**`,
    ``,
    `${h} Diagnosis`,
    // Redacted before it is made safe to show: that shows `<password>…</password>` as `&lt;password>`, which
    // the XML rules no longer read, and puts a word joiner into a secret's `#1` or `@x`.
    noIssueRefs(contained(redact(i.diagnosis.trim()))),
    ``,
    `${h} ${titles.change} (+${i.additions} / -${i.deletions})`,
    `| file | status | added | removed |`,
    `|---|---|---|---|`,
    files,
    ``,
    `${h} ${titles.validation}`,
    `Failing command before the patch: ${colour(ev.before)}; with the patch: ${colour(ev.after)}.` +
      // The note is validation's own (it says why the unpatched run is missing, or why it was green); the
      // fixed line only stands in for an older record without one.
      (ev.note ? ` ${sentence(ev.note)}` : ev.reproduced === false ? " The failure did not reproduce locally before the patch." : "") +
      (i.validation.sandbox ? ` Sandbox: ${i.validation.sandbox}.` : ""),
    ...testCounts(i.validation),
    ``,
    `| phase | command | result | time |`,
    `|---|---|---|---|`,
    commands,
    ...(tail ? [``, `<details><summary>Output tail of the last command</summary>`, ``, fence(tail), ``, `</details>`] : []),
    ...(i.noCi ? [``, noCiNotice(i.noCi)] : []),
    ...(i.earlierTries?.length ? [``, ...earlierTriesSection(i.earlierTries, h)] : []),
    ``,
  ];
}

/** Validation's notes are fragments for logs and `jobs show` ("reproduce-first is off"): a sentence in the PR. */
const sentence = (note: string) => `${note[0]!.toUpperCase()}${note.slice(1)}${/[.!?]$/.test(note) ? "" : "."}`;

const tests = (n: number) => `${n} test${n === 1 ? "" : "s"}`;

/** The failed tests by name, then CI's log lines around the error, folded: the run's own evidence, cut. */
function failedInCiLines(f: FailedInCi, maxLines: number): string[] {
  const named = f.tests.slice(0, TESTS_SHOWN).map((t) => code(t.name) + (t.file ? ` (${code(t.file)})` : ""));
  const more = f.tests.length - named.length;
  const out = named.length ? [``, `Tests that failed in CI: ${named.join(", ")}${more ? ` and ${more} more` : ""}.`] : [];
  if (!f.log) return out;
  // Redacted again, as the output tail is: the context was redacted when built, by the rules of that day.
  const { lines, cut } = shownLogLines(noMentions(showHiddenChars(redact(f.log.text))), maxLines);
  // A summary line is HTML, not Markdown: the job's name (the repository's) is shown as text there, where
  // GitHub links a mention as it does in any text (no code span to keep it quiet).
  const job = noMentions(showHiddenChars(f.log.job)).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/\s+/g, " ");
  const where = `job ${job}, log lines ${f.log.startLine}–${f.log.endLine}${cut ? `, the last ${lines.length}` : ""}`;
  return [...out, ``, `<details><summary>CI's log around the error (${where})</summary>`, ``, fence(lines.join("\n").trimEnd()), ``, `</details>`];
}

/**
 * How many tests ran, as the test runner counted them, beside the red → green evidence: a fix that gets green
 * by running fewer tests shows. The count before the patch here is the evidence when there is one (fewer with
 * the patch already failed validation unless the repository allows it); without it (reproduce-first off or
 * skipped), CI's failing run's count for the same command stands in, and fewer here is for the reviewer to
 * judge: the environment here is not CI's, and tests that need what is missing skip themselves.
 */
function testCounts(v: PrBodyInput["validation"]): string[] {
  const counted = (lines: string[]) => [``, ...lines];
  if (v.testsRan) return counted([`Tests run (the test runner's own count, skipped tests not counted): ${v.testsRan.before} before the patch, ${v.testsRan.after} with it.`]);
  const ci = v.ciTestsRan;
  if (!ci) return [];
  if (ci.ci === "cut") {
    return counted([`CI's count of tests was not read: the bot kept only part of the failing step's log.${ci.after === undefined ? "" : ` With the patch ${tests(ci.after)} ran here.`}`]);
  }
  const here = ci.after === undefined ? "the run here with the patch printed no count of its tests" : `with the patch ${ci.after} ran here`;
  return counted([
    `Tests run (the test runner's own count, skipped tests not counted): CI's failing run ran ${tests(ci.ci)}; ${here}.`,
    ...(ci.after !== undefined && ci.after < ci.ci
      ? [
          ``,
          `> ⚠️ **Fewer tests ran here (${ci.after}) than in CI's failing run (${ci.ci}).** Check that the change does not skip, deselect or delete tests. ` +
            `The environment here may differ from CI's (services, OS, secrets), and tests that need what is missing here skip themselves, so this alone did not fail validation.`,
        ]
      : []),
  ]);
}

/**
 * Maintainers judging the fix should know what the model tried first (a skipped test, say): one line per try,
 * the last few. The policy's reason can quote the patch, which is the model's text: kept to one line, redacted
 * before it is made safe to show, as the diagnosis is.
 */
function earlierTriesSection(tries: EarlierTry[], h: string): string[] {
  const hidden = Math.max(0, tries.length - MAX_TRIES_SHOWN);
  const line = (t: EarlierTry, n: number) => `${verdictOf(t, n)}${t.sameAs ? ` (the same patch as try ${t.sameAs}, not run again)` : ""}`;
  const verdictOf = (t: EarlierTry, n: number) => {
    if (t.code === "patch_refused") {
      const where = t.file ? ` at ${code(t.file)}` : "";
      const reason = t.reason ? `: ${noIssueRefs(contained(redactHead(t.reason.replace(/\s+/g, " ").trim(), 200)))}` : "";
      return `- try ${n}: refused by the patch policy (${code(t.rule ?? "patch_refused")}${where})${reason}`;
    }
    if (t.code === "validation_failed") return `- try ${n}: validation still failed${t.command ? `: ${code(t.command)} ${t.ended ?? "failed"}` : ""}`;
    return `- try ${n}: ${code(t.code)}`;
  };
  return [
    `${h} Earlier tries`,
    `This fix is the model's try ${tries.length + 1}; its earlier patches were not used:`,
    ...(hidden ? [`- tries 1–${hidden}: not shown here (the job record has them)`] : []),
    ...tries.slice(hidden).map((t, k) => line(t, hidden + k + 1)),
  ];
}

/**
 * Without it the draft waits for a CI result that never comes, and nobody is told why. The triggers are
 * the repository's own words, cut short: a workflow can list many filters.
 */
function noCiNotice(n: NonNullable<PrBodyInput["noCi"]>): string {
  const triggers = n.triggers.length > 300 ? `${n.triggers.slice(0, 300)}…` : n.triggers;
  return (
    `> ⚠️ **CI will not run on this PR.** ${code(n.workflow)} runs on ${code(triggers)}, which covers neither a push to ${code(n.branch)} nor a pull request into ${code(n.baseBranch)}: ` +
    `the local validation above is the only evidence.` +
    (n.dispatch ? ` It can be started by hand on ${code(n.branch)} (Actions → the workflow → Run workflow); t0-ci-bot reads that run like any other.` : "") +
    ` t0-ci-bot marks this PR ready for review only after CI passes on it.`
  );
}

const MAX_REASON = 1_000;

/**
 * The comment on the fix PR after CI failed on it. `why` can be a repair's refusal, which quotes the
 * model's diagnosis: it must not ping people, leak what the model echoed, or outgrow a comment (a 422
 * would fail the job).
 */
export function renderCiFailedComment(marker: string, i: { conclusion: string; runId: number; url?: string; why: string; draft: boolean }): string {
  const why = noIssueRefs(contained(redactHead(i.why, MAX_REASON)));
  return redact(
    `${marker}\nCI ${i.conclusion} on this fix branch ([run ${i.runId}](${i.url ?? "#"})); ${why}. ${i.draft ? "The PR stays a draft" : "The PR is left as it is"}: take it over, or close it to reject the fix.`,
  );
}

/**
 * That comment once a later run passed (a re-run of a flaky run): it no longer says CI failed. `ready`: the PR
 * is ready for review (not when a person turned it into a draft, which the app leaves as they set it).
 */
export function renderCiPassedComment(marker: string, i: { runId: number; url?: string; ready: boolean }): string {
  return `${marker}\nCI passed on this fix branch ([run ${i.runId}](${i.url ?? "#"})); the failure reported here before no longer stands${i.ready ? ", and the PR is ready for review" : ""}.`;
}

/**
 * One fix in the bot's comment on people's PR (fix-comment.ts): the fix PR, the failed run and workflow it
 * answers, and the diagnosis's first line. It says nothing of the fix PR's state (draft, closed): other
 * jobs rewrite the comment with this text kept as it is; the job owning the fix PR appends its merge or
 * close to the line when it learns of it (withFixOutcome), and that suffix is kept the same way.
 */
export function renderFixEntry(fix: { number: number }, i: Pick<PrBodyInput, "run" | "diagnosis" | "repairAttempt" | "laterCommit">): string {
  const first = noIssueRefs(contained(redactHead(i.diagnosis.split("\n")[0]!.trim(), 300)));
  const run = i.run.url ? `[${i.run.id}](${i.run.url})` : i.run.id;
  return redact(
    `- #${fix.number} ${i.laterCommit ? `updated for commit ${i.run.headSha.slice(0, 7)}: a fix for` : "for"} the failed run ${run}${i.run.workflow ? ` of ${code(i.run.workflow)}` : ""} (validated locally${i.repairAttempt > 1 ? `, attempt ${i.repairAttempt}` : ""})\n  > ${first}`,
  );
}
