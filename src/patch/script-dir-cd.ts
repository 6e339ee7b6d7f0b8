import path from "node:path";

/**
 * `$(dirname "$0")` and its spellings, as commandSegments leaves them (inner quotes may stay), then what
 * follows it. `$0` is the script as it was started, so its dirname is the script's own directory
 * wherever it was started from; `${BASH_SOURCE[0]}` is the same, even when the script is sourced.
 */
const SCRIPT_DIR = /^\$\(dirname\s+(?:--\s+)?"?(\$0|\$\{0\}|\$BASH_SOURCE|\$\{BASH_SOURCE(?:\[0\])?\})"?\)(.*)$/;

/**
 * The directory of the checkout ("" for its root) that `cd "$(dirname "$0")/.."` and its spellings
 * move `script` (its path in the checkout) to: the script's own directory, then a relative path without
 * variables. Undefined for any other command, and for a directory outside the checkout, whose name and
 * files are not known. In a `sourced` script `$0` is its caller's, so only BASH_SOURCE says where it is.
 */
export function scriptDirCd(words: string[], script: string, sourced = false): string | undefined {
  if (words.length !== 2 || words[0] !== "cd") return undefined;
  const m = SCRIPT_DIR.exec(words[1]!);
  if (!m || (sourced && !m[1]!.includes("BASH_SOURCE"))) return undefined;
  const rest = m[2]!;
  if ((rest !== "" && !rest.startsWith("/")) || /[$`~*?{]/.test(rest)) return undefined;
  const dir = path.posix.normalize(path.posix.join(path.posix.dirname(script), `.${rest}`));
  if (dir === ".." || dir.startsWith("../")) return undefined;
  return dir === "." ? "" : dir.replace(/\/$/, "");
}
