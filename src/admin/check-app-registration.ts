import { githubUrls } from "../adapters/github/github-urls.js";
import type { Deps } from "../core/deps.js";
import { toAppError, type AppError } from "../core/errors.js";
import type { AppInstallation, AppRegistration, GitHubAppPort } from "../core/ports/github-app-port.js";
import { missingAccess, type MissingAccess } from "../core/required-access.js";

export type AppCheckDeps = Pick<Deps, "config" | "logger" | "identity">;

export type AppCheckOutcome =
  | { kind: "ok"; registration: AppRegistration; appMissing: MissingAccess[]; installations: InstallationsChecked }
  /** GitHub answered and would not take the app's credentials: a setting to fix, asking again will not help. */
  | { kind: "refused"; error: AppError }
  /** GitHub could not be asked (network, 5xx, rate limit): worth asking again later. */
  | { kind: "unreachable"; error: AppError }
  | { kind: "failed"; error: AppError };

export interface InstallationsChecked {
  checked: number;
  suspended: number;
  /** Installations that lack more than the registration does (an owner has not accepted its permissions). */
  lacking: Array<{ installation: AppInstallation; missing: MissingAccess[] }>;
  /** More installations than `maxInstallations`: the rest were not looked at. */
  truncated: boolean;
  /** Why the list could not be read to the end, if it could not. */
  error?: AppError;
}

/** Installations listed in full; an app installed more widely is checked on its first ones. */
export const MAX_INSTALLATIONS_CHECKED = 1000;
/** Lines of installations lacking access in one pass; the rest are counted on one more line. */
const MAX_INSTALLATION_LINES = 20;

/**
 * Asks GitHub who the app is and what it may do (`GET /app`, `GET /app/installations`), and says in the
 * log what will not work: credentials GitHub refuses, permissions or events the registration or an
 * installation lacks (app.yml asks for them, but GitHub keeps what an app was registered and installed
 * with). Learns the app's real bot login on the way. Never throws: the server serves either way.
 */
export async function checkAppRegistration(port: GitHubAppPort, deps: AppCheckDeps, opts: { maxInstallations?: number; retryInMs?: number } = {}): Promise<AppCheckOutcome> {
  let registration: AppRegistration;
  try {
    registration = await port.registration();
  } catch (err) {
    const error = toAppError(err);
    const status = error.details?.status;
    // 401: a key that is not this app's (or a revoked one); 404: no app with this APP_ID.
    const outcome: AppCheckOutcome =
      status === 401 || status === 404 ? { kind: "refused", error } : error.retryable ? { kind: "unreachable", error } : { kind: "failed", error };
    report(outcome, deps, opts.retryInMs);
    return outcome;
  }
  const appMissing = missingAccess(registration);
  const installations = await checkInstallations(port, new Set(appMissing.map((m) => m.key)), opts.maxInstallations ?? MAX_INSTALLATIONS_CHECKED);
  const outcome: AppCheckOutcome = { kind: "ok", registration, appMissing, installations };
  report(outcome, deps);
  return outcome;
}

/** `appLacks`: gaps of the registration itself, said once for all installations rather than for each. */
async function checkInstallations(port: GitHubAppPort, appLacks: ReadonlySet<string>, max: number): Promise<InstallationsChecked> {
  const result: InstallationsChecked = { checked: 0, suspended: 0, lacking: [], truncated: false };
  try {
    for await (const page of port.installations()) {
      for (const installation of page) {
        if (result.checked + result.suspended >= max) {
          result.truncated = true;
          return result;
        }
        // GitHub sends a suspended installation nothing and refuses its tokens: nothing to check.
        if (installation.suspended) {
          result.suspended++;
          continue;
        }
        result.checked++;
        const missing = missingAccess(installation).filter((m) => !appLacks.has(m.key));
        if (missing.length) result.lacking.push({ installation, missing });
      }
    }
  } catch (err) {
    result.error = toAppError(err);
  }
  return result;
}

