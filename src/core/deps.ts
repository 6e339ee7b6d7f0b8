import type { AppConfig } from "../config/app-config.js";
import type { Clock, GitHubPort, JobQueue, JobStore, KeyedLock, Logger, ModelPort, WorkspacePort } from "./ports/index.js";
import type { Metrics } from "../admin/metrics.js";
import type { AppIdentity } from "./app-identity.js";

/** Everything a stage or handler may touch, built once by the composition root and passed in. */
export interface Deps {
  config: AppConfig;
  store: JobStore;
  queue: JobQueue;
  github: GitHubPort;
  workspace: WorkspacePort;
  /** Absent when no TENSORZERO_URL is configured (dry-run then shows the request instead). */
  model?: ModelPort;
  clock: Clock;
  /**
   * The locks of stages that decide from other jobs' records (Stage.lock): Redis leases shared by the fleet
   * with REDIS_URL, in-process otherwise. Absent (tests), each runner keeps an in-process one of its own.
   */
  locks?: KeyedLock;
  logger: Logger;
  metrics: Metrics;
  /** Who the app is on GitHub (its bot login): BOT_LOGIN until the start-up check asks GitHub. */
  identity: AppIdentity;
  /** Extra resources the composition root opened (e.g. the shared write pacer's Redis connection). */
  closers?: Array<() => Promise<void>>;
}
