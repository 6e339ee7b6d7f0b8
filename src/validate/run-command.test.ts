import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../test/helpers/eventually.js";
import { fixtureRepo } from "../../test/helpers/fixture-repo.js";
import { restoreFiles } from "./restore-files.js";
import { runCommand, type SandboxSpec } from "./run-command.js";
import { probeBwrap } from "./sandbox.js";
import { scrubbedEnv } from "./scrubbed-env.js";

const probe = await probeBwrap();
const withBwrap = probe.available ? test : test.skip;
const optWritable = await mkdtemp("/opt/t0-ci-bot-probe-").then(
  async (d) => (await rm(d, { recursive: true }), true),
  () => false,
);
if (!probe.available) console.warn(`bubblewrap tests skipped: ${probe.reason}`);

const SECRETS = {
  PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nMIIEfake\n-----END RSA PRIVATE KEY-----",
  GITHUB_TOKEN: "ghs_abcdefghijklmnopqrstuvwxyz0123456789",
  TENSORZERO_API_KEY: "sk-t0-verysecretkey",
  OPENAI_API_KEY: "sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
  WEBHOOK_SECRET: "whsec-development",
};

let root: string;
let ws: string;
let home: string;
let tmp: string;
let keyDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "t0-run-"));
  ws = join(root, "ws");
  home = join(root, "home");
  tmp = join(root, "tmp");
  keyDir = await mkdtemp(join(tmpdir(), "t0-appkey-"));
  await Promise.all([mkdir(ws), mkdir(home), mkdir(tmp)]);
  await writeFile(join(keyDir, "app.pem"), SECRETS.PRIVATE_KEY);
  env = scrubbedEnv({ ...process.env, ...SECRETS, PRIVATE_KEY_PATH: join(keyDir, "app.pem") }, { home, tmp });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(keyDir, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
const none: SandboxSpec = { kind: "none" };
const bwrap = (network = false): SandboxSpec => ({ kind: "bwrap", workspace: ws, writable: [home, tmp], network, parentHome: process.env.HOME });
const run = (command: string, sandbox: SandboxSpec, extra: { timeoutMs?: number; maxOutputBytes?: number; signal?: AbortSignal } = {}) =>
  runCommand({ command, cwd: ws, env, sandbox, timeoutMs: extra.timeoutMs ?? 20_000, maxOutputBytes: extra.maxOutputBytes ?? 64 * 1024, signal: extra.signal });

/** Running, and not a zombie waiting for a container init that never reaps it. */
const alive = async (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return !/^\d+ \(.*\) Z/.test(stat);
};

/** Live (non-zombie) processes on the host whose command line contains `needle`. */
async function processesWith(needle: string): Promise<string[]> {
  const { readdir } = await import("node:fs/promises");
  const out: string[] = [];
  for (const pid of (await readdir("/proc")).filter((d) => /^\d+$/.test(d))) {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replace(/\0/g, " ");
    if (cmd.includes(needle) && !cmd.includes("jest") && (await alive(Number(pid)))) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

describe("runCommand", () => {
  test("reports exit code, merged output and duration, with bash -e semantics", async () => {
    const r = await run("echo out; echo err >&2; false; echo never", none);
    expect(r.exitCode).toBe(1);
    expect(r.output.text()).toBe("out\nerr\n");
    expect(r.timedOut).toBe(false);
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
  });

  test("the environment holds no app secret, a temp HOME and CI=true", async () => {
    const r = await run("env", none);
    const out = r.output.text();
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(out).not.toContain(`${name}=`);
      expect(out).not.toContain(value);
    }
    expect(out).not.toContain("PRIVATE_KEY_PATH");
    expect(out).toContain(`HOME=${home}\n`);
    expect(out).toContain("CI=true\n");
  });

  test("a hanging command is killed at the timeout, with the children it started", async () => {
    const pidFile = join(ws, "bg.pid");
    const started = Date.now();
    const r = await run(`sleep 60 & echo $! > ${pidFile}; sleep 60`, none, { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe("SIGKILL");
    // Not killed, it would run 60 s; the bound leaves a loaded CI machine room (normally well under 1 s).
    expect(Date.now() - started).toBeLessThan(20_000);
    const bg = Number(await readFile(pidFile, "utf8"));
    // A SIGKILLed process leaves /proc only once the kernel has run its exit: later on a busy machine.
    await eventually("the background sleep to die", async () => !(await alive(bg)));
  });

  // Without bubblewrap (a container without user namespaces), a daemon that leaves the process group
  // (setsid, a double fork) is out of reach of the group kill; it carries the run's marker in its environment.
  test("unsandboxed, a daemon that left the process group is killed too, when the command ends or times out", async () => {
    const done = await run("setsid sleep 4243 > /dev/null 2>&1 < /dev/null & sleep 0.2; echo started", none);
    expect(done.exitCode).toBe(0);
    await eventually("the daemon to die", async () => (await processesWith("sleep 4243")).length === 0);

    const hung = await run("setsid sleep 4244 > /dev/null 2>&1 < /dev/null & sleep 60", none, { timeoutMs: 500 });
    expect(hung.timedOut).toBe(true);
    await eventually("the daemon to die", async () => (await processesWith("sleep 4244")).length === 0);
  });

  test("100 MB of output is counted but only the tail is kept", async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const r = await run("head -c 100000000 /dev/zero | tr '\\0' 'x'; echo; echo THE-END", none, { maxOutputBytes: 64 * 1024 });
    expect(r.exitCode).toBe(0);
    expect(r.output.totalBytes).toBe(100_000_000 + 1 + 8);
    expect(r.output.bytes().length).toBe(64 * 1024);
    expect(r.output.text().endsWith("xxxx\nTHE-END\n")).toBe(true);
    // The 100 MB passed through; what stayed is the 64 KiB ring (generous slack for GC timing).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
  });

  test("an abort signal kills the command", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("job cancelled")), 200);
    const r = await run("sleep 30", none, { signal: ac.signal });
    expect(r.aborted).toBe(true);
    expect(r.exitCode).toBeNull();
  });

  // The output cap and the wall-clock limit do not stop a test that writes without bound: the disk fills.
  test("a command filling the disk is killed, with its children, when free space falls below the floor", async () => {
    const big = join(ws, "big.bin");
    const pidFile = join(ws, "filler.pid");
    await rm(big, { force: true });
    // A disk with 8 MiB free, less what the command has written so far.
    const freeBytes = async () => 8 * MiB - (await stat(big).then((s) => s.size, () => 0));
    const started = Date.now();
    const r = await runCommand({
      command: `sleep 60 & echo $! > ${pidFile}; for i in $(seq 1 1000); do head -c 65536 /dev/zero >> big.bin; sleep 0.01; done`,
      cwd: ws, env, sandbox: none, timeoutMs: 10_000, maxOutputBytes: 1024,
      diskFloor: { paths: [ws, home], minFreeBytes: 4 * MiB, intervalMs: 20, freeBytes },
    });
    expect(r).toMatchObject({ timedOut: false, aborted: false, signal: "SIGKILL", exitCode: null });
    expect(r.diskLow).toEqual({ path: ws, freeBytes: expect.any(Number), minFreeBytes: 4 * MiB });
    expect(r.diskLow!.freeBytes).toBeLessThan(4 * MiB);
    // `timedOut: false` above already says the floor, not the 10 s limit, stopped it; this bound is only
    // a guard against a hang, with room for a loaded CI machine.
    expect(Date.now() - started).toBeLessThan(20_000);
    const filler = Number(await readFile(pidFile, "utf8"));
    await eventually("the background sleep to die", async () => !(await alive(filler)));
    // Stopped near the floor, not at the end of the loop (62 MiB).
    expect((await stat(big)).size).toBeLessThan(16 * MiB);
    await rm(big, { force: true });

    const ok = await runCommand({ command: "echo fine", cwd: ws, env, sandbox: none, timeoutMs: 10_000, maxOutputBytes: 1024, diskFloor: { paths: [ws], minFreeBytes: 4 * MiB, intervalMs: 20, freeBytes } });
    expect(ok.exitCode).toBe(0);
    expect(ok.diskLow).toBeUndefined();
  });

  // A test that leaks or allocates without bound takes the host's memory, and the OOM killer may pick the bot.
  test("a command is killed, with its children, when the host's available memory falls below the floor", async () => {
    const allocating = join(ws, "allocating");
    const pidFile = join(ws, "child.pid");
    await rm(allocating, { force: true });
    // Plenty until the command says it is allocating, then 100 MiB left.
    const availableBytes = async () => (await stat(allocating).then(() => 100 * MiB, () => 8192 * MiB));
    const started = Date.now();
    const r = await runCommand({
      command: `sleep 60 & echo $! > ${pidFile}; echo allocating; touch allocating; sleep 60`,
      cwd: ws, env, sandbox: none, timeoutMs: 10_000, maxOutputBytes: 1024,
      memoryFloor: { minAvailableBytes: 256 * MiB, intervalMs: 20, availableBytes },
    });
    expect(r).toMatchObject({ timedOut: false, aborted: false, signal: "SIGKILL", exitCode: null });
    expect(r.memoryLow).toEqual({ availableBytes: 100 * MiB, minAvailableBytes: 256 * MiB });
    expect(r.diskLow).toBeUndefined();
    expect(r.output.text()).toBe("allocating\n");
    // As above: `timedOut: false` says the floor stopped it; the bound only guards against a hang.
    expect(Date.now() - started).toBeLessThan(20_000);
    const child = Number(await readFile(pidFile, "utf8"));
    await eventually("the background sleep to die", async () => !(await alive(child)));

    const ok = await runCommand({ command: "echo fine", cwd: ws, env, sandbox: none, timeoutMs: 10_000, maxOutputBytes: 1024, memoryFloor: { minAvailableBytes: 256 * MiB, intervalMs: 20, availableBytes: async () => 8192 * MiB } });
    expect(ok.exitCode).toBe(0);
    expect(ok.memoryLow).toBeUndefined();
    await rm(allocating, { force: true });
  });

  test("with both floors reached at once, the command is killed for one reason, and the other watch stops", async () => {
    let memoryLooks = 0;
    const r = await runCommand({
      command: "sleep 60", cwd: ws, env, sandbox: none, timeoutMs: 10_000, maxOutputBytes: 1024,
      diskFloor: { paths: [ws], minFreeBytes: 4 * MiB, intervalMs: 20, freeBytes: async () => MiB },
      memoryFloor: { minAvailableBytes: 256 * MiB, intervalMs: 20, availableBytes: async () => (memoryLooks++, MiB) },
    });
    expect(r).toMatchObject({ timedOut: false, signal: "SIGKILL" });
    expect([r.diskLow, r.memoryLow].filter(Boolean)).toHaveLength(1);
    const looked = memoryLooks;
    await new Promise((res) => setTimeout(res, 100));
    expect(memoryLooks).toBe(looked);
  });

  test("a missing shell or binary is reported, not thrown", async () => {
    const r = await runCommand({ command: "true", cwd: ws, env, sandbox: { kind: "bwrap", bwrapPath: join(root, "no-such-bwrap"), workspace: ws, writable: [], network: false }, timeoutMs: 1_000, maxOutputBytes: 1024 });
    expect(r.spawnError).toMatch(/could not start .*no-such-bwrap/);
    expect(r.exitCode).toBeNull();
  });
});

