import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "@jest/globals";
import { killAll, root, spawnMain, type Child } from "./spawn-server.js";

describe("start-up without credentials", () => {
  const children: Child[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    killAll(children);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  test("development: Probot's setup wizard serves the manifest from app.yml, offline (no smee call)", async () => {
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const child = spawnMain({ PORT: port, HOST: "127.0.0.1", DATA_DIR: "/nonexistent" }, /Listening on http/);
    children.push(child);
    await child.ready;
    expect(child.output()).toContain(`Open http://127.0.0.1:${port}/probot to register the app`);
    const root = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
    const manifest = JSON.parse(/value='([^']+)'/.exec(page)![1]!);
    expect(manifest).toMatchObject({
      name: "t0-ci-bot",
      public: false,
      default_events: ["workflow_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_comment"],
      redirect_url: `http://127.0.0.1:${port}/probot/setup`,
    });
    expect(child.output()).not.toMatch(/smee/i);
  }, 90_000);

  test("development with WEBHOOK_PROXY_URL: the wizard registers that URL and stays up without connecting to it", async () => {
    // README: "set WEBHOOK_PROXY_URL first". Probot's wizard also started a smee client on it, which cannot
    // forward anything in setup mode; a channel it could not reach (a typo, no network) ended the process
    // with "t0-ci-bot: [object Event]" before the page could be used.
    let hits = 0;
    let hit!: () => void;
    const hitP = new Promise<void>((r) => (hit = r));
    const channel = createServer((_req, res) => {
      hits++;
      hit();
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => channel.listen(0, "127.0.0.1", r));
    try {
      const proxy = `http://127.0.0.1:${(channel.address() as AddressInfo).port}/t0-channel`;
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const child = spawnMain({ PORT: port, HOST: "127.0.0.1", DATA_DIR: "/nonexistent", WEBHOOK_PROXY_URL: proxy }, /Listening on http/);
      children.push(child);
      await child.ready;
      const page = await (await fetch(`http://127.0.0.1:${port}/probot`)).text();
      expect(JSON.parse(/value='([^']+)'/.exec(page)![1]!).hook_attributes).toEqual({ url: proxy });
      // Probot starts its client right after listening: give it the time it took to fail before the fix.
      await Promise.race([hitP, child.exited, new Promise((r) => setTimeout(r, 2_000))]);
      expect([hits, child.proc.exitCode]).toEqual([0, null]);
      expect((await fetch(`http://127.0.0.1:${port}/probot`)).status).toBe(200);
    } finally {
      await new Promise((r) => channel.close(r));
    }
  }, 90_000);

  test("development with PORT=0: the wizard listens on a free port and says which", async () => {
    // .env.example allows 0 (a free port, as `serve` takes it); Probot reads "0" as unset and took 3000,
    // while the message said "Open http://…:0/probot".
    const child = spawnMain({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: "/nonexistent" }, /Listening on http:\/\/127\.0\.0\.1:(\d+)/);
    children.push(child);
    const port = (await child.ready)[1]!;
    expect(port).not.toBe("3000");
    expect(child.output()).toContain(`Open http://127.0.0.1:${port}/probot to register the app`);
    expect((await fetch(`http://127.0.0.1:${port}/probot`)).status).toBe(200);
  }, 90_000);

  test("development on an IPv6 HOST (::1): the address to open is one a browser takes, [::1]", async () => {
    const child = spawnMain({ PORT: "0", HOST: "::1", DATA_DIR: "/nonexistent" }, /Listening on http:\/\/\[::1\]:(\d+)/);
    children.push(child);
    const port = (await child.ready)[1]!;
    expect(child.output()).toContain(`Open http://[::1]:${port}/probot to register the app`);
    expect((await fetch(`http://[::1]:${port}/probot`)).status).toBe(200);
  }, 90_000);

  test("development with PORT taken: the setup page says which setting to change and exits 1, not a stack trace", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (taken.address() as AddressInfo).port;
      const child = spawnMain({ PORT: String(port), HOST: "127.0.0.1", DATA_DIR: "/nonexistent" }, /never/);
      children.push(child);
      expect(await child.exited).toBe(1);
      expect(child.output()).toMatch(new RegExp(`PORT=${port}: 127\\.0\\.0\\.1:${port} is already in use by another process; stop that process or set PORT to a free port`));
      expect(child.output()).not.toMatch(/^t0-ci-bot: Error:/m);
      // Probot's own log of the failed listen came first, with its stack; and the page to open was announced.
      expect(child.output()).not.toMatch(/"stack"|\n\s+at /);
      expect(child.output()).not.toMatch(/Open http/);
    } finally {
      taken.close();
    }
  }, 90_000);

  test.each(["0", "3939"])("development with a HOST that is not this machine's (PORT=%s): says which setting to change, exit 1, no stack", async (port) => {
    // With PORT=0 the free-port probe's ENOTFOUND ended the process as "t0-ci-bot: Error: getaddrinfo …" and its stack.
    const child = spawnMain({ PORT: port, HOST: "nonexistent.invalid", DATA_DIR: "/nonexistent" }, /never/);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toBe(
      "t0-ci-bot: could not open the setup page: HOST=nonexistent.invalid: not an address of this machine (ENOTFOUND); set HOST to localhost, 127.0.0.1, or 0.0.0.0 for every interface.\n",
    );
  }, 90_000);

  test("production: refuses to start, says what is missing, exits 1", async () => {
    const child = spawnMain({ NODE_ENV: "production", PORT: "0", DATA_DIR: "/nonexistent" }, /never/);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/APP_ID and PRIVATE_KEY \(or PRIVATE_KEY_PATH\) are required when NODE_ENV=production/);
  }, 90_000);

  test("a DATA_DIR that cannot be created: exits 1 naming DATA_DIR, not a raw ENOTDIR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t0-datadir-"));
    dirs.push(dir);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const env = { APP_ID: "1", PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"), WEBHOOK_SECRET: "s", PORT: "0", DATA_DIR: join(file, "data") };
    const child = spawnMain(env, /never/);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/DATA_DIR: cannot create ".*a-file\/data" \(ENOTDIR\); put a directory path/);
    expect(child.output()).not.toMatch(/at .*lowdb-store/);
  }, 90_000);

  test("a DATA_DIR that is a file: exits 1 saying it is a file, not a bare EEXIST from mkdir", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t0-datadir-"));
    dirs.push(dir);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const env = { APP_ID: "1", PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"), WEBHOOK_SECRET: "s", PORT: "0", DATA_DIR: file };
    const child = spawnMain(env, /never/);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/DATA_DIR: ".*a-file" is a file, not a directory; put a directory path this process can create and write there \(default \.\/data\)/);
  }, 90_000);

  test("a DATA_DIR the store cannot write in: exits 1 naming DATA_DIR and the path, not a bare EEXIST from mkdir", async () => {
    // As root no permission bit refuses a write, so the store's own jobs/ folder is taken by a file instead:
    // the store's first write fails there as it would in a read-only or foreign-owned directory.
    const dir = mkdtempSync(join(tmpdir(), "t0-datadir-"));
    dirs.push(dir);
    writeFileSync(join(dir, "jobs"), "");
    const env = { APP_ID: "1", PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"), WEBHOOK_SECRET: "s", PORT: "0", DATA_DIR: dir };
    const child = spawnMain(env, /never/);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/DATA_DIR: cannot write ".*t0-datadir-[^"]*\/jobs" \(EEXIST\); DATA_DIR must be a directory this process can write/);
  }, 90_000);

  test("a WORKSPACE_ROOT that cannot hold clones: exits 1 naming WORKSPACE_ROOT at start, not a failure of every job later", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t0-wsroot-"));
    dirs.push(dir);
    const file = join(dir, "a-file");
    writeFileSync(file, "");
    const env = { APP_ID: "1", PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"), WEBHOOK_SECRET: "s", PORT: "0", DATA_DIR: join(dir, "data"), WORKSPACE_ROOT: file };
    const child = spawnMain(env, /never/);
    children.push(child);
    expect(await child.exited).toBe(1);
    // "cannot create (EEXIST)" read as a permission problem; the path is taken by a file.
    expect(child.output()).toMatch(/WORKSPACE_ROOT: ".*a-file" is a file, not a directory; put a directory path this process can create and write there/);
  }, 90_000);
});

