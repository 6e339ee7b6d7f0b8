import { promises as fs } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { liveShellText } from "./live-shell-text.js";
import { makeResolver, readMakefile, TEST_TARGET } from "./read-makefile.js";
import { isTestScript, readPackageScripts, scriptResolver } from "./read-package-scripts.js";
import { readToxEnvs, toxCommandText } from "./read-tox.js";
import { commandSegments } from "./command-segments.js";
import { programOf } from "./program-of.js";
import { commandsOf } from "./programs-of.js";
import { scriptDirCd } from "./script-dir-cd.js";
import { scriptOf } from "./script-of.js";
import { textBeforePatch } from "./text-before-patch.js";
import type { Original, Refusal } from "./types.js";
import { jobRunDefault, workflowText } from "../core/workflow-run-defaults.js";
import { actionFiles, localUse } from "./local-use.js";

/** A shell script by its name or its `#!` line. */
export const isShellScript = (file: string, text: string) => /\.(sh|bash|zsh|ksh)$/.test(file) || /^#!.*\b(ba|z|da|k)?sh\b/.test(text);

/** What runs a script in the caller's own shell. */
const SOURCE = new Set(["source", "."]);

/** Scripts calling scripts: enough for real repositories, bounded against a maze of them. */
const MAX_SCRIPTS = 50;

interface Caller {
  cmd: string;
  resolve?: (name: string) => string | undefined;
  /** Directory the command runs in, relative to the repository root ("" for the root). */
  cwd: string;
  /** False when `cwd` is only a guess (a working-directory built from a variable, tox's changedir). */
  cwdKnown: boolean;
  /** The script that holds the command, whose own directory is also tried for relative paths. */
  script?: string;
  /** Whether that script is sourced (`. ./env.sh`), where `$0` is not the script. */
  sourced?: boolean;
  by: string;
}

/** A shell script CI runs as its tests. */
export interface EntryScript {
  /** What runs it: `the test script "test" of package.json`. */
  by: string;
  /**
   * The directory it runs in, relative to the repository root ("" for the root); undefined when that is
   * not known, or its callers run it from different directories.
   */
  cwd?: string;
  /** Some caller sources it (`. ./env.sh`): its `$0` is then the caller's. */
  sourced?: boolean;
}

/** The test entry scripts by their path in the checkout, or why the files naming them cannot be read. */
export type EntryScripts = { ok: true; scripts: Map<string, EntryScript> } | { ok: false; refusal: Refusal };

/**
 * The shell scripts of the repository that CI runs as its tests, each with what runs it: scripts named
 * by package.json's test scripts, the make test targets, tox's [testenv] commands and workflow steps,
 * and the scripts those scripts run. Read as before the patch (see textBeforePatch), a script that a
 * symlink in the checkout leads to under the path of that file, which is the one a patch edits. One of
 * those files that cannot be read (a symlink out of the checkout, a directory) is not taken as absent:
 * the scripts it runs are not known. A script path that cannot be read is not an entry point: it is no
 * file of the checkout a patch could edit.
 */
