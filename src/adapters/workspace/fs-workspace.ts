import fs from "node:fs";
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import git from "isomorphic-git";
import PQueue from "p-queue";
import { AppError, permanent, toAppError, transient } from "../../core/errors.js";
import type { Logger } from "../../core/ports/logger.js";
import type { CloneRequest, Workspace, WorkspacePort } from "../../core/ports/workspace-port.js";
import { freeBytes, mb } from "../../core/free-bytes.js";
import { removeTree } from "../../core/remove-tree.js";
import { fetchHttpClient } from "./fetch-http-client.js";
import { checkoutFiles } from "./git/checkout-files.js";
import { fetchPackV2, type FetchedPack } from "./git/fetch-pack-v2.js";
import { indexPack, type IndexPackOptions } from "./git/index-pack.js";
import { openGitObjects, type GitObject } from "./git/git-objects.js";
import { gitPackFileOf, type GitPackFile } from "./git/git-pack-file.js";
import { listCommitFiles } from "./git/list-commit-files.js";
import { removeRawLogs } from "./remove-raw-logs.js";
import { ownerAlive, parseOwner, thisProcess } from "./workspace-owner.js";

export interface FsWorkspaceOptions {
  root: string;
  maxBytes: number;
  maxFiles: number;
  maxConcurrent: number;
  minFreeBytes: number;
  cloneTimeoutMs: number;
  /** Keep workspaces after the job ends (debugging); a sweep removes them once this process is gone. */
  keep: boolean;
  logger?: Logger;
  fetch?: typeof globalThis.fetch;
  /** Removes a checkout or what sits beside it (removeTree); for tests run as root, whom no directory refuses. */
  removeTree?: (path: string) => Promise<void>;
}

export function workspaceOptionsFromConfig(c: {
  WORKSPACE_ROOT: string; WORKSPACE_MAX_BYTES: number; WORKSPACE_MAX_FILES: number; WORKSPACE_MAX_CONCURRENT: number;
  WORKSPACE_MIN_FREE_BYTES: number; CLONE_TIMEOUT_MS: number; KEEP_WORKSPACE: boolean;
}): FsWorkspaceOptions {
  return {
    root: c.WORKSPACE_ROOT, maxBytes: c.WORKSPACE_MAX_BYTES, maxFiles: c.WORKSPACE_MAX_FILES, maxConcurrent: c.WORKSPACE_MAX_CONCURRENT,
    minFreeBytes: c.WORKSPACE_MIN_FREE_BYTES, cloneTimeoutMs: c.CLONE_TIMEOUT_MS, keep: c.KEEP_WORKSPACE,
  };
}

export { logsDirOf } from "./logs-dir.js";

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/**
 * What `sweep` may delete: the job ids the app makes (UUIDs). WORKSPACE_ROOT can be a directory shared with
 * other things (/var/tmp, a home directory); any plausible name there was removed at every start.
 */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What sits beside a job's checkout: its logs, the file naming its owner, and that file being written. */
const BESIDE = /\.(logs|owner|owner\.\d+\.tmp)$/;
const ownerFileOf = (dir: string) => `${dir}.owner`;

