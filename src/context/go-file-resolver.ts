import { lstat } from "node:fs/promises";
import { join, posix } from "node:path";
import { fileBySuffix, readRepoText } from "./repo-files.js";

/** A file name as go prints it in a test's log (`calc_test.go:12: …`): its base name only. */
export const isGoBaseName = (p: string): boolean => /^[\w.+-]+\.go$/.test(p);

/** Directories whose go files are no package of the build: dependencies' copies, test inputs. */
const NOT_BUILT = /(?:^|\/)(?:vendor|testdata|node_modules)\//;

/**
 * Places go's base file names in the checkout. With the test's package (`github.com/org/repo/internal/calc`)
 * the file is in that package's directory, under the go.mod whose module path is the longest prefix of it
 * (nested modules own their subtree). Without one, or when no go.mod of the checkout owns the package, a base
 * name is taken only when exactly one file of the checkout has it. Null rather than a guess: a name in several
 * directories, or a file that is not the repository's (`testing.go`, a dependency's helper).
 *
 * `files` are the checkout's files (listRepoFiles); the go.mod files among them are read once.
 */
export async function goFileResolver(root: string, files: readonly string[]): Promise<(base: string, pkg?: string) => Promise<string | null>> {
  const modules: { dir: string; path: string }[] = [];
  for (const f of files) {
    if (posix.basename(f) !== "go.mod" || NOT_BUILT.test(f)) continue;
    const m = /^module\s+"?([^\s"]+)"?\s*(?:\/\/.*)?$/m.exec((await readRepoText(root, f)) ?? "");
    if (m) modules.push({ dir: posix.dirname(f), path: m[1]! });
  }
  const built = files.filter((f) => !NOT_BUILT.test(f));
  const isFile = async (rel: string) => (await lstat(join(root, rel)).catch(() => undefined))?.isFile() === true;

  return async (base, pkg) => {
    if (!isGoBaseName(base)) return null;
    const owners = pkg === undefined ? [] : modules.filter((m) => pkg === m.path || pkg.startsWith(`${m.path}/`));
    if (owners.length > 0) {
      const longest = Math.max(...owners.map((m) => m.path.length));
      const candidates: string[] = [];
      for (const m of owners.filter((o) => o.path.length === longest)) {
        const rel = posix.normalize(posix.join(m.dir, pkg!.slice(m.path.length), base));
        if (!rel.startsWith("..") && (await isFile(rel))) candidates.push(rel);
      }
      // The package is known: a file not in its directory is not the repository's (a helper go named).
      return candidates.length === 1 ? candidates[0]! : null;
    }
    return fileBySuffix(built, base);
  };
}
