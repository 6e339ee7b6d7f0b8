import { AppError } from "../core/errors.js";
import { mb } from "../core/free-bytes.js";
import { STORAGE_ERRORS } from "../core/storage-error.js";

/** Where the failed write went, and how much room its filesystem has left (unknown when it cannot be asked). */
export interface StorageWhere {
  path: string;
  freeBytes?: number;
}

/**
 * What the webhook route last saw when writing to the store, for /readyz: the store's own ping() does not
 * write to the journal, so a full disk would otherwise leave the server "ready" while every webhook fails.
 * Shared by the routes of one HTTP server; cleared by the next successful write.
 */
export class StorageHealth {
  #failure: { code: string; at: number; where?: StorageWhere } | undefined;
  readonly #now: () => number;
  readonly #holdMs: number;

  /**
   * A failure is reported for `holdMs`, then no longer: a load balancer that stops sending webhooks to an
   * unready server would otherwise never let through the write that shows the disk is back.
   */
  constructor(opts: { now?: () => number; holdMs?: number } = {}) {
    this.#now = opts.now ?? Date.now;
    this.#holdMs = opts.holdMs ?? 30_000;
  }

  /** Returns the error to answer with: retryable (503), saying what is wrong, where, and that GitHub will resend. */
  failed(err: unknown, code: string, where?: StorageWhere): AppError {
    this.#failure = { code, at: this.#now(), ...(where ? { where } : {}) };
    return new AppError(
      "storage_unavailable",
      `storage unavailable: ${STORAGE_ERRORS[code]} (${code})${describe(where)}, so the webhook was not recorded; free space or fix DATA_DIR's disk and retry — GitHub will be asked to redeliver it`,
      { retryable: true, cause: err },
    );
  }

  succeeded(): void {
    this.#failure = undefined;
  }

  /** undefined when the last write succeeded (or none failed yet); otherwise what /readyz reports. */
  problem(): string | undefined {
    const f = this.#failure;
    if (!f || this.#now() - f.at >= this.#holdMs) return undefined;
    return `the last journal write failed at ${new Date(f.at).toISOString()}: ${STORAGE_ERRORS[f.code]} (${f.code})${describe(f.where)}; ready again once a write succeeds, or ${this.#holdMs / 1000} s after the failure to let one try`;
  }
}

function describe(where: StorageWhere | undefined): string {
  if (!where) return "";
  return ` writing ${where.path}${where.freeBytes === undefined ? "" : `, ${mb(where.freeBytes)} free there`}`;
}
