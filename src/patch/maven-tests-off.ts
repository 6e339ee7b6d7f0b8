import picomatch from "picomatch";
import type { FilePatch } from "./types.js";

export interface MavenFinding {
  line: string;
  hunk: string;
  why: string;
}

const POM = /(^|\/)pom\.xml$/;
/** The plugins that run the tests: surefire (unit) and failsafe (integration). */
const TEST_PLUGIN = /^maven-(surefire|failsafe)-plugin$/;
const ARTIFACT = /<artifactId>\s*([^<\s]+)\s*<\/artifactId>/;

/** What an added line does inside a test plugin's configuration, if it leaves tests out. */
const IN_TEST_PLUGIN: Array<{ re: RegExp; why: string }> = [
  { re: /<skip>\s*true\s*</, why: "turns the plugin's test run off (skip)" },
  // An exclude here leaves test classes out: `**/integration/**` as much as `**/CalcTest.java`. One whose
  // pattern ends in another kind of file (`**/*.properties`) matches no test class.
  { re: /<exclude>(?![^<]*\.(?!(java|class|kt|groovy|scala)\b)\w+\s*<)[^<]*\S[^<]*<\/exclude>|<excludes>\s*[^<\s]/, why: "leaves test classes out of the run (exclude)" },
  { re: /<test>[^<]*\S[^<]*<\/test>/, why: "runs only the tests it names (test)" },
  { re: /<groups>[^<]*\S[^<]*<\/groups>/, why: "runs only the tests of the groups it names (groups)" },
  // With it false, a -Dtest (or <test>) that matches no class passes having run nothing.
  { re: /<(surefire\.|failsafe\.)?failIfNoSpecifiedTests>\s*false\s*</, why: "lets a run that selects no test pass (failIfNoSpecifiedTests false)" },
];

/** An `<include>` the patch adds: it narrows the run when it replaces one (or the defaults) with less, not beside kept ones. */
const INCLUDE = /<include>[^<]*\S[^<]*<\/include>/;
const INCLUDE_GLOB = /<include>\s*([^<]*?)\s*<\/include>/;
/** What each plugin runs with no `<includes>` of its own (surefire's and failsafe's documented defaults). */
const DEFAULT_INCLUDES: Record<string, string[]> = {
  "maven-surefire-plugin": ["**/Test*.java", "**/*Test.java", "**/*Tests.java", "**/*TestCase.java"],
  "maven-failsafe-plugin": ["**/IT*.java", "**/*IT.java", "**/*ITCase.java"],
};

/**
 * A pom.xml edit that leaves tests out of surefire's or failsafe's run: `<skip>true</skip>`, an `<exclude>`
 * of any pattern, `<test>` or `<groups>`, an `<include>` that replaces others (or the defaults) with less, `failIfNoSpecifiedTests` false. Which plugin a line configures is read from
 * the file as the patch leaves it around the hunk (the old lines above it, then the hunk's own): an exclude
 * in a resources or coverage block names no test and passes.
 */
export function findMavenTestsOff(fp: FilePatch, oldContent: string | null): MavenFinding[] {
  if (!POM.test(fp.path)) return [];
  const old = (oldContent ?? "").replace(/\r\n/g, "\n").split("\n");
  const out: MavenFinding[] = [];
  for (const h of fp.hunks) {
    // The new side of the file up to each line: what is above the hunk, then its context and added lines.
    const above = old.slice(0, Math.max(0, h.oldStart - 1));
    const seen: string[] = [...above];
    // Includes replace the plugin's defaults (**/Test*.java, **/*Test.java, …): a new <includes> block, or an
    // include taken out in the same hunk, narrows the run unless the hunk's includes still cover all it ran
    // (`**/*Test.java` → `**/*Test*.java`); another include beside the kept ones widens it.
    const globs = (keep: (kind: string) => boolean) => h.lines.filter((l) => keep(l.kind) && INCLUDE.test(l.text)).map((l) => INCLUDE_GLOB.exec(l.text)![1]!);
    const taken = globs((k) => k === "-");
    const opens = h.lines.some((l) => l.kind === "+" && /<includes>/.test(l.text));
    const now = globs((k) => k !== "-");
    for (const l of h.lines) {
      if (l.kind === "-") continue;
      seen.push(l.text);
      if (l.kind !== "+") continue;
      const plugin = enclosingPlugin(seen);
      if (!plugin || !TEST_PLUGIN.test(plugin)) continue;
      const ran = taken.length ? taken : opens ? DEFAULT_INCLUDES[plugin]! : [];
      const narrows = INCLUDE.test(l.text) && !ran.every((o) => now.some((n) => covers(n, o)));
      const hit = IN_TEST_PLUGIN.find((p) => p.re.test(l.text)) ?? (narrows ? { why: "runs only the test classes its includes name (include)" } : undefined);
      if (hit) out.push({ line: l.text, hunk: h.header, why: `${hit.why} in ${plugin}'s configuration` });
    }
  }
  return out;
}

/** The artifactId of the `<plugin>` the last of `lines` is in, if any: the nearest open `<plugin>` above it. */
function enclosingPlugin(lines: string[]): string | undefined {
  let depth = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!;
    if (/<\/plugin>/.test(t)) depth++;
    if (/<plugin>/.test(t)) {
      if (depth === 0) {
        // Its own artifactId: the first one after the opening tag (a dependency's comes after configuration).
        for (let j = i; j < lines.length; j++) {
          const m = ARTIFACT.exec(lines[j]!);
          if (m) return m[1];
        }
        return undefined;
      }
      depth--;
    }
  }
  return undefined;
}

// Whether the include `wide` runs every class `narrow` does: it matches `narrow` read as a path, and a path
// `narrow` matches (each `*` as several letters, `?` as one, `**` as folders), so that `**/?Test.java` does not pass
// for `**/*Test.java`. A `%regex[…]` include is not compared, and covers only itself.
function covers(wide: string, narrow: string): boolean {
  const bare = (g: string) => g.replace(/\.(java|class)$/, "");
  if (wide === narrow) return true;
  if (/^%regex\[/.test(wide) || /^%regex\[/.test(narrow)) return false;
  const re = picomatch.makeRe(bare(wide), { dot: true });
  const sample = bare(narrow).replace(/\*\*/g, "a/b").replace(/\*/g, "Qx9Qx").replace(/\?/g, "Q");
  return re.test(bare(narrow)) && re.test(sample);
}
