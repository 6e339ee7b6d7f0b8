import { commandSegments } from "./command-segments.js";
import { programOf } from "./program-of.js";

/** Programs whose disappearance from a test command does not mean fewer tests run. */
const TRIVIAL = new Set(["echo", "printf", "cd", "pushd", "popd", "set", "export", "unset", "rm", "mkdir", "cp", "mv", "sleep", "cat", "true", ":", "test", "[", "ls", "touch", "ln", "wait", "source", ".", "tee", "exit", "trap", "rimraf", "shx"]);

/**
 * The simple commands `cmd` runs, in order, with `npm run x` / `make x` replaced through `resolve` by the
 * script's or target's own commands (each expanded once).
 */
export function commandsOf(cmd: string, resolve: (name: string) => string | undefined = () => undefined): string[][] {
  const out: string[][] = [];
  const expanded = new Set<string>();
  // Inside a pushd (`env -C packages/a npm test` is read so), `npm test` runs that folder's script, which `resolve` does not know.
  let pushed = 0;
  const walk = (text: string) => {
    for (const words of commandSegments(text)) {
      const p = programOf(words);
      if (p?.name === "pushd") pushed++;
      if (p?.name === "popd") pushed = Math.max(0, pushed - 1);
      if (p && expanded.has(p.name)) continue;
      const inner = p && !TRIVIAL.has(p.name) && pushed === 0 ? resolve(p.name) : undefined;
      if (inner === undefined) {
        out.push(words);
        continue;
      }
      expanded.add(p!.name);
      walk(inner);
    }
  };
  walk(cmd);
  return out;
}

/** The programs a command runs (see commandsOf), leaving out echo, cd and the like. */
export function programsOf(cmd: string, resolve: (name: string) => string | undefined = () => undefined): Set<string> {
  const out = new Set<string>();
  for (const words of commandsOf(cmd, resolve)) {
    const p = programOf(words);
    if (p && !TRIVIAL.has(p.name)) out.add(p.name);
  }
  return out;
}
