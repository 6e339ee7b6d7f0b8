import type { Probot } from "probot";
import type { GitHubClient, GitHubPort } from "../../core/ports/github-port.js";
import { createOctokitClient, type Octokit, type OctokitClientOptions } from "./octokit-client.js";

export type CreateGitHubPortOptions = OctokitClientOptions &
  (
    | { probot: Pick<Probot, "auth">; octokitFactory?: never }
    /** Tests and scripts: any way to get an installation-scoped Octokit (e.g. `new ProbotOctokit({ auth: { token } })`). */
    | { octokitFactory: (installationId: number) => Promise<Octokit> | Octokit; probot?: never }
  );

/**
 * `GitHubPort` over Probot's installation Octokit (`probot.auth(installationId)`), which brings the
 * installation token, throttling, retries and the GHE base URL (GHE_HOST) from Probot's own setup.
 */
export function createGitHubPort(opts: CreateGitHubPortOptions): GitHubPort {
  const factory = opts.octokitFactory ?? ((id: number) => opts.probot!.auth(id) as Promise<Octokit>);
  return {
    async forInstallation(installationId: number): Promise<GitHubClient> {
      return createOctokitClient(await factory(installationId), opts);
    },
  };
}
