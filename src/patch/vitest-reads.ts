import path from "node:path";
import { VITEST_CONFIG_ORDER } from "../core/test-config-files.js";
import { foldersUp } from "./folders-up.js";
import { textBothSides } from "./text-before-patch.js";
import type { Original, Refusal, VFile } from "./types.js";

/**
 * How vitest takes a config file's test.include on one side of the patch. `reads`: it is the config vitest
 * reads in its directory (the first of VITEST_CONFIG_ORDER there), or the vite.config.* that one merges
 * (mergeConfig); vitest then runs its include together with `partner`'s (mergeConfig joins the two lists),
 * and its default include when neither sets one. Otherwise vitest does not read the file there.
 */
export type VitestRead = { reads: true; partner?: string } | { reads: false };

/** A config file whose test settings vitest may join with vite.config.*'s. */
export const mergesConfig = (text: string) => /\bmergeConfig\s*\(/.test(text);

/** How vitest reads the patch's vitest config files and the bases they merge, for one plan (see vitestReader). */
export interface VitestReader {
  /**
   * How vitest reads `file`, a vitest.config.* or vite.config.*, before and after the patch: the patch's
   * files as planned, the others as on disk. `from` is where the file was before (a rename's source), null
   * for a file the patch adds: "before" is then the config vitest read in its directory, which the new
   * file's settings are compared with. A config file there that cannot be read (a symlink out of the
   * checkout) is refused: which include vitest ran is not known. For a file the patch `deleted`, "after" is
   * the config vitest reads in its place.
   */
  reads(file: string, from: string | null, deleted?: boolean): Promise<{ ok: true; before: VitestRead; after: VitestRead } | { ok: false; refusal: Refusal }>;
  /**
   * The vitest configs that merge `file`, a script no name of its own has vitest read (`config/vite.base.ts`,
   * `vite.config.base.ts`), as their base (see mergedBase) on either side of the patch: its test.include runs
   * joined with theirs. `from` is where it was before (a rename's source). The config vitest reads in the
   * file's folder and in each folder above it is looked at, and, when the file sets test options on either
   * side, that of every folder of the checkout holding a vitest config (`packages/web/` merging
   * `../../vite.config.base`), dependency and build folders left out (see listRepoFiles). A config that
   * cannot be read is not known to merge it, and is passed over: it is the same on both sides.
   */
  bases(file: string, from: string): Promise<VitestBase[]>;
}

/**
 * A VitestReader for one plan. Each folder's vitest config files are read once per plan, however many of
 * the patch's files (every script it edits, for bases) look at that folder. `repoFiles`: the checkout's
 * files (see listRepoFiles), for the configs of other folders that may merge a base.
 */
export function vitestReader(root: string, originals: Map<string, Original>, vfs: Map<string, VFile>, repoFiles: () => Promise<string[]>): VitestReader {
  const read = new Map<string, Promise<Configs>>();
  const configsAt = (dir: string) => {
    let configs = read.get(dir);
    if (!configs) read.set(dir, (configs = configsIn(root, dir, originals, vfs)));
    return configs;
  };
  const textAt = (side: "before" | "after") => (rel: string) => sideText(root, rel, originals, vfs, side);
  let configDirs: Promise<string[]> | undefined;
  return {
    async reads(file, from, deleted = false) {
      const wasDir = path.posix.dirname(from ?? file);
      const isDir = path.posix.dirname(file);
      const was = await configsAt(wasDir);
      const is = from === null || wasDir === isDir ? was : await configsAt(isDir);
      const [readBefore] = was.before.keys();
      const before = await roleIn(from === null ? readBefore ?? path.posix.basename(file) : path.posix.basename(from), wasDir, was.before, textAt("before"));
      if (!before.ok) return before;
      const [readAfter] = is.after.keys();
      const after = await roleIn(deleted ? readAfter ?? path.posix.basename(file) : path.posix.basename(file), isDir, is.after, textAt("after"));
      if (!after.ok) return after;
      return { ok: true, before: before.read, after: after.read };
    },
    async bases(file, from) {
      const dirs = new Set([...foldersUp(path.posix.dirname(from)), ...foldersUp(path.posix.dirname(file))]);
      // Most scripts a patch edits are code, not a base: the checkout is searched only for one that sets test options.
      const texts = [await textAt("before")(from), await textAt("after")(file)];
      if (texts.some((t) => typeof t === "string" && SETS_TEST_OPTIONS.test(t))) {
        for (const dir of await (configDirs ??= vitestConfigDirs(repoFiles, vfs))) dirs.add(dir);
      }
      const bases: VitestBase[] = [];
      for (const dir of dirs) {
        const configs = await configsAt(dir);
        const before = await mergedIn(from, dir, configs.before, textAt("before"));
        const after = await mergedIn(file, dir, configs.after, textAt("after"));
        if (before.reads || after.reads) bases.push({ dir, before, after });
      }
      return bases;
    },
  };
}

/** A vitest config that merges a file the patch changes as its base, and how vitest reads that file through it. */
export interface VitestBase {
  /** The config's folder. */
  dir: string;
  before: VitestRead;
  after: VitestRead;
}

/** A `test:` key, where a vite config sets vitest's options. */
const SETS_TEST_OPTIONS = /\btest\s*:/;

/** The folders of the checkout that hold a vitest config on disk or in the patch, dependency and build folders left out. */
async function vitestConfigDirs(repoFiles: () => Promise<string[]>, vfs: Map<string, VFile>): Promise<string[]> {
  const files = [...(await repoFiles()), ...[...vfs].filter(([, f]) => f.content !== null).map(([rel]) => rel)];
  return [...new Set(files.filter((rel) => VITEST_CONFIG_ORDER.includes(path.posix.basename(rel))).map((rel) => path.posix.dirname(rel)))];
}

/** Whether the config vitest reads in `dir` (the first of `files`) merges `target` as its base: joined with that config's text when it does. */
async function mergedIn(target: string, dir: string, files: Map<string, Text>, textAt: (rel: string) => Promise<Text | null>): Promise<VitestRead> {
  const [entry] = files.entries();
  if (entry === undefined || typeof entry[1] !== "string" || !mergesConfig(entry[1])) return { reads: false };
  const [read, text] = entry;
  for (const rel of mergedBase(dir === "." ? read : `${dir}/${read}`, text)) {
    if (rel === target) return { reads: true, partner: text };
    // An earlier candidate that exists is the base it imports.
    if ((await textAt(rel)) !== null) break;
  }
  return { reads: false };
}

/** A config file's text, or why it cannot be read. */
type Text = string | Refusal;

/** The text of `rel` on one side of the patch (null: none there), or why it cannot be read. */
async function sideText(root: string, rel: string, originals: Map<string, Original>, vfs: Map<string, VFile>, side: "before" | "after"): Promise<Text | null> {
  const read = await textBothSides(root, rel, originals, vfs);
  return read.ok ? read[side] : read.refusal;
}

/** The vitest config files of a directory that exist, by name in vitest's order, with their text before and after the patch. */
interface Configs {
  before: Map<string, Text>;
  after: Map<string, Text>;
}

/** The vitest config files of `dir`. */
async function configsIn(root: string, dir: string, originals: Map<string, Original>, vfs: Map<string, VFile>): Promise<Configs> {
  const before = new Map<string, Text>();
  const after = new Map<string, Text>();
  for (const name of VITEST_CONFIG_ORDER) {
    const rel = dir === "." ? name : `${dir}/${name}`;
    const read = await textBothSides(root, rel, originals, vfs);
    // The patch cannot edit a file read through a link out of the checkout: it is there, unread, on both sides.
    const [was, is] = read.ok ? [read.before, read.after] : [read.refusal, read.refusal];
    if (was !== null) before.set(name, was);
    if (is !== null) after.set(name, is);
  }
  return { before, after };
}

/**
 * How vitest takes the test.include of the config file `name` in `dir`, a directory holding `files`. A
 * vitest.config.* that vitest reads and that merges a base config (mergeConfig) is joined with that base,
 * read at the relative path it imports it from (`./vite.config`, `../vite.config.base`), through `textAt`.
 * A base imported from elsewhere (a package) or not found is left out: it is the same on both sides, and
 * without it a list lost counts in full. A file it needs and cannot read is refused; others are not looked at.
 */
async function roleIn(
  name: string,
  dir: string,
  files: Map<string, Text>,
  textAt: (rel: string) => Promise<Text | null>,
): Promise<{ ok: true; read: VitestRead } | { ok: false; refusal: Refusal }> {
  const ok = (read: VitestRead) => ({ ok: true as const, read });
  const [entry] = files.entries();
  if (entry === undefined) return ok({ reads: true });
  const [read, text] = entry;
  if (typeof text !== "string") return { ok: false, refusal: text };
  if (!(read.startsWith("vitest.config.") && mergesConfig(text))) return ok(name === read ? { reads: true } : { reads: false });
  const at = (n: string) => (dir === "." ? n : `${dir}/${n}`);
  let base: { rel: string; text: Text } | undefined;
  for (const rel of mergedBase(at(read), text)) {
    const found = await textAt(rel);
    if (found !== null) {
      base = { rel, text: found };
      break;
    }
  }
  if (name !== read && base?.rel !== at(name)) return ok({ reads: false });
  const partner = name === read ? base?.text : text;
  if (partner === undefined) return ok({ reads: true });
  return typeof partner === "string" ? ok({ reads: true, partner }) : { ok: false, refusal: partner };
}

const SCRIPT_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];

