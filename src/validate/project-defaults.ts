import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";

/** What a language's projects usually run, when neither the repo config nor the workflow says. */
export interface ProjectDefaults {
  language: string;
  /** Marker file that identified it. */
  marker: string;
  setup: Array<{ command: string; needsNetwork: boolean }>;
  validate: string;
}

/** Manifests are a few KB; a larger one is not read into memory. */
const MAX_READ = 1024 * 1024;

/**
 * A manifest of the checkout as text, if it is a regular file inside it (through a symlink too: monorepos
 * link shared settings). The repository decides what its files are, and the checkout writes a committed
 * symlink as it is: `requirements.txt -> /dev/zero` had readFileSync read forever on the event loop, and a
 * link out of the checkout read a file of the host.
 */
const read = (dir: string, name: string) => {
  try {
    const root = realpathSync(dir);
    const real = realpathSync(join(dir, name));
    if (!real.startsWith(root + sep)) return undefined;
    const st = statSync(real);
    return st.isFile() && st.size <= MAX_READ ? readFileSync(real, "utf8") : undefined;
  } catch {
    return undefined;
  }
};

const NPM_PLACEHOLDER = /no test specified/;

function node(dir: string): ProjectDefaults | undefined {
  const text = read(dir, "package.json");
  if (text === undefined) return undefined;
  let pkg: { scripts?: Record<string, string>; dependencies?: object; devDependencies?: object } = {};
  try {
    pkg = JSON.parse(text);
  } catch {
    // A broken package.json is for the tests to report.
  }
  const hasDeps = Object.keys(pkg.dependencies ?? {}).length + Object.keys(pkg.devDependencies ?? {}).length > 0;
  const setup: ProjectDefaults["setup"] = [];
  if (hasDeps && !existsSync(join(dir, "node_modules"))) {
    if (existsSync(join(dir, "pnpm-lock.yaml"))) setup.push({ command: "pnpm install --frozen-lockfile", needsNetwork: true });
    else if (existsSync(join(dir, "yarn.lock"))) setup.push({ command: "yarn install --frozen-lockfile", needsNetwork: true });
    else if (existsSync(join(dir, "package-lock.json"))) setup.push({ command: "npm ci", needsNetwork: true });
    else setup.push({ command: "npm install", needsNetwork: true });
  }
  const test = pkg.scripts?.test;
  return { language: "javascript", marker: "package.json", setup, validate: test && !NPM_PLACEHOLDER.test(test) ? "npm test" : "node --test" };
}

function python(dir: string): ProjectDefaults | undefined {
  const markers = ["pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "tox.ini", "pytest.ini", "conftest.py"];
  const marker = markers.find((m) => existsSync(join(dir, m)));
  const testsDir = existsSync(join(dir, "tests")) ? "tests" : existsSync(join(dir, "test")) ? "test" : undefined;
  const hasPyTests = testsDir !== undefined && safeList(join(dir, testsDir)).some((f) => f.endsWith(".py"));
  if (!marker && !hasPyTests && !safeList(dir).some((f) => /^test.*\.py$/.test(f))) return undefined;
  const reqs = read(dir, "requirements.txt") ?? "";
  const setup: ProjectDefaults["setup"] = reqs.trim() ? [{ command: "python3 -m pip install -r requirements.txt", needsNetwork: true }] : [];
  const usesPytest =
    existsSync(join(dir, "pytest.ini")) ||
    existsSync(join(dir, "conftest.py")) ||
    /\[tool\.pytest|pytest/.test(read(dir, "pyproject.toml") ?? "") ||
    /\[tool:pytest\]/.test(read(dir, "setup.cfg") ?? "") ||
    /\[pytest\]/.test(read(dir, "tox.ini") ?? "") ||
    /^pytest\b/m.test(reqs) ||
    /^pytest\b/m.test(read(dir, "requirements-dev.txt") ?? "");
  let validate = "python3 -m pytest -x";
  if (!usesPytest) {
    const pkgTests = testsDir && existsSync(join(dir, testsDir, "__init__.py"));
    validate = testsDir && !pkgTests ? `python3 -m unittest discover -s ${testsDir} -v` : "python3 -m unittest discover -v";
  }
  return { language: "python", marker: marker ?? `${testsDir ?? "."}/test*.py`, setup, validate };
}

const simple = (language: string, marker: string, validate: string, setup: ProjectDefaults["setup"] = []) =>
  (dir: string): ProjectDefaults | undefined => (existsSync(join(dir, marker)) ? { language, marker, setup, validate } : undefined);

const DETECTORS: Array<[string, (dir: string) => ProjectDefaults | undefined]> = [
  ["javascript", node],
  ["typescript", node],
  ["python", python],
  ["go", simple("go", "go.mod", "go test ./...", [{ command: "go mod download", needsNetwork: true }])],
  ["rust", simple("rust", "Cargo.toml", "cargo test", [{ command: "cargo fetch", needsNetwork: true }])],
  ["java", simple("java", "pom.xml", "mvn -q test")],
  ["java", (d) => (existsSync(join(d, "gradlew")) ? { language: "java", marker: "gradlew", setup: [], validate: "./gradlew test" } : simple("java", "build.gradle", "gradle test")(d))],
  ["kotlin", simple("kotlin", "build.gradle.kts", "gradle test")],
  ["ruby", simple("ruby", "Gemfile", "bundle exec rake test", [{ command: "bundle install", needsNetwork: true }])],
  ["php", simple("php", "composer.json", "vendor/bin/phpunit", [{ command: "composer install", needsNetwork: true }])],
];

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The first project kind found in the checkout. `preferred` (languages named by the failure context, in
 * its order) decides between several, e.g. a Python project with a package.json for its docs tooling.
 */
export function projectDefaults(dir: string, preferred: readonly string[] = []): ProjectDefaults | undefined {
  const order = [
    ...preferred.map((l) => l.toLowerCase()).flatMap((l) => DETECTORS.filter(([lang]) => lang === l)),
    ...DETECTORS,
  ];
  for (const [, detect] of order) {
    const found = detect(dir);
    if (found) return found;
  }
  return undefined;
}