// Node marks its own descriptors close-on-exec, but not one it was started with: a supervisor's socket or a
// file a start script left open reached every validation command, through bwrap too.
describe("descriptors the app inherited", () => {
  /** Runs `ls /proc/self/fd; cat <&40` through runCommand in a process started with the app's key on fd 40. */
  const withInheritedFd = async (sandbox: string) => {
    const { spawnSync } = await import("node:child_process");
    const { openSync, closeSync } = await import("node:fs");
    const script = join(root, `fd-runner-${Math.random().toString(36).slice(2)}.mts`);
    await writeFile(script, `
      import { runCommand } from ${JSON.stringify(join(process.cwd(), "src/validate/run-command.ts"))};
      const ws = ${JSON.stringify(ws)};
      const r = await runCommand({ command: "ls /proc/self/fd; cat <&40 || true", cwd: ws, env: { PATH: process.env.PATH }, timeoutMs: 10_000, maxOutputBytes: 65536, sandbox: ${sandbox} });
      process.stdout.write(r.output.text());`);
    const fd = openSync(join(keyDir, "app.pem"), "r");
    try {
      const stdio = Array.from({ length: 41 }, (_, i) => (i === 1 ? "pipe" : i === 40 ? fd : "ignore"));
      const r = spawnSync(process.execPath, ["--import", "tsx", script], { stdio: stdio as never, encoding: "utf8", timeout: 30_000 });
      return r.stdout;
    } finally {
      closeSync(fd);
    }
  };

  test("are closed before an unsandboxed command starts", async () => {
    const out = await withInheritedFd(`{ kind: "none" }`);
    expect(out).not.toContain("BEGIN RSA PRIVATE KEY");
    expect(out.split("\n")).not.toContain("40");
    expect(out).toMatch(/^0\n1\n2\n/);
  });

  withBwrap("are closed before a sandboxed command starts", async () => {
    const out = await withInheritedFd(`{ kind: "bwrap", workspace: ws, writable: [], network: false }`);
    expect(out).not.toContain("BEGIN RSA PRIVATE KEY");
    expect(out.split("\n")).not.toContain("40");
    expect(out).toMatch(/^0\n1\n2\n/);
  });
});

