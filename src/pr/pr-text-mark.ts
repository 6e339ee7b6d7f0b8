import { createHash } from "node:crypto";

const MARK = /\n?<!-- t0-ci-bot:pr ([0-9a-f]{16}) -->\s*$/;

/**
 * What GitHub may change in the text it keeps without anyone editing it: line endings, surrounding
 * whitespace, and a half surrogate pair left where a long body was cut (replaced by U+FFFD).
 */
const norm = (s: string) => s.replace(/\r\n/g, "\n").trim().toWellFormed();
const digest = (title: string, body: string) => createHash("sha256").update(norm(title)).update("\0").update(norm(body)).digest("hex").slice(0, 16);

/**
 * The PR body as the bot writes it: with a hidden line that fingerprints the title and body, so that a
 * later attempt can tell whether people have edited either since.
 */
export function markPrText(title: string, body: string): string {
  return `${body}\n<!-- t0-ci-bot:pr ${digest(title, body)} -->`;
}

/**
 * Whether the PR's title or body is no longer what the bot last wrote. A body without the mark (people
 * rewrote it, or an older version of the bot wrote it) counts as edited: the bot's text is replaceable,
 * people's is not.
 */
export function editedByPeople(title: string | undefined, body: string | null | undefined): boolean {
  const m = body ? MARK.exec(body) : null;
  if (!m || title === undefined) return true;
  return digest(title, body!.slice(0, m.index)) !== m[1];
}
