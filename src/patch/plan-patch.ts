import { promises as fs } from "node:fs";
import path from "node:path";
import { listRepoFiles } from "../context/repo-files.js";
import { permanent } from "../core/errors.js";
import { credentialIn } from "../core/redact.js";
import { readRegularFile } from "../core/read-regular-file.js";
import { JEST_CONFIG_FILE, JEST_CONFIG_ORDER, VITEST_CONFIG_FILE, VITEST_CONFIG_ORDER } from "../core/test-config-files.js";
import { applyHunks, newFileContent } from "./apply-hunks.js";
import { configReadAfter, configReadBefore, jestReadsPackageJson, packageJsonJest } from "./config-read-before.js";
import { countLines, lineCount, sumCounts } from "./count-lines.js";
import { findGreenwashing, hasTestMarkers, type Finding } from "./greenwash.js";
import { findConfigGreenwashing, type ProjectContext } from "./greenwash-config.js";
import { filesUnder } from "./files-under.js";
import { foldedPath } from "./folded-path.js";
import { findHiddenText } from "./hidden-text.js";
import { findMaskedText } from "./masked-text.js";
import { mochaFindingsBelow, NAMES_MOCHA } from "./mocha-findings-below.js";
import { MOCHA_RC_ORDER, mochaReads } from "./mocha-reads.js";
import { outOfJestRoots } from "./out-of-jest-roots.js";
import { outOfTestpaths } from "./out-of-testpaths.js";
import { parsePatch } from "./parse-patch.js";
import { checkPathOnDisk, checkPathText } from "./path-policy.js";
import { PYTEST_CONFIG_FILES, pytestConfigsIn, testpathsReader } from "./pytest-testpaths.js";
import { TEST_FILE_NAME } from "./greenwash-patterns.js";
import { repeatedPath } from "./repeated-path.js";
import { RULES } from "./rules.js";
import { scriptMoves } from "./script-moves.js";
import { submodulePaths } from "./submodule-paths.js";
import { findSecretEnvReads } from "./secret-env-reads.js";
import { findTestEntryScripts, isShellScript, type EntryScripts } from "./test-entry-scripts.js";
import { GUARD_READ_MAX_BYTES, textBothSides } from "./text-before-patch.js";
import type { ChangedFile, FileMode, FilePatch, Original, Override, PatchOptions, PlanResult, PlannedChange, Refusal, VFile } from "./types.js";
import { vitestMajorAbove } from "./vitest-major.js";
import { vitestReader } from "./vitest-reads.js";
import { invalidWorkflow } from "./workflow-invalid.js";
import { ACTION_FILE, findWorkflowTestsOff, localFilesUsed, WORKFLOW_FILE } from "./workflow-tests-off.js";

export type InternalPlan =
  | (Extract<PlanResult, { ok: true }> & { root: string; originals: Map<string, Original>; notes: string[] })
  | { ok: false; refusal: Refusal };

const refuse = (refusal: Refusal): { ok: false; refusal: Refusal } => ({ ok: false, refusal });
/**
 * A file the checks of `checked` read cannot be read (a symlink out of the checkout, a directory): refused with no allow.* key to pass it,
 * as what it held decides what `checked` runs and no check could look.
 */
const unreadable = (refusal: Refusal, checked: string) =>
  refuse({ ...refusal, reason: `${refusal.reason}: ${checked} cannot be checked for skipped tests without reading it` });

/**
 * Everything applyPatch does except writing: parse, check policy, apply every hunk in memory. The
 * result lists the new content of each changed file, which the PR stage turns into a commit through
 * the GitHub API. Renamed files carry `from`: that path must be deleted in the same commit.
 */
export async function planPatch(diffText: string, repoDir: string, opts: PatchOptions): Promise<PlanResult> {
  const plan = await planPatchInternal(diffText, repoDir, opts);
  if (!plan.ok) return plan;
  const { root: _root, originals: _originals, notes: _notes, ...pub } = plan;
  return pub;
}

