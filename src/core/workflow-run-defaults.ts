/**
 * A workflow's `defaults.run` as GitHub applies it, read in one place for context/ (the failing step
 * fetch-logs records), validate/ (the steps replayed) and patch/ (where a workflow runs a test script).
 * Each read it its own way: one fell back to the workflow's working-directory where a job's was
 * `2024`, which YAML reads as a number, and replayed the step from the wrong directory.
 */

type RunKey = "working-directory" | "shell";

/**
 * A workflow value where GitHub expects text: YAML reads `working-directory: 2024` as a number and
 * `shell: true` as a boolean, GitHub as the text written. Undefined for null, lists and maps.
 */
export const workflowText = (v: unknown): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/** A workflow's or job's own `defaults.run.<key>`. */
export function runDefault(o: unknown, key: RunKey): string | undefined {
  return isMap(o) && isMap(o.defaults) && isMap(o.defaults.run) ? workflowText(o.defaults.run[key]) : undefined;
}

/** What a step of `job` that sets no `<key>` of its own gets: the job's `defaults.run.<key>`, else the workflow's, key by key. */
export const jobRunDefault = (workflow: unknown, job: unknown, key: RunKey): string | undefined => runDefault(job, key) ?? runDefault(workflow, key);
