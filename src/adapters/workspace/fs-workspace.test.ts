import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import git from "isomorphic-git";
import { createRepo, git as gitCli, startGitServer, type GitServer } from "../../../test/fakes/git-server.js";
import { createFsWorkspace, type FsWorkspaceOptions } from "./fs-workspace.js";

const TOKEN = "ghs_" + "W0rkspaceT0ken0123456789abcdefABCDEF";
let base: string;
let server: GitServer;
let servers: Record<"v2" | "v0", GitServer>;
let shas: string[];

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "t0-ws-test-"));
  const repos = join(base, "repos");
  shas = await createRepo(repos, "octo/app", [
    { "README.md": "# app\n", "src/index.js": "console.log(1)\n" },
    { "src/index.js": "console.log(2)\n", "test/index.test.js": "test('x', () => {})\n" },
    { "src/index.js": "console.log(3)\n" },
  ]);
  const many: Record<string, string> = {};
  for (let i = 0; i < 30; i++) many[`f/${i}.txt`] = `file ${i}\n`;
  await createRepo(repos, "octo/many", [many]);
  await createRepo(repos, "octo/big", [{ "blob.bin": randomBytes(400 * 1024) }]);
  // Compresses to a few kilobytes: only the checkout, not the download, passes a byte limit.
  await createRepo(repos, "octo/zeros", [{ "a.bin": Buffer.alloc(3 * 1024 * 1024), "b.bin": Buffer.alloc(3 * 1024 * 1024, 1) }]);
  servers = {
    v2: await startGitServer({ root: repos, token: TOKEN }),
    v0: await startGitServer({ root: repos, token: TOKEN, protocolV2: false }),
  };
});

afterAll(async () => {
  await servers?.v2.close();
  await servers?.v0.close();
  await rm(base, { recursive: true, force: true });
});

// Clones of the local fixture server take 0.1-0.5 s here; their 25 s limit leaves a CI machine slowed
// 25-50x room, so that only the stalled-server test (300 ms, a server that never answers) times out.
function workspace(over: Partial<FsWorkspaceOptions> = {}) {
  return createFsWorkspace({
    root: join(base, "ws-" + Math.random().toString(36).slice(2)),
    maxBytes: 50 * 1024 * 1024, maxFiles: 10_000, maxConcurrent: 2, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false,
    ...over,
  });
}

async function allFilesContain(dir: string, needle: string): Promise<string[]> {
  const hits: string[] = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    if ((await readFile(p)).includes(needle)) hits.push(p);
  }
  return hits;
}

