import { addedSelectionFlag } from "./added-selection-flag.js";
import { SCRIPT_FILES } from "./greenwash-patterns.js";
import type { FilePatch } from "./types.js";

export interface EnvFlagFinding {
  variable: string;
  value: string;
  flag: string;
  why: string;
  hunk: string;
}

/** Variables a test runner reads as extra arguments to every run, and the runner whose flags they take. */
const RUNNER_ARGS: Record<string, string> = { PYTEST_ADDOPTS: "pytest", GOFLAGS: "go test" };
/** `PYTEST_ADDOPTS=…`, `export GOFLAGS := …` (make), `PYTEST_ADDOPTS: …` (YAML), `ENV GOFLAGS=…` (Dockerfile). */
const ASSIGNMENT = /(^|[\s"'{,;(])(PYTEST_ADDOPTS|GOFLAGS)["']?\s*(\+?=|:=|\?=|:)\s*/g;
/** A dotenv file, which docker compose, direnv and pytest-dotenv read into the environment. */
export const DOTENV = /(^|\/)\.env(\.[\w.-]+)?$/;

/**
 * Test-selection flags handed to a runner through the variable it reads its extra arguments from:
 * `PYTEST_ADDOPTS=-k "not slow"` in tox's setenv or a Makefile, `GOFLAGS=-run=TestNothing` in a script. The
 * runner's own command line is unchanged, so the checks of test commands do not see them. Compared as
 * addopts are: a flag the added assignments pass more often than the removed ones.
 */
export function findEnvRunnerFlags(fp: FilePatch): EnvFlagFinding[] {
  if (!SCRIPT_FILES.test(fp.path) && !DOTENV.test(fp.path)) return [];
  const json = fp.path.endsWith(".json");
  const values = (kind: "+" | "-") => {
    const out = new Map<string, Array<{ value: string; hunk: string }>>();
    for (const h of fp.hunks) {
      for (const l of h.lines) {
        if (l.kind !== kind) continue;
        const text = json ? l.text.replace(/\\"/g, '"') : l.text;
        for (const m of text.matchAll(ASSIGNMENT)) {
          const variable = m[2]!;
          // In a command (`PYTEST_ADDOPTS=-x pytest`, a script or recipe line) an unquoted value ends at a space;
          // as a setting of its own (tox's setenv, `export` in a Makefile, YAML, .env) it runs to the end of the line.
          const own = text.slice(0, m.index! + m[1]!.length).trim().replace(/^(export|ENV|-)\s*$/, "") === "" && !/\.(sh|bash|zsh)$/.test(fp.path) && !text.startsWith("\t");
          const value = valueAt(text.slice(m.index! + m[0].length), own);
          out.set(variable, [...(out.get(variable) ?? []), { value, hunk: h.header }]);
        }
      }
    }
    return out;
  };
  const removed = values("-");
  const findings: EnvFlagFinding[] = [];
  for (const [variable, added] of values("+")) {
    const before = (removed.get(variable) ?? []).map((v) => v.value).join(" ; ");
    const flag = addedSelectionFlag(before, added.map((v) => v.value).join(" ; "), RUNNER_ARGS[variable]);
    if (!flag) continue;
    const at = added.find((v) => addedSelectionFlag(before, v.value, RUNNER_ARGS[variable])) ?? added[0]!;
    findings.push({ variable, value: at.value, flag: flag.flag, why: flag.why, hunk: at.hunk });
  }
  return findings;
}

/** The value at the start of `rest`: up to its closing quote when quoted, else to the end of the line or (in a command) the first space. */
function valueAt(rest: string, toLineEnd: boolean): string {
  const q = rest[0];
  if (q === '"' || q === "'") {
    const close = rest.indexOf(q, 1);
    return rest.slice(1, close < 0 ? undefined : close);
  }
  return toLineEnd ? rest.replace(/\s+#.*$/, "").trim() : rest.split(/\s/)[0]!;
}