/**
 * The paths (from the checkout's root, in the order tried) the config at `file` imports the base it hands
 * to mergeConfig from: `mergeConfig(viteConfig, …)` or `mergeConfig(viteConfig(env), …)` with
 * `import viteConfig from '../vite.config.base'`. None when the base is not imported by a relative path
 * inside the checkout.
 */
function mergedBase(file: string, text: string): string[] {
  const arg = /\bmergeConfig\s*\(\s*(?:await\s+)?([A-Za-z_$][\w$]*)/.exec(text)?.[1];
  if (arg === undefined) return [];
  const named = (list: string) => list.split(",").some((n) => n.trim().split(/\s+as\s+/).pop() === arg);
  let spec: string | undefined;
  for (const m of text.matchAll(/\bimport\s+([^'"`;]*?)\s+from\s*['"]([^'"]+)['"]|\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const clause = m[1];
    if (clause !== undefined) {
      const braces = /\{([^}]*)\}/.exec(clause);
      const plain = clause.replace(/\{[^}]*\}/, "").replace(/\*\s+as\s+/, "").split(",").map((n) => n.trim());
      if (plain.includes(arg) || (braces && named(braces[1]!))) spec = m[2];
    } else if (m[3] === arg) spec = m[4];
    if (spec !== undefined) break;
  }
  if (spec === undefined || !/^\.\.?\//.test(spec)) return [];
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  if (resolved === ".." || resolved.startsWith("../")) return [];
  const ext = path.posix.extname(resolved);
  // TypeScript lets `./base.js` name base.ts.
  if (SCRIPT_EXTENSIONS.includes(ext)) return [resolved, ...(ext.endsWith("js") ? [resolved.slice(0, -2) + "ts"] : [])];
  return [resolved, ...SCRIPT_EXTENSIONS.map((e) => resolved + e)];
}
