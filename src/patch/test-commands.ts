/**
 * Just enough shell to compare two versions of a test command: which programs it runs (`jest`,
 * `pytest`, `go test`, `npm run test:unit`, …) and which test-selection flags it passes. Used on
 * package.json test scripts, the recipes of `make test` and pytest's addopts.
 */

import path from "node:path";

/** Words of each simple command (`a && b; c | d` gives three or four), quotes removed. */
export function commandSegments(cmd: string): string[][] {
  const segments: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endSegment = () => {
    endWord();
    if (words.length) segments.push(words);
    words = [];
  };
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === "'" || c === '"') {
      const close = cmd.indexOf(c, i + 1);
      const end = close < 0 ? cmd.length : close;
      word += cmd.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === "$" && (cmd[i + 1] === "(" || cmd[i + 1] === "{")) {
      // $(VAR), ${VAR}, $(shell …): one word.
      const close = cmd[i + 1] === "(" ? ")" : "}";
      const end = cmd.indexOf(close, i + 2);
      const stop = end < 0 ? cmd.length - 1 : end;
      word += cmd.slice(i, stop + 1);
      inWord = true;
      i = stop;
    } else if (c === "\\" && i + 1 < cmd.length) {
      if (cmd[i + 1] !== "\n") {
        word += cmd[i + 1];
        inWord = true;
      }
      i++;
    } else if (c === "&" || c === "|" || c === ";" || c === "\n") {
      if ((c === "&" || c === "|") && cmd[i + 1] === c) i++;
      endSegment();
    } else if (/\s/.test(c) || c === "(" || c === ")") {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endSegment();
  return segments;
}

const basename = (p: string) => p.replace(/\/+$/, "").split("/").pop() ?? p;
const isFlag = (w: string) => w.startsWith("-") && w !== "-";
const isAssignment = (w: string) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(w);

/** Commands that run the next word as the real program. */
const WRAPPERS = new Set(["npx", "pnpx", "bunx", "env", "cross-env", "cross-env-shell", "dotenv", "time", "exec", "nice", "nohup", "command", "xvfb-run", "sudo", "c8", "nyc"]);
/** `poetry run pytest`, `bundle exec rspec`, `npm exec jest`: tool + subcommand that runs the rest. */
const RUN_WRAPPERS: Record<string, string[]> = {
  poetry: ["run"], uv: ["run"], pipenv: ["run"], pdm: ["run"], hatch: ["run"], rye: ["run"], bundle: ["exec"],
  npm: ["exec"], pnpm: ["exec", "dlx"], yarn: ["exec", "dlx"], bun: ["x"],
};
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
/** Programs whose disappearance from a test command does not mean fewer tests run. */
const TRIVIAL = new Set(["echo", "printf", "cd", "pushd", "popd", "set", "export", "unset", "rm", "mkdir", "cp", "mv", "sleep", "cat", "true", ":", "test", "[", "ls", "touch", "ln", "wait", "source", ".", "tee", "exit", "trap", "rimraf", "shx"]);

export interface Program {
  /** `jest`, `pytest`, `go test`, `node --test`, `run:test:unit` (a package script), `make test-unit`. */
  name: string;
  /** Index in the segment of the word after which the program's own arguments start. */
  argsFrom: number;
}