describe("npm start and npm run fake-tensorzero under a process manager", () => {
  const groups: number[] = [];
  afterEach(() => {
    // The whole process group: without the fix the server outlives npm, and must not outlive the test.
    for (const pgid of groups.splice(0)) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });

  /**
   * A supervisor (systemd, a CI step's timeout, `kill <pid>`) stops `npm run <script>` by sending SIGTERM to
   * npm. npm passes it on to the shell that runs the script, and dash (Debian's and Ubuntu's sh) dies of it
   * without passing it on: the server behind it stayed up, orphaned, still holding the port and DATA_DIR.
   */
  test.each([
    ["start", [], { DATA_DIR: "/nonexistent", PORT: "0", HOST: "127.0.0.1" }, /Listening on http:\/\/127\.0\.0\.1:(\d+)/, "/probot"],
    ["fake-tensorzero", ["--", "--port", "0"], {}, /fake TensorZero gateway on http:\/\/127\.0\.0\.1:(\d+)/, "/health"],
  ] as const)("SIGTERM to `npm run %s` stops the server behind it", async (script, args, env, listening, path) => {
    const npm = spawn("npm", ["run", script, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", REDELIVER_WINDOW_HOURS: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    groups.push(npm.pid!);
    let out = "";
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not listening after 60 s:\n${out}`)), 60_000);
      const onData = (b: Buffer) => {
        out += b;
        const m = listening.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      npm.stdout!.on("data", onData);
      npm.stderr!.on("data", onData);
    });
    const answers = () => fetch(`http://127.0.0.1:${port}${path}`).then(
      () => true,
      () => false,
    );
    expect(await answers()).toBe(true);
    npm.kill("SIGTERM");
    const deadline = Date.now() + 15_000;
    while ((await answers()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await answers()).toBe(false);
  }, 90_000);
});

describe("start-up with REDIS_URL that nothing answers", () => {
  const children: Child[] = [];
  afterEach(() => killAll(children));

  /**
   * The store's "Cannot reach Redis … Start Redis or fix REDIS_URL." was followed by Probot's own Redis client
   * (its request throttling, given REDIS_URL) logging ECONNREFUSED with its stack, twice, before the exit.
   */
  test.each([
    ["serve", ["src/main.ts"]],
    ["worker", ["bin/t0-ci-bot.js", "worker"]],
  ])("%s: exits 1 with the one line saying what to do, and no stack", async (_name, args) => {
    const env = { APP_ID: "1", PRIVATE_KEY_PATH: join(root, "fixtures/mock-private-key.pem"), WEBHOOK_SECRET: "s", PORT: "0", WORKER_HEALTH_PORT: "0", REDIS_URL: "redis://127.0.0.1:1/13" };
    const child = spawnMain(env, /never/, 60_000, args);
    children.push(child);
    expect(await child.exited).toBe(1);
    expect(child.output()).toMatch(/could not start: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/13: .*\. Start Redis or fix REDIS_URL\.\n/);
    expect(child.output()).not.toMatch(/"stack"|\n\s+at /);
  }, 90_000);
});