/** Marks `dir` as this process's: a sweep in another process leaves it alone while this one lives. */
async function claim(dir: string): Promise<void> {
  const file = ownerFileOf(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  // Renamed into place whole: a sweep never reads half an owner.
  await writeFile(tmp, JSON.stringify(thisProcess()));
  await rename(tmp, file);
}

/**
 * Whether a live process has claimed `dir` (this one included: a second instance here must not take it), or
 * is claiming it: its `<id>.owner.<pid>.tmp` is there until the rename, which would fail were it removed.
 */
async function inUse(dir: string, names: string[]): Promise<boolean> {
  const writing = names.map((n) => OWNER_BEING_WRITTEN.exec(n)?.[1]).filter((pid): pid is string => pid !== undefined);
  if (writing.some((pid) => ownerAlive({ pid: Number(pid), host: hostname(), start: null }))) return true;
  const text = await readFile(ownerFileOf(dir), "utf8").catch(() => undefined);
  const owner = text === undefined ? undefined : parseOwner(text);
  return owner !== undefined && ownerAlive(owner);
}

const OWNER_BEING_WRITTEN = /\.owner\.(\d+)\.tmp$/;

/**
 * One directory per job under `root`: `<root>/<jobId>` holds a shallow single-branch clone of the failing
 * commit; `<root>/<jobId>.logs` holds its logs. The commit is fetched by id over protocol v2 and its pack
 * indexed with Node's zlib and crypto (`./git/`); from a server without v2, isomorphic-git fetches the branch
 * and deepens. isomorphic-git keeps the repository's shape (init, remote, refs) and later commits and pushes.
 * The checkout reads the pack natively too: isomorphic-git's fetch and checkout inflate every object in
 * JavaScript and took several times git's whole clone (bench/clone.ts). The installation token is sent as a
 * header and never written to disk.
 */
export function createFsWorkspace(opts: FsWorkspaceOptions): WorkspacePort {
  const queue = new PQueue({ concurrency: opts.maxConcurrent });
  const remove = opts.removeTree ?? removeTree;
  const dirOf = (jobId: string) => {
    if (!SAFE_ID.test(jobId)) throw permanent("bad_job_id", `Job id "${jobId}" cannot name a workspace directory.`);
    return join(opts.root, jobId);
  };

  async function clone(req: CloneRequest): Promise<Workspace> {
    const dir = dirOf(req.jobId);
    await mkdir(opts.root, { recursive: true });
    // Before the directory exists, so that no sweep ever sees it without its owner.
    await claim(dir);
    if (await isCheckedOutAt(dir, req.sha)) return { jobId: req.jobId, dir };
    await remove(dir);

    const free = await freeBytes(opts.root);
    if (free < opts.minFreeBytes) {
      throw transient("disk_low", `Only ${mb(free)} free under ${opts.root} (WORKSPACE_MIN_FREE_BYTES is ${mb(opts.minFreeBytes)}); free some disk space or lower the limit. Will retry.`);
    }

    const timeout = AbortSignal.timeout(opts.cloneTimeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let tooLarge: AppError | undefined;
    let downloaded = 0;
    const http = fetchHttpClient({
      signal,
      fetch: opts.fetch,
      onBytes: (total) => {
        downloaded = total;
        if (total <= opts.maxBytes) return;
        tooLarge = tooLargeError(`its download passed ${mb(opts.maxBytes)}`, opts);
        throw tooLarge;
      },
    });
    const basic = "Basic " + Buffer.from(`x-access-token:${req.token}`).toString("base64");
    const auth = {
      headers: { Authorization: basic },
      onAuth: () => ({ username: "x-access-token", password: req.token }),
      onAuthFailure: () => ({ cancel: true }),
    };
    const started = Date.now();
    // One object cache for the whole clone: later steps reuse the parsed packfile index instead of re-reading it.
    const cache = {};
    try {
      await mkdir(dir, { recursive: true });
      const branch = req.ref.replace(/^refs\/heads\//, "");
      // A branch clones as usual; another ref (a fork PR's refs/pull/N/head) is fetched into a local branch.
      const isBranch = !branch.startsWith("refs/");
      const local = isBranch ? branch : branch.replace(/^refs\//, "").replace(/[^A-Za-z0-9._-]+/g, "-");
      const initWithRemote = async () => {
        await git.init({ fs, dir, defaultBranch: local });
        await git.addRemote({ fs, dir, remote: "origin", url: req.url });
      };
      const checkoutTooLarge = () => tooLargeError(`its checkout takes more than ${mb(opts.maxBytes)}`, opts);
      const fetchRef = async (depth: number) => {
        const r = await git.fetch({ fs, http, dir, cache, remote: "origin", remoteRef: req.ref, ref: local, singleBranch: true, depth, tags: false, ...auth });
        if (r.fetchHead) await git.writeRef({ fs, dir, ref: `refs/remotes/origin/${local}`, value: r.fetchHead, force: true });
      };
      // Protocol v2 fetches the failing commit itself, whatever its branch did since; an older server
      // gets isomorphic-git's fetch of the branch, deepened below until the commit is there.
      const v2 = await fetchPackV2({ url: req.url, want: req.sha, depth: 1, http, headers: auth.headers });
      let stored: StoredPack | undefined;
      if (v2) {
        await initWithRemote();
        // Its objects are what the checkout writes: the same limit, counted before they are inflated.
        stored = await storePack(join(dir, ".git"), v2, { maxBytes: Math.max(0, opts.maxBytes - downloaded), tooLarge: checkoutTooLarge, signal });
        await git.writeRef({ fs, dir, ref: `refs/remotes/origin/${local}`, value: req.sha, force: true });
      } else if (isBranch) {
        await git.clone({ fs, http, dir, cache, url: req.url, ref: branch, singleBranch: true, depth: 1, noTags: true, noCheckout: true, ...auth });
      } else {
        await initWithRemote();
        await fetchRef(1);
      }
      if (!v2 && !(await hasCommit(dir, req.sha, cache))) {
        // The branch moved on since the run: deepen until the failing commit is there.
        for (const depth of [50, 500]) {
          if (isBranch) await git.fetch({ fs, http, dir, cache, url: req.url, ref: branch, singleBranch: true, depth, tags: false, ...auth });
          else await fetchRef(depth);
          if (await hasCommit(dir, req.sha, cache)) break;
        }
        if (!(await hasCommit(dir, req.sha, cache))) {
          throw permanent("sha_not_found", `Commit ${req.sha} is not on ${req.ref} any more (force-pushed or deleted); nothing to fix.`);
        }
      }
      const objects = await openGitObjects(join(dir, ".git"), stored && { resolved: stored.resolved, inMemory: [stored.pack] });
      const files = listCommitFiles(objects, req.sha);
      if (files.length > opts.maxFiles) throw tooLargeError(`it has ${files.length} files`, opts);
      // The limit covers what the clone puts on disk: the fetched pack and the files written from it.
      const { bytes } = await checkoutFiles({
        dir, objects, files, signal,
        onBytes: (n) => {
          if (downloaded + n > opts.maxBytes) throw checkoutTooLarge();
        },
      });
      await git.writeRef({ fs, dir, ref: `refs/heads/${local}`, value: req.sha, force: true });
      await git.writeRef({ fs, dir, ref: "HEAD", value: `refs/heads/${local}`, symbolic: true, force: true });
      // Without this symbolic ref a later push of a new branch uploads the whole tree (toolchain §4).
      await git.writeRef({ fs, dir, ref: "refs/remotes/origin/HEAD", value: `refs/remotes/origin/${local}`, symbolic: true, force: true });
      opts.logger?.info({ jobId: req.jobId, files: files.length, bytes: downloaded + bytes, ms: Date.now() - started }, "workspace ready");
      return { jobId: req.jobId, dir };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw cloneError(err, { tooLarge, timedOut: timeout.aborted, req, timeoutMs: opts.cloneTimeoutMs });
    }
  }

  return {
    clone: (req) => queue.add(() => clone(req)) as Promise<Workspace>,

    async get(jobId) {
      const dir = dirOf(jobId);
      const st = await stat(join(dir, ".git")).catch(() => undefined);
      if (!st?.isDirectory()) return undefined;
      // A job resumed here uses the workspace of the process that started it, which may be gone.
      await claim(dir);
      return { jobId, dir };
    },

    async remove(jobId) {
      const dir = dirOf(jobId);
      if (opts.keep) {
        opts.logger?.info({ jobId, dir }, "KEEP_WORKSPACE is on; workspace kept");
        return;
      }
      // The repository's commands ran in the checkout: they may have left directories the app's user cannot empty as they are.
      await remove(dir);
      await rm(`${dir}.logs`, { recursive: true, force: true });
      await rm(ownerFileOf(dir), { force: true });
    },

    async sweep(keepJobIds, rawLogsDone = new Set()) {
      const entries = await readdir(opts.root, { withFileTypes: true }).catch(() => []);
      let rawLogs = 0;
      for (const id of rawLogsDone) {
        if (!keepJobIds.has(id) || !SAFE_ID.test(id)) continue;
        const dir = join(opts.root, id);
        // A live process's job: it may be reading a fix-branch run's logs right now.
        if (await inUse(dir, entries.map((e) => e.name).filter((n) => n.startsWith(`${id}.owner.`)))) continue;
        rawLogs += await removeRawLogs(`${dir}.logs`).catch((raw: NodeJS.ErrnoException) => {
          opts.logger?.warn({ jobId: id, err: { code: raw.code, message: raw.message } }, "raw logs could not be removed; the next start tries again");
          return 0;
        });
      }
      if (rawLogs) opts.logger?.info({ removed: rawLogs }, "raw logs of jobs past build-context removed");
      const ids = new Map<string, string[]>();
      for (const e of entries) {
        const id = e.name.replace(BESIDE, "");
        if (!(e.isDirectory() || (e.isFile() && id !== e.name)) || !JOB_ID.test(id) || keepJobIds.has(id)) continue;
        ids.set(id, [...(ids.get(id) ?? []), e.name]);
      }
      let removed = 0;
      let used = 0;
      for (const [id, names] of ids) {
        // A live process's job that this process's store does not know (another deployment, or started since it was read).
        if (await inUse(join(opts.root, id), names)) {
          used++;
          continue;
        }
        try {
          // The owner file last: the checkout is never left without it.
          for (const name of names.sort((a, b) => Number(a.endsWith(".owner")) - Number(b.endsWith(".owner")))) {
            await remove(join(opts.root, name));
          }
        } catch (raw) {
          // The sweep runs before the workers start: one checkout that cannot go (a mount in it, a link
          // another user owns) must neither keep the process from starting nor leave the others on disk.
          const err = raw as NodeJS.ErrnoException;
          opts.logger?.warn({ jobId: id, err: { code: err.code, message: err.message } }, "stale workspace could not be removed; the next start tries again");
          continue;
        }
        if (names.includes(id)) removed++;
      }
      if (removed || used) opts.logger?.info({ removed, inUse: used }, "stale workspaces removed; those live processes use kept");
      return removed;
    },
  };
}

/**
 * Objects resolved while indexing that the checkout takes as they are (the rest it reads from the pack).
 * Per clone, and WORKSPACE_MAX_CONCURRENT clones may run at once: enough for a few thousand source files.
 */
const KEEP_RESOLVED_BYTES = 128 * 1024 * 1024;

interface StoredPack {
  /** The pack as written, still in memory for the checkout. */
  pack: GitPackFile;
  resolved: Map<string, GitObject>;
}

/** A fetched pack, indexed here, into the object store; its shallow commits into `.git/shallow`. */
async function storePack(gitdir: string, fetched: FetchedPack, limit: Pick<IndexPackOptions, "maxBytes" | "tooLarge" | "signal">): Promise<StoredPack> {
  const { idx, packSha, resolved } = await indexPack(fetched.pack, { keepBytes: KEEP_RESOLVED_BYTES, ...limit });
  const packDir = join(gitdir, "objects", "pack");
  const packPath = join(packDir, `pack-${packSha}.pack`);
  await mkdir(packDir, { recursive: true });
  await writeFile(packPath, fetched.pack);
  await writeFile(join(packDir, `pack-${packSha}.idx`), idx);
  if (fetched.shallow.length) await writeFile(join(gitdir, "shallow"), fetched.shallow.join("\n") + "\n");
  return { pack: gitPackFileOf(packPath, fetched.pack, idx), resolved };
}

async function hasCommit(dir: string, sha: string, cache: object): Promise<boolean> {
  try {
    await git.readCommit({ fs, dir, cache, oid: sha });
    return true;
  } catch {
    return false;
  }
}

async function isCheckedOutAt(dir: string, sha: string): Promise<boolean> {
  try {
    return (await git.resolveRef({ fs, dir, ref: "HEAD" })) === sha;
  } catch {
    return false;
  }
}

function tooLargeError(why: string, o: FsWorkspaceOptions): AppError {
  return permanent(
    "repo_too_large",
    `The repository is too large to work on: ${why} (limits: WORKSPACE_MAX_BYTES=${o.maxBytes}, WORKSPACE_MAX_FILES=${o.maxFiles}). Raise the limits if this repository should be handled.`,
  );
}

function cloneError(err: unknown, c: { tooLarge?: AppError; timedOut: boolean; req: CloneRequest; timeoutMs: number }): AppError {
  if (c.tooLarge) return c.tooLarge;
  if (err instanceof AppError) return err;
  const e = err as { code?: string; name?: string; message?: string; data?: { statusCode?: number } };
  if (c.timedOut) return transient("clone_timeout", `Cloning ${c.req.url} took longer than CLONE_TIMEOUT_MS (${c.timeoutMs} ms); will retry. Raise the limit for big repositories.`);
  if (c.req.signal?.aborted) return toAppError(c.req.signal.reason ?? err);
  // fetch reports connection trouble as TypeError("fetch failed") with the socket error as its cause.
  const cause = (err as { cause?: unknown }).cause;
  if (e.name === "TypeError" && cause) {
    const net = toAppError(cause);
    return new AppError(net.code, `Cloning ${c.req.url} failed: ${net.message}${net.retryable ? "; will retry" : ""}.`, { retryable: net.retryable, cause: err });
  }
  const status = e.data?.statusCode;
  if (e.code === "UserCanceledError" || status === 401 || status === 403) {
    return permanent("clone_auth_failed", `Cloning ${c.req.url} was refused (HTTP ${status ?? 401}); check that the app is installed on the repository with Contents: read.`);
  }
  if (e.code === "NotFoundError" || status === 404) {
    return permanent("clone_not_found", `Cloning ${c.req.url} at ${c.req.ref} failed: ${e.message ?? "not found"}. The branch may have been deleted.`);
  }
  if (status !== undefined && (status >= 500 || status === 429)) return transient("clone_http_" + status, `Cloning ${c.req.url} failed with HTTP ${status}; will retry.`);
  return toAppError(err);
}

