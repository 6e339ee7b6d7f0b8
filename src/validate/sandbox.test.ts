import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppError } from "../core/errors.js";
import { bwrapArgs, chooseSandbox, probeBwrap, toolchainDirs, type SandboxProbe } from "./sandbox.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "t0-sandbox-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const ok = async (): Promise<SandboxProbe> => ({ available: true });
const no = async (): Promise<SandboxProbe> => ({ available: false, reason: "setting up uid map: Permission denied" });

describe("probeBwrap", () => {
  test("a missing binary is reported as not installed", async () => {
    expect(await probeBwrap(join(dir, "absent"))).toEqual({ available: false, reason: expect.stringContaining("not installed") });
  });

  test("a bwrap that cannot create namespaces (restricted user namespaces) is unavailable, with its message", async () => {
    const fake = join(dir, "bwrap-denied");
    await writeFile(fake, "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n");
    await chmod(fake, 0o755);
    const p = await probeBwrap(fake);
    expect(p.available).toBe(false);
    expect(p.reason).toContain("setting up uid map: Permission denied");
  });

  test("a bwrap that has user namespaces but cannot mount a fresh /proc (Docker's masked /proc) is unavailable", async () => {
    const fake = join(dir, "bwrap-no-proc");
    // As bwrap fails in a default Docker container that permits user namespaces: only the /proc mount fails.
    await writeFile(fake, '#!/bin/sh\nfor a in "$@"; do [ "$a" = --proc ] && { echo "bwrap: Can\'t mount proc on /newroot/proc: Operation not permitted" >&2; exit 1; }; done\nexit 0\n');
    await chmod(fake, 0o755);
    const p = await probeBwrap(fake);
    expect(p.available).toBe(false);
    expect(p.reason).toContain("Can't mount proc");
  });

  test("a bwrap that hangs is given up on", async () => {
    const fake = join(dir, "bwrap-hangs");
    await writeFile(fake, "#!/bin/sh\nexec sleep 30\n");
    await chmod(fake, 0o755);
    expect(await probeBwrap(fake, 200)).toEqual({ available: false, reason: expect.stringContaining("did not finish") });
  });
});

describe("chooseSandbox", () => {
  test("SANDBOX=off means no sandbox, whatever the repository says", async () => {
    expect(await chooseSandbox("off", "bwrap", ok)).toMatchObject({ kind: "none", reason: expect.stringContaining("SANDBOX=off") });
  });

  test("auto uses bubblewrap when it works, and falls back to none with the reason when not", async () => {
    expect((await chooseSandbox("auto", undefined, ok)).kind).toBe("bwrap");
    expect(await chooseSandbox("auto", undefined, no)).toEqual({ kind: "none", reason: expect.stringContaining("uid map") });
  });

  test("in production, auto without a working bubblewrap refuses to run the repository's commands, naming SANDBOX=off", async () => {
    const err = await chooseSandbox("auto", undefined, no, { production: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "sandbox_unavailable", retryable: false, message: expect.stringMatching(/^SANDBOX=auto found no working bubblewrap sandbox \(.*uid map.*\), and with NODE_ENV=production .* or set SANDBOX=off/) });
    expect((await chooseSandbox("auto", undefined, ok, { production: true })).kind).toBe("bwrap");
    expect((await chooseSandbox("off", undefined, no, { production: true })).kind).toBe("none");
  });

  test("a repository cannot turn the sandbox off; the note says so", async () => {
    expect(await chooseSandbox("auto", "off", ok)).toEqual({ kind: "bwrap", reason: expect.stringContaining("ignored") });
  });

  test("bwrap required by either side fails the job when it does not work", async () => {
    for (const [op, repo] of [["bwrap", undefined], ["auto", "bwrap"]] as const) {
      const err = await chooseSandbox(op, repo, no).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: "sandbox_unavailable", retryable: false });
      expect((err as Error).message).toMatch(/SANDBOX=off/);
    }
  });
});

