/** Directories no test lives in: ignoring them is a fix (jest finding compiled copies in dist/), not a skip. */
const BUILD_DIRS = new Set(["node_modules", "dist", "build", "out", "coverage", "vendor", "target", "venv", ".venv", "env", ".tox", ".nox", ".next", ".nuxt", ".cache", ".git", "site-packages", "rootDir", "docs", "setup.py", "conf.py", "__pycache__", ".eggs"]);
/** True when a path or pattern names only build/dependency directories. */
export function onlyBuildDirs(pattern: string): boolean {
  const words = pattern.split(/[^\w.-]+/).filter((w) => w && !/^[.*?-]+$/.test(w));
  return words.length > 0 && words.every((w) => BUILD_DIRS.has(w) || BUILD_DIRS.has(w.replace(/^\.+/, "")));
}
