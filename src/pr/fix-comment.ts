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
 * if any) lists: each fix PR once, newest run first. A merge, not a rewrite: every other fix is kept as
 * `current` has it, and the same fixes give the same text whichever job writes last, so a job with nothing
 * new leaves the comment unedited, and two jobs that each put their fix back into the other's text (the
 * upsert's check after writing) agree after one round instead of taking turns.
 * A fix PR listed for a newer run (a later job's fix committed onto it) keeps that line: were the older
 * run's job to put its own back, the two would undo each other at every write. The same run's line is
 * replaced (a later attempt of the fix).
 */
export function renderFixComment(marker: string, current: string | undefined, fix: { number: number }, i: Pick<PrBodyInput, "run" | "diagnosis" | "repairAttempt">): string {
  const fresh: Fix = { pr: fix.number, run: i.run.id, text: renderFixEntry(fix, i) };
  const listed = fixesIn(current);
  const newer = listed.find((f) => f.pr === fresh.pr && f.run > fresh.run);
  const fixes = [newer ?? fresh, ...listed.filter((f) => f.pr !== fresh.pr)].sort((a, b) => b.run - a.run || b.pr - a.pr).slice(0, MAX_FIXES);
  const head = fixes.length === 1 ? "🤖 t0-ci-bot proposes a fix for a failed run of this pull request:" : "🤖 t0-ci-bot proposes fixes for failed runs of this pull request, newest first:";
  return redact([marker, head, ...fixes.map((f) => `${fixMark(f)}\n${f.text}`)].join("\n\n"));
}

/** What became of a listed fix PR: people merged it, closed it unmerged, or (reopened) it is proposed again. */
export type FixOutcome = "merged" | "closed" | "open";

const OUTCOME = / — (?:merged|closed without merging)$/;

/**
 * The comment `current` with fix PR `fixPr`'s line saying what became of it; `current` itself, unchanged,
 * when it does not list that PR or already says so (the upsert then edits nothing). Only that one line is
 * touched: the words added are the bot's own, so the rest of the text keeps its containment as it is, and
 * other jobs carry the line over verbatim when they add their fixes.
 */
export function withFixOutcome(current: string, fixPr: number, outcome: FixOutcome): string {
  const lines = current.split("\n");
  const at = lines.findIndex((l) => FIX_MARK.exec(l)?.[1] === String(fixPr));
  const line = at >= 0 ? lines[at + 1] : undefined;
  if (line === undefined) return current;
  const plain = line.replace(OUTCOME, "");
  lines[at + 1] = outcome === "open" ? plain : `${plain} — ${outcome === "merged" ? "merged" : "closed without merging"}`;
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
