import type { AppConfig } from "../config/app-config.js";
import { FAILING } from "../core/conclusions.js";

/** The app's own fix branches: never repaired, or the bot would chase its own tail. */
export const BOT_BRANCH_PREFIX = "ci-bot/";

export type Filtered = { reason: string } | undefined;

export function conclusionFilter(conclusion: string | null): Filtered {
  if (conclusion && FAILING.has(conclusion)) return undefined;
  return { reason: `conclusion is ${conclusion ?? "missing"}; only failure and timed_out are repaired` };
}

export function allowlistFilter(config: Pick<AppConfig, "REPO_ALLOWLIST">, fullName: string): Filtered {
  if (config.REPO_ALLOWLIST.length === 0 || config.REPO_ALLOWLIST.includes(fullName.toLowerCase())) return undefined;
  return { reason: `repository ${fullName} is not in REPO_ALLOWLIST` };
}

export function botBranchFilter(branch: string | null): Filtered {
  if (branch?.startsWith(BOT_BRANCH_PREFIX)) return { reason: `branch ${branch} is one of the app's own fix branches` };
  return undefined;
}

const MERGE_QUEUE_PREFIX = "gh-readonly-queue/";

/**
 * A merge queue tests each group on a temporary `gh-readonly-queue/<base>/pr-<n>-<sha>` branch (its
 * `merge_group` runs, and push runs of that branch) that GitHub deletes when the group is done: a fix PR
 * would target a branch about to vanish, and the group's failure is its PRs' to fix (the bot's own too).
 */
export function mergeQueueFilter(branch: string | null): Filtered {
  if (branch?.startsWith(MERGE_QUEUE_PREFIX)) return { reason: `branch ${branch} is a merge queue's temporary branch, deleted when its group is done; the queued PRs' own runs are the ones to fix` };
  return undefined;
}

/** `ours`: the app's own logins, lower case (AppIdentity.logins). */
export function botActorFilter(
  ours: ReadonlySet<string>,
  actors: Array<{ role: string; login?: string | null | undefined; type?: string | undefined } | null | undefined>,
): Filtered {
  for (const a of actors) {
    if (!a?.login) continue;
    const login = a.login.toLowerCase();
    // A bare login matches only when GitHub says it is a Bot; `<slug>[bot]` is unambiguous.
    if (ours.has(login) && (login.endsWith("[bot]") || a.type === "Bot")) {
      return { reason: `${a.role} ${a.login} is the app's own bot user` };
    }
  }
  return undefined;
}

export function forkFilter(repoId: number, repoFullName: string, head: { id: number; full_name?: string } | null | undefined): Filtered {
  if (!head || head.id === repoId) return undefined;
  return { reason: `run is on fork ${head.full_name ?? head.id}, which the app cannot push to (base ${repoFullName})` };
}

/**
 * The numbers of the run's PRs in this repository. GitHub's `pull_requests` are the open PRs whose head is
 * the run's branch, wherever they are based: a fork's PR from this branch into itself (keeping the fork in
 * sync) is listed too, and its number, read in this repository, is another PR or issue.
 */
export function ownPullRequests(repoId: number, prs: ReadonlyArray<{ number: number; base?: { repo?: { id: number } | null } }>): number[] {
  return prs.filter((pr) => !pr.base?.repo || pr.base.repo.id === repoId).map((pr) => pr.number);
}
