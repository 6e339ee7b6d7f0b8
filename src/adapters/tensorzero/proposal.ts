import type { PatchProposal } from "../../core/ports/model-port.js";

/**
 * Checks the model's parsed answer against what the app needs (the output schema, re-checked here
 * because model output is untrusted even after the gateway validated it). Returns a list of problems
 * instead of throwing, so the caller can decide to retry.
 */
export function checkProposal(value: unknown): { proposal?: PatchProposal; problems: string[] } {
  const problems: string[] = [];
  if (!value || typeof value !== "object" || Array.isArray(value)) return { problems: ["the answer is not a JSON object"] };
  const v = value as Record<string, unknown>;
  const allowed = new Set(["diagnosis", "patch", "confidence", "files", "tests_to_run"]);
  for (const k of Object.keys(v)) if (!allowed.has(k)) problems.push(`unexpected key "${k}"`);
  if (typeof v.diagnosis !== "string" || !v.diagnosis.trim()) problems.push("diagnosis must be a non-empty string");
  if (typeof v.patch !== "string") problems.push("patch must be a string");
  if (typeof v.confidence !== "number" || !(v.confidence >= 0 && v.confidence <= 1)) problems.push("confidence must be a number from 0 to 1");
  if (!Array.isArray(v.files) || !v.files.every((f) => typeof f === "string")) problems.push("files must be an array of strings");
  const t = v.tests_to_run;
  if (t !== undefined && t !== null && !(Array.isArray(t) && t.every((c) => typeof c === "string"))) problems.push("tests_to_run must be an array of strings or null");
  if (problems.length) return { problems };
  const proposal: PatchProposal = {
    diagnosis: v.diagnosis as string,
    patch: v.patch as string,
    confidence: v.confidence as number,
    files: v.files as string[],
  };
  if (Array.isArray(t) && t.length) proposal.tests_to_run = t as string[];
  return { proposal, problems };
}

/** True when `patch` looks like a unified diff with at least one hunk (git apply will do the real check). */
export function looksLikeUnifiedDiff(patch: string): boolean {
  return /^(?:diff --git |--- )/m.test(patch) && /^\+\+\+ /m.test(patch) && /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/m.test(patch);
}

/** Paths a diff touches, from its `+++`/`---` headers (b/ side, falling back to a/ for deletions). */
export function diffFiles(patch: string): string[] {
  const files = new Set<string>();
  let minus: string | undefined;
  for (const line of patch.split("\n")) {
    if (line.startsWith("--- ")) minus = strip(line.slice(4));
    else if (line.startsWith("+++ ")) {
      const plus = strip(line.slice(4));
      const f = plus ?? minus;
      if (f) files.add(f);
      minus = undefined;
    }
  }
  return [...files];
}

function strip(p: string): string | undefined {
  const path = p.split("\t")[0]!.trim();
  if (path === "/dev/null") return undefined;
  return path.replace(/^[ab]\//, "");
}
