import type { FilePatch } from "./types.js";

/** A pytest hook implementation: `def pytest_collection_modifyitems(`, a method of a plugin class included. */
const HOOK_DEF = /^\s*(async\s+)?def\s+pytest_\w+\s*\(/m;

/**
 * Whether a Python file is a pytest plugin, before or after the patch: it implements a pytest hook. Such a
 * file runs inside pytest as a conftest.py does once something loads it (`pytest_plugins = [...]` in a
 * conftest.py, `-p name` in addopts, a pytest11 entry point), so what is refused in a conftest.py is refused
 * there too. Only the patch's lines and the file before it are read: a hook the patch does not touch in a
 * file it edits is in `oldContent`.
 */
export function isPytestPlugin(fp: FilePatch, oldContent: string | null): boolean {
  if (!fp.path.endsWith(".py")) return false;
  if (oldContent !== null && HOOK_DEF.test(oldContent)) return true;
  return fp.hunks.some((h) => h.lines.some((l) => l.kind !== "-" && HOOK_DEF.test(l.text)));
}
