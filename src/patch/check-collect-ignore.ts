import { quote } from "./greenwash.js";
import { tokenize, valueTokens } from "./js-settings.js";
import { minus } from "./minus.js";
import { onlyBuildDirs } from "./only-build-dirs.js";
import type { Add } from "./types.js";

/** Entries of `collect_ignore` / `collect_ignore_glob` (assigned, extended or appended). */
function collectIgnores(text: string): string[] {
  const toks = tokenize(text, "py");
  const out: string[] = [];
  /** Entries are kept as "collect_ignore_glob\u0000test_b*.py" so the two lists compare apart. */
  toks.forEach((tk, i) => {
    if (tk.t !== "id" || !/^collect_ignore(_glob)?$/.test(tk.v) || toks[i - 1]?.v === ".") return;
    let from: number;
    if (toks[i + 1]?.v === "=" && toks[i + 2]?.v !== "=") from = i + 2;
    else if (toks[i + 1]?.v === "+" && toks[i + 2]?.v === "=") from = i + 3;
    else if (toks[i + 1]?.v === "." && /^(append|extend|insert)$/.test(toks[i + 2]?.v ?? "")) from = i + 3;
    else return;
    out.push(...valueTokens(toks, from).filter((v) => v.t === "str").map((v) => `${tk.v}\u0000${v.v}`));
  });
  return out;
}

export function checkCollectIgnore(old: string, now: string, add: Add) {
  const added = minus(collectIgnores(now), collectIgnores(old))
    .map((e) => e.split("\u0000") as [string, string])
    .filter(([, v]) => !onlyBuildDirs(v));
  if (added.length) {
    const [list] = added[0]!;
    const values = added.filter(([l]) => l === list).map(([, v]) => quote(v));
    add("skip_tests", `the patch adds ${values.join(", ")} to ${list}, so pytest no longer collects the tests there`, list);
  }
}
