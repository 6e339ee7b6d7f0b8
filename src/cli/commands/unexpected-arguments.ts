/**
 * The words a command was given beyond the ones it takes, as every command words it: what was
 * unexpected, then what the command takes (`takes`, e.g. "jobs show takes one job id"). Undefined when
 * there are none. A stray word ignored (`jobs list failed`) ran the command as if it had been read.
 */
export function unexpectedArguments(stray: string[], takes: string): string | undefined {
  if (stray.length === 0) return undefined;
  return `unexpected argument${stray.length > 1 ? "s" : ""} ${stray.map((w) => JSON.stringify(w)).join(", ")}; ${takes}`;
}