describe("runCommand under bubblewrap", () => {
  withBwrap("writes only inside the workspace and its temp dirs", async () => {
    const r = await run(`echo ok > in-ws.txt && cat in-ws.txt && echo home > "$HOME/h" && ( (echo x > /usr/escape) 2>/dev/null && echo WROTE-USR || echo usr-readonly)`, bwrap());
    expect(r.exitCode).toBe(0);
    expect(r.output.text()).toBe("ok\nusr-readonly\n");
    expect(await readFile(join(ws, "in-ws.txt"), "utf8")).toBe("ok\n");
  });

  // A toolchain on PATH under /tmp (a tool cache, a test's fake toolchain) was bound before the /tmp tmpfs,
  // which then covered it: the command was not found.
  withBwrap("a toolchain on PATH under /tmp is found inside the sandbox", async () => {
    const bin = join(root, "toolcache", "bin");
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, "mytool"), "#!/bin/sh\necho tool ok\n", { mode: 0o755 });
    const r = await runCommand({ command: "mytool", cwd: ws, env: { ...env, PATH: `${bin}:${env.PATH}` }, sandbox: bwrap(), timeoutMs: 20_000, maxOutputBytes: 64 * 1024 });
    expect(r.output.text()).toBe("tool ok\n");
    expect(r.exitCode).toBe(0);
  });

  // bwrap's tmpfs mounts live in RAM with no size limit: a test writing to /tmp without bound filled the
  // host's memory, where no disk floor sees it.
  withBwrap("the sandbox's /tmp, /var/tmp and /run are the given host directories, on the watched disk", async () => {
    const scratch = { tmp: join(root, "s-tmp"), varTmp: join(root, "s-var-tmp"), run: join(root, "s-run") };
    await Promise.all(Object.values(scratch).map((d) => mkdir(d, { recursive: true })));
    const sandbox: SandboxSpec = { ...(bwrap() as Extract<SandboxSpec, { kind: "bwrap" }>), scratch };
    const wrote = await run("echo a > /tmp/a.txt && echo b > /var/tmp/b.txt && echo c > /run/c.txt && cat /tmp/a.txt", sandbox);
    expect(wrote.output.text()).toBe("a\n");
    expect(wrote.exitCode).toBe(0);
    expect(await readFile(join(scratch.tmp, "a.txt"), "utf8")).toBe("a\n");
    expect(await readFile(join(scratch.varTmp, "b.txt"), "utf8")).toBe("b\n");
    expect(await readFile(join(scratch.run, "c.txt"), "utf8")).toBe("c\n");

    const big = join(scratch.tmp, "big.bin");
    const freeBytes = async () => 8 * MiB - (await stat(big).then((s) => s.size, () => 0));
    const filled = await runCommand({
      command: "for i in $(seq 1 1000); do head -c 65536 /dev/zero >> /tmp/big.bin; sleep 0.01; done",
      cwd: ws, env, sandbox, timeoutMs: 10_000, maxOutputBytes: 1024,
      diskFloor: { paths: [ws, root], minFreeBytes: 4 * MiB, intervalMs: 20, freeBytes },
    });
    expect(filled).toMatchObject({ timedOut: false, diskLow: { minFreeBytes: 4 * MiB } });
    expect((await stat(big)).size).toBeLessThan(16 * MiB);
  });

  withBwrap("cannot read the app's key in a temp dir, nor find it in the environment", async () => {
    const r = await run(`cat ${join(keyDir, "app.pem")} 2>&1 || true; env`, bwrap());
    const out = r.output.text();
    expect(out).toMatch(/No such file or directory/);
    expect(out).not.toContain("BEGIN RSA PRIVATE KEY");
    expect(out).not.toContain(SECRETS.GITHUB_TOKEN);
  });

  withBwrap("hidden files under bound dirs cannot be read (the host's /etc/shadow and its backup, a named secret)", async () => {
    const etcSecret = "/etc/t0-ci-bot-test-secret";
    const canWriteEtc = await writeFile(etcSecret, "topsecret\n").then(() => true, () => false);
    try {
      const hide = canWriteEtc ? [etcSecret] : [];
      // shadow- and gshadow- are the copies useradd/passwd leave of the previous version: the same hashes.
      const r = await run(`cat /etc/shadow /etc/shadow- /etc/gshadow /etc/gshadow- /etc/security/opasswd ${canWriteEtc ? etcSecret : ""} 2>&1 || true`, { ...bwrap(), hide } as SandboxSpec);
      expect(r.output.text()).not.toMatch(/root:|topsecret/);
    } finally {
      if (canWriteEtc) await rm(etcSecret, { force: true });
    }
  });

  // Secrets under /opt (bound read-only), mounted the way Kubernetes mounts a secret volume: through symlinks.
  (optWritable ? withBwrap : test.skip)("a hidden key or data dir that is a symlink cannot be read through the link", async () => {
    const { symlink } = await import("node:fs/promises");
    const app = await mkdtemp("/opt/t0-ci-bot-test-");
    try {
      await mkdir(join(app, "..2024_01_01", "data"), { recursive: true });
      await writeFile(join(app, "..2024_01_01", "key.pem"), SECRETS.PRIVATE_KEY);
      await writeFile(join(app, "..2024_01_01", "data", "jobs.json"), "topsecret-job-record\n");
      await symlink("..2024_01_01", join(app, "..data"));
      await symlink("..data/key.pem", join(app, "key.pem"));
      await symlink("..data/data", join(app, "data"));
      const r = await runCommand({
        command: `cd ${app} && cat key.pem data/jobs.json ..data/key.pem 2>&1 || true; echo done`,
        cwd: ws,
        env,
        sandbox: { ...bwrap(), hide: [join(app, "key.pem"), join(app, "data")] } as SandboxSpec,
        timeoutMs: 10_000,
        maxOutputBytes: 64 * 1024,
      });
      expect(r.output.text()).not.toContain("BEGIN RSA PRIVATE KEY");
      expect(r.output.text()).not.toContain("topsecret");
      expect(r.output.text()).toContain("done\n");
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });

  // An install under /opt (bound read-only into the sandbox), as root can make one here and in CI.
  (optWritable ? withBwrap : test.skip)("the app's folder under /opt holding the workspace: its .env cannot be read, the workspace still works", async () => {
    const app = await mkdtemp("/opt/t0-ci-bot-test-");
    try {
      const inner = join(app, "workspaces", "job-1");
      await mkdir(inner, { recursive: true });
      await writeFile(join(app, ".env"), "WEBHOOK_SECRET=topsecret\n");
      const spec = { ...bwrap(), workspace: inner, hide: [app] } as SandboxSpec;
      const r = await runCommand({ command: `cat ${join(app, ".env")} 2>&1 || true; echo ok > made.txt && cat made.txt`, cwd: inner, env, sandbox: spec, timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
      expect(r.output.text()).not.toContain("topsecret");
      expect(r.output.text()).toContain("ok\n");
      expect(await readFile(join(inner, "made.txt"), "utf8")).toBe("ok\n");
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });

  // Started by root, bwrap kept every capability for the command (CAP_SYS_ADMIN in its own namespaces): it
  // could remount a read-only bind writable (the host's /usr, /etc) and unmount the tmpfs hiding a secret.
  withBwrap("cannot remount a read-only bind writable nor unmount what hides a secret, even when the app runs as root", async () => {
    const tools = join(root, "remount-tools");
    await mkdir(join(tools, "secret"), { recursive: true });
    await writeFile(join(tools, "secret", "key.pem"), SECRETS.PRIVATE_KEY);
    const spec = { ...bwrap(), hide: [join(tools, "secret")] } as SandboxSpec;
    const attack = [
      "set +e",
      `umount ${join(tools, "secret")} 2>/dev/null; cat ${join(tools, "secret", "key.pem")} 2>/dev/null`,
      `mount -o remount,rw,bind ${tools} 2>/dev/null; echo escaped > ${join(tools, "escaped")} 2>/dev/null`,
      "grep CapEff /proc/self/status; echo done",
    ].join("\n");
    const r = await runCommand({ command: attack, cwd: ws, env: { ...env, PATH: `${tools}:${env.PATH}` }, sandbox: spec, timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
    expect(r.output.text()).not.toContain("BEGIN RSA PRIVATE KEY");
    expect(r.output.text()).toContain("CapEff:\t0000000000000000\ndone\n");
    expect(await readFile(join(tools, "escaped"), "utf8").catch(() => "absent")).toBe("absent");
  });

  withBwrap("cannot move the checkout's HEAD to a commit of its own, which the app would restore files from later", async () => {
    const repo = await fixtureRepo("node-sum");
    try {
      const committed = await readFile(join(repo.dir, "src/math.js"), "utf8");
      const attack = [
        "set +e",
        `echo "// injected" >> src/math.js; git -c user.name=x -c user.email=x@y commit -qam own`,
        "git checkout -q src/math.js",
        `mv .git .git-old && mkdir .git && cp -r .git-old/. .git/`,
        `echo 0123456789012345678901234567890123456789 > .git/refs/heads/main`,
        `echo "[core]" >> .git/config && echo config-writable`,
        "git rev-parse HEAD",
      ].join("\n");
      const r = await runCommand({ command: attack, cwd: repo.dir, env, sandbox: { ...bwrap(), workspace: repo.dir } as SandboxSpec, timeoutMs: 20_000, maxOutputBytes: 64 * 1024 });
      expect(r.output.text()).toContain("config-writable\n");
      await writeFile(join(repo.dir, "src/math.js"), "patched by the model\n");
      expect(await restoreFiles(repo.dir, ["src/math.js"])).toEqual(["src/math.js"]);
      expect(await readFile(join(repo.dir, "src/math.js"), "utf8")).toBe(committed);
    } finally {
      await repo.cleanup();
    }
  });

  withBwrap("has no network unless allowed (a loopback server on the host is out of reach)", async () => {
    const server: Server = createServer((s) => s.end("hello from host\n"));
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as { port: number }).port;
    try {
      const probeCmd = `exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3`;
      const isolated = await run(probeCmd, bwrap(false));
      expect(isolated.exitCode).not.toBe(0);
      expect(isolated.output.text()).toMatch(/Connection refused/);
      const shared = await run(probeCmd, bwrap(true));
      expect(shared.exitCode).toBe(0);
      expect(shared.output.text()).toBe("hello from host\n");
    } finally {
      await new Promise((res) => server.close(res));
    }
  });

  withBwrap("a hanging sandboxed command is killed at the timeout, with everything inside the sandbox", async () => {
    const started = Date.now();
    const r = await run("sleep 61.4242 & sleep 62.4242", bwrap(), { timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    // Not killed, it would run 62 s; the bound leaves a loaded CI machine room (normally well under 1 s).
    expect(Date.now() - started).toBeLessThan(20_000);
    await eventually("the sandboxed sleeps to die", async () => (await processesWith("4242")).length === 0);
  });

  withBwrap("runs the host's toolchains (node, python3)", async () => {
    const r = await run("node -e 'console.log(1+1)' && python3 -c 'print(3)'", bwrap());
    expect(r.output.text()).toBe("2\n3\n");
    expect(r.exitCode).toBe(0);
  });
});
