import { parse as parseYaml } from "yaml";
import { checkMochaFolders } from "./check-mocha-folders.js";
import { MOCHA_KEYS, withMochaDefaults } from "./check-selection.js";
import { compareSettings } from "./compare-settings.js";
import { jsSettings, type Setting } from "./js-settings.js";
import type { MochaFile } from "./mocha-reads.js";
import type { Add } from "./types.js";

/**
 * `reads`: the files mocha reads in the folder on each side (see mochaReads), joined with `old` and `now`.
 * `files`: the checkout's files from that folder (see checkMochaFolders).
 * Messages name a YAML file; for the others they read as before.
 */
export function checkMocharc(name: string, old: string, now: string, add: Add, reads?: Record<"before" | "after", MochaFile[]>, files?: string[]) {
  const joined = (read: Array<Pick<MochaFile, "name" | "text">>) => {
    const out = new Map<string, Setting>();
    for (const f of read) {
      const settings = mochaSettings(f.name, f.text);
      // A .mocharc mocha cannot parse fails the run on its own.
      if (!settings) return null;
      for (const [k, s] of settings) {
        const had = out.get(k);
        out.set(k, had ? { present: true, values: [...new Set([...had.values, ...s.values])], refs: [...(had.refs ?? []), ...(s.refs ?? [])] } : s);
      }
    }
    return out;
  };
  const was = joined([{ name, text: old }, ...(reads?.before ?? [])]);
  const is = joined([{ name, text: now }, ...(reads?.after ?? [])]);
  if (!was || !is) return;
  const where = /\.ya?ml$/.test(name) ? ` in ${name}` : "";
  compareSettings(withMochaDefaults(was), withMochaDefaults(is), MOCHA_KEYS, where, add);
  checkMochaFolders(was, is, where, add, files);
}

/** The mocha settings of a .mocharc.* or of package.json's "mocha"; null for a YAML file that does not parse. */
function mochaSettings(name: string, text: string): Map<string, Setting> | null {
  if (name === "package.json") return jsSettings(text, MOCHA_KEYS, (anc) => anc.includes("mocha"));
  if (!/\.ya?ml$/.test(name)) return jsSettings(text, MOCHA_KEYS, () => true);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return null;
  }
  const out = new Map<string, Setting>();
  if (!doc || typeof doc !== "object") return out;
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (Object.hasOwn(MOCHA_KEYS, k)) out.set(k, { present: true, values: (Array.isArray(v) ? v : [v]).map(String) });
  }
  return out;
}
