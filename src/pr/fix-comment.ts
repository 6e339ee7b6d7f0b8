import { redact } from "../core/redact.js";
import { renderFixEntry, type PrBodyInput } from "./pr-body.js";

/**
 * Hidden marker of the bot's one comment on people's PR: per PR, not per job. Each failed run of the PR
 * (their next push failing, a second workflow, a re-run) adds its fix to that comment instead of posting
 * another one.
 */
export const fixCommentMarker = (repoId: number, pr: number) => `<!-- t0-ci-bot:pr-fixes ${repoId}:${pr} -->`;

/**
 * The per-job marker of earlier versions (`<!-- t0-ci-bot:fix-comment <repo>:<run> -->`, one comment per
 * failed run). On upgrade, the oldest such comment on the PR is edited into the per-PR one rather than a
 * new comment posted beside it: an edit notifies nobody, and the PR gains no comment. The others are left
 * as they are: deleting them would be a change people did not ask for, and they are no longer written.
 */
export const LEGACY_FIX_COMMENT = "<!-- t0-ci-bot:fix-comment ";

/** A comment must stay under GitHub's 65,536 characters: a PR that failed for months keeps its newest fixes. */
const MAX_FIXES = 10;
const FIX_MARK = /^<!-- t0-ci-bot:fix (\d+) run (\d+) -->$/;
const fixMark = (f: Fix) => `<!-- t0-ci-bot:fix ${f.pr} run ${f.run} -->`;

interface Fix {
  pr: number;
  run: number;
  text: string;
}

/**
 * The bot's comment on people's PR, with `fix` added to what `current` (the comment as GitHub has it now,
 * if any) lists: one line per fix PR and failed run it answers, newest run first. A merge, not a rewrite:
 * every other line is kept as `current` has it, and the same fixes give the same text whichever job writes
 * last, so a job with nothing new leaves the comment unedited, and two jobs that each put their fix back
 * into the other's text (the upsert's check after writing) agree after one round instead of taking turns.
 * A fix PR that answers several runs (another workflow's failure of the same commit, its fix committed onto
 * that PR) has a line for each, each with its workflow's run link: the line of one run is never dropped
 * for another's. The same run's line is replaced (a later attempt of the fix). A fix PR brought to a later
 * commit of people's PR (`laterCommit`) no longer holds the earlier runs' fix: their lines of that PR go.
 */
export function renderFixComment(marker: string, current: string | undefined, fix: { number: number }, i: Pick<PrBodyInput, "run" | "diagnosis" | "repairAttempt" | "laterCommit">): string {
  const fresh: Fix = { pr: fix.number, run: i.run.id, text: renderFixEntry(fix, i) };
  const listed = fixesIn(current);
  const replaced = (f: Fix) => f.pr === fresh.pr && (f.run === fresh.run || (!!i.laterCommit && f.run < fresh.run));
  const fixes = [fresh, ...listed.filter((f) => !replaced(f))].sort((a, b) => b.run - a.run || b.pr - a.pr).slice(0, MAX_FIXES);
  const onePr = new Set(fixes.map((f) => f.pr)).size === 1;
  const head =
    fixes.length === 1 ? "🤖 t0-ci-bot proposes a fix for a failed run of this pull request:"
    : onePr ? "🤖 t0-ci-bot proposes a fix for failed runs of this pull request, newest first:"
    : "🤖 t0-ci-bot proposes fixes for failed runs of this pull request, newest first:";
  return redact([marker, head, ...fixes.map((f) => `${fixMark(f)}\n${f.text}`)].join("\n\n"));
}

/** What became of a listed fix PR: people merged it, closed it unmerged, or (reopened) it is proposed again. */
export type FixOutcome = "merged" | "closed" | "open";

const OUTCOME = / — (?:merged|closed without merging)$/;

/**
 * The comment `current` with fix PR `fixPr`'s lines (one per run it answers) saying what became of it;
 * `current` itself, unchanged, when it does not list that PR or already says so (the upsert then edits
 * nothing). Only those lines are touched: the words added are the bot's own, so the rest of the text keeps
 * its containment as it is, and other jobs carry the lines over verbatim when they add their fixes.
 */
export function withFixOutcome(current: string, fixPr: number, outcome: FixOutcome): string {
  const lines = current.split("\n");
  lines.forEach((l, at) => {
    const line = lines[at + 1];
    if (FIX_MARK.exec(l)?.[1] !== String(fixPr) || line === undefined) return;
    const plain = line.replace(OUTCOME, "");
    lines[at + 1] = outcome === "open" ? plain : `${plain} — ${outcome === "merged" ? "merged" : "closed without merging"}`;
  });
  return lines.join("\n");
}

/** The fixes a comment lists; an earlier version's per-job comment lists the one it names. */
function fixesIn(body: string | undefined): Fix[] {
  if (!body) return [];
  if (body.includes(LEGACY_FIX_COMMENT)) return legacyFix(body);
  const fixes: Array<Fix & { lines: string[] }> = [];
  for (const line of body.split("\n")) {
    const m = FIX_MARK.exec(line);
    if (m) fixes.push({ pr: Number(m[1]), run: Number(m[2]), text: "", lines: [] });
    else fixes.at(-1)?.lines.push(line);
  }
  return fixes.map(({ lines, ...f }) => ({ ...f, text: lines.join("\n").trim() }));
}

/**
 * "proposes a fix for the failed run [555](url): #100 (draft, validated locally).\n\n> why", as earlier
 * versions wrote it, in today's words. Text that does not read so is not carried over.
 */
function legacyFix(body: string): Fix[] {
  const m = /proposes a fix for the failed run (?:\[(\d+)\]\(([^)\s]+)\)|(\d+)): #(\d+) \((?:draft, )?validated locally(, attempt \d+)?\)\.\n\n> ([^\n]*)/.exec(body);
  if (!m) return [];
  const run = Number(m[1] ?? m[3]);
  const link = m[2] ? `[${run}](${m[2]})` : String(run);
  // Its diagnosis line was kept quiet but not contained then: an `<!--` in it would hide the fixes after it.
  const why = m[6]!.replace(/<(?=[A-Za-z/!?])/g, "&lt;");
  return [{ pr: Number(m[4]), run, text: `- #${m[4]} for the failed run ${link} (validated locally${m[5] ?? ""})\n  > ${why}` }];
}
