import { JEST_CONFIG_FILE, VITEST_CONFIG_FILE } from "../core/test-config-files.js";
import { SCRIPT_FILES, type LinePattern } from "./greenwash-patterns.js";

const RUBY = /\.rb$/;
const ELIXIR = /\.exs?$/;
/** rspec reads `.rspec` (and `.rspec-local`) as options given to every run. */
const RSPEC_OPTIONS = /(^|\/)\.rspec(-local)?$/;
const MSBUILD = /\.(csproj|fsproj|vbproj|props|targets)$/;
/** Where jest's moduleNameMapper and vitest's alias are written. */
const MAPPER_FILES = new RegExp(`${JEST_CONFIG_FILE.source}|${VITEST_CONFIG_FILE.source}|(^|/)package\\.json$`);
const PHPUNIT_CONFIG = /(^|\/)phpunit\.xml(\.dist)?$/;

/**
 * Green-washing through the settings of RSpec, ExUnit, dotnet test and PHPUnit, read as the other line
 * patterns are (see LINE_PATTERNS): a pattern fires when a file's patch adds more matching lines than it removes.
 */
export const RUNNER_PATTERNS: LinePattern[] = [
  {
    rule: "skip_tests",
    re: /^\s*(--tag|-t|--exclude-pattern|--pattern|-P|--example|-e|--example-matches|-E|--dry-run|--only-failures|--next-failure|-n)(\s|=|$)/,
    why: "gives every rspec run an option that deselects tests or runs none",
    files: RSPEC_OPTIONS,
  },
  // `config.filter_run_when_matching :focus` (rspec's own template) filters only when a test is focused, which is refused itself.
  { rule: "skip_tests", re: /\bfilter_run_excluding\b|\bexclusion_filter\s*=(?!=)/, why: "leaves tagged tests out of every rspec run", files: RUBY },
  // ExUnit leaves out tests tagged :skip by default, and the tags `exclude:` names.
  { rule: "skip_tests", re: /\bExUnit\.(start|configure)\s*\(.*\bexclude:/, why: "leaves tagged tests out of every ExUnit run", files: ELIXIR },
  { rule: "skip_tests", re: /^\s*@(module|describe)?tag\s+(:skip\b|skip:)/, why: "skips an ExUnit test (@tag :skip)", files: ELIXIR },
  // dotnet test runs no test in a project that says it is not one.
  { rule: "skip_tests", re: /<IsTestProject>\s*false\s*</i, why: "tells dotnet test the test project is not one, so it runs none of its tests", files: MSBUILD },
  { rule: "skip_tests", re: /<TestCaseFilter>/, why: "gives dotnet test a filter that deselects tests", files: /\.runsettings$/ },
  // A testsuite's `<exclude>tests/Legacy</exclude>` holds a path; a coverage `<exclude>` holds <directory> elements instead.
  { rule: "skip_tests", re: /<exclude>[^<]+<\/exclude>|<group>[^<]*<\/group>/, why: "leaves tests out of the PHPUnit run (a testsuite exclude, a group)", files: PHPUNIT_CONFIG },
  // jest's moduleNameMapper or vitest's alias sending a module of the project (`^../src/sum$`, `@/lib/sum`) to a mock: every test
  // importing it gets the mock. Packages (`next/router`) and assets (`\\.(css|svg)$`) mapped to a mock are the usual thing.
  {
    rule: "skip_tests",
    re: /["'`][^"'`:]*?((\\*\.){1,2}\/|@\/|~\/|\bsrc\/)[^"'`]*["'`]\s*:\s*["'`][^"'`]*(__mocks__|\/mocks?\/|\/stubs?\/|\/fakes?\/)[^"'`]*["'`]/,
    why: "maps a module of the project to a mock for every test (moduleNameMapper, alias)",
    files: MAPPER_FILES,
  },
  // Test-framework internals replaced (in a sitecustomize.py, a conftest.py, a helper): `unittest.TestCase.run = lambda self, result=None: None`.
  {
    rule: "skip_tests",
    re: /\b(unittest\.)?(TestCase|TestSuite)\.(run|__call__|debug|_callTestMethod|_callSetUp)\s*=(?!=)|\b_pytest(\.\w+)+\s*=(?!=)|\bsetattr\s*\(\s*((unittest\.)?(TestCase|TestSuite)\s*,\s*["'](run|__call__|debug|_callTestMethod|_callSetUp)["']|_pytest[\w.]*\s*,)/,
    why: "replaces how unittest or pytest runs tests",
    files: /\.py$/,
  },
  // vitest fails a run with unhandled errors unless told not to.
  { rule: "skip_tests", re: /\bdangerouslyIgnoreUnhandledErrors\b(?!["']?\s*[:=]\s*false\b)/, why: "lets vitest pass a run with unhandled errors (dangerouslyIgnoreUnhandledErrors)", files: new RegExp(`${VITEST_CONFIG_FILE.source}|(^|/)package\\.json$|\\.(sh|ya?ml|mk)$|(^|/)Makefile$`) },
  // A script of the project's own preloaded into every node process (npm's node-options, NODE_OPTIONS) runs inside the test
  // runner and can change its outcome; `--max-old-space-size` or a package (`--import tsx`) is the usual thing there.
  {
    rule: "skip_tests",
    re: /\b(node-options|NODE_OPTIONS)\b\s*[=:]\s*["']?[^\n]*(--require|--import|--loader|--experimental-loader|-r)[= ]+["']?\.{1,2}\//,
    why: "preloads a script of the project's own into every node process, the test runner's included",
    files: new RegExp(`${SCRIPT_FILES.source}|(^|/)\\.(npmrc|yarnrc|env)$`),
  },
  // The same selections on a command line, wherever one is written (composer.json's scripts included).
  {
    rule: "skip_tests",
    re: /\b(phpunit|pest)\b.*\s--(filter|group|exclude-group|testsuite|exclude-testsuite|list-tests)\b|\bdotnet\s+test\b.*\s--filter\b|\brspec\b.*\s(--tag|-t|--exclude-pattern|-e|--example)\s|\bmix\s+test\b.*\s--(exclude|only)\b/,
    why: "deselects tests in the test command",
    files: SCRIPT_FILES,
  },
];
