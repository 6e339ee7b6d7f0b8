import type { Probot } from "probot";
import type { ForInstallationOptions, GitHubClient, GitHubPort } from "../../core/ports/github-port.js";
import { createOctokitClient, type Octokit, type OctokitClientOptions } from "./octokit-client.js";
import { createGitHubWrites, type AppSelf } from "./github-writes.js";
import { AppIdentity } from "../../core/app-identity.js";
import { createLocalWritePacer, type WritePacer } from "../queue/write-pacer.js";
import { systemClock } from "../clock/system-clock.js";
import { KeyedSerial } from "../../core/keyed-serial.js";
import { outagesAsWaits } from "./github-outage.js";
import { refusalsAsErrors } from "./installation-refusal.js";
import type { WriteLease } from "./write-lease.js";

export type CreateGitHubPortOptions = OctokitClientOptions & {
  writePacer?: WritePacer;
  /** The app itself (APP_ID, deps.identity), whose comments are edited in place; the default bot login otherwise. */
  self?: AppSelf;
  /** REDIS_URL: the fleet's lease on each installation's writes, so two workers' never overlap (see WriteLease). */
  writeLease?: WriteLease;
} &
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
  // Writes of one installation ≥ 1 s apart (secondary rate limits); the Redis pacer spans processes.
  const pacer = opts.writePacer ?? createLocalWritePacer({ clock: systemClock(), minIntervalMs: 1000 });
  const self = opts.self ?? { identity: new AppIdentity() };
  // One lane per process: the writes of an installation go one at a time whichever job makes them.
  const lane = new KeyedSerial();
  return {
    async forInstallation(installationId: number, o: ForInstallationOptions = {}): Promise<GitHubClient> {
      // A token GitHub will not mint (installation deleted or suspended) is its own permanent error.
      const octokit = refusalsAsErrors(await factory(installationId));
      // At the client's edge, after Octokit's own retries (an Octokit error hook would run inside them and
      // stop them): what is left of an outage becomes a wait.
      return { ...outagesAsWaits(createOctokitClient(octokit, opts)), writes: outagesAsWaits(createGitHubWrites(octokit, { installationId, pacer, self, lane, lease: opts.writeLease, signal: o.signal })) };
    },
  };
}
