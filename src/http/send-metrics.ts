import type { ServerResponse } from "node:http";
import type { Deps } from "../core/deps.js";
import { JOB_STATES } from "../core/job.js";
import { feedbackBacklog } from "../feedback/feedback-backlog.js";

export type MetricsDeps = Pick<Deps, "store" | "clock" | "metrics">;

/**
 * GET /metrics, on the web server and on a worker's health port: this process's counters, and the store-wide
 * gauges (jobs by state, feedback backlog, store warnings) read from the store at the scrape.
 */
export async function sendMetrics(deps: MetricsDeps, res: ServerResponse): Promise<void> {
  const counts = await deps.store.countByState();
  for (const state of JOB_STATES) deps.metrics.jobsByState.set({ state }, counts[state] ?? 0);
  const warned = new Map((deps.store.warnings?.() ?? []).map((w) => [w.code, w.count]));
  // A warning that cleared reads 0 rather than vanishing, so a graph shows when it ended.
  for (const { labels } of (await deps.metrics.storeWarnings.get()).values) deps.metrics.storeWarnings.set({ code: String(labels.code) }, 0);
  for (const [code, count] of warned) deps.metrics.storeWarnings.set({ code }, count);
  const backlog = await feedbackBacklog(deps.store, deps.clock.now());
  deps.metrics.feedbackPending.set(backlog.pending);
  deps.metrics.feedbackOldestPending.set(backlog.oldestAgeMs / 1000);
  const text = await deps.metrics.registry.metrics();
  res.writeHead(200, { "content-type": deps.metrics.registry.contentType });
  res.end(text);
}