export async function planPatchInternal(diffText: string, repoDir: string, opts: PatchOptions): Promise<InternalPlan> {
  const parsed = parsePatch(diffText);
  if (!parsed.ok) return parsed;
  const patches: FilePatch[] = [];

  // 1. Text-only checks: paths, modes, binary content, size caps.
  for (const fp of parsed.files) {
    const target = checkPathText(fp.path);
    if (!target.ok) return target;
    let oldPath = fp.oldPath;
    if (oldPath !== null) {
      const source = checkPathText(oldPath);
      if (!source.ok) return source;
      oldPath = source.path;
    }
    const file = target.path;
    for (const mode of [fp.oldMode, fp.newMode]) {
      if (mode === "120000") return refuse({ rule: "symlink", file, reason: "the patch creates or edits a symlink (mode 120000); change the file it points to instead" });
      if (mode === "160000") return refuse({ rule: "submodule", file, reason: "the patch changes a submodule; bump submodules by hand" });
      if (mode !== undefined && mode !== "100644" && mode !== "100755") {
        return refuse({ rule: "malformed_diff", file, reason: `unsupported file mode ${mode}` });
      }
    }
    if (fp.binary) return refuse({ rule: "binary", file, reason: "the patch changes a binary file; only text files can be patched" });
    for (const h of fp.hunks) {
      if (h.lines.some((l) => l.text.includes("\u0000"))) {
        return refuse({ rule: "binary", file, hunk: h.header, reason: "the patch adds NUL bytes; only text can be patched" });
      }
    }
    // Committed, a credential is in the repository's history for good (the fix branch is pushed before anyone
    // reviews it), and the model only has one that redaction missed or one it was told to plant.
    for (const h of fp.hunks) {
      const kind = credentialIn(h.lines.filter((l) => l.kind === "+").map((l) => l.text).join("\n"));
      if (kind) {
        return refuse({ rule: "secret", file, hunk: h.header, reason: `the patch adds what looks like a credential (${kind}); credentials must not be committed, so a test fixture that needs one is added by hand` });
      }
    }
    patches.push({ ...fp, path: file, oldPath });
  }
  const repeated = repeatedPath(patches);
  if (repeated) return refuse(repeated);
  const touched = new Set(patches.flatMap((p) => (p.oldPath && p.oldPath !== p.path ? [p.oldPath, p.path] : [p.path])));
  const { max_files: maxFiles } = opts.config.limits;
  const fileCount = new Set(patches.map((p) => p.path)).size;
  if (fileCount > maxFiles) {
    return refuse({ rule: "too_many_files", reason: `the patch changes ${fileCount} files, over limits.max_files (${maxFiles}); ask for a smaller fix or raise the limit in .github/ci-bot.yml` });
  }

  // 2. On-disk checks: every path component, existence, readable UTF-8 text.
  const root = await fs.realpath(repoDir).catch((err: NodeJS.ErrnoException) => {
    throw permanent("workspace_missing", `the work tree ${repoDir} cannot be opened (${err.code ?? err.message}); clone the repository again`);
  });
  // A submodule's folder is an empty directory in the checkout (its files are another repository's). A file
  // written there goes into the commit's tree under the gitlink: either it replaces the submodule with a folder
  // of the patch's own (its tests gone with it) or GitHub refuses the tree at publish; how GitHub's create-tree
  // treats it is not documented, so it is refused here.
  const modules = await readRegularFile(path.join(root, ".gitmodules"), GUARD_READ_MAX_BYTES);
  const submodules = modules.ok ? submodulePaths(modules.data.toString("utf8")) : [];
  for (const p of touched) {
    const sub = submodules.find((s) => p === s || p.startsWith(`${s}/`));
    if (sub) return refuse({ rule: "submodule", file: p, reason: `${p} is inside the submodule ${sub}, whose files live in another repository; fix it there and bump the submodule by hand` });
  }
  const originals = new Map<string, Original>();
  for (const p of touched) {
    const check = await checkPathOnDisk(root, p);
    if (!check.ok) return check;
    if (!check.disk.exists) {
      originals.set(p, { data: null, perm: 0 });
      continue;
    }
    const read = await readRegularFile(path.join(root, p), GUARD_READ_MAX_BYTES);
    if (!read.ok && read.why === "too_large") {
      return refuse({ rule: "too_large", file: p, reason: `the file is larger than ${GUARD_READ_MAX_BYTES} bytes, more than the bot reads to patch; fix it by hand` });
    }
    // Checked just above: gone or replaced since (the repository's commands ran in this checkout).
    if (!read.ok) return refuse({ rule: "target_exists", file: p, reason: `${p} is not a regular file` });
    const { data, mode: perm } = read;
    if (data.includes(0) || Buffer.compare(Buffer.from(data.toString("utf8"), "utf8"), data) !== 0) {
      return refuse({ rule: "binary", file: p, reason: "the file is binary or not UTF-8 text; it cannot be patched" });
    }
    originals.set(p, { data, perm });
  }

  // A deletion may come without hunks: its size is the file's, so the line cap still holds.
  const counts = patches.map((fp) => {
    const c = countLines(fp);
    const data = originals.get(fp.path)?.data;
    if (fp.status === "deleted" && fp.hunks.length === 0 && data) c.deletions = lineCount(data.toString("utf8"));
    return c;
  });
  const { max_lines: maxLines } = opts.config.limits;
  const totalLines = counts.reduce((n, c) => n + c.additions + c.deletions, 0);
  if (totalLines > maxLines) {
    return refuse({ rule: "too_many_lines", reason: `the patch changes ${totalLines} lines, over limits.max_lines (${maxLines}); ask for a smaller fix or raise the limit in .github/ci-bot.yml` });
  }

  // 3. Green-washing, workflow, secret-read and hidden-text rules, each overridable by its allow.* key.
  const overrideDetails: Override[] = [];
  /** Findings the repository's allow.* keys permit are kept as overrides; the first one they do not is returned. */
  const allowedOrRefused = <F extends Override>(findings: F[]): F | undefined => {
    for (const f of findings) {
      const key = RULES[f.rule].overridableBy;
      // Most finders say only what they saw: the refusal also says how a repository that wants the change lets it through.
      if (!key || !opts.config.allow[key]) return key && !f.reason.includes(`allow ${key}`) ? { ...f, reason: `${f.reason}; if this is the fix you want, allow ${key} in .github/ci-bot.yml` } : f;
      overrideDetails.push(f);
    }
    return undefined;
  };
  // A section may change a path an earlier one renamed a file to (app/tests.py → lib/tests.py, then lib/tests.py
  // edited or renamed again): it is checked against the file it came from, whose content says it holds tests.
  const cameFrom = new Map<string, string>();
  for (const fp of patches) {
    const src = fp.oldPath ?? fp.path;
    const origin = cameFrom.get(src) ?? src;
    if (fp.status === "renamed") cameFrom.set(fp.path, origin);
    const data = originals.get(origin)?.data ?? null;
    const before = data === null ? null : data.toString("utf8");
    const masked = findMaskedText(fp, before);
    if (masked) return refuse(masked);
    const refused = allowedOrRefused([...findGreenwashing(fp, before), ...findSecretEnvReads(fp, before), ...findHiddenText(fp, before)]);
    if (refused) return refuse(refused);
  }

  // 4. Apply every hunk in memory, in order (a renamed file may be changed again by a later section).
  const vfs = new Map<string, VFile>();
  for (const [p, o] of originals) {
    vfs.set(p, { content: o.data === null ? null : o.data.toString("utf8"), mode: o.perm & 0o111 ? "100755" : "100644" });
  }
  const notes: string[] = [];
  const statusOf = new Map<string, { status: ChangedFile["status"]; from?: string }>();
  for (const fp of patches) {
    const src = fp.oldPath ?? fp.path;
    const cur = vfs.get(src)!;
    const label = fp.path;
    if (fp.status === "added") {
      if (cur.content !== null) return refuse({ rule: "target_exists", file: label, reason: "the patch creates a file that already exists; send a modification of the existing file" });
      const made = newFileContent(fp.hunks);
      if (!made.ok) return refuse({ rule: "hunk_failed", file: label, hunk: fp.hunks[made.hunkIndex]?.header, reason: made.reason });
      vfs.set(fp.path, { content: made.content, mode: fp.newMode === "100755" ? "100755" : "100644" });
      statusOf.set(fp.path, { status: "added" });
      continue;
    }
    const onlyAdds = fp.hunks.length > 0 && fp.hunks.every((h) => h.oldStart === 0 && h.lines.every((l) => l.kind === "+"));
    if (cur.content === null && fp.status === "modified" && onlyAdds) {
      // "--- a/new.md" + "@@ -0,0 +1,3 @@" without "new file mode": models write new files like this.
      const made = newFileContent(fp.hunks);
      if (!made.ok) return refuse({ rule: "hunk_failed", file: label, hunk: fp.hunks[made.hunkIndex]?.header, reason: made.reason });
      vfs.set(fp.path, { content: made.content, mode: fp.newMode === "100755" ? "100755" : "100644" });
      statusOf.set(fp.path, { status: "added" });
      continue;
    }
    if (cur.content === null) {
      return refuse({ rule: "target_missing", file: src, reason: `the patch ${fp.status === "deleted" ? "deletes" : "changes"} ${src}, which does not exist; check the path` });
    }
    const applied = fp.hunks.length === 0 ? ({ ok: true, content: cur.content, notes: [] } as const) : applyHunks(cur.content, fp.hunks);
    if (!applied.ok) {
      return refuse({ rule: "hunk_failed", file: src, hunk: fp.hunks[applied.hunkIndex]?.header, reason: `hunk ${applied.hunkIndex + 1} of ${fp.hunks.length}: ${applied.reason}` });
    }
    notes.push(...applied.notes.map((n) => `${label}: ${n}`));
    const mode: FileMode = fp.newMode === "100755" || fp.newMode === "100644" ? fp.newMode : cur.mode;
    if (fp.status === "deleted") {
      vfs.set(src, { content: null, mode: cur.mode });
      statusOf.set(src, { status: "deleted" });
    } else if (fp.status === "renamed") {
      if (vfs.get(fp.path)!.content !== null) return refuse({ rule: "target_exists", file: fp.path, reason: `the patch renames ${src} onto ${fp.path}, which already exists` });
      vfs.set(src, { content: null, mode: cur.mode });
      vfs.set(fp.path, { content: applied.content, mode });
      const from = statusOf.get(src)?.from ?? src;
      statusOf.delete(src);
      statusOf.set(fp.path, { status: "renamed", from });
    } else {
      vfs.set(src, { content: applied.content, mode });
      if (!statusOf.has(src)) statusOf.set(src, { status: "modified" });
    }
  }

  // 5. Green-washing seen only in whole files: test scripts, `make test`, test-selection settings, and
  // the shell scripts those run, found from the files at the base only when the patch edits a script.
  let entryScripts: EntryScripts | undefined;
  const testpathsAt = testpathsReader(root, originals, vfs);
  let listed: Promise<string[]> | undefined;
  // The checkout's files, listed once per plan, and only for a check that looks beyond the patch's folders.
  const repoFiles = () => (listed ??= listRepoFiles(root));
  const vitest = vitestReader(root, originals, vfs, repoFiles);
  // A Python test file moved out of the folders the root's pytest testpaths name is no longer collected by a
  // pytest run from the root with no paths (tests/test_a.py → legacy/test_a.py under `testpaths = tests`).
  for (const [p, st] of statusOf) {
    if (st.status !== "renamed" || st.from === undefined || !st.from.endsWith(".py") || path.posix.basename(st.from) === "conftest.py") continue;
    const was = originals.get(st.from)!.data;
    if (!TEST_FILE_NAME.test(st.from) && !hasTestMarkers(was === null ? null : was.toString("utf8"))) continue;
    const left = outOfTestpaths(st.from, p, (await testpathsAt("")).after);
    if (left === undefined) continue;
    const reason = `the patch moves the test file ${st.from} to ${p}, out of ${left}, which pytest's testpaths name: pytest run from the repository root no longer collects it`;
    const refused = allowedOrRefused([{ rule: "delete_tests", file: p, reason }]);
    if (refused) return refuse(refused);
  }
  // Likewise a JS/TS test file moved out of the roots or testMatch of the jest config read at the root
  // (test/sum.test.js → legacy/sum.test.js under `roots: ["<rootDir>/src", "<rootDir>/test"]`).
  let jestConfig: string | null | undefined;
  for (const [p, st] of statusOf) {
    if (st.status !== "renamed" || st.from === undefined || !JS_FILE.test(st.from)) continue;
    if (jestConfig === undefined) {
      const read = await configReadAfter(root, ".", JEST_CONFIG_ORDER, originals, vfs, packageJsonJest);
      if (!read.ok) return unreadable(read.refusal, p);
      jestConfig = read.text;
    }
    const left = outOfJestRoots(st.from, p, jestConfig);
    if (left === undefined) continue;
    const reason = `the patch moves the test file ${st.from} to ${p}, out of ${left}: jest run from the repository root no longer runs it`;
    const refused = allowedOrRefused([{ rule: "delete_tests", file: p, reason }]);
    if (refused) return refuse(refused);
  }
  // A runner's config renamed is no longer read where it was (a vitest.config.old.ts, a jest.config.js.bak,
  // a jest.config.js moved to config/): it is checked as deleted there, against what is read in its place,
  // and the file it became as new.
  const steps = [...statusOf].flatMap(([p, st]): Array<[string, { status: ChangedFile["status"]; from?: string }]> =>
    st.status === "renamed" && st.from !== undefined && isRunnerConfig(st.from) ? [[st.from, { status: "deleted" }], [p, { status: "added" }]] : [[p, st]],
  );
  for (const [p, st] of steps) {
    let after = vfs.get(p)!.content;
    const from = originals.get(st.from ?? p)!.data;
    let before = from === null ? null : from.toString("utf8");
    if (after === before) continue;
    // A deleted jest or vitest config hands over to the one read in its place (package.json's "jest", a
    // vite.config.ts), or to the runner's defaults: its settings are compared with those.
    const deleted = st.status === "deleted";
    let mocha: ProjectContext["mochaReads"];
    let pytest: ProjectContext["pytestReads"];
    if (MOCHA_RC_ORDER.includes(path.posix.basename(p))) {
      // mocha started in the folder reads the first .mocharc.* of the nearest folder holding one, joined with
      // the nearest package.json's "mocha" (and its default spec where neither sets one): what it reads is
      // compared as a whole, so that a new .mocharc.* is compared with the one it shadows (there, or in a
      // folder above), and a deleted one with the next.
      const reads = await mochaReads(root, path.posix.dirname(p), originals, vfs);
      if (!reads.ok) return unreadable(reads.refusal, p);
      // One another .mocharc.* there shadows on both sides is not read.
      if (reads.before[0]?.path !== p && reads.after[0]?.path !== p) continue;
      mocha = reads;
      before = "";
      after = "";
    } else if (PYTEST_CONFIG_FILES.includes(path.posix.basename(p))) {
      // pytest reads the first config file of the folder that configures it: when the patch hands its
      // settings from one to another (a pytest.ini deleted, a section moved to pyproject.toml), those two are compared.
      const reads = await pytestConfigsIn(root, path.posix.dirname(p), originals, vfs);
      if (!reads.ok) return unreadable(reads.refusal, p);
      const name = path.posix.basename(p);
      const handsOver = (reads.before?.name === name || reads.after?.name === name) && reads.before?.name !== reads.after?.name;
      if (handsOver) pytest = { before: reads.before, after: reads.after, ...(deleted ? { deleted } : {}) };
      if (deleted && !handsOver) continue;
      if (deleted) after = "";
    } else if (deleted) {
      const name = path.posix.basename(p);
      const order = VITEST_CONFIG_ORDER.includes(name) ? VITEST_CONFIG_ORDER : JEST_CONFIG_FILE.test(p) ? JEST_CONFIG_ORDER : undefined;
      if (!order) continue;
      const read = await configReadAfter(root, path.posix.dirname(p), order, originals, vfs, packageJsonJest);
      if (!read.ok) return unreadable(read.refusal, p);
      after = read.text ?? "";
    }
    // A new vitest config takes over from the one vitest read before (vite.config.ts, or a vitest.config.js
    // the patch deletes): its settings are compared with that one's, not with none.
    if (before === null && VITEST_CONFIG_ORDER.includes(path.posix.basename(p))) {
      const read = await configReadBefore(root, path.posix.dirname(p), VITEST_CONFIG_ORDER, originals);
      if (!read.ok) return unreadable(read.refusal, p);
      before = read.text;
    }
    // Likewise a new jest config: jest read the settings it takes over from package.json's "jest" (moved
    // out of it) or from a jest.config.* the patch deletes.
    if (before === null && JEST_CONFIG_FILE.test(p)) {
      const read = await configReadBefore(root, path.posix.dirname(p), JEST_CONFIG_ORDER, originals, packageJsonJest);
      if (!read.ok) return unreadable(read.refusal, p);
      before = read.text;
    }
    const hunks = patches.filter((fp) => fp.path === p).flatMap((fp) => fp.hunks);
    if (before !== null && isShellScript(st.from ?? p, before)) {
      entryScripts ??= await findTestEntryScripts(root, originals);
      if (!entryScripts.ok) return unreadable(entryScripts.refusal, p);
    }
    const entry = entryScripts?.ok ? entryScripts.scripts.get(st.from ?? p) : undefined;
    const startDir = entry ? entry.cwd : COMMANDS_START_HERE.test(path.posix.basename(p)) ? path.posix.dirname(p) : undefined;
    const project: ProjectContext = startDir === undefined ? {} : { testpaths: await testpathsAt(startDir) };
    if (mocha) project.mochaReads = mocha;
    // Whether the folders mocha takes files from hold any a change to recursive or extension leaves out. A
    // package.json naming neither leaves mocha's defaults as they were: its edits need not list the checkout.
    const mochaFolderKeys = (t: string | null) => t !== null && NAMES_MOCHA.test(t) && /"(recursive|extension)"/.test(t);
    if (mocha || (path.posix.basename(p) === "package.json" && [before, after].some(mochaFolderKeys))) {
      project.mochaFiles = filesUnder([...(await repoFiles()), ...vfs.keys()], path.posix.dirname(p));
    }
    if (pytest) project.pytestReads = pytest;
    if (VITEST_CONFIG_FILE.test(p)) project.vitestMajor = await vitestMajorAbove(root, path.posix.dirname(p), originals);
    if (VITEST_CONFIG_ORDER.includes(path.posix.basename(p))) {
      const reads = await vitest.reads(p, from === null ? null : st.from ?? p, deleted);
      if (!reads.ok) return unreadable(reads.refusal, p);
      // A vite.config.* vitest did not read (a vitest.config.* of its own shadowed it) leaves nothing when deleted.
      if (deleted && !reads.before.reads) continue;
      project.vitestReads = { before: reads.before, after: reads.after };
    }
    if (path.posix.basename(p) === "package.json") {
      const reads = await jestReadsPackageJson(root, path.posix.dirname(p), originals, vfs);
      // jest read a jest.config.* beside it that the patch deletes: that one is compared with package.json's
      // "jest" after the patch (above), not this "jest" before, which jest did not read.
      const takesOver = !reads.before && reads.after && steps.some(([q, s]) => s.status === "deleted" && JEST_CONFIG_FILE.test(q) && path.posix.dirname(q) === path.posix.dirname(p));
      project.jestReadsPackageJson = { ...reads, ...(takesOver ? { takesOver } : {}) };
    }
    if (entry) project.script = await scriptMoves({ before: st.from ?? p, after: p }, { before: before ?? "", after: after ?? "" }, entry, testpathsAt);
    const unreadableConfig = [project.testpaths, ...(project.script?.testpaths.values() ?? [])].find((t) => t?.unreadable)?.unreadable;
    if (unreadableConfig) return unreadable(unreadableConfig, p);
    const refused = allowedOrRefused(findConfigGreenwashing(p, before, after, hunks, entry?.by, project));
    if (refused) return refuse(refused);
    // mocha run in a package below finds the .mocharc.* looking up, and joins it with that package's package.json.
    if (mocha) {
      const below = await mochaFindingsBelow(root, p, hunks, [...(await repoFiles()), ...vfs.keys()], originals, vfs);
      if (!below.ok) return unreadable(below.refusal, p);
      const narrowed = allowedOrRefused(below.findings);
      if (narrowed) return refuse(narrowed);
    }
    // A script a vitest config merges as its base (config/vite.base.ts) has no name vitest reads, but its
    // test settings run joined with that config's: it is compared as that config's own would be.
    if (after !== null && !mocha && !VITEST_CONFIG_FILE.test(p) && SCRIPT_FILE.test(p)) {
      const findings = new Map<string, Finding>();
      for (const base of await vitest.bases(p, st.from ?? p)) {
        const reads: ProjectContext = { vitestMajor: await vitestMajorAbove(root, base.dir, originals), vitestReads: { before: base.before, after: base.after } };
        // Two configs merging it (its folder's and the root's) find the same thing: it is said once.
        for (const f of findConfigGreenwashing(p, before, after, hunks, undefined, reads)) findings.set(`${f.rule}\0${f.reason}`, f);
      }
      const narrowed = allowedOrRefused([...findings.values()]);
      if (narrowed) return refuse(narrowed);
    }
  }

  // A workflow or local action the patch leaves one GitHub cannot run fails CI before any test runs: no fix,
  // whatever allow.* says. Checked first, so the model hears that rather than what the workflow no longer runs.
  for (const [p, v] of vfs) {
    const kind = WORKFLOW_FILE.test(p) ? "workflow" : ACTION_FILE.test(foldedPath(p)) ? "action" : undefined;
    if (kind === undefined) continue;
    const was = originals.get(p)?.data;
    const invalid = invalidWorkflow(p, kind, was ? was.toString("utf8") : null, v.content, patches.filter((fp) => fp.path === p).flatMap((fp) => fp.hunks));
    if (invalid) return refuse(invalid);
  }
  // A workflow edit (allowed by workflow_edits) that stops CI running the tests: every workflow, as GitHub reads them
  // before and after the patch, together, so that a test job moved to another workflow is still found; with the
  // local actions and reusable workflows they use, touched or not, since an edit to one changes what its callers
  // run (which the patch may leave as they were), and a caller's edit what it runs of one.
  // Matched as a case-insensitive runner opens them, as greenwash.ts does (see foldedPath): there
  // `.github/actions/test/Action.yml` is the file the action runs.
  if ([...vfs.keys()].some((p) => WORKFLOW_FILE.test(p) || ACTION_FILE.test(foldedPath(p)))) {
    const before = new Map<string, string | null>();
    const after = new Map<string, string | null>();
    const workflows = [...new Set([...(await repoFiles()), ...vfs.keys()].filter((p) => WORKFLOW_FILE.test(p)))];
    // A file the patch leaves alone that cannot be read (a generated workflow past the read limit) is left out: it
    // is the same on both sides, and refusing for it would refuse every workflow fix of the repository. One the
    // patch touches must be read.
    const touched = (p: string) => vfs.has(p) || originals.has(p);
    /** Reads `p` on both sides; the refusal (naming `owner`) when it cannot be read and the patch touches it. */
    const take = async (p: string, owner: string) => {
      const read = await textBothSides(root, p, originals, vfs);
      if (read.ok) {
        before.set(p, read.before);
        after.set(p, read.after);
      }
      return read.ok || !touched(p) ? undefined : unreadable(read.refusal, owner);
    };
    for (const p of workflows) {
      const refused = await take(p, p);
      if (refused) return refused;
    }
    // A file a workflow uses that is on neither side as written is read at the path that differs only in case,
    // if the checkout has one: a Windows or macOS runner opens the checkout case-insensitively, so there
    // `uses: ./.github/actions/Run-Tests` runs .github/actions/run-tests/action.yml (on Linux the job fails, which
    // is no green run: reading that file can only refuse more). Reasons name the file it is.
    const spelledAs = new Map<string, string>();
    const inOtherCase = async (p: string) => {
      const want = foldedPath(p);
      return [...(await repoFiles()), ...vfs.keys()].find((f) => f !== p && foldedPath(f) === want);
    };
    // The actions read are read in turn for the scripts their steps run; each file once, so the list ends.
    const readers = [...before.keys()];
    for (const w of readers) {
      for (const p of [...localFilesUsed(before.get(w)!), ...localFilesUsed(after.get(w)!)]) {
        if (before.has(p)) continue;
        let refused = await take(p, w);
        if (refused) return refused;
        const other = before.get(p) === null && after.get(p) === null ? await inOtherCase(p) : undefined;
        if (other !== undefined) {
          refused = await take(other, w);
          if (refused) return refused;
          if (before.has(other)) {
            before.set(p, before.get(other)!);
            after.set(p, after.get(other)!);
            spelledAs.set(p, other);
          }
        }
        if (before.has(p) && ACTION_FILE.test(p)) readers.push(p);
      }
    }
    const hunksOf = (p: string) => patches.filter((fp) => fp.path === p || fp.oldPath === p).flatMap((fp) => fp.hunks);
    const refused = allowedOrRefused(findWorkflowTestsOff(before, after, hunksOf, (p) => spelledAs.get(p) ?? p));
    if (refused) return refuse(refused);
  }

  // 6. The net result: what changed relative to the tree.
  const changes: PlannedChange[] = [];
  const files: ChangedFile[] = [];
  for (const [p, st] of statusOf) {
    const v = vfs.get(p)!;
    const orig = originals.get(p)!;
    const origText = orig.data === null ? null : orig.data.toString("utf8");
    const origMode: FileMode = orig.perm & 0o111 ? "100755" : "100644";
    if (st.status === "modified" && v.content === origText && v.mode === origMode) continue;
    const c = sumCounts(patches, counts, p);
    changes.push({ path: p, status: st.status, ...(st.from ? { from: st.from } : {}), content: v.content, mode: v.mode });
    files.push({ path: p, status: st.status, ...(st.from ? { from: st.from } : {}), additions: c.additions, deletions: c.deletions });
  }
  if (changes.length === 0) {
    return refuse({ rule: "no_diff", reason: "the diff changes nothing: every hunk leaves its file as it already is" });
  }
  const additions = files.reduce((n, f) => n + f.additions, 0);
  const deletions = files.reduce((n, f) => n + f.deletions, 0);
  const overrides = [...new Set(overrideDetails.map((o) => o.rule))];
  return { ok: true, changes, files, overrides, overrideDetails, additions, deletions, root, originals, notes };
}

/**
 * Files whose commands start in their own directory: tox.ini, package.json (npm runs scripts there), the
 * Makefiles make reads by itself, a justfile, a Taskfile and a noxfile.py. Not a `*.mk`: its recipes run
 * wherever the Makefile including it does.
 */
const COMMANDS_START_HERE = /^(tox\.ini|package\.json|Makefile|GNUmakefile|makefile|justfile|Justfile|\.justfile|Taskfile(\.dist)?\.ya?ml|noxfile\.py)$/;

/** A file jest can run as a test. */
const JS_FILE = /\.[cm]?[jt]sx?$/;

/** A script a config can import, as a vitest config imports the base it merges. */
const SCRIPT_FILE = /\.[cm]?[jt]s$/;

/** A file jest, vitest, mocha or pytest reads its settings from by its name and place. */
const isRunnerConfig = (p: string) =>
  VITEST_CONFIG_ORDER.includes(path.posix.basename(p)) || JEST_CONFIG_FILE.test(p) || MOCHA_RC_ORDER.includes(path.posix.basename(p)) || PYTEST_CONFIG_FILES.includes(path.posix.basename(p));
