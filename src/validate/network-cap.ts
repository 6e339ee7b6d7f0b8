import type { RepoConfig } from "../config/repo-config.js";

/** The operator's ceiling on what a repository's `network:` may open (SANDBOX_NETWORK). */
export type SandboxNetworkCap = "allow" | "setup" | "off";

export interface NetworkChoice {
  network: RepoConfig["network"];
  /** Why the repository got less than it asked for, for the job record and the skipped-step notes. */
  capped?: string;
}

/**
 * With network, the sandbox shares the worker's: its commands reach whatever the worker reaches (a Redis
 * without a password, the gateway, an internal network). `.github/ci-bot.yml` is the repository's to
 * write, so the operator of a shared fleet needs a ceiling the repository cannot lift.
 */
export function capNetwork(asked: RepoConfig["network"], cap: SandboxNetworkCap): NetworkChoice {
  if (cap === "allow" || asked === false) return { network: asked };
  if (cap === "setup") {
    return asked === true ? { network: "setup", capped: "network: true in .github/ci-bot.yml is limited to setup commands by the operator's SANDBOX_NETWORK=setup" } : { network: asked };
  }
  return { network: false, capped: `network: ${String(asked)} in .github/ci-bot.yml is turned off by the operator's SANDBOX_NETWORK=off` };
}
