import { basename, isFlag } from "./command-segments.js";
import { programOf } from "./program-of.js";

/** Shells and their `source`: `bash ci/test.sh`, `. ./env.sh`. */
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "source", "."]);

/**
 * The file a simple command runs as a script, as written: `./scripts/test.sh`, `bash ci/run-tests.sh`,
 * `sh test.sh`. Undefined for a program on the PATH, `bash -c '…'` and paths built from variables.
 */
export function scriptOf(words: string[]): string | undefined {
  const p = programOf(words);
  if (!p) return undefined;
  const w = words[p.argsFrom - 1]?.replace(/^[@+-]+/, "") ?? "";
  let script: string | undefined;
  if (SHELLS.has(basename(w))) {
    for (let j = p.argsFrom; j < words.length && script === undefined; j++) {
      const a = words[j]!;
      if (a === "-c") return undefined;
      if (a === "-o" || a === "+o") j++;
      else if (!isFlag(a) && !a.startsWith("+")) script = a;
    }
  } else if (w.includes("/")) {
    script = w;
  }
  return script === undefined || /[$`{*?]/.test(script) ? undefined : script;
}
