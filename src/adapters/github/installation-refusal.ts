import { AppError, permanent } from "../../core/errors.js";
import type { Octokit } from "./octokit-client.js";

const TOKEN_REQUEST = /\/app\/installations\/(\d+)\/access_tokens$/;

/**
 * GitHub refusing to mint an installation's token: 404 once the app is uninstalled from the account (or
 * the installation is otherwise gone), 403 "This installation has been suspended" while it is suspended.
 * No later try can succeed, and the call that needed the token says nothing about it: taken as that
 * call's failure, a deleted installation read as a missing run, or a missing file ("no config", "no
 * workflow file") and went on. Permanent, with its own code. Undefined for anything else, which keeps its
 * own meaning (another 403 for the token: a wrong private key or APP_ID, say).
 */
export function installationRefusal(err: unknown): AppError | undefined {
  const e = err as { status?: unknown; message?: unknown; request?: { url?: unknown } } | undefined;
  const url = typeof e?.request?.url === "string" ? e.request.url.split("?")[0]! : "";
  const id = TOKEN_REQUEST.exec(url)?.[1];
  if (!id) return undefined;
  const details = { installationId: Number(id) };
  if (e!.status === 404) {
    return permanent(
      "installation_deleted",
      `GitHub has no installation ${id} of this app any more (HTTP 404 for its token): the app was uninstalled from the repository's owner. Install it again; failures after that create new jobs.`,
      details,
    );
  }
  if (e!.status === 403 && /\bsuspended\b/i.test(String(e!.message))) {
    return permanent(
      "installation_suspended",
      `GitHub refused a token for installation ${id}: the installation is suspended (HTTP 403). Once its owner unsuspends it, \`t0-ci-bot jobs retry <job id>\` runs the job again.`,
      details,
    );
  }
  return undefined;
}

const REFUSAL_CODES: ReadonlySet<string> = new Set(["installation_deleted", "installation_suspended"]);

/** Already the refusal above: to pass on as it is, its message says what happened and what to do. */
export const isInstallationRefusal = (err: unknown): err is AppError => err instanceof AppError && REFUSAL_CODES.has(err.code);

const wrapped = new WeakSet<object>();

/**
 * Makes every request of this installation Octokit reject with the refusal above when its token is
 * refused. Outermost (a wrap added after the plugins'): the adapters' own error handling sees an AppError
 * without a status, which none of them takes for a 404 or a 403 of its call. Once per Octokit.
 *
 * Also a token GitHub minted and then revoked (the installation deleted, its tokens with it): auth-app
 * caches it for 59 minutes and sends it as long, and each call meets 401 "Bad credentials", a permanent
 * http_401 of that call. A 401 on a call made with the installation's token asks once for a fresh one
 * (`refresh: true`, which also replaces the cached one): GitHub's refusal to mint it is the refusal above;
 * a fresh token makes the call once more, and that answer stands (no second renewal).
 */
export function refusalsAsErrors(octokit: Octokit): Octokit {
  if (wrapped.has(octokit)) return octokit;
  wrapped.add(octokit);
  octokit.hook.wrap("request", async (request, options) => {
    try {
      return await request(options);
    } catch (err) {
      const refusal = installationRefusal(err);
      if (refusal || !refusedInstallationToken(err)) throw refusal ?? err;
      if (!(await renewedToken(octokit))) throw err;
      try {
        return await request(options);
      } catch (again) {
        throw installationRefusal(again) ?? again;
      }
    }
  });
  return octokit;
}

/** A 401 for a request sent with an installation token (`token …`), not the app's JWT (`bearer …`). */
function refusedInstallationToken(err: unknown): boolean {
  const e = err as { status?: unknown; request?: { headers?: Record<string, unknown> } } | undefined;
  const authorization = e?.request?.headers?.["authorization"];
  return e?.status === 401 && typeof authorization === "string" && /^token /i.test(authorization);
}

/**
 * Whether a token other than the cached one was minted. A fixed token (an Octokit made with `auth: token`)
 * comes back as it was: nothing to try again with.
 */
async function renewedToken(octokit: Octokit): Promise<boolean> {
  const cached = await installationToken(octokit, false);
  const fresh = await installationToken(octokit, true);
  return !!fresh && fresh !== cached;
}

/**
 * The installation's token: auth-app's cached one, or with `refresh` one GitHub mints now (which replaces
 * it in the cache). GitHub's refusal to mint it is the refusal above.
 */
export async function installationToken(octokit: Octokit, refresh: boolean): Promise<string | undefined> {
  try {
    return ((await octokit.auth({ type: "installation", refresh })) as { token?: string } | undefined)?.token;
  } catch (err) {
    // Not a request of this Octokit: the token's refusal does not pass the wrap above.
    throw installationRefusal(err) ?? err;
  }
}