export async function findTestEntryScripts(root: string, originals: Map<string, Original>): Promise<EntryScripts> {
  let refusal: Refusal | undefined;
  const read = async (rel: string): Promise<string | null> => {
    const r = await textBeforePatch(root, rel, originals);
    if (r.ok) return r.text;
    refusal ??= r.refusal;
    return null;
  };
  const callers: Caller[] = [];

  const pkg = await read("package.json");
  const scripts = pkg === null ? null : readPackageScripts(pkg);
  for (const [name, cmd] of Object.entries(scripts ?? {})) {
    if (isTestScript(name)) callers.push({ cmd, resolve: scriptResolver(scripts!), cwd: "", cwdKnown: true, by: `the test script "${name}" of package.json` });
  }
  // make reads the first of these that exists.
  for (const name of ["GNUmakefile", "makefile", "Makefile"]) {
    const text = await read(name);
    if (text === null) continue;
    const mk = readMakefile(text);
    for (const target of mk.rules.keys()) {
      if (TEST_TARGET.test(target)) callers.push({ cmd: `make ${target}`, resolve: makeResolver(mk), cwd: "", cwdKnown: true, by: `the make target ${target}` });
    }
    break;
  }
  const tox = await read("tox.ini");
  for (const [section, keys] of tox === null ? [] : readToxEnvs(tox)) {
    callers.push({ cmd: toxCommandText(keys.get("commands") ?? "").replace(/^-\s*/gm, ""), cwd: "", cwdKnown: false, by: `the commands of [${section}] in tox.ini` });
  }
  callers.push(...(await workflowRunCallers(root, read)));
  if (refusal) return { ok: false, refusal };

  const found = new Map<string, EntryScript>();
  /** Where each script was seen to run; null once two callers disagree or one is not sure. */
  const cwds = new Map<string, string | null>();
  for (let k = 0; k < callers.length && found.size < MAX_SCRIPTS; k++) {
    const c = callers[k]!;
    let cwd = c.cwd;
    let cwdKnown = c.cwdKnown;
    // Where each pushd left from, for its popd (a wrapper's `env -C dir cmd` is read as `pushd dir`, cmd, `popd`).
    const pushed: Array<[string, boolean]> = [];
    for (const words of commandsOf(c.cmd, c.resolve)) {
      if (words[0] === "popd" && pushed.length) {
        [cwd, cwdKnown] = pushed.pop()!;
        continue;
      }
      if (words[0] === "cd" || words[0] === "pushd" || words[0] === "popd") {
        if (words[0] === "pushd") pushed.push([cwd, cwdKnown]);
        // A script's cd to its own directory lands in the same place wherever the script was started.
        const own = c.script === undefined ? undefined : scriptDirCd(words, c.script, c.sourced);
        if (own !== undefined) [cwd, cwdKnown] = [own, true];
        else if (words[0] !== "popd" && words.length === 2 && !/[$`~]/.test(words[1]!) && words[1] !== "-") cwd = path.posix.join(cwd, words[1]!);
        else cwdKnown = false;
        continue;
      }
      const script = scriptOf(words);
      if (script === undefined || script.startsWith("/")) continue;
      const sourced = SOURCE.has(programOf(words)?.name ?? "");
      const dirs = [cwd, ...(c.script ? [path.posix.dirname(c.script)] : [])];
      for (const dir of dirs) {
        const rel = path.posix.normalize(path.posix.join(dir, script));
        const here = cwdKnown && !cwd.startsWith("..") ? path.posix.normalize(cwd || ".").replace(/^\.$/, "") : null;
        if (rel.startsWith("../")) continue;
        const read = await textBeforePatch(root, rel, originals);
        if (!read.ok || read.text === null) continue;
        const at = read.from ?? rel;
        if (found.has(at)) {
          if (cwds.get(at) !== here) cwds.set(at, null);
          if (sourced) found.get(at)!.sourced = true;
          break;
        }
        if (!isShellScript(at, read.text)) continue;
        found.set(at, { by: c.by, ...(sourced ? { sourced } : {}) });
        cwds.set(at, here);
        callers.push({ cmd: liveShellText(read.text), cwd, cwdKnown, script: at, sourced, by: `${at}, run by ${c.by}` });
        break;
      }
    }
  }
  // Cut short, a caller not read may run a script from elsewhere.
  const complete = found.size < MAX_SCRIPTS;
  for (const [rel, entry] of found) {
    const cwd = complete ? cwds.get(rel) : null;
    if (cwd !== null && cwd !== undefined) entry.cwd = cwd;
  }
  return { ok: true, scripts: found };
}

/** The directories of the checkout a script moves itself to with a cd to its own directory (see scriptDirCd). */
export function scriptOwnDirs(script: string, text: string, sourced = false): string[] {
  const dirs = commandSegments(liveShellText(text)).map((words) => scriptDirCd(words, script, sourced));
  return [...new Set(dirs.filter((d): d is string => d !== undefined))];
}

/** The `run:` of every step of .github/workflows/*.yml and of the local actions they use, with its working directory. */
async function workflowRunCallers(root: string, read: (rel: string) => Promise<string | null>): Promise<Caller[]> {
  const dir = ".github/workflows";
  const names = await fs.readdir(path.join(root, dir)).catch(async (err: NodeJS.ErrnoException) => {
    // No folder there (a file in its place) holds no workflows.
    if (err.code === "ENOTDIR") return [];
    if (err.code !== "ENOENT") throw err;
    // Absent, unless a link to nothing stands on the way: `read` refuses that, as for any file it cannot read.
    await read(dir);
    return [];
  });
  const out: Caller[] = [];
  for (const name of names.filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const text = await read(`${dir}/${name}`);
    let doc: unknown;
    try {
      doc = text === null ? null : parseYaml(text);
    } catch {
      continue;
    }
    const wf = (doc && typeof doc === "object" ? doc : {}) as Record<string, unknown>;
    const jobs = wf.jobs;
    for (const job of Object.values(jobs && typeof jobs === "object" ? jobs : {}) as Array<Record<string, unknown> | null>) {
      const jobDir = jobRunDefault(wf, job, "working-directory") ?? "";
      const steps = Array.isArray(job?.steps) ? (job.steps as Array<Record<string, unknown> | null>) : [];
      for (const step of steps) {
        const used = localUse(step?.uses);
        if (used !== undefined) {
          out.push(...(await actionRunCallers(used, `${dir}/${name}`, read)));
          continue;
        }
        if (typeof step?.run !== "string") continue;
        out.push(runCaller(step.run, workflowText(step["working-directory"]) ?? jobDir, `a step of ${dir}/${name}`));
      }
    }
  }
  return out;
}

function runCaller(cmd: string, cwd: string, by: string): Caller {
  const unknown = /[$]/.test(cwd);
  return { cmd, cwd: unknown ? "" : path.posix.normalize(cwd), cwdKnown: !unknown, by };
}

/**
 * The `run:` of every step of the local composite action in `used`, which a step of `workflow` uses: they run
 * from the checkout's root (the job's `defaults.run` does not reach them), or their own working-directory.
 */
async function actionRunCallers(used: string, workflow: string, read: (rel: string) => Promise<string | null>): Promise<Caller[]> {
  for (const file of actionFiles(used)) {
    const text = await read(file);
    if (text === null) continue;
    let doc: unknown;
    try {
      doc = parseYaml(text);
    } catch {
      return [];
    }
    const runs = doc && typeof doc === "object" ? (doc as Record<string, unknown>).runs : undefined;
    const steps = runs && typeof runs === "object" ? (runs as Record<string, unknown>).steps : undefined;
    return (Array.isArray(steps) ? (steps as Array<Record<string, unknown> | null>) : []).flatMap((step) =>
      typeof step?.run === "string" ? [runCaller(step.run, workflowText(step["working-directory"]) ?? "", `a step of ${file}, used by ${workflow}`)] : [],
    );
  }
  return [];
}
