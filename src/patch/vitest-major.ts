import path from "node:path";
import { configReadBefore } from "./config-read-before.js";
import type { Original } from "./types.js";

/** A version range that allows a single major: `^3.2.4`, `~1.6.0`, `3.x`, `4.0.0`, `=3.1.0`, `v3`. */
const ONE_MAJOR = /^\s*[\^~]?=?v?(\d+)(\.(\d+|[x*])){0,2}(-[\w.]+)?\s*$/i;

/**
 * The major version of vitest a package.json asks for in dependencies or devDependencies. Undefined when it
 * does not name vitest; null when it does with a range that allows more than one major (`>=3`, `latest`,
 * `workspace:*`, `catalog:`), or it does not parse: then which vitest runs is not known.
 */
export function vitestMajor(packageJson: string): number | null | undefined {
  let pkg: Record<string, unknown>;
  try {
    pkg = Object(JSON.parse(packageJson)) as Record<string, unknown>;
  } catch {
    return null;
  }
  const ranges = [pkg.dependencies, pkg.devDependencies].map((deps) => (deps && typeof deps === "object" ? (deps as Record<string, unknown>).vitest : undefined)).filter((r) => r !== undefined);
  if (ranges.length === 0) return undefined;
  const majors = new Set(ranges.map((r) => (typeof r === "string" ? ONE_MAJOR.exec(r)?.[1] : undefined)));
  const [major] = majors;
  return majors.size === 1 && major !== undefined ? Number(major) : null;
}

/**
 * vitest's major version as the package.json nearest above `dir` (inside the checkout) that names vitest
 * asked for before the patch: in a workspace, the root's vitest runs a package that does not name its own.
 * Undefined when none tells it, or one on the way cannot be read (a symlink out of the checkout): it may name another version.
 */
export async function vitestMajorAbove(root: string, dir: string, originals: Map<string, Original>): Promise<number | undefined> {
  for (let d = dir; ; d = path.posix.dirname(d)) {
    const read = await configReadBefore(root, d, ["package.json"], originals);
    if (!read.ok) return undefined;
    const major = read.text === null ? undefined : vitestMajor(read.text);
    if (major !== undefined) return major ?? undefined;
    if (d === ".") return undefined;
  }
}
