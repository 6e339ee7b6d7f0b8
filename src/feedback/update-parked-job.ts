import type { Deps } from "../core/deps.js";
import { wake, type Job } from "../core/job.js";
import { WATCH_PR } from "./pr-events.js";

/**
 * Applies `mutate` to the job; when it changed something and the job is parked in `pr`, makes watch-pr due
 * again and un-parks the job (the webhook route enqueues it after recording the delivery). Store-only: safe
 * in a webhook handler.
 */
export async function updateParkedJob(deps: Pick<Deps, "store" | "clock">, id: string, mutate: (j: Job) => boolean): Promise<boolean> {
  let changed = false;
  await deps.store.updateJob(id, (j) => {
    changed = mutate(j);
    if (!changed || j.state !== "pr") return;
    j.completedStages = j.completedStages.filter((s) => s !== WATCH_PR);
    // Also while watch-pr runs (not parked yet): it then runs again rather than parking, or going on, without this event.
    wake(j);
    j.updatedAt = new Date(deps.clock.now()).toISOString();
  });
  return changed;
}