describe.each([
  ["protocol v2: the commit fetched by id, indexed natively", "v2"],
  ["original protocol: isomorphic-git's fetch of the branch", "v0"],
] as const)("fs workspace over smart HTTP, %s", (_label, protocol) => {
  beforeAll(() => {
    server = servers[protocol];
  });

  test("clones the failing commit with the token, which never lands on disk", async () => {
    const ws = workspace();
    const w = await ws.clone({ jobId: "job-1", url: `${server.url}/octo/app.git`, ref: "main", sha: shas[2]!, token: TOKEN });
    expect(await readFile(join(w.dir, "src/index.js"), "utf8")).toBe("console.log(3)\n");
    expect(await git.resolveRef({ fs, dir: w.dir, ref: "HEAD" })).toBe(shas[2]);
    expect(await git.resolveRef({ fs, dir: w.dir, ref: "refs/remotes/origin/HEAD", depth: 2 })).toBe("refs/remotes/origin/main");
    expect(await allFilesContain(w.dir, TOKEN)).toEqual([]);
    expect(await allFilesContain(w.dir, Buffer.from(`x-access-token:${TOKEN}`).toString("base64"))).toEqual([]);
    expect(await readFile(join(w.dir, ".git/config"), "utf8")).toContain(`url = ${server.url}/octo/app.git`);
    // Credentials go up front: no 401 round trip.
    expect(server.authHeaders.at(-1)).toMatch(/^Basic /);
    expect(await gitCli(w.dir, "status", "--porcelain")).toBe("");
    expect(await ws.get("job-1")).toEqual(w);
    // A second clone of the same job (resume) reuses the checkout.
    expect(await ws.clone({ jobId: "job-1", url: `${server.url}/octo/app.git`, ref: "main", sha: shas[2]!, token: TOKEN })).toEqual(w);
  });

  test("reaches a commit behind the branch tip (by id with v2, by deepening otherwise)", async () => {
    const ws = workspace();
    const before = server.requests.length;
    const w = await ws.clone({ jobId: "job-2", url: `${server.url}/octo/app.git`, ref: "main", sha: shas[0]!, token: TOKEN });
    expect(await readFile(join(w.dir, "src/index.js"), "utf8")).toBe("console.log(1)\n");
    await expect(stat(join(w.dir, "test"))).rejects.toThrow();
    const posts = server.requests.slice(before).filter((r) => r.method === "POST");
    if (protocol === "v2") {
      expect(posts).toEqual([{ method: "POST", path: "/octo/app.git/git-upload-pack", protocol: "version=2" }]);
      expect(await readFile(join(w.dir, ".git/shallow"), "utf8")).toBe(`${shas[0]}\n`);
      expect(await gitCli(w.dir, "log", "--format=%H")).toBe(shas[0]); // one commit, its parents cut off
    } else {
      expect(posts.length).toBeGreaterThan(1); // the depth-1 fetch, then deeper ones
    }
    expect(await gitCli(w.dir, "status", "--porcelain")).toBe("");
    await gitCli(w.dir, "fsck", "--no-dangling");
  });

  test("a fork PR's refs/pull/N/head is fetched into a local branch", async () => {
    const bare = join(base, "repos/octo/app.git");
    const prSha = await gitCli(bare, "commit-tree", "-p", shas[2]!, "-m", "pr commit", `${shas[1]}^{tree}`);
    await gitCli(bare, "update-ref", "refs/pull/7/head", prSha);
    const ws = workspace();
    const w = await ws.clone({ jobId: "job-pr", url: `${server.url}/octo/app.git`, ref: "refs/pull/7/head", sha: prSha, token: TOKEN });
    expect(await readFile(join(w.dir, "src/index.js"), "utf8")).toBe("console.log(2)\n");
    expect(await git.currentBranch({ fs, dir: w.dir })).toBe("pull-7-head");
    expect(await git.resolveRef({ fs, dir: w.dir, ref: "refs/remotes/origin/HEAD" })).toBe(prSha);
    expect(await gitCli(w.dir, "status", "--porcelain")).toBe("");
    expect(await allFilesContain(w.dir, TOKEN)).toEqual([]);
  });

  test("a commit that is not on the branch fails permanently", async () => {
    const ws = workspace();
    await expect(ws.clone({ jobId: "job-3", url: `${server.url}/octo/app.git`, ref: "main", sha: "1".repeat(40), token: TOKEN }))
      .rejects.toMatchObject({ code: "sha_not_found", retryable: false });
    expect(await ws.get("job-3")).toBeUndefined();
  });

  test("a repository over the byte limit fails with repo_too_large and leaves nothing behind", async () => {
    const ws = workspace({ maxBytes: 100 * 1024 });
    const sha = await gitCli(join(base, "repos/octo/big.git"), "rev-parse", "HEAD");
    await expect(ws.clone({ jobId: "job-4", url: `${server.url}/octo/big.git`, ref: "main", sha, token: TOKEN }))
      .rejects.toMatchObject({ code: "repo_too_large", retryable: false, message: expect.stringMatching(/WORKSPACE_MAX_BYTES/) });
    expect(await ws.get("job-4")).toBeUndefined();
  });

  test("a small download that checks out over the byte limit fails with repo_too_large and leaves nothing behind", async () => {
    const ws = workspace({ maxBytes: 1024 * 1024 });
    const sha = await gitCli(join(base, "repos/octo/zeros.git"), "rev-parse", "HEAD");
    await expect(ws.clone({ jobId: "job-zeros", url: `${server.url}/octo/zeros.git`, ref: "main", sha, token: TOKEN }))
      .rejects.toMatchObject({ code: "repo_too_large", message: expect.stringMatching(/its checkout takes more than 1.0 MB/) });
    expect(await ws.get("job-zeros")).toBeUndefined();
  });

  test("a repository over the file limit fails with repo_too_large", async () => {
    const ws = workspace({ maxFiles: 10 });
    const sha = await gitCli(join(base, "repos/octo/many.git"), "rev-parse", "HEAD");
    await expect(ws.clone({ jobId: "job-5", url: `${server.url}/octo/many.git`, ref: "main", sha, token: TOKEN }))
      .rejects.toMatchObject({ code: "repo_too_large", message: expect.stringMatching(/30 files/) });
  });

  test("a refused token is a permanent error that names the permission", async () => {
    const ws = workspace();
    await expect(ws.clone({ jobId: "job-6", url: `${server.url}/octo/app.git`, ref: "main", sha: shas[2]!, token: "ghs_wrong" }))
      .rejects.toMatchObject({ code: "clone_auth_failed", retryable: false, message: expect.stringMatching(/Contents: read/) });
  });

  test("low disk space and a stalled server are retryable", async () => {
    await expect(workspace({ minFreeBytes: Number.MAX_SAFE_INTEGER }).clone({ jobId: "job-7", url: `${server.url}/octo/app.git`, ref: "main", sha: shas[2]!, token: TOKEN }))
      .rejects.toMatchObject({ code: "disk_low", retryable: true });
    const stalled = http.createServer(() => {});
    await new Promise<void>((r) => stalled.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/octo/app.git`;
      await expect(workspace({ cloneTimeoutMs: 300 }).clone({ jobId: "job-8", url, ref: "main", sha: shas[2]!, token: TOKEN }))
        .rejects.toMatchObject({ code: "clone_timeout", retryable: true });
    } finally {
      stalled.closeAllConnections();
      await new Promise((r) => stalled.close(r));
    }
  });

  test("WORKSPACE_MAX_CONCURRENT=1 runs clones one after the other", async () => {
    const seen: string[] = [];
    const fetch: typeof globalThis.fetch = (input, init) => {
      seen.push(String(input).includes("/octo/many.git") ? "many" : "app");
      return globalThis.fetch(input, init);
    };
    const ws = workspace({ maxConcurrent: 1, fetch });
    const manySha = await gitCli(join(base, "repos/octo/many.git"), "rev-parse", "HEAD");
    await Promise.all([
      ws.clone({ jobId: "c-1", url: `${server.url}/octo/app.git`, ref: "main", sha: shas[2]!, token: TOKEN }),
      ws.clone({ jobId: "c-2", url: `${server.url}/octo/many.git`, ref: "main", sha: manySha, token: TOKEN }),
    ]);
    const firstMany = seen.indexOf("many");
    expect(firstMany).toBeGreaterThan(0);
    expect(seen.slice(firstMany)).not.toContain("app");
  });

  test("remove deletes checkout and logs unless KEEP_WORKSPACE; sweep removes what is not kept", async () => {
    // One per protocol: get() leaves an owner file, which the other run's listing would show.
    const root = join(base, `sweep-${protocol}`);
    const ws = createFsWorkspace({ root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false });
    // Job ids as the app makes them (UUIDs): sweep removes nothing else.
    const [a, b, c] = ["01936f7e-0000-7000-8000-00000000000a", "01936f7e-0000-7000-8000-00000000000b", "01936f7e-0000-7000-8000-00000000000c"];
    for (const id of [a, b, c]) {
      await mkdir(join(root, id, ".git"), { recursive: true });
      await mkdir(join(root, `${id}.logs`), { recursive: true });
    }
    await writeFile(join(root, "not-a-dir"), "x");
    await ws.remove(a);
    expect((await readdir(root)).sort()).toEqual([b, `${b}.logs`, c, `${c}.logs`, "not-a-dir"]);
    expect(await ws.sweep(new Set([c]))).toBe(1);
    expect((await readdir(root)).sort()).toEqual([c, `${c}.logs`, "not-a-dir"]);
    const keeping = createFsWorkspace({ root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: true });
    await keeping.remove(c);
    expect(await keeping.get(c)).toEqual({ jobId: c, dir: join(root, c) });
    await expect(ws.get("../etc")).rejects.toMatchObject({ code: "bad_job_id" });
  });

  // Root empties read-only directories anyway: what is tested is the app's user (the Docker image's `node`).
  (process.getuid?.() !== 0 ? test : test.skip)("remove and sweep delete a checkout in which a command left a read-only directory", async () => {
    const root = join(base, `read-only-${protocol}`);
    const ws = createFsWorkspace({ root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false });
    const [a, b] = ["01936f7e-0000-7000-8000-0000000000a1", "01936f7e-0000-7000-8000-0000000000b1"];
    for (const id of [a, b]) {
      // As `go mod download` leaves its module cache: files in directories made read-only.
      await mkdir(join(root, id, ".git"), { recursive: true });
      await mkdir(join(root, id, "pkg", "mod"), { recursive: true });
      await writeFile(join(root, id, "pkg", "mod", "go.mod"), "module x\n");
      await chmod(join(root, id, "pkg", "mod"), 0o555);
      await chmod(join(root, id, "pkg"), 0o555);
    }
    await ws.remove(a);
    expect(await ws.sweep(new Set())).toBe(1);
    expect(await readdir(root)).toEqual([]);
  });

  // The test above, as root: what removes checkouts is removeTree (which recovers from a read-only directory), not a plain rm.
  test("remove and sweep delete checkouts through removeTree", async () => {
    const root = join(base, `through-remove-tree-${protocol}`);
    const asked: string[] = [];
    const ws = createFsWorkspace({ root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false, removeTree: async (p) => void asked.push(p) });
    const [a, b] = ["01936f7e-0000-7000-8000-0000000000a3", "01936f7e-0000-7000-8000-0000000000b3"];
    for (const id of [a, b]) await mkdir(join(root, id, ".git"), { recursive: true });
    await ws.remove(a);
    await ws.sweep(new Set([a]));
    expect(asked).toEqual(expect.arrayContaining([join(root, a), join(root, b)]));
  });

  test("a checkout the sweep cannot remove is left with its owner file; the others are removed, and the start goes on", async () => {
    const root = join(base, `refused-${protocol}`);
    const [a, b] = ["01936f7e-0000-7000-8000-0000000000a2", "01936f7e-0000-7000-8000-0000000000b2"];
    const warned: object[] = [];
    const logger = { warn: (o: object) => void warned.push(o), info: () => undefined } as unknown as FsWorkspaceOptions["logger"];
    const ws = createFsWorkspace({
      root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false, logger,
      // As a mount inside the checkout answers, whoever asks.
      removeTree: async (p) => {
        if (p === join(root, a)) throw Object.assign(new Error(`EBUSY: resource busy or locked, rmdir '${p}'`), { code: "EBUSY" });
        await rm(p, { recursive: true, force: true });
      },
    });
    for (const id of [a, b]) {
      await mkdir(join(root, id, ".git"), { recursive: true });
      await writeFile(join(root, `${id}.owner`), JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), start: null }));
    }
    expect(await ws.sweep(new Set())).toBe(1);
    expect((await readdir(root)).sort()).toEqual([a, `${a}.owner`]);
    expect(warned).toEqual([expect.objectContaining({ jobId: a, err: expect.objectContaining({ code: "EBUSY" }) })]);
  });

  test("sweep leaves alone what is not a job's workspace: WORKSPACE_ROOT may be a shared directory such as /var/tmp", async () => {
    const root = join(base, "shared");
    const ws = createFsWorkspace({ root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false });
    const stale = "01936f7e-3c4a-7b2d-9e1f-0a1b2c3d4e5f";
    const kept = "01936f7e-3c4a-7b2d-9e1f-0a1b2c3d4e60";
    for (const d of ["projects", "backup.logs", "node_modules", stale, `${stale}.logs`, kept, `${kept}.logs`]) await mkdir(join(root, d, "x"), { recursive: true });
    // Before, every directory with a plausible name went, however it got there.
    expect(await ws.sweep(new Set([kept]))).toBe(1);
    expect((await readdir(root)).sort()).toEqual([kept, `${kept}.logs`, "backup.logs", "node_modules", "projects"]);
  });
});

describe("the start-up sweep with a WORKSPACE_ROOT shared by several processes", () => {
  const moduleUrl = new URL("./fs-workspace.ts", import.meta.url).href;
  const options = (root: string) => ({ root, maxBytes: 1e9, maxFiles: 1e6, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false });
  /** Another t0-ci-bot process: it takes up the workspace of `jobId` (a resumed job), says so, and lives until killed or told to exit. */
  async function processUsing(root: string, jobId: string, then: "stay" | "exit"): Promise<ChildProcess> {
    const code = [
      `const { createFsWorkspace } = await import(${JSON.stringify(moduleUrl)});`,
      `const ws = createFsWorkspace(${JSON.stringify(options(root))});`,
      `if (!(await ws.get(${JSON.stringify(jobId)}))) throw new Error("no workspace");`,
      `console.log("using");`,
      then === "stay" ? "setInterval(() => {}, 1000);" : "",
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { cwd: fileURLToPath(new URL("../../..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => d.toString().includes("using") && resolve());
      child.on("exit", (c) => reject(new Error(`exited with ${c} before using the workspace`)));
    });
    if (then === "exit") await new Promise((r) => (child.exitCode === null ? child.once("exit", r) : r(undefined)));
    return child;
  }

  test("the sweep removes the raw logs of kept jobs past build-context, but not while a live process uses the workspace", async () => {
    const root = join(base, "raw-logs");
    const ws = createFsWorkspace(options(root));
    const [done, used, notYet] = ["01936f7e-0000-7000-8000-0000000000d1", "01936f7e-0000-7000-8000-0000000000d2", "01936f7e-0000-7000-8000-0000000000d3"];
    for (const id of [done, used, notYet]) {
      await mkdir(join(root, id, ".git"), { recursive: true });
      await mkdir(join(root, `${id}.logs`, "fix-run-7"), { recursive: true });
      for (const f of ["1.log", "1.json", "context.json", "workflow.yml", "fix-run-7/2.log"]) await writeFile(join(root, `${id}.logs`, f), "raw");
    }
    // This process resumed it: a repair may be reading its fix-branch run's logs.
    await ws.get(used);
    expect(await ws.sweep(new Set([done, used, notYet]), new Set([done, used]))).toBe(0);
    expect((await readdir(join(root, `${done}.logs`))).sort()).toEqual(["context.json", "workflow.yml"]);
    expect((await readdir(join(root, `${used}.logs`))).sort()).toEqual(["1.json", "1.log", "context.json", "fix-run-7", "workflow.yml"]);
    expect((await readdir(join(root, `${notYet}.logs`))).sort()).toEqual(["1.json", "1.log", "context.json", "fix-run-7", "workflow.yml"]);
    expect(await readdir(join(root, done))).toEqual([".git"]);
  });

  test("a clone names this process as its owner beside the checkout; remove takes it away", async () => {
    const root = join(base, "owned");
    const ws = createFsWorkspace(options(root));
    const w = await ws.clone({ jobId: "job-1", url: `${servers.v2.url}/octo/app.git`, ref: "main", sha: shas[2]!, token: TOKEN });
    expect(JSON.parse(await readFile(`${w.dir}.owner`, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(await createFsWorkspace(options(root)).sweep(new Set())).toBe(0);
    await ws.remove("job-1");
    expect(await readdir(root)).toEqual([]);
  });

  // claim() writes <id>.owner.<pid>.tmp, then renames it: removing the temp file in between made that
  // process's clone fail on the rename.
  test("an owner file another live process is writing is left alone, and its workspace with it", async () => {
    const root = join(base, "claiming");
    const [BUSY, DEAD] = ["66666666-6666-4666-8666-666666666666", "77777777-7777-4777-8777-777777777777"];
    const gone = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => gone.once("exit", r));
    for (const id of [BUSY, DEAD]) await mkdir(join(root, id, ".git"), { recursive: true });
    await writeFile(join(root, `${BUSY}.owner.${process.pid}.tmp`), "{");
    await writeFile(join(root, `${DEAD}.owner.${gone.pid}.tmp`), "{");
    expect(await createFsWorkspace(options(root)).sweep(new Set())).toBe(1);
    expect((await readdir(root)).sort()).toEqual([BUSY, `${BUSY}.owner.${process.pid}.tmp`]);
  });

  test("a workspace in use by another live process is left alone; one whose process is gone is removed", async () => {
    const root = join(base, "shared-by-processes");
    // Job ids, as the sweep only ever removes those (see JOB_ID in fs-workspace.ts).
    const [LIVE, GONE, LEGACY, CUT, KEPT] = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333", "44444444-4444-4444-8444-444444444444", "55555555-5555-4555-8555-555555555555"];
    for (const id of [LIVE, GONE, LEGACY]) {
      await mkdir(join(root, id, ".git"), { recursive: true });
      await mkdir(join(root, `${id}.logs`), { recursive: true });
    }
    const live = await processUsing(root, LIVE, "stay");
    try {
      await processUsing(root, GONE, "exit");
      const ws = createFsWorkspace(options(root));
      // The store of this process knows none of them (another deployment, or a job started after it was read).
      expect(await ws.sweep(new Set())).toBe(2);
      expect((await readdir(root)).filter((n) => !n.endsWith(".owner")).sort()).toEqual([LIVE, `${LIVE}.logs`]);
      live.kill();
      await new Promise((r) => live.once("exit", r));
      expect(await ws.sweep(new Set())).toBe(1);
      expect(await readdir(root)).toEqual([]);
      // What a removal cut short leaves beside a checkout goes too, unless its job is kept.
      await writeFile(join(root, `${CUT}.owner`), JSON.stringify({ pid: live.pid, host: hostname(), start: null }));
      await writeFile(join(root, `${CUT}.owner.123.tmp`), "{");
      await writeFile(join(root, `${KEPT}.owner`), "{}");
      expect(await ws.sweep(new Set([KEPT]))).toBe(0);
      expect(await readdir(root)).toEqual([`${KEPT}.owner`]);
    } finally {
      live.kill();
    }
  });
});

describe("clone failures on the wire", () => {
  const pkt = (s: string | Buffer) => {
    const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
    return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, "0")), b]);
  };
  async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer(handler);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/octo/demo.git`, close: () => new Promise((r) => server.close(() => r())) };
  }
  const roots: string[] = [];
  afterEach(async () => {
    for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
  });
  const fresh = async () => {
    const root = await mkdtemp(join(tmpdir(), "t0-ws-wire-"));
    roots.push(root);
    return createFsWorkspace({ root, maxBytes: 1e8, maxFiles: 1e5, maxConcurrent: 1, minFreeBytes: 0, cloneTimeoutMs: 25_000, keep: false });
  };
  const request = (url: string) => ({ jobId: "job-1", url, ref: "main", sha: "a".repeat(40), token: TOKEN });

  test("a pack stream that stops before git's closing flush (the server process or a proxy cut it) is retried, as git's early EOF", async () => {
    const server = await serve((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/x-git-upload-pack-advertisement" });
        return res.end(Buffer.concat([pkt("version 2\n"), pkt("agent=git/2.45\n"), pkt("fetch=shallow\n"), Buffer.from("0000")]));
      }
      req.resume();
      res.writeHead(200, { "content-type": "application/x-git-upload-pack-result" });
      // Part of a pack, then the end of the response: no rest of the pack, no flush-pkt.
      res.end(Buffer.concat([pkt("packfile\n"), pkt(Buffer.concat([Buffer.from([1]), Buffer.from("PACK\0\0\0\x02\0\0\0\x05partial")]))]));
    });
    try {
      const err = await (await fresh()).clone(request(server.url)).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: "clone_incomplete", retryable: true, message: expect.stringMatching(/stopped before its end \(\d+ bytes of pack received\); will retry\.$/) });
    } finally {
      await server.close();
    }
  });

  test("a clone that cannot connect says it was cloning, and which repository", async () => {
    const server = await serve(() => undefined);
    await server.close(); // nothing listens there now
    const err = await (await fresh()).clone(request(server.url)).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: "network", retryable: true, message: expect.stringMatching(new RegExp(`^Cloning ${server.url.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} failed: .*ECONNREFUSED.*; will retry\\.$`)) });
  });
});
