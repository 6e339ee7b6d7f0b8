import { lstat, readdir } from "node:fs/promises";
import { isAbsolute, join, normalize, relative, sep } from "node:path";
import { readRegularFile } from "../core/read-regular-file.js";

/** The most the context reads of one file of the checkout. */
export const REPO_TEXT_MAX_BYTES = 512 * 1024;

/** A file of the checkout as text, or why it was left out when a person or the model should know. */
export type RepoText = { ok: true; text: string } | { ok: false; note?: string };

/**
 * Reads a text file of the checkout: only regular files inside `root`, never under `.git`, never through
 * a symlink, at most REPO_TEXT_MAX_BYTES (a larger one is left out whole: read in part, a package.json
 * would no longer parse and look broken). Binary files are left out too; `note` says why when the file
 * is there but too large.
 */
export async function readRepoFile(root: string, relPath: string): Promise<RepoText> {
  const rel = normalize(relPath).replace(/^(\.\/)+/, "");
  if (!rel || isAbsolute(rel) || rel.startsWith("..") || rel.split(sep).includes(".git")) return { ok: false };
  if (holdsCredentials(rel)) return { ok: false, note: `${rel} can hold credentials under any name; it is not read` };
  const abs = join(root, rel);
  if (relative(root, abs).startsWith("..")) return { ok: false };
  // Every component must be a real directory/file, not a link out of the checkout.
  let cur = root;
  for (const part of rel.split(sep)) {
    cur = join(cur, part);
    const st = await lstat(cur).catch(() => undefined);
    if (!st || st.isSymbolicLink()) return { ok: false };
  }
  const read = await readRegularFile(abs, REPO_TEXT_MAX_BYTES);
  if (!read.ok) return read.why === "too_large" ? { ok: false, note: `${rel} is larger than ${REPO_TEXT_MAX_BYTES} bytes` } : { ok: false };
  if (read.data.includes(0)) return { ok: false };
  return { ok: true, text: read.data.toString("utf8") };
}

/**
 * A dotenv file (`.env`, `.env.local`, `.env.production`; not its documented `.env.example`), `.netrc` or
 * `.git-credentials`: files that exist to hold credentials, under names no redaction rule knows
 * (`DB_PW=hunter2`, `machine host login me password hunter2`). A log line that names one (or says to look
 * there) would otherwise put it in the prompt; the log's own lines about it still are.
 */
function holdsCredentials(rel: string): boolean {
  const name = rel.split(sep).pop()!.toLowerCase();
  if (name === ".netrc" || name === "_netrc" || name === ".git-credentials") return true;
  return /^\.env(?:\.[^.]+)*$/.test(name) && !/\.(?:example|sample|template|tpl|dist|defaults|schema)$/.test(name);
}

/** readRepoFile's text; null for a file left out, whatever the reason. */
export async function readRepoText(root: string, relPath: string): Promise<string | null> {
  const read = await readRepoFile(root, relPath);
  return read.ok ? read.text : null;
}

/**
 * A path as a log prints it, relative to the checkout where it was under the runner's: runner work directories
 * (`/home/runner/work/<repo>/<repo>/`, `/__w/…`, `D:\a\…`), `./` prefixes and backslashes are removed. A path
 * from elsewhere (a container's `/app/…`) stays absolute.
 */
export function logPathInCheckout(raw: string): string {
  const p = raw.trim().replace(/\\/g, "/").replace(/^file:\/\//, "");
  return p.replace(/^(?:\/home\/runner\/work|\/Users\/runner\/work|\/__w|[A-Za-z]:\/a)\/[^/]+\/[^/]+\//, "").replace(/^(\.\/)+/, "");
}

/**
 * The one file of `files` (the checkout's, listRepoFiles) that a path names by its end: the longest tail of the
 * path's components that is a file's path or the end of one. A base name is a tail too (go's `calc_test.go`);
 * `/app/src/a.test.js`, printed in a container whose workdir is /app, ends `src/a.test.js`. Null when no file
 * ends so, or when the longest tail that any file ends with ends several: which one, nothing tells. With
 * `wholeFirst`, a file whose whole path is that tail is the one (a path printed from the checkout's root or a
 * copy of it); a base name says nothing of being at the root.
 */
export function fileBySuffix(files: readonly string[], path: string, opts: { wholeFirst?: boolean } = {}): string | null {
  const parts = path.replace(/\\/g, "/").split("/");
  // What is above a `..` is not where the file is.
  const tail = parts.slice(parts.lastIndexOf("..") + 1).filter((c) => c !== "" && c !== ".");
  for (let k = tail.length; k >= 1; k--) {
    const end = tail.slice(-k).join("/");
    const named = files.filter((f) => f === end || f.endsWith(`/${end}`));
    if (named.length === 1) return named[0]!;
    if (named.length > 1) return opts.wholeFirst && named.includes(end) ? end : null;
  }
  return null;
}

/**
 * Turns a path as a log prints it into a path inside the checkout (logPathInCheckout); when that file does not
 * exist, leading components are dropped until one does. Null when nothing matches.
 */
export async function toRepoPath(root: string, raw: string): Promise<string | null> {
  const p = logPathInCheckout(raw);
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
