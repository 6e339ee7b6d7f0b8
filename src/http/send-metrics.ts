import type { ServerResponse } from "node:http";
import type { Deps } from "../core/deps.js";
import { JOB_STATES } from "../core/job.js";
import { feedbackBacklog } from "../feedback/feedback-backlog.js";

export type MetricsDeps = Pick<Deps, "store" | "clock" | "metrics">;

/**
 * GET /metrics: this process's counters (on the web server and on a worker's health port), and, with
 * `fleet` (web processes only), the store-wide gauges (jobs by state, feedback backlog) read from the store
 * at the scrape. A worker leaves those out: every process reading the shared store gets the same figures, and
 * a scrape of the web process and every worker would count each job once per process under sum(). Store
 * warnings stay with every process: they are about this process's own writes (lowdb's DATA_DIR).
 */
export async function sendMetrics(deps: MetricsDeps, res: ServerResponse, opts: { fleet: boolean }): Promise<void> {
  const warned = new Map((deps.store.warnings?.() ?? []).map((w) => [w.code, w.count]));
  // A warning that cleared reads 0 rather than vanishing, so a graph shows when it ended.
  for (const { labels } of (await deps.metrics.storeWarnings.get()).values) deps.metrics.storeWarnings.set({ code: String(labels.code) }, 0);
  for (const [code, count] of warned) deps.metrics.storeWarnings.set({ code }, count);
  let text = await deps.metrics.registry.metrics();
  if (opts.fleet) {
    const counts = await deps.store.countByState();
    for (const state of JOB_STATES) deps.metrics.jobsByState.set({ state }, counts[state] ?? 0);
    const backlog = await feedbackBacklog(deps.store, deps.clock.now());
    deps.metrics.feedbackPending.set(backlog.pending);
    deps.metrics.feedbackOldestPending.set(backlog.oldestAgeMs / 1000);
    // Both end with a newline: one exposition, names distinct across the two registries.
    text += await deps.metrics.fleet.metrics();
  }
  res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
  res.end(text);
}
