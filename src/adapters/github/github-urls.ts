import type { JobRepo } from "../../core/job.js";

export interface GitHubUrls {
  /** REST base, e.g. https://api.github.com or https://ghe.example.com/api/v3 */
  apiBaseUrl: string;
  /** Where repositories are cloned from, e.g. https://github.com */
  gitBaseUrl: string;
}

/**
 * GitHub.com by default; `GHE_HOST` (Probot's own setting, with `GHE_PROTOCOL`) switches both to a GitHub
 * Enterprise Server; `GIT_BASE_URL` overrides only the clone host (tests point it at a local git server).
 */
export function githubUrls(env: { GHE_HOST?: string; GHE_PROTOCOL?: string; GIT_BASE_URL?: string }): GitHubUrls {
  const host = env.GHE_HOST?.trim().replace(/^https?:\/\//, "").replace(/\/+$/, "");
  const protocol = env.GHE_PROTOCOL?.trim() || "https";
  const gitBase = env.GIT_BASE_URL?.trim().replace(/\/+$/, "");
  if (!host) return { apiBaseUrl: "https://api.github.com", gitBaseUrl: gitBase || "https://github.com" };
  return { apiBaseUrl: `${protocol}://${host}/api/v3`, gitBaseUrl: gitBase || `${protocol}://${host}` };
}

/** The https clone URL of a repository; never carries credentials (they would end up in .git/config). */
export function cloneUrl(gitBaseUrl: string, repo: Pick<JobRepo, "owner" | "name">): string {
  return `${gitBaseUrl.replace(/\/+$/, "")}/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}.git`;
}
