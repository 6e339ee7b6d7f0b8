import path from "node:path";
import { quote } from "./greenwash.js";
import type { Setting } from "./js-settings.js";
import { MOCHA_DEFAULT_EXTENSIONS, MOCHA_DEFAULT_SPEC } from "./check-selection.js";
import { filesUnder } from "./files-under.js";
import { minus } from "./minus.js";
import type { Add } from "./types.js";

/** A spec entry mocha may take as a folder: no glob in it, no file extension (`test`, `./test/unit/`). */
const isFolder = (v: string) => !/[*?[\]{}()!+@]/.test(v) && path.posix.extname(v.replace(/\/+$/, "")) === "";
const isOn = (s: Setting | undefined) => s?.values.some((v) => v === "true") ?? false;
const extensionsOf = (s: Setting | undefined) => (s?.values ?? MOCHA_DEFAULT_EXTENSIONS).map((e) => e.replace(/^\./, ""));

/**
 * mocha takes a folder's files by `recursive` (its subfolders too) and `extension` (names ending so;
 * setting it replaces mocha's list): the folders spec names on both sides, or its default, ./test, where
 * no spec is set on either. Turning recursive off, or losing an extension, runs fewer of their files though
 * spec is the same. A glob entry is not read through them. `was` and `is`: the mocha settings before and
 * after the patch. `files`: the checkout's files, from mocha's working directory, on either side; when
 * known, a change that leaves out none of them (no subfolder, no file with the extension lost) narrows nothing.
 */
export function checkMochaFolders(was: Map<string, Setting>, is: Map<string, Setting>, where: string, add: Add, files?: string[]) {
  const before = was.get("spec");
  const after = is.get("spec");
  const byDefault = before === undefined && after === undefined;
  const named = new Set(after?.values ?? []);
  const folders = byDefault ? [MOCHA_DEFAULT_SPEC] : (before?.values ?? []).filter((v) => isFolder(v) && named.has(v));
  const what = (folder: string) => (byDefault ? `${quote(folder)}, mocha's default spec (none is set)` : `${quote(folder)}, which spec names`);
  const recursive = isOn(was.get("recursive"));
  const extensions = extensionsOf(was.get("extension"));
  const dropped = minus(extensions, extensionsOf(is.get("extension")));
  for (const folder of folders) {
    const inside = files === undefined ? undefined : filesIn(files, folder);
    const taken = (f: string, exts: string[]) => exts.some((e) => f.endsWith(`.${e}`));
    if (recursive && !isOn(is.get("recursive")) && (inside === undefined || inside.deeper.some((f) => taken(f, extensions)))) {
      return add("skip_tests", `the patch turns recursive off${where}, so mocha no longer runs the subfolders of ${what(folder)}`, "recursive");
    }
    const lost = dropped.filter((e) => inside === undefined || [...inside.top, ...(recursive ? inside.deeper : [])].some((f) => taken(f, [e])));
    if (lost.length) {
      return add("skip_tests", `the patch drops ${lost.map((e) => quote(e)).join(", ")} from extension${where}, so mocha no longer takes those files from ${what(folder)}`, "extension");
    }
  }
}

/** The files of `folder` itself, and those of its subfolders; hidden ones left out, as mocha leaves them. */
function filesIn(files: string[], folder: string): { top: string[]; deeper: string[] } {
  const out = { top: [] as string[], deeper: [] as string[] };
  for (const f of filesUnder(files, path.posix.normalize(folder).replace(/\/+$/, ""))) {
    if (!path.posix.basename(f).startsWith(".")) (f.includes("/") ? out.deeper : out.top).push(f);
  }
  return out;
}