/** The program a simple command runs, looking through env assignments, npx, cross-env, `python -m`, node scripts. */
export function programOf(words: string[]): Program | null {
  let i = 0;
  for (;;) {
    const w = words[i];
    if (w === undefined) return null;
    const base = basename(w);
    if (isAssignment(w) || w === "--") {
      i++;
    } else if (WRAPPERS.has(base)) {
      const dashes = words.indexOf("--", i + 1);
      if (dashes > 0) i = dashes + 1;
      else for (i++; i < words.length && isFlag(words[i]!); i++);
    } else if (RUN_WRAPPERS[base]?.includes(words[i + 1] ?? "")) {
      for (i += 2; i < words.length && isFlag(words[i]!); i++);
    } else break;
  }
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

/**
 * The simple commands `cmd` runs, in order, with `npm run x` / `make x` replaced through `resolve` by the
 * script's or target's own commands (each expanded once).
 */
export function commandsOf(cmd: string, resolve: (name: string) => string | undefined = () => undefined): string[][] {
  const out: string[][] = [];
  const expanded = new Set<string>();
  const walk = (text: string) => {
    for (const words of commandSegments(text)) {
      const p = programOf(words);
      if (p && expanded.has(p.name)) continue;
      const inner = p && !TRIVIAL.has(p.name) ? resolve(p.name) : undefined;
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

/** Flags that make a test run select fewer tests, or pass without running them, and why. */
const SELECTION_FLAGS: Array<{ flags: string[]; runners?: RegExp; why: string }> = [
  { flags: ["--passWithNoTests", "--pass-with-no-tests"], why: "which passes when no test is found" },
  { flags: ["--listTests", "--co", "--collect-only", "--list"], why: "which lists the tests without running them" },
  { flags: ["-u", "--updateSnapshot", "--update-snapshots", "--update"], runners: /^(jest|vitest|playwright test|run:.*)$/, why: "which rewrites the snapshots to whatever the code now produces" },
  { flags: ["--continue-on-collection-errors"], why: "which lets test files that fail to import pass" },
  { flags: ["-Dmaven.test.failure.ignore", "-DtestFailureIgnore"], why: "which lets failing tests pass" },
  {
    flags: [
      "--testPathIgnorePatterns", "--testPathPattern", "--testPathPatterns", "--testNamePattern", "--onlyChanged", "--changedSince",
      "--lastCommit", "--findRelatedTests", "--deselect", "--ignore", "--ignore-glob", "--lf", "--last-failed", "--skip", "--exclude",
      "--grep", "--fgrep", "--invert", "--shard", "-DskipTests", "-Dmaven.test.skip", "-Dtest", "--exclude-tests",
    ],
    why: "which deselects tests",
  },
  { flags: ["-k", "-m"], runners: /^(pytest|py\.test|tox|nox)$/, why: "which deselects tests" },
  { flags: ["-t", "-o"], runners: /^(jest|vitest)$/, why: "which deselects tests" },
  { flags: ["-run", "-skip"], runners: /^go test$/, why: "which deselects tests" },
  { flags: ["-g", "-f", "-i"], runners: /^(mocha|_mocha)$/, why: "which deselects tests" },
];
/** Directories no test lives in: ignoring them is a fix (jest finding compiled copies in dist/), not a skip. */
const BUILD_DIRS = new Set(["node_modules", "dist", "build", "out", "coverage", "vendor", "target", "venv", ".venv", "env", ".tox", ".nox", ".next", ".nuxt", ".cache", ".git", "site-packages", "rootDir", "docs", "setup.py", "conf.py", "__pycache__", ".eggs"]);
/** True when a path or pattern names only build/dependency directories. */
export function onlyBuildDirs(pattern: string): boolean {
  const words = pattern.split(/[^\w.-]+/).filter((w) => w && !/^[.*?-]+$/.test(w));
  return words.length > 0 && words.every((w) => BUILD_DIRS.has(w) || BUILD_DIRS.has(w.replace(/^\.+/, "")));
}

const IGNORE_FLAGS = new Set(["--ignore", "--ignore-glob", "--exclude", "--testPathIgnorePatterns"]);

interface FlagUse {
  flag: string;
  why: string;
}

function flagUses(words: string[], runner: string): FlagUse[] {
  const out: FlagUse[] = [];
  for (let j = 0; j < words.length; j++) {
    const w = words[j]!;
    if (!isFlag(w)) continue;
    for (const group of SELECTION_FLAGS) {
      if (group.runners && !group.runners.test(runner)) continue;
      const flag = group.flags.find((f) => w === f || w.startsWith(`${f}=`) || (/^-\w$/.test(f) && w.length > 2 && w.startsWith(f) && !w.startsWith("--")) || (f.startsWith("-D") && w.startsWith(f)));
      if (!flag) continue;
      if (flag === "-o" && w !== "-o") continue;
      // `--shard=$SHARD/4` from a CI matrix: every shard runs somewhere. A fixed `--shard=1/4` runs a quarter.
      if (flag === "--shard" && /[$%{]/.test(w.includes("=") ? w : words[j + 1] ?? "")) continue;
      if (IGNORE_FLAGS.has(flag)) {
        const value = w.includes("=") ? w.slice(w.indexOf("=") + 1) : words[j + 1] ?? "";
        if (onlyBuildDirs(value)) continue;
      }
      out.push({ flag, why: group.why });
      break;
    }
  }
  return out;
}

/** Selection flags a command passes to its test runners (`runner` for text that is only arguments, as addopts). */
function allFlagUses(cmd: string, runner?: string): FlagUse[] {
  if (runner) return commandSegments(cmd).flatMap((words) => flagUses(words, runner));
  return commandSegments(cmd).flatMap((words) => {
    const p = programOf(words);
    return p && !NOT_RUNNERS.has(p.name) ? flagUses(words.slice(p.argsFrom), p.name) : [];
  });
}

/** Tools next to the tests in a test script whose --ignore/--exclude are not about tests. */
const NOT_RUNNERS = new Set(["eslint", "prettier", "tsc", "ruff", "flake8", "mypy", "black", "isort", "pylint", "stylelint", "biome", "rsync", "tar", "find", "grep", "rg", "git", "cp", "zip"]);

/** Programs that run tests (a prerequisite of `make test` that runs one of these runs tests). */
export const TEST_RUNNER =
  /^(jest|vitest|mocha|ava|tap|tape|jasmine|karma|cypress|pytest|py\.test|tox|nox|unittest|nose2?|rspec|phpunit|pest|ctest|node --test|(playwright|go|cargo|dotnet|mix|deno|bun|rake|mvnw?|gradlew?) test\w*|run:test.*|g?make (tests?|checks?)([-_.:].*)?)$/;

/** Words that turn coverage (and its thresholds) on: `--coverage`, `--cov=src`, `c8`, `nyc`. */
const COVERAGE_WORD = /^(--coverage(\.enabled)?(=true)?|--cov(=.*)?|--check-coverage(=true)?|c8|nyc)$/;

/** True when `after` turns coverage on fewer times than `before` (so coverage thresholds stop applying). */
export function dropsCoverage(before: string, after: string): boolean {
  // A program is named by its path (`node_modules/.bin/nyc`); an option's value is a path too (`--cov=src/pkg`), and
  // cutting it to its last part would read as coverage turned off.
  const count = (cmd: string) => commandSegments(cmd).flat().filter((w) => COVERAGE_WORD.test(w.startsWith("-") ? w : basename(w))).length;
  return count(after) < count(before);
}

/** The first selection flag `after` passes more often than `before`, if any. */
export function addedSelectionFlag(before: string, after: string, runner?: string): FlagUse | undefined {
  const count = (uses: FlagUse[]) => uses.reduce((m, u) => m.set(u.flag, (m.get(u.flag) ?? 0) + 1), new Map<string, number>());
  const was = count(allFlagUses(before, runner));
  const seen = new Map<string, number>();
  for (const u of allFlagUses(after, runner)) {
    const n = (seen.get(u.flag) ?? 0) + 1;
    seen.set(u.flag, n);
    if (n > (was.get(u.flag) ?? 0)) return u;
  }
  return undefined;
}

/** Runners whose positional arguments choose the tests (paths, node ids, name filters). */
const SELECTING_RUNNERS = /^(jest|vitest|mocha|_mocha|ava|tap|jasmine|pytest|py\.test|rspec|phpunit|node --test|(go|cargo|deno|bun|playwright) test)$/;
/** Options that take the next word as their value, which is then not a test path. */
const VALUE_OPTS = new Set([
  // pytest
  "-k", "-m", "-c", "-p", "-o", "-n", "-r", "-W", "--cov", "--maxfail", "--junitxml", "--junit-xml", "--basetemp", "--durations", "--tb", "--rootdir",
  "--confcutdir", "--import-mode", "--deselect", "--ignore", "--ignore-glob", "--log-level", "--cov-report", "--dist", "--reruns", "--timeout",
  // jest, vitest, mocha, node
  "-t", "-w", "-R", "-g", "--config", "--testNamePattern", "--reporters", "--reporter", "--maxWorkers", "--coverageDirectory", "--testEnvironment",
  "--outputFile", "--shard", "--rootDir", "--selectProjects", "--testTimeout", "--environment", "--project", "--pool", "--dir", "--root",
  "--require", "--timeout", "--grep", "--ui", "--spec", "--file", "--exclude", "--test-reporter", "--test-reporter-destination", "--import",
  // go test, cargo test
  "-run", "-skip", "-count", "-timeout", "-tags", "-coverprofile", "-covermode", "-coverpkg", "-parallel", "-cpu", "-bench", "-benchtime", "-exec",
  "-ldflags", "-gcflags", "-mod", "-C", "--features", "--package", "--manifest-path", "--target", "--jobs", "-j", "-F",
]);
/** Subcommands that say how to run, not what (`vitest run`). */
const RUN_MODES = new Set(["run", "watch", "dev"]);

/** The words of a command that choose which tests `runner` runs (`src/a`, `./pkg/...`, `tests/test_a.py::test_b`). */
function selectors(words: string[], p: Program, placeholders: string[] = []): string[] {
  const out: string[] = [];
  for (let j = p.argsFrom; j < words.length; j++) {
    const w = words[j]!;
    // cargo/go pass what follows `--` to the test binary; `{posargs}` and `$VAR` are filled in at run time.
    if (w === "--") break;
    if (isFlag(w)) {
      if (VALUE_OPTS.has(w)) j++;
      continue;
    }
    if (/[$`{]/.test(w)) {
      placeholders.push(w);
      continue;
    }
    if (out.length === 0 && p.name === "vitest" && RUN_MODES.has(w)) continue;
    out.push(w);
  }
  return out;
}

interface Scope {
  path: string;
  /** Whether it runs what is below `path` too (`./pkg/...`, a directory given to pytest or jest). */
  deep: boolean;
}

function scopeOf(selector: string, runner: string): Scope {
  const go = runner === "go test";
  let s = selector.replace(/::/g, "/").replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  const dots = go && (s === "..." || s.endsWith("/..."));
  if (dots) s = s.slice(0, -3).replace(/\/$/, "");
  return { path: s === "" ? "." : s, deep: go ? dots : true };
}

/** `a` runs everything `b` runs. */
const covers = (a: Scope, b: Scope) =>
  (a.path === b.path && (a.deep || !b.deep)) || (a.deep && (a.path === "." || b.path.startsWith(`${a.path}/`)));

/**
 * What a runner runs when its command names no test paths, when that is not "everything under the working
 * directory": pytest's testpaths. Undefined for a program keeps that reading.
 */
export type DefaultSelection = (program: string) => string[] | undefined;

/** What runners given no paths run, before and after the patch. */
export interface Defaults {
  /** Where the commands start. */
  before?: DefaultSelection;
  after?: DefaultSelection;
  /** Where a `cd` (its words) leads, when that is known (a script's cd to its own directory, see scriptDirCd). */
  cd?: (words: string[], side: "before" | "after") => DefaultSelection | undefined;
}

/** pytest options that choose another config file or rootdir, or override testpaths: its testpaths may not apply. */
const OTHER_CONFIG = /^(-c|-o|--config-file|--rootdir|--override-ini|--inifile)(=|$)|^-[co]\S/;
/** Commands after which the runner no longer starts in the directory whose defaults were given. */
const MOVES = new Set(["cd", "pushd", "popd"]);

/**
 * `$(dirname "$0")` and its spellings, as commandSegments leaves them (inner quotes may stay), then what
 * follows it. `$0` is the script as it was started, so its dirname is the script's own directory
 * wherever it was started from; `${BASH_SOURCE[0]}` is the same, even when the script is sourced.
 */
const SCRIPT_DIR = /^\$\(dirname\s+(?:--\s+)?"?(\$0|\$\{0\}|\$BASH_SOURCE|\$\{BASH_SOURCE(?:\[0\])?\})"?\)(.*)$/;

/**
 * The directory of the checkout ("" for its root) that `cd "$(dirname "$0")/.."` and its spellings
 * move `script` (its path in the checkout) to: the script's own directory, then a relative path without
 * variables. Undefined for any other command, and for a directory outside the checkout, whose name and
 * files are not known. In a `sourced` script `$0` is its caller's, so only BASH_SOURCE says where it is.
 */
export function scriptDirCd(words: string[], script: string, sourced = false): string | undefined {
  if (words.length !== 2 || words[0] !== "cd") return undefined;
  const m = SCRIPT_DIR.exec(words[1]!);
  if (!m || (sourced && !m[1]!.includes("BASH_SOURCE"))) return undefined;
  const rest = m[2]!;
  if ((rest !== "" && !rest.startsWith("/")) || /[$`~*?{]/.test(rest)) return undefined;
  const dir = path.posix.normalize(path.posix.join(path.posix.dirname(script), `.${rest}`));
  if (dir === ".." || dir.startsWith("../")) return undefined;
  return dir === "." ? "" : dir.replace(/\/$/, "");
}

export interface Narrowing {
  program: string;
  before: string[];
  after: string[];
  /** The paths `before` ran that `after` no longer does; "(all tests)" when `before` named none. */
  lost: string[];
}

/**
 * A test runner told to run less than before: paths added to a command that had none (`jest` →
 * `jest src/a`), or paths removed or replaced by a part of them (`go test ./...` → `go test ./pkg/a`).
 * Replacing a path by one outside it is not counted: that is how a mistyped path gets fixed. `defaults`
 * says what a runner given no paths runs on each side (pytest's testpaths, as configured before and after).
 */
export function narrowedSelection(
  before: string,
  after: string,
  defaults: Defaults = {},
): Narrowing | undefined {
  const collect = (cmd: string, side: "before" | "after") => {
    const out = new Map<string, string[]>();
    let pathless = defaults[side];
    for (const words of commandSegments(cmd)) {
      const p = programOf(words);
      // Where a move leads is mostly not known, and with it what a runner given no paths runs.
      if (p && MOVES.has(p.name)) pathless = defaults.cd?.(words, side);
      if (!p || !SELECTING_RUNNERS.test(p.name)) continue;
      const placeholders: string[] = [];
      let chosen = selectors(words, p, placeholders);
      // `pytest` and `pytest tests` run the same tests when testpaths is `tests`. Not so when a variable or
      // `{posargs:tests}` may be a path, or pytest reads another config or starts elsewhere.
      const pathlessForSure = placeholders.every((w) => w === "{posargs}") && !words.slice(p.argsFrom).some((w) => OTHER_CONFIG.test(w));
      if (chosen.length === 0 && pathless && pathlessForSure) chosen = pathless(p.name) ?? [];
      out.set(p.name, [...(out.get(p.name) ?? []), ...chosen]);
    }
    return out;
  };
  const was = collect(before, "before");
  for (const [program, now] of collect(after, "after")) {
    const old = was.get(program);
    // mocha without paths runs its .mocharc spec or just ./test/*.js: naming paths may well run more.
    if (!old || (old.length === 0 && /mocha$/.test(program))) continue;
    // Without paths, `go test` runs the package in the current directory; the others run every test they find.
    const b = (old.length ? old : ["."]).map((s) => scopeOf(s, program));
    const a = (now.length ? now : ["."]).map((s) => scopeOf(s, program));
    const lost = b.filter((o) => !a.some((s) => covers(s, o))).map((o) => old[b.indexOf(o)] ?? "(all tests)");
    const extra = a.filter((s) => !b.some((o) => covers(o, s)));
    if (lost.length && extra.length === 0) return { program, before: old, after: now, lost };
  }
  return undefined;
}
