import { basename, isFlag, programAt } from "./command-segments.js";

/** Tools whose first argument says what they do (`go test`, `cargo test`, `make test`, `playwright test`). */
const SUBCOMMAND_TOOLS = new Set([
  "go", "cargo", "dotnet", "mix", "deno", "mvn", "mvnw", "gradle", "gradlew", "rake", "bundle", "ng", "react-scripts",
  "vue-cli-service", "lerna", "nx", "turbo", "flutter", "swift", "zig", "dart", "playwright", "make", "gmake", "just", "task",
]);
const PACKAGE_MANAGERS = new Set(["npm", "pnpm", "yarn", "bun"]);
/** Package-manager subcommands that are not scripts (`yarn install`, not `yarn lint`). */
const PM_BUILTINS = new Set(["install", "i", "ci", "add", "remove", "rm", "link", "unlink", "publish", "pack", "version", "config", "cache", "audit", "outdated", "update", "upgrade", "why", "list", "ls", "init", "create", "dedupe", "prune", "rebuild", "set"]);
/** Node options that take a separate value. */
const NODE_VALUE_OPTS = new Set(["-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--env-file"]);

export interface Program {
  /** `jest`, `pytest`, `go test`, `node --test`, `run:test:unit` (a package script), `make test-unit`. */
  name: string;
  /** Index in the segment of the word after which the program's own arguments start. */
  argsFrom: number;
}

/** The program a simple command runs, looking through env assignments, npx, cross-env, `python -m`, node scripts. */
export function programOf(words: string[]): Program | null {
  const i = programAt(words);
  if (i === words.length) return null;
  const w = words[i]!.replace(/^[@+-]+/, "");
  let base = basename(w);
  if (/^\$[({]MAKE[)}]$/.test(w)) base = "make";
  const nextArg = (from: number, valueOpts: Set<string> = new Set()) => {
    for (let j = from; j < words.length; j++) {
      const a = words[j]!;
      if (!isFlag(a)) return j;
      if (valueOpts.has(a)) j++;
    }
    return -1;
  };
  // `$(PY) -m pytest` in a Makefile: an interpreter behind a variable.
  if (/^\$[({]?\w+[)}]?$/.test(w) && words[i + 1] === "-m" && words[i + 2]) return { name: words[i + 2]!, argsFrom: i + 3 };
  if (/^(python[\d.]*|py|pypy3?)$/.test(base) || (base === "coverage" && words[i + 1] === "run")) {
    const m = words.indexOf("-m", i + 1);
    if (m > 0 && words[m + 1]) return { name: words[m + 1]!, argsFrom: m + 2 };
    const s = nextArg(base === "coverage" ? i + 2 : i + 1);
    return s < 0 ? { name: base, argsFrom: i + 1 } : { name: basename(words[s]!), argsFrom: s + 1 };
  }
  if (base === "node" || base === "tsx" || base === "ts-node") {
    if (words.includes("--test")) return { name: "node --test", argsFrom: i + 1 };
    const s = nextArg(i + 1, NODE_VALUE_OPTS);
    if (s < 0) return { name: base, argsFrom: i + 1 };
    const script = words[s]!;
    const pkg = /(?:^|\/)node_modules\/(?:\.bin\/)?((?:@[^/]+\/)?[^/]+)/.exec(script);
    return { name: pkg ? pkg[1]! : basename(script), argsFrom: s + 1 };
  }
  if (PACKAGE_MANAGERS.has(base)) {
    const s = nextArg(i + 1);
    if (s < 0) return { name: base, argsFrom: i + 1 };
    const sub = words[s]!;
    if (sub === "run" || sub === "run-script") {
      const n = nextArg(s + 1);
      return n < 0 ? { name: `${base} run`, argsFrom: s + 1 } : { name: `run:${words[n]}`, argsFrom: n + 1 };
    }
    if (["test", "t", "tst"].includes(sub) && !(base === "bun" && sub === "test")) return { name: "run:test", argsFrom: s + 1 };
    if (base === "npm" || base === "bun" || PM_BUILTINS.has(sub)) return { name: `${base} ${sub}`, argsFrom: s + 1 };
    return { name: `run:${sub}`, argsFrom: s + 1 };
  }
  if (SUBCOMMAND_TOOLS.has(base)) {
    const s = nextArg(i + 1, base === "make" || base === "gmake" ? new Set(["-C", "-f", "--directory", "--file"]) : new Set());
    return s < 0 ? { name: base, argsFrom: i + 1 } : { name: `${base} ${words[s]}`, argsFrom: s + 1 };
  }
  const pkg = /(?:^|\/)node_modules\/(?:\.bin\/)?((?:@[^/]+\/)?[^/]+)/.exec(w);
  return { name: pkg ? pkg[1]! : base, argsFrom: i + 1 };
}
