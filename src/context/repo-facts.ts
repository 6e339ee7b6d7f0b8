import { basename, dirname, posix } from "node:path";
import { redactHead } from "../core/redact.js";
import { JEST_CONFIG_FILE, VITEST_CONFIG_FILE } from "../core/test-config-files.js";
import { readRepoFile } from "./repo-files.js";

const LANGUAGE_BY_EXT: Record<string, string> = {
  ts: "TypeScript", tsx: "TypeScript", mts: "TypeScript", cts: "TypeScript", js: "JavaScript", jsx: "JavaScript", mjs: "JavaScript",
  cjs: "JavaScript", py: "Python", go: "Go", rs: "Rust", java: "Java", kt: "Kotlin", kts: "Kotlin", scala: "Scala", rb: "Ruby",
  php: "PHP", cs: "C#", fs: "F#", c: "C", h: "C", cc: "C++", cpp: "C++", hpp: "C++", cxx: "C++", swift: "Swift", m: "Objective-C",
  ex: "Elixir", exs: "Elixir", erl: "Erlang", hs: "Haskell", ml: "OCaml", clj: "Clojure", dart: "Dart", lua: "Lua", r: "R",
  jl: "Julia", sh: "Shell", bash: "Shell", zig: "Zig", vue: "Vue", svelte: "Svelte", groovy: "Groovy",
};

/** Languages of the checkout by file count (those with at least 5% of the code files), most files first. */
export function detectLanguages(files: string[]): string[] {
  const counts = new Map<string, number>();
  for (const f of files) {
    const ext = f.includes(".") ? f.slice(f.lastIndexOf(".") + 1).toLowerCase() : "";
    const lang = LANGUAGE_BY_EXT[ext];
    if (lang) counts.set(lang, (counts.get(lang) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return [...counts.entries()]
    .filter(([, n]) => n >= Math.max(1, total * 0.05))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 6)
    .map(([l]) => l);
}

const MANIFEST = /^(package\.json|pyproject\.toml|requirements(?:[-_.][\w-]+)?\.txt|setup\.py|setup\.cfg|Pipfile|go\.mod|Cargo\.toml|pom\.xml|build\.gradle(?:\.kts)?|settings\.gradle(?:\.kts)?|Gemfile|composer\.json|mix\.exs|Package\.swift|deno\.jsonc?|[\w.-]+\.csproj|CMakeLists\.txt)$/;
const TEST_CONFIG = /^(\.?pytest\.ini|tox\.ini|conftest\.py|noxfile\.py|\.mocharc\.(?:js|cjs|json|ya?ml)|karma\.conf\.(?:js|cjs|ts)|\.nycrc(?:\.json|\.ya?ml)?|\.c8rc(?:\.json)?|playwright\.config\.(?:js|ts)|cypress\.config\.(?:js|ts)|phpunit\.xml(?:\.dist)?|tsconfig\.json|\.rspec|babel\.config\.(?:js|json|cjs)|\.babelrc)$/;

export const isManifest = (path: string) => MANIFEST.test(basename(path));
export const isTestConfig = (path: string) => JEST_CONFIG_FILE.test(path) || VITEST_CONFIG_FILE.test(path) || TEST_CONFIG.test(basename(path));

/**
 * Manifests and test configuration that matter for the failure: those at the root and in the directories
 * that hold the files the log points at (and their parents), nearest first.
 */
export function relevantFiles(files: string[], focusPaths: string[], pick: (p: string) => boolean, max: number): string[] {
  const dirs = new Set<string>([""]);
  for (const p of focusPaths) {
    let d = posix.dirname(p);
    while (d && d !== ".") {
      dirs.add(d);
      d = posix.dirname(d);
    }
  }
  const depth = (p: string) => (p.match(/\//g) ?? []).length;
  return files
    .filter((f) => pick(f) && dirs.has(dirname(f) === "." ? "" : dirname(f)))
    // Root first, then the directories closest to the failing files.
    .sort((a, b) => Number(depth(a) > 0) - Number(depth(b) > 0) || depth(b) - depth(a) || a.localeCompare(b))
    .slice(0, max);
}

/** A short excerpt of a manifest: for package.json only the keys that explain a build; else the head. */
export async function manifestExcerpt(root: string, path: string, maxChars = 2500): Promise<string | undefined> {
  const read = await readRepoFile(root, path);
  if (!read.ok) return read.note === undefined ? undefined : `[not shown: ${read.note}]`;
  const { text } = read;
  if (basename(path) === "package.json") {
    try {
      const pkg = JSON.parse(text) as Record<string, unknown>;
      const keep = ["name", "type", "engines", "packageManager", "workspaces", "scripts", "dependencies", "devDependencies", "peerDependencies", "jest", "mocha"];
      const slim = Object.fromEntries(keep.filter((k) => k in pkg).map((k) => [k, pkg[k]]));
      return clip(JSON.stringify(slim, null, 1), maxChars);
    } catch {
      // not valid JSON: show it as text, which is itself a clue
    }
  }
  return clip(text, maxChars);
}

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const line = cut.lastIndexOf("\n");
  if (line >= maxChars / 2) return cut.slice(0, line) + "\n[... cut]";
  // Cut mid-line: redacted first, as the context's redaction would see only the head of a secret across it.
  return redactHead(text, Math.floor(maxChars / 2)) + "\n[... cut]";
}
