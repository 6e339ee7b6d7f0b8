import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * A smart-HTTP git server for tests and benches: node http around `git http-backend` (CGI), serving the
 * bare repositories under `root` as `/<owner>/<name>.git`. With `token`, every request must carry
 * Basic `x-access-token:<token>` like GitHub (401 otherwise). Pushes are kept.
 */
export interface GitServer {
  url: string;
  root: string;
  /** Authorization headers seen, in order (to assert what a client sent). */
  authHeaders: string[];
  /** Requests seen: method, path and the Git-Protocol header the client sent. */
  requests: Array<{ method: string; path: string; protocol?: string }>;
  /** Bytes of response bodies sent so far. */
  bytesSent(): number;
  close(): Promise<void>;
}

/** `protocolV2: false` serves only the original protocol (as an old server would): the Git-Protocol header is dropped. */
export async function startGitServer(opts: { root: string; token?: string; protocolV2?: boolean }): Promise<GitServer> {
  const authHeaders: string[] = [];
  const requests: GitServer["requests"] = [];
  let sent = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const auth = req.headers.authorization ?? "";
    authHeaders.push(auth);
    requests.push({ method: req.method ?? "GET", path: url.pathname, ...(req.headers["git-protocol"] ? { protocol: String(req.headers["git-protocol"]) } : {}) });
    if (opts.token) {
      const [user, pass] = Buffer.from(auth.replace(/^Basic /, ""), "base64").toString().split(":");
      if (user !== "x-access-token" || pass !== opts.token) {
        res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end("auth required\n");
        return;
      }
    }
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_PROJECT_ROOT: opts.root,
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: decodeURIComponent(url.pathname),
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      REMOTE_USER: "x-access-token",
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
    };
    for (const [k, v] of Object.entries(req.headers)) {
      if (k === "git-protocol" && opts.protocolV2 === false) continue;
      env["HTTP_" + k.toUpperCase().replace(/-/g, "_")] = String(v);
    }
    if (req.headers["content-length"]) env.CONTENT_LENGTH = req.headers["content-length"];
    const cgi = spawn("git", ["http-backend"], { env });
    req.pipe(cgi.stdin);
    cgi.stdin.on("error", () => {});
    let buf = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        sent += chunk.length;
        res.write(chunk);
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      const idx = buf.indexOf("\r\n\r\n");
      if (idx < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of buf.subarray(0, idx).toString().split("\r\n")) {
        const i = line.indexOf(":");
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === "status") status = parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      headersDone = true;
      const rest = buf.subarray(idx + 4);
      sent += rest.length;
      res.write(rest);
    });
    cgi.stdout.on("end", () => res.end());
    cgi.stderr.resume();
    res.on("close", () => cgi.kill());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    root: opts.root,
    authHeaders,
    requests,
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "Test", GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_AUTHOR_DATE: "2026-11-23T12:00:00Z", GIT_COMMITTER_DATE: "2026-11-23T12:00:00Z", GIT_CONFIG_NOSYSTEM: "1", HOME: tmpdir(),
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * Creates the bare repository `<root>/<owner>/<name>.git` with one commit per entry of `commits` on
 * `branch`; returns the commit SHAs in order. File values are contents; `null` deletes the file.
 */
export async function createRepo(
  root: string,
  fullName: string,
  commits: Array<Record<string, string | Buffer | null>>,
  branch = "main",
): Promise<string[]> {
  const work = await mkdtemp(join(tmpdir(), "t0-repo-src-"));
  try {
    await git(work, "init", "-q", "-b", branch);
    const shas: string[] = [];
    for (const [i, files] of commits.entries()) {
      for (const [path, content] of Object.entries(files)) {
        const abs = join(work, path);
        if (content === null) {
          await rm(abs, { force: true });
          continue;
        }
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, content);
      }
      await git(work, "add", "-A");
      await git(work, "commit", "-q", "--allow-empty", "-m", `commit ${i + 1}`);
      shas.push(await git(work, "rev-parse", "HEAD"));
    }
    const bare = join(root, `${fullName}.git`);
    await mkdir(dirname(bare), { recursive: true });
    await git(root, "clone", "-q", "--bare", work, bare);
    await git(bare, "config", "http.receivepack", "true");
    return shas;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
