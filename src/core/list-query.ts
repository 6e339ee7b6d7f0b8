/**
 * Limits and filters of the job and delivery listings, shared by the admin API and the CLI so that the
 * same query is accepted (or refused) the same way by both.
 */

/** The most records one listing returns: above this a listing is a bulk export, which neither is meant for. */
const MAX_LIST_LIMIT = 10_000;
export const DEFAULT_LIST_LIMIT = 50;

/** The listing's limit from its text, or undefined when it is not a whole number from 1 to MAX_LIST_LIMIT. */
export function parseListLimit(raw: string | undefined): number | undefined {
  // Digits only, as for number settings (app-config.ts): Number() also reads "1e3", "0x10" and " ".
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 && n <= MAX_LIST_LIMIT ? n : undefined;
}

export const LIMIT_RULE = `a whole number from 1 to ${MAX_LIST_LIMIT}`;

/** `owner/name`, as GitHub allows them (REPO_ALLOWLIST uses the same rule). */
export const REPO_FULL_NAME = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Why `repo` cannot be a repository's full name, or undefined when it can. */
export function repoNameProblem(repo: string): string | undefined {
  return REPO_FULL_NAME.test(repo) ? undefined : `must be owner/name (e.g. octo-org/octo-repo), got "${repo}"`;
}
