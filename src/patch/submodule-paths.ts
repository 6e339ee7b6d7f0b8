/**
 * The paths a .gitmodules gives its submodules (`path = vendor/lib`), as repository paths. It is a git
 * config file: `[submodule "lib"]` sections, keys indented or not and in any case, values maybe in double quotes.
 */
export function submodulePaths(gitmodules: string): string[] {
  const out: string[] = [];
  let inSubmodule = false;
  for (const line of gitmodules.split(/\r?\n/)) {
    const head = /^\s*\[\s*([^\]\s]+)/.exec(line);
    if (head) {
      inSubmodule = head[1]!.toLowerCase() === "submodule";
      continue;
    }
    const kv = inSubmodule ? /^\s*path\s*=\s*(.*?)\s*$/i.exec(line) : null;
    if (!kv) continue;
    const p = kv[1]!.replace(/^"(.*)"$/, "$1").split("/").filter((s) => s !== "" && s !== ".").join("/");
    if (p) out.push(p);
  }
  return out;
}
