import { accessSync, constants, mkdirSync, statSync } from "node:fs";

/**
 * Creates the directory a setting names (DATA_DIR, WORKSPACE_ROOT) and checks this process can write in it:
 * what is wrong, naming the setting and what to put there, or undefined. Said at start, where a path that
 * cannot hold the store or a clone otherwise failed later, one write or one job at a time.
 */
export function settingDirProblem(setting: string, dir: string, fallback: string): string | undefined {
  const fix = `put a directory path this process can create and write there (default ${fallback})`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    // mkdir says EEXIST for a file at that path, which reads as a permission problem rather than a slip.
    if (isFile(dir)) return `${setting}: "${dir}" is a file, not a directory; ${fix}`;
    return `${setting}: cannot create "${dir}" (${codeOf(err)}); ${fix}`;
  }
  try {
    if (!statSync(dir).isDirectory()) return `${setting}: "${dir}" is not a directory (ENOTDIR); ${fix}`;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    return `${setting}: cannot write in "${dir}" (${codeOf(err)}); ${fix}`;
  }
}

function codeOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ?? e?.message ?? String(err);
}

function isFile(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}
