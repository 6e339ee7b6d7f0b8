import { promises as fs } from "node:fs";
import path from "node:path";
import { checkPathOnDisk } from "./path-policy.js";
import type { Original } from "./types.js";

/**
 * The text of the first of `names` in `dir` as it was before the patch, through `settingsOf` (the part
 * of the file that holds the settings); null when there is none, or it cannot be read (a symlink), which
 * compares the new file with no settings at all.
 */
export async function configReadBefore(
  root: string,
  dir: string,
  names: string[],
  originals: Map<string, Original>,
  settingsOf: (name: string, text: string) => string | null = (_name, text) => text,
): Promise<string | null> {
  for (const name of names) {
    const rel = dir === "." ? name : `${dir}/${name}`;
    const touched = originals.get(rel);
    if (touched) {
      if (touched.data !== null) return settingsOf(name, touched.data.toString("utf8"));
      continue;
    }
    const check = await checkPathOnDisk(root, rel);
    if (!check.ok) return null;
    if (check.disk.exists) return settingsOf(name, await fs.readFile(path.join(root, rel), "utf8"));
  }
  return null;
}

/**
 * package.json's "jest" object as JSON text, which the jest check reads like a jest.config.json. Null for
 * none, a string (the path of a config file) or a package.json that does not parse: no settings known.
 */
export function packageJsonJest(name: string, text: string): string | null {
  if (name !== "package.json") return text;
  try {
    const jest = (JSON.parse(text) as { jest?: unknown }).jest;
    return jest && typeof jest === "object" && !Array.isArray(jest) ? JSON.stringify(jest, null, 2) : null;
  } catch {
    return null;
  }
}
