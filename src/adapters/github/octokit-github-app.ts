import { toAppError } from "../../core/errors.js";
import type { AppInstallation, GitHubAppPort } from "../../core/ports/github-app-port.js";
import type { Octokit } from "./octokit-client.js";

/** `GitHubAppPort` on an app-authenticated Octokit (`probot.auth()` without an installation id). */
export function createOctokitGitHubApp(octokit: Octokit): GitHubAppPort {
  return {
    async registration() {
      try {
        const { data } = await octokit.rest.apps.getAuthenticated();
        // Typed nullable: GitHub answers null only for an app it cannot show, which our own JWT never is.
        if (!data) throw new Error("GitHub answered GET /app without the app");
        return {
          id: data.id,
          slug: data.slug ?? String(data.id),
          owner: data.owner && "login" in data.owner ? { login: data.owner.login, type: data.owner.type ?? "User" } : undefined,
          permissions: grantedPermissions(data.permissions),
          events: data.events ?? [],
        };
      } catch (err) {
        throw toAppError(err);
      }
    },
    async *installations() {
      const pages = octokit.paginate.iterator(octokit.rest.apps.listInstallations, { per_page: 100 });
      try {
        for await (const { data } of pages) {
          yield data.map(
            (i): AppInstallation => ({
              id: i.id,
              account: accountName(i.account, i.target_id),
              url: i.html_url ?? undefined,
              suspended: !!i.suspended_at,
              permissions: grantedPermissions(i.permissions),
              events: i.events ?? [],
            }),
          );
        }
      } catch (err) {
        throw toAppError(err);
      }
    },
  };
}

/** A user or organisation has a login; an enterprise has a slug. */
function accountName(account: object | null, targetId: number): string {
  const a = account as { login?: unknown; slug?: unknown } | null;
  return typeof a?.login === "string" ? a.login : typeof a?.slug === "string" ? a.slug : String(targetId);
}

function grantedPermissions(p: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, level] of Object.entries(p ?? {})) if (typeof level === "string") out[name] = level;
  return out;
}
