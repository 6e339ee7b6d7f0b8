/** How often the host is looked at while a command runs, unless a floor says otherwise. */
const DEFAULT_WATCH_INTERVAL_MS = 1_000;

/**
 * Calls `look` now and then every `intervalMs` (a second when undefined), and `onLow` once with the first
 * shortage it finds; `look` resolves undefined while there is enough or when it cannot tell. The disk and
 * memory floors share this schedule, so a command is stopped the same way whichever runs short. Returns the
 * function that stops watching.
 */
export function watchFloor<Low>(look: () => Promise<Low | undefined>, intervalMs: number | undefined, onLow: (low: Low) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    // A look that fails tells nothing about the host; the next one may (and a rejection here would go unhandled).
    const low = await look().catch(() => undefined);
    if (stopped) return;
    if (low !== undefined) {
      stopped = true;
      onLow(low);
      return;
    }
    // Scheduled after the look, not on an interval: a slow one (a stalled network filesystem) never piles up.
    timer = setTimeout(() => void check(), intervalMs ?? DEFAULT_WATCH_INTERVAL_MS);
    timer.unref?.();
  };
  void check();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