function report(outcome: AppCheckOutcome, deps: AppCheckDeps, retryInMs?: number): void {
  const { config, logger } = deps;
  const github = config.GHE_HOST ? `GitHub at ${config.GHE_HOST} (GHE_HOST)` : "GitHub";
  if (outcome.kind === "refused") {
    const status = outcome.error.details?.status;
    logger.error(
      { err: outcome.error, status, appId: config.APP_ID },
      `${github} refused the app's credentials (HTTP ${status}: ${outcome.error.message}). ` +
        (status === 404 ? `APP_ID=${config.APP_ID} is not an app there: put the App ID from the app's settings page (General). ` : "") +
        `APP_ID and the private key in PRIVATE_KEY or PRIVATE_KEY_PATH must be the ID and a current key of the same GitHub App (its settings page, General: App ID, Private keys). ` +
        "Webhooks are still recorded; jobs cannot reach GitHub until this is fixed and the app restarted, then `t0-ci-bot jobs retry <id>` runs a failed job again",
    );
    return;
  }
  if (outcome.kind === "unreachable" || outcome.kind === "failed") {
    const again = outcome.kind === "unreachable" && retryInMs ? `; asking again in ${Math.round(retryInMs / 60_000)} min` : "";
    logger.warn({ err: outcome.error, retryInMs: again ? retryInMs : undefined }, `could not check the app's registration with ${github}: ${outcome.error.message}${again}`);
    return;
  }
  const { registration: app, appMissing, installations: inst } = outcome;
  const learned = deps.identity.learn(app.slug);
  logger.info(
    { appId: app.id, slug: app.slug, botLogin: deps.identity.botLogin, installations: inst.checked, suspended: inst.suspended || undefined, lacking: inst.lacking.length || undefined },
    `${github} accepted the app's credentials: ${app.slug} (id ${app.id})${learned ? `; its runs and reviews are recognised as ${deps.identity.botLogin}` : ""}`,
  );
  const conflicting = deps.identity.conflictingSetting;
  if (conflicting) {
    logger.warn(
      { botLogin: deps.identity.botLogin, BOT_LOGIN: conflicting },
      `BOT_LOGIN=${conflicting}, but GitHub names this app's bot ${deps.identity.botLogin}; both are treated as the app's own. Set BOT_LOGIN=${deps.identity.botLogin} or remove it`,
    );
  }
  if (appMissing.length) {
    logger.warn(
      { missing: appMissing.map((m) => m.key), settings: appSettingsUrl(config, app) },
      `the app's registration lacks what it needs: ${appMissing.map((m) => m.text).join("; ")}. Add it in the app's settings, Permissions & events (${appSettingsUrl(config, app)}); each installation's owner then accepts the change`,
    );
  }
  for (const { installation: i, missing } of inst.lacking.slice(0, MAX_INSTALLATION_LINES)) {
    logger.warn(
      { installationId: i.id, account: i.account, missing: missing.map((m) => m.key), settings: i.url },
      `installation ${i.id} (${i.account}) lacks ${missing.map((m) => m.text).join("; ")}; jobs of its repositories fail where they need it. An owner of ${i.account} accepts the app's permissions at ${i.url ?? "the installation's settings page"}`,
    );
  }
  if (inst.lacking.length > MAX_INSTALLATION_LINES) {
    logger.warn({ more: inst.lacking.length - MAX_INSTALLATION_LINES }, `${inst.lacking.length - MAX_INSTALLATION_LINES} more installations lack permissions or events (not listed)`);
  }
  if (inst.truncated) logger.info({ checked: inst.checked + inst.suspended }, "checked the app's first installations only");
  if (inst.error) logger.warn({ err: inst.error }, `could not list the app's installations from ${github}: ${inst.error.message}`);
}

/** The registration's Permissions & events page, which is under its owner. */
function appSettingsUrl(config: AppCheckDeps["config"], app: AppRegistration): string {
  // GitHub's own host: GIT_BASE_URL, which moves only the clones, is left out.
  const base = githubUrls({ GHE_HOST: config.GHE_HOST, GHE_PROTOCOL: config.GHE_PROTOCOL }).gitBaseUrl;
  const owner = app.owner?.type === "Organization" ? `/organizations/${app.owner.login}` : "";
  return `${base}${owner}/settings/apps/${app.slug}/permissions`;
}

/**
 * The check at start-up, and again with backoff while GitHub cannot be asked (from `retryMs`, doubling up
 * to an hour), so a process started during an outage still learns its bot login and reports what it lacks.
 * Returns a function that stops it.
 */
export function startAppRegistrationCheck(port: GitHubAppPort, deps: AppCheckDeps, opts: { retryMs?: number } = {}): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async (delayMs: number) => {
    const outcome = await checkAppRegistration(port, deps, { retryInMs: delayMs });
    if (stopped || outcome.kind !== "unreachable") return;
    timer = setTimeout(() => void attempt(Math.min(delayMs * 2, 3600_000)), delayMs);
    timer.unref();
  };
  void attempt(opts.retryMs ?? 5 * 60_000);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
