import type { DefaultSelection, Defaults } from "./narrowed-selection.js";
import { pytestSettings } from "./pytest-settings.js";
import { textBothSides } from "./text-before-patch.js";
import type { Original, Refusal, VFile } from "./types.js";

/** pytest's testpaths in one directory, before and after the patch (see pytestTestpaths). */
export interface Testpaths {
  before?: string[];
  after?: string[];
  /** A config file pytest would read there cannot be read (a symlink out of the checkout): what a pytest given no paths runs is not known. */
  unreadable?: Refusal;
}

/** Where pytest looks for its configuration in a directory, in its order. */
export const PYTEST_CONFIG_FILES = ["pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"];

/**
 * The testpaths a pytest started in a directory runs when given no paths, from that directory's files
 * (`read` gives one's text, null when absent). pytest takes the first of PYTEST_CONFIG_FILES that
 * configures it (pytest.ini even without its section), and applies testpaths only when started in the
 * config's directory: a config further up is not looked for. Undefined when there is none, or a file
 * pytest would read cannot be parsed.
 */
export function pytestTestpaths(read: (name: string) => string | null): string[] | undefined {
  const config = pytestConfig(read);
  const paths = (config && pytestSettings(config.name, config.text.replace(/\r\n/g, "\n"))?.values.get("testpaths")) ?? [];
  return paths.length ? paths : undefined;
}

export const forPytest = (paths: string[] | undefined): DefaultSelection | undefined =>
  paths && ((program) => (/^(pytest|py\.test)$/.test(program) ? paths : undefined));

/**
 * What a pytest given no paths runs in a test command, before and after the patch: the testpaths of where
 * the command starts. Every kind of test command (tox, make, package.json scripts, entry scripts) reads
 * it from here; `startsThere` is false on a side whose commands start elsewhere (tox's changedir).
 */
export function pathlessPytest(
  testpaths: Testpaths = {},
  startsThere: { before: boolean; after: boolean } = { before: true, after: true },
): Defaults {
  return { before: startsThere.before ? forPytest(testpaths.before) : undefined, after: startsThere.after ? forPytest(testpaths.after) : undefined };
}

/** Where a pytest started in a directory of the checkout ("" or "." for the root) finds its testpaths. */
export type TestpathsAt = (dir: string) => Promise<Testpaths>;

/**
 * pytest's testpaths for a pytest started in a directory, before and after the patch: the patch's files
 * as planned, the others as on disk. Each directory's config files are read once per plan, however many
 * of the patch's files (a package.json, a Makefile, a script's cd) start commands there.
 */
export function testpathsReader(root: string, originals: Map<string, Original>, vfs: Map<string, VFile>): TestpathsAt {
  const read = new Map<string, Promise<Testpaths>>();
  return (dir) => {
    const key = dir === "." ? "" : dir;
    let testpaths = read.get(key);
    if (!testpaths) read.set(key, (testpaths = testpathsIn(root, key, originals, vfs)));
    return testpaths;
  };
}

/** pytest's testpaths in `dir` ("" for the root); `unreadable` when a config file there cannot be read. */
async function testpathsIn(root: string, dir: string, originals: Map<string, Original>, vfs: Map<string, VFile>): Promise<Testpaths> {
  const files = await pytestFilesIn(root, dir, originals, vfs);
  // A pytest.ini linked out of the checkout is still pytest's config: without its text, what runs is not
  // known. Read as "no testpaths", a command's paths dropped for a pytest given none passed as running everything.
  if (!files.ok) return { unreadable: files.refusal };
  return { before: pytestTestpaths((n) => files.was.get(n) ?? null), after: pytestTestpaths((n) => files.is.get(n) ?? null) };
}

/** The text of each of PYTEST_CONFIG_FILES in `dir` ("" or "." for the root) before and after the patch, or why one cannot be read. */
async function pytestFilesIn(
  root: string,
  dir: string,
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
): Promise<{ ok: true; was: Map<string, string | null>; is: Map<string, string | null> } | { ok: false; refusal: Refusal }> {
  const was = new Map<string, string | null>();
  const is = new Map<string, string | null>();
  for (const name of PYTEST_CONFIG_FILES) {
    const read = await textBothSides(root, dir === "." || dir === "" ? name : `${dir}/${name}`, originals, vfs);
    if (!read.ok) return read;
    was.set(name, read.before);
    is.set(name, read.after);
  }
  return { ok: true, was, is };
}

/** The config file pytest reads in a directory, and its text. */
export interface PytestConfig {
  name: string;
  text: string;
}

/** The file pytest takes its settings from, of those `read` gives (null when absent): the first of PYTEST_CONFIG_FILES that configures it. */
function pytestConfig(read: (name: string) => string | null): PytestConfig | null {
  for (const name of PYTEST_CONFIG_FILES) {
    const text = read(name);
    if (text === null) continue;
    const settings = pytestSettings(name, text.replace(/\r\n/g, "\n"));
    // One that does not parse fails pytest's run: it is taken as read.
    if (!settings || settings.found || name.endsWith("pytest.ini")) return { name, text };
  }
  return null;
}

/**
 * The config file pytest reads in `dir` ("." for the root) before and after the patch: the patch's files
 * as planned, the others as on disk. One that cannot be read (a symlink out of the checkout) is refused.
 */
export async function pytestConfigsIn(
  root: string,
  dir: string,
  originals: Map<string, Original>,
  vfs: Map<string, VFile>,
): Promise<{ ok: true; before: PytestConfig | null; after: PytestConfig | null } | { ok: false; refusal: Refusal }> {
  const files = await pytestFilesIn(root, dir, originals, vfs);
  if (!files.ok) return files;
  return { ok: true, before: pytestConfig((n) => files.was.get(n) ?? null), after: pytestConfig((n) => files.is.get(n) ?? null) };
}
