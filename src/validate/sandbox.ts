import { spawn } from "node:child_process";
import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { permanent } from "../core/errors.js";

export type SandboxMode = "auto" | "bwrap" | "off";
export type SandboxKind = "bwrap" | "none";

export interface SandboxProbe {
  available: boolean;
  /** Why it is not available (bwrap's own message when it ran), for the job record. */
  reason?: string;
}

/**
 * Whether bubblewrap works here, found by running it with the namespaces and mounts validation uses: a
 * host may have the binary and still forbid unprivileged user namespaces (Ubuntu's AppArmor rule,
 * containers), and a container that allows them may still refuse a fresh /proc (Docker masks parts of
 * its own, and the kernel then refuses a new proc mount), which every validation command needs.
 */
export function probeBwrap(bwrapPath = "bwrap", timeoutMs = 5_000): Promise<SandboxProbe> {
  return new Promise((resolve) => {
    let stderr = "";
    let done = false;
    const finish = (p: SandboxProbe) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(p);
    };
    const args = ["--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "true"];
    const child = spawn(bwrapPath, args, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({ available: false, reason: `bwrap did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 2_000) stderr += d.toString("utf8");
    });
    child.on("error", (err: NodeJS.ErrnoException) =>
      finish({ available: false, reason: err.code === "ENOENT" ? "bwrap is not installed (apt-get install bubblewrap)" : `bwrap failed to start: ${err.message}` }),
    );
    child.on("close", (code) =>
      finish(code === 0 ? { available: true } : { available: false, reason: `bwrap cannot create a sandbox here (exit ${code}): ${stderr.trim() || "no message"}` }),
    );
  });
}

export interface SandboxChoice {
  kind: SandboxKind;
  /** How the choice was made, in words, for the job record. */
  reason: string;
}

/**
 * The stricter of the operator's `SANDBOX` and the repository's `sandbox:` wins: the operator can declare
 * a trusted host (`off`), either side can require bubblewrap (`bwrap`), and a repository cannot switch the
 * sandbox off on someone else's machine. Requiring bwrap where it does not work fails the job.
 */
export async function chooseSandbox(
  operator: SandboxMode,
  repo: SandboxMode | undefined,
  probe: () => Promise<SandboxProbe>,
  opts: { production?: boolean } = {},
): Promise<SandboxChoice> {
  if (operator === "off") return { kind: "none", reason: "SANDBOX=off (the operator trusts this host)" };
  const required = operator === "bwrap" || repo === "bwrap";
  const p = await probe();
  if (p.available) {
    const note = repo === "off" ? "; sandbox: off in .github/ci-bot.yml ignored (only the operator can turn it off)" : "";
    return { kind: "bwrap", reason: `bubblewrap available${note}` };
  }
  if (required) {
    const who = operator === "bwrap" ? "SANDBOX=bwrap" : "sandbox: bwrap in .github/ci-bot.yml";
    throw permanent(
      "sandbox_unavailable",
      `${who} requires a bubblewrap sandbox, but ${p.reason ?? "it does not work on this host"}. Install bubblewrap and allow unprivileged user namespaces, or set SANDBOX=off on a trusted host.`,
      { reason: p.reason },
    );
  }
  if (opts.production) {
    // Unsandboxed, a repository's commands run as this app's user: they can read its environment through
    // /proc (webhook secret, model keys) and its files. A production host opts into that with SANDBOX=off.
    throw permanent(
      "sandbox_unavailable",
      `SANDBOX=auto found no working bubblewrap sandbox (${p.reason ?? "it does not work on this host"}), and with NODE_ENV=production a repository's commands are not run unsandboxed: they would run as this app's user and could read its environment and files. Install bubblewrap and allow unprivileged user namespaces (in a container, a seccomp profile that permits them), or set SANDBOX=off on a host where you trust the repositories' code.`,
      { reason: p.reason },
    );
  }
  return { kind: "none", reason: `ran unsandboxed: ${p.reason ?? "bubblewrap unavailable"}` };
}

export interface BwrapSpec {
  /** The checkout, the only writable place besides the temp home/tmp. */
  workspace: string;
  /** Working directory inside the workspace. */
  cwd: string;
  /** Host temp dirs bound writable (HOME and TMPDIR of the command). */
  writable: string[];
  network: boolean;
  /** The command's environment (PATH and toolchain roots decide which extra dirs are bound read-only). */
  env: Record<string, string>;
  /** The parent's HOME, to recognise toolchains installed there (~/.pyenv, ~/.cargo, ...). */
  parentHome?: string;
  /** Paths to keep out of sight even if they live under a bound directory (the app's key, its data). */
  hide?: string[];
  /**
   * Empty host directories bound as the sandbox's /tmp, /var/tmp and /run. Without them these are tmpfs
   * mounts, which live in RAM with no size limit (bubblewrap 0.8 has no --size): a test writing without
   * bound there exhausts the host's memory instead of a disk whose free space the runner watches.
   */
  scratch?: { tmp: string; varTmp: string; run: string };
}

const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/nix"];
/**
 * Secrets the system dirs hold that a test has no business reading (the sandbox may run as root). `shadow-`
 * and `gshadow-` are the previous versions shadow-utils keeps: the same password hashes; opasswd the old ones.
 */
const ALWAYS_HIDDEN = [
  "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/security/opasswd",
  "/etc/sudoers", "/etc/sudoers.d", "/etc/ssh", "/etc/ssl/private",
];
/** Toolchain managers installed in a home directory: their whole root is bound, read-only. */
const HOME_TOOL_DIRS = new Set([".pyenv", ".cargo", ".rustup", ".nvm", ".volta", ".sdkman", ".asdf", ".rbenv", ".jdks", ".bun", ".deno", "go", ".go", ".local"]);
/** Publishing tokens a toolchain root keeps at its top (`cargo login` writes them into CARGO_HOME). */
const TOOL_CREDENTIALS = ["credentials.toml", "credentials"];
const TOOLCHAIN_VARS = ["PYENV_ROOT", "CARGO_HOME", "RUSTUP_HOME", "GOROOT", "GOPATH", "GOMODCACHE", "JAVA_HOME", "MAVEN_HOME", "M2_HOME", "GRADLE_HOME", "NVM_DIR", "VOLTA_HOME"];

const isUnder = (p: string, dir: string) => {
  const r = relative(dir, p);
  // `..data/key.pem` is inside: only a first component of exactly `..` leaves (Kubernetes names its dirs `..x`).
  return r === "" || (r.split(sep)[0] !== ".." && !isAbsolute(r));
};
const exists = (p: string) => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

/** Read-only binds for toolchains outside the system dirs, found from PATH and the toolchain variables. */
export function toolchainDirs(env: Record<string, string>, parentHome?: string): string[] {
  const out = new Set<string>();
  const candidates = [...(env.PATH ?? "").split(":"), ...TOOLCHAIN_VARS.map((v) => env[v]).filter((v): v is string => !!v)];
  for (const dir of candidates) {
    if (!dir || !isAbsolute(dir) || SYSTEM_DIRS.some((s) => isUnder(dir, s))) continue;
    let bind = dir;
    if (parentHome && isAbsolute(parentHome) && isUnder(dir, parentHome) && dir !== parentHome) {
      const first = relative(parentHome, dir).split(sep)[0]!;
      // A whole known toolchain root; any other place in the home only as the exact directory named.
      if (HOME_TOOL_DIRS.has(first) && first !== ".local") bind = join(parentHome, first);
    }
    if (bind === "/" || bind === parentHome) continue;
    if (exists(bind)) out.add(bind);
  }
  return [...out].sort();
}

/** The bwrap arguments (up to and excluding the command) for one validation command. */
export function bwrapArgs(spec: BwrapSpec): string[] {
  // Started by root, bwrap leaves the command every capability in its namespaces, CAP_SYS_ADMIN included:
  // enough to remount a read-only bind writable (the host's /usr and /etc) or unmount what hides a secret.
  // Unprivileged, bwrap already drops them all; this makes root the same.
  const a = ["--unshare-all", ...(spec.network ? ["--share-net"] : []), "--cap-drop", "ALL", "--die-with-parent", "--new-session"];
  for (const dir of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) a.push("--symlink", readlinkSync(dir), dir);
    else a.push("--ro-bind", dir, dir);
  }
  // The fresh /tmp, /var/tmp and /run before the toolchains: bwrap mounts in order, and a toolchain under
  // one of them (a tool cache in /tmp) would otherwise be covered by the empty tmpfs or scratch directory.
  a.push("--proc", "/proc", "--dev", "/dev");
  const scratch = spec.scratch;
  if (scratch) a.push("--bind", scratch.tmp, "/tmp", "--bind", scratch.varTmp, "/var/tmp", "--bind", scratch.run, "/run");
  else a.push("--tmpfs", "/tmp", "--tmpfs", "/var/tmp", "--tmpfs", "/run");
  const toolchains = toolchainDirs(spec.env, spec.parentHome);
  for (const dir of toolchains) a.push("--ro-bind", dir, dir);
  // With systemd-resolved, /etc/resolv.conf points into /run: name resolution needs that directory back.
  if (spec.network) a.push("--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve");
  // Hidden before the writable binds: a hidden folder may hold the workspace (the app's own folder with its
  // .env, WORKSPACE_ROOT inside it), and bwrap applies mounts in order, so the binds after it show through
  // the empty tmpfs and the rest of the folder stays out of sight.
  const bound = [...SYSTEM_DIRS, ...toolchains];
  const hidden: string[] = [];
  // A whole toolchain root is bound, so the tokens kept in it are too: hidden like the app's own secrets.
  const roots = spec.env.CARGO_HOME ? [...toolchains, spec.env.CARGO_HOME] : toolchains;
  const credentials = roots.flatMap((r) => TOOL_CREDENTIALS.map((f) => join(r, f)));
  for (const named of [...ALWAYS_HIDDEN, ...credentials, ...(spec.hide ?? [])]) {
    if (!isAbsolute(named)) continue;
    // What is hidden is the file itself, not one name for it: a key mounted as a symlink (a Kubernetes
    // secret, key.pem -> ..data/key.pem) or a symlinked data dir is otherwise readable through the link.
    let p: string;
    let st;
    try {
      p = realpathSync(named);
      st = statSync(p);
    } catch {
      continue;
    }
    if (!bound.some((d) => isUnder(p, d))) continue; // not visible anyway
    if (isUnder(p, spec.workspace)) continue; // never hide (part of) the workspace itself
    if (SYSTEM_DIRS.includes(p) || p === "/") continue; // nor a whole system dir (the app running from /usr)
    if (st.isDirectory()) {
      a.push("--tmpfs", p);
      hidden.push(p);
    } else if (st.isFile()) a.push("--ro-bind", "/dev/null", p);
  }
  // A toolchain under a hidden folder is still needed (bound again, read-only).
  for (const dir of toolchains) if (hidden.some((h) => isUnder(dir, h) && dir !== h)) a.push("--ro-bind", dir, dir);
  for (const dir of spec.writable) a.push("--bind", dir, dir);
  a.push("--bind", spec.workspace, spec.workspace);
  a.push(...gitDirGuard(spec.workspace));
  a.push("--chdir", spec.cwd);
  return a;
}

/** What of `.git` the app reads back after the commands ran (restoreFiles, planFixFiles): refs and objects. */
const GIT_TRUSTED = ["HEAD", "refs", "objects", "packed-refs", "shallow"];

/**
 * The checkout's `.git` stays writable (a submodule init, `git lfs pull`, husky write there), but what the
 * app trusts later is read-only: a test that moved HEAD to a commit of its own would otherwise choose what
 * the restored files hold, and so what the bot commits beside the validated patch. `.git` itself becomes a
 * mount point, so it cannot be renamed away and replaced by a fresh one either.
 */
function gitDirGuard(workspace: string): string[] {
  const gitDir = join(workspace, ".git");
  try {
    if (!lstatSync(gitDir).isDirectory()) return [];
  } catch {
    return [];
  }
  const a = ["--bind", gitDir, gitDir];
  for (const name of GIT_TRUSTED) {
    const p = join(gitDir, name);
    if (exists(p)) a.push("--ro-bind", p, p);
  }
  return a;
}
