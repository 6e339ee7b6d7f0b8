import { lstat, open, readdir } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";

const MAX_READ = 512 * 1024;

/**
 * Reads a text file of the checkout: only regular files inside `root`, never under `.git`, never through
 * a symlink, at most MAX_READ bytes; null for anything else (binary files included).
 */
export async function readRepoText(root: string, relPath: string): Promise<string | null> {
  const rel = normalize(relPath).replace(/^(\.\/)+/, "");
  if (!rel || isAbsolute(rel) || rel.startsWith("..") || rel.split(sep).includes(".git")) return null;
  const abs = join(root, rel);
  if (relative(root, abs).startsWith("..")) return null;
  // Every component must be a real directory/file, not a link out of the checkout.
  let cur = root;
  for (const part of rel.split(sep)) {
    cur = join(cur, part);
    const st = await lstat(cur).catch(() => undefined);
    if (!st || st.isSymbolicLink()) return null;
  }
  const st = await lstat(abs);
  if (!st.isFile()) return null;
  const fh = await open(abs, "r");
  try {
    const buf = Buffer.alloc(Math.min(st.size, MAX_READ));
    await fh.read(buf, 0, buf.length, 0);
    if (buf.includes(0)) return null;
    return buf.toString("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * Turns a path as a log prints it into a path inside the checkout: runner work directories
 * (`/home/runner/work/<repo>/<repo>/`, `/__w/…`, `D:\a\…`), `./` prefixes and backslashes are removed; when
 * that file does not exist, leading components are dropped until one does. Null when nothing matches.
 */
export async function toRepoPath(root: string, raw: string): Promise<string | null> {
  let p = raw.trim().replace(/\\/g, "/").replace(/^file:\/\//, "");
  p = p.replace(/^(?:\/home\/runner\/work|\/Users\/runner\/work|\/__w|[A-Za-z]:\/a)\/[^/]+\/[^/]+\//, "");
  p = p.replace(/^(\.\/)+/, "");
  const parts = p.split("/").filter(Boolean);
  for (let drop = 0; drop < Math.min(parts.length, 6); drop++) {
    const candidate = parts.slice(drop).join("/");
    if (!candidate || candidate.startsWith("..")) continue;
    const st = await lstat(join(root, candidate)).catch(() => undefined);
    if (st?.isFile() && !relative(root, join(root, candidate)).startsWith("..")) return candidate;
  }
  return null;
}

const SKIP_DIRS = new Set([".git", "node_modules", "vendor", "dist", "build", "target", ".venv", "venv", "__pycache__", ".tox", ".gradle", ".next", "coverage"]);

/** Files of the checkout (relative paths), breadth first, skipping dependency and build directories. */
export async function listRepoFiles(root: string, limit = 20_000): Promise<string[]> {
  const out: string[] = [];
  const queue = [""];
  while (queue.length && out.length < limit) {
    const dir = queue.shift()!;
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) queue.push(rel);
      } else if (e.isFile()) {
        out.push(rel);
        if (out.length >= limit) break;
      }
    }
  }
  return out;
}
