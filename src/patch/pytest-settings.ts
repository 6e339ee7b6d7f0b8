import { parse as parseToml } from "smol-toml";
import { readIni } from "./read-ini.js";

/** Where pytest reads its settings, per file name. */
export const PYTEST_SECTIONS: Record<string, string[]> = {
  "pytest.ini": ["pytest"],
  ".pytest.ini": ["pytest"],
  "tox.ini": ["pytest"],
  "setup.cfg": ["tool:pytest"],
  "pyproject.toml": ["tool.pytest.ini_options", "tool.pytest"],
};

/** `found`: the file has pytest's section, so pytest takes its settings from it. */
export type PytestSettings = { section: string; values: Map<string, string[]>; found: boolean } | null;

/** Parses pytest's section as word lists (addopts as one string in `values.get("addopts")[0]`). */
export function pytestSettings(name: string, text: string): PytestSettings {
  const sections = PYTEST_SECTIONS[name]!;
  const values = new Map<string, string[]>();
  if (name === "pyproject.toml") {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch {
      return null;
    }
    for (const section of sections) {
      let cur: unknown = doc;
      for (const part of section.split(".")) cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[part] : undefined;
      if (!cur || typeof cur !== "object") continue;
      for (const [k, v] of Object.entries(cur as Record<string, unknown>)) {
        const words = Array.isArray(v) ? v.map(String) : typeof v === "string" ? (k === "addopts" ? [v] : v.split(/\s+/).filter(Boolean)) : typeof v === "boolean" ? [String(v)] : [];
        values.set(k, k === "addopts" && Array.isArray(v) ? [words.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(" ")] : words);
      }
      return { section, values, found: true };
    }
    return { section: sections[0]!, values, found: false };
  }
  const raw = new Map<string, string>();
  const found = readIni(text, (s) => sections.includes(s));
  for (const keys of found.values()) {
    for (const [k, v] of keys) raw.set(k, v.replace(/\n/g, " ").trim());
  }
  for (const [k, v] of raw) values.set(k, k === "addopts" ? [v] : v.split(/\s+/).filter(Boolean));
  return { section: sections[0]!, values, found: found.size > 0 };
}