describe("bwrapArgs", () => {
  test("binds the system read-only, the workspace writable after the /tmp tmpfs, and shares the network only when asked", () => {
    const args = bwrapArgs({ workspace: "/tmp/ws", cwd: "/tmp/ws", writable: ["/tmp/home"], network: false, env: { PATH: "/usr/bin" } });
    const s = args.join(" ");
    expect(s).toContain("--unshare-all");
    expect(s).not.toContain("--share-net");
    expect(s).toContain("--die-with-parent");
    expect(s).toMatch(/--ro-bind \/usr \/usr/);
    expect(args.indexOf("/tmp/ws")).toBeGreaterThan(args.indexOf("--tmpfs"));
    expect(s).toMatch(/--bind \/tmp\/home \/tmp\/home .*--bind \/tmp\/ws \/tmp\/ws/);
    expect(args.slice(-2)).toEqual(["--chdir", "/tmp/ws"]);
    const net = bwrapArgs({ workspace: "/w", cwd: "/w", writable: [], network: true, env: {} }).join(" ");
    expect(net).toContain("--share-net");
    expect(net).toContain("--ro-bind-try /run/systemd/resolve /run/systemd/resolve");
    expect(s).not.toContain("/run/systemd/resolve");
  });

  test("given scratch directories, /tmp, /var/tmp and /run are bound to them (on disk, not RAM), before the toolchains", async () => {
    const { mkdir } = await import("node:fs/promises");
    const tools = join(dir, "toolcache", "bin");
    await mkdir(tools, { recursive: true });
    const scratch = { tmp: "/h/run-1/sandbox-tmp", varTmp: "/h/run-1/sandbox-var-tmp", run: "/h/run-1/sandbox-run" };
    const args = bwrapArgs({ workspace: "/w", cwd: "/w", writable: ["/h/run-1/home"], network: true, env: { PATH: `${tools}:/usr/bin` }, scratch });
    const s = args.join(" ");
    expect(s).toContain("--bind /h/run-1/sandbox-tmp /tmp --bind /h/run-1/sandbox-var-tmp /var/tmp --bind /h/run-1/sandbox-run /run");
    expect(s).not.toMatch(/--tmpfs \/(tmp|var\/tmp|run)\b/);
    // A toolchain under /tmp and resolv.conf's directory under /run are mounted on top, not covered.
    expect(s).toMatch(new RegExp(`--bind /h/run-1/sandbox-run /run .*--ro-bind ${tools} ${tools} .*--ro-bind-try /run/systemd/resolve`));
  });

  test("a hidden folder that holds the workspace (the app's folder, WORKSPACE_ROOT inside it) is hidden, the workspace shown again", async () => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    const app = await mkdtemp(join(dir, "app-"));
    const tools = join(app, "tools", "bin");
    const ws = join(app, "workspaces", "job-1");
    await mkdir(tools, { recursive: true });
    await mkdir(ws, { recursive: true });
    await writeFile(join(app, ".env"), "WEBHOOK_SECRET=x\n");
    // The app's folder is bound (here: on PATH, as /opt is in a real install), a toolchain inside it too.
    const args = bwrapArgs({ workspace: ws, cwd: ws, writable: ["/tmp/home"], network: false, env: { PATH: `${app}:${tools}:/usr/bin` }, hide: [app] });
    const s = args.join(" ");
    // Hidden first, then the workspace (and the toolchain under it) bound again on top.
    expect(s).toMatch(new RegExp(`--tmpfs ${app} .*--ro-bind ${tools} ${tools} .*--bind ${ws} ${ws} --chdir`));
  });

  test("a hidden path that is a symlink (a Kubernetes secret mount, a symlinked DATA_DIR) hides what it points to", async () => {
    const { mkdir, symlink, writeFile } = await import("node:fs/promises");
    const app = await mkdtemp(join(dir, "k8s-"));
    await mkdir(join(app, "..2024_01_01", "data"), { recursive: true });
    await writeFile(join(app, "..2024_01_01", "key.pem"), "key");
    await symlink("..2024_01_01", join(app, "..data"));
    await symlink("..data/key.pem", join(app, "key.pem"));
    await symlink("..data/data", join(app, "data"));
    const real = join(app, "..2024_01_01");
    const s = bwrapArgs({ workspace: "/w", cwd: "/w", writable: [], network: false, env: { PATH: `${app}:/usr/bin` }, hide: [join(app, "key.pem"), join(app, "data")] }).join(" ");
    expect(s).toContain(`--ro-bind /dev/null ${join(real, "key.pem")}`);
    expect(s).toContain(`--tmpfs ${join(real, "data")}`);
  });

  test("a toolchain root bound whole keeps its publishing tokens hidden (~/.cargo/credentials.toml, $CARGO_HOME/credentials.toml)", async () => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    const home = await mkdtemp(join(dir, "home-"));
    const cargoHome = await mkdtemp(join(dir, "cargo-"));
    await mkdir(join(home, ".cargo", "bin"), { recursive: true });
    await writeFile(join(home, ".cargo", "credentials.toml"), '[registry]\ntoken = "cio_secret"\n');
    await writeFile(join(home, ".cargo", "credentials"), '[registry]\ntoken = "cio_secret"\n');
    await writeFile(join(cargoHome, "credentials.toml"), '[registry]\ntoken = "cio_secret"\n');
    const s = bwrapArgs({ workspace: "/w", cwd: "/w", writable: [], network: false, env: { PATH: `${home}/.cargo/bin:${cargoHome}/bin:/usr/bin`, CARGO_HOME: cargoHome }, parentHome: home }).join(" ");
    expect(s).toContain(`--ro-bind ${join(home, ".cargo")} ${join(home, ".cargo")}`);
    expect(s).toContain(`--ro-bind /dev/null ${join(home, ".cargo", "credentials.toml")}`);
    expect(s).toContain(`--ro-bind /dev/null ${join(home, ".cargo", "credentials")}`);
    expect(s).toContain(`--ro-bind /dev/null ${join(cargoHome, "credentials.toml")}`);
  });

  test("toolchains in the home are bound as whole roots; other home dirs only as named", async () => {
    const home = await mkdtemp(join(dir, "home-"));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(home, ".pyenv", "shims"), { recursive: true });
    await mkdir(join(home, "scripts", "bin"), { recursive: true });
    const dirs = toolchainDirs({ PATH: `${home}/.pyenv/shims:${home}/scripts/bin:/usr/bin:relative/bin:${home}/.missing/bin` }, home);
    expect(dirs).toEqual([join(home, ".pyenv"), join(home, "scripts", "bin")].sort());
  });
});
