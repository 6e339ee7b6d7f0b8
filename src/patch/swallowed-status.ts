import type { FilePatch } from "./types.js";

/** A test run as a command line names it: the runner, or the task that runs it (`npm test`, `make test`). */
const RUNNER =
  String.raw`\b(jest|vitest|mocha|ava|pytest|py\.test|go\s+test|cargo\s+(test|nextest)|mvnw?|gradlew?|rspec|rake\s+test|(npm|pnpm|yarn|bun)\s+(run\s+)?test\S*|tox|nox|phpunit|dotnet\s+test|make\s+test|ctest|node\s+--test|deno\s+test)\b`;
/** The runner piped into another command (`| tee log`): without pipefail the line's status is the last command's. */
const PIPED = new RegExp(`${RUNNER}[^|;&#]*\\|(?!\\|)`);
/** The runner followed by `;` and another command: in an npm script (sh -c, no -e) the status is the last command's. */
const THEN = new RegExp(`${RUNNER}[^|;&#]*;\\s*(?!exit\\s+[1-9]|$)`);
const PACKAGE_JSON = /(^|\/)package\.json$/;
/** Where a command line is run by a shell: scripts, task runners, manifests and CI configs. */
const SHELL_FILES = /(\.(sh|bash|zsh|ya?ml|json|toml|mk)$|(^|\/)(Makefile|GNUmakefile|Justfile|justfile|Taskfile[^/]*|Jenkinsfile)$)/;

export interface SwallowedStatus {
  line: string;
  hunk: string;
  why: string;
}

/**
 * A line the patch adds that runs the tests and then lets another command decide the exit status: a pipe
 * into `tee` or `grep` where pipefail is not set (npm scripts and make recipes run under `sh -c`, and a
 * workflow step without `shell: bash` under `bash -e`), or, in package.json, `jest; echo done`. A file or
 * line that sets pipefail (or a workflow's `shell: bash`), or reads PIPESTATUS, keeps the runner's status and passes.
 */
export function findSwallowedStatus(fp: FilePatch, oldContent: string | null): SwallowedStatus | undefined {
  if (!SHELL_FILES.test(fp.path)) return undefined;
  const added = fp.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "+").map((l) => ({ text: l.text, hunk: h.header })));
  const removed = fp.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "-").map((l) => l.text));
  // Actions runs `shell: bash` steps with `-eo pipefail`.
  const pipefail = /pipefail|PIPESTATUS|\bshell:\s*bash\s*$/m.test(oldContent ?? "") || added.some((l) => /pipefail|\bshell:\s*bash\s*$/.test(l.text));
  const checks: Array<{ re: RegExp; why: string; on: boolean }> = [
    { re: PIPED, why: "pipes the test run into another command with no pipefail, so that command's exit status (0) is the step's", on: !pipefail },
    { re: THEN, why: "runs another command after the tests with ';', so its exit status, not the tests', is the script's", on: PACKAGE_JSON.test(fp.path) },
  ];
  for (const c of checks) {
    if (!c.on) continue;
    const before = removed.filter((t) => c.re.test(t)).length;
    const hits = added.filter((l) => c.re.test(l.text) && !/PIPESTATUS/.test(l.text));
    if (hits.length > before) return { line: hits[0]!.text, hunk: hits[0]!.hunk, why: c.why };
  }
  return undefined;
}
