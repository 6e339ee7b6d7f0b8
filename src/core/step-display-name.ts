/**
 * The name GitHub shows for a workflow step: its `name:`, else "Run <first line of run>". Read by validate/
 * (the failing step the Actions API names) and patch/ (a test step a workflow edit drops).
 */
export function displayName(step: Record<string, unknown>): string | undefined {
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const name = str(step.name);
  if (name) return name.trim();
  const run = str(step.run);
  if (run) return `Run ${run.trim().split("\n")[0]!.trim()}`;
  const uses = str(step.uses);
  return uses ? `Run ${uses}` : undefined;
}
