import { commandSegments, isFlag } from "./command-segments.js";
import { programOf, type Program } from "./program-of.js";

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
  // A mocha spec glob (`test/**/*.spec.js`): read as the folder before its first wildcard, with what is
  // below it too when it has `**`. Two globs in the same folder compare equal, so only a move down is seen.
  const glob = /^([^*?[]*\/)?[^/]*[*?[]/.exec(s);
  if (glob && /mocha$/.test(runner)) return { path: (glob[1] ?? "").replace(/\/$/, "") || ".", deep: s.includes("**") };
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
    // What runners given no paths ran where each pushd left from: its popd goes back there.
    const pushed: Array<DefaultSelection | undefined> = [];
    for (const words of commandSegments(cmd)) {
      const p = programOf(words);
      if (p?.name === "pushd") pushed.push(pathless);
      if (p?.name === "popd" && pushed.length) pathless = pushed.pop();
      // Where a move leads is mostly not known, and with it what a runner given no paths runs.
      else if (p && MOVES.has(p.name)) pathless = defaults.cd?.(words, side);
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
