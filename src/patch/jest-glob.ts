import { expandBraces } from "./test-file-globs.js";

/**
 * A jest testMatch glob as a regular expression over `/<rootDir>/<path>`, or undefined when it holds what
 * this reading does not follow (a negated extglob `!(…)`, a glob relative to no folder): the caller then
 * takes no view rather than guess. `**` spans folders, `*` and `?` stay in one, `?(…)` `+(…)` `*(…)` `@(…)`
 * are micromatch's extglobs, and braces expand.
 */
export function jestGlob(glob: string): RegExp | undefined {
  let g = glob.trim();
  if (g.startsWith("<rootDir>/")) g = `/<rootDir>/${g.slice("<rootDir>/".length)}`;
  else if (!g.startsWith("**/")) return undefined;
  if (g.includes("!(")) return undefined;
  const alternatives = expandBraces(g).map(toRegex);
  if (alternatives.some((a) => a === undefined)) return undefined;
  return new RegExp(`^(?:${alternatives.join("|")})$`);
}

function toRegex(g: string): string | undefined {
  let out = "";
  const groups: string[] = [];
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if ("?+*@".includes(c) && g[i + 1] === "(") {
      groups.push(c === "@" ? "" : c);
      out += "(?:";
      i++;
    } else if (c === "|" && groups.length) out += "|";
    else if (c === ")" && groups.length) out += `)${groups.pop()}`;
    else if (c === "*" && g[i + 1] === "*") {
      const slash = g[i + 2] === "/";
      out += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const end = g.indexOf("]", i + 2);
      if (end < 0) return undefined;
      out += `[${g.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return groups.length ? undefined : out;
}
