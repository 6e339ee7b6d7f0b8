import { commandSegments, isFlag } from "./command-segments.js";
import { onlyBuildDirs } from "./only-build-dirs.js";
import { programOf } from "./program-of.js";

/** Flags that make a test run select fewer tests, or pass without running them, and why. */
const SELECTION_FLAGS: Array<{ flags: string[]; runners?: RegExp; why: string }> = [
  { flags: ["--passWithNoTests", "--pass-with-no-tests"], why: "which passes when no test is found" },
  { flags: ["--listTests", "--co", "--collect-only", "--list"], why: "which lists the tests without running them" },
  { flags: ["-u", "--updateSnapshot", "--update-snapshots", "--update"], runners: /^(jest|vitest|playwright test|run:.*)$/, why: "which rewrites the snapshots to whatever the code now produces" },
  // Each makes the runner print something and exit 0: `cargo test --no-run` only builds, `mocha --dry-run` only lists.
  {
    flags: ["--no-run", "--dry-run", "--showConfig", "--version", "--help"],
    runners: /^(jest|vitest|mocha|_mocha|pytest|py\.test|cargo test|cargo nextest|go test|playwright test|ava|tap|karma|jasmine|node --test|bun test|deno test|run:test.*)$/,
    why: "which ends without running the tests",
  },
  // pytest's --setup-only/--setup-plan run only fixtures (or nothing), --fixtures and --markers only print; go test -list only lists.
  { flags: ["--setup-only", "--setup-plan", "--fixtures", "--fixtures-per-test", "--markers"], runners: /^(pytest|py\.test|tox|nox)$/, why: "which ends without running the tests" },
  { flags: ["-list"], runners: /^go test$/, why: "which lists the tests without running them" },
  // node --test --test-only runs only the tests marked { only: true }, and skips every other.
  { flags: ["--test-only"], runners: /^node --test$/, why: "which runs only the tests marked only" },
  // pytest-rerunfailures and flaky: a test that fails now and then passes on a later try, its fault still there.
  { flags: ["--reruns", "--force-flaky", "--max-runs"], runners: /^(pytest|py\.test|tox|nox)$/, why: "which re-runs a failing test until it passes" },
  { flags: ["--continue-on-collection-errors"], why: "which lets test files that fail to import pass" },
  { flags: ["-Dmaven.test.failure.ignore", "-DtestFailureIgnore"], why: "which lets failing tests pass" },
  {
    flags: [
      "--testPathIgnorePatterns", "--testPathPattern", "--testPathPatterns", "--testNamePattern", "--onlyChanged", "--changedSince",
      "--lastCommit", "--findRelatedTests", "--test-name-pattern", "--test-skip-pattern", "--deselect", "--ignore", "--ignore-glob", "--lf", "--last-failed", "--skip", "--exclude",
      "--grep", "--fgrep", "--invert", "--shard", "--changed", "--related", "--since", "-DskipTests", "-Dmaven.test.skip", "-Dtest", "--exclude-tests",
    ],
    why: "which deselects tests",
  },
  { flags: ["-k", "-m"], runners: /^(pytest|py\.test|tox|nox)$/, why: "which deselects tests" },
  { flags: ["-t", "-o"], runners: /^(jest|vitest)$/, why: "which deselects tests" },
  // jest's projects by name, vitest's workspace projects and the folder it looks for tests in.
  { flags: ["--selectProjects", "--ignoreProjects", "--project", "--dir"], runners: /^(jest|vitest)$/, why: "which deselects tests" },
  // jest --config '{"testMatch": [...]}': a config written inline, which no check of jest's config files reads.
  { flags: ["--config", "-c"], runners: /^jest$/, why: "which replaces jest's config with one written inline" },
  // -short: tests guarded by testing.Short() skip themselves. cargo's target flags run one kind of test target only.
  { flags: ["-run", "-skip", "-short"], runners: /^go test$/, why: "which deselects tests" },
  { flags: ["--lib", "--bins", "--bin", "--test", "--doc", "--examples", "--example"], runners: /^cargo (test|nextest)$/, why: "which deselects tests" },
  { flags: ["-g", "-f", "-i"], runners: /^(mocha|_mocha)$/, why: "which deselects tests" },
];

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
      if (flag === "--config" || flag === "-c") {
        const value = w.includes("=") ? w.slice(w.indexOf("=") + 1) : w === flag ? words[j + 1] ?? "" : w.slice(2);
        if (!/^['"]?\s*\{/.test(value)) continue;
      }
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
