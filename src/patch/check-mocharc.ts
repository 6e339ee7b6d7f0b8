import { parse as parseYaml } from "yaml";
import { checkSelection, MOCHA_KEYS, withMochaDefaults } from "./check-selection.js";
import { compareSettings } from "./compare-settings.js";
import type { Setting } from "./js-settings.js";
import type { Add } from "./types.js";

export function checkMocharc(name: string, old: string, now: string, add: Add) {
  if (!/\.ya?ml$/.test(name)) return checkSelection(old, now, MOCHA_KEYS, () => true, add, "", withMochaDefaults);
  const settings = (text: string) => {
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
  };
  const was = settings(old);
  const is = settings(now);
  // A .mocharc mocha cannot parse fails the run on its own.
  if (was && is) compareSettings(withMochaDefaults(was), withMochaDefaults(is), MOCHA_KEYS, ` in ${name}`, add);
}
