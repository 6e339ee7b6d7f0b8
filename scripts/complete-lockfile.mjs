#!/usr/bin/env node
// Some npm mirrors serve a package without the versions of its other-platform builds (e.g. the darwin and
// win32 binaries of msgpackr-extract or unrs-resolver). npm then writes a package-lock.json without those
// optional entries, and `npm ci` — here and on every other machine — refuses it as out of sync. This adds
// the missing optional platform entries (version from the parent's spec, os/cpu/libc from the package
// name) exactly as npm writes them against the full registry. Run it after `npm install` changes the lock:
//   node scripts/complete-lockfile.mjs && npm ci
import { readFileSync, writeFileSync } from "node:fs";

const OS = ["darwin", "linux", "win32", "android", "freebsd", "openbsd", "netbsd", "sunos", "aix", "openharmony"];
const CPU = ["arm64", "x64", "arm", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el"];
const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const pkgs = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path}/node_modules/${name}`;
    const top = `node_modules/${name}`;
    if (pkgs[nested] || pkgs[top]) continue;
    const parts = name.split("/").pop().split("-");
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    if (!os || !cpu || !/^\d+\.\d+\.\d+/.test(spec)) {
      console.error(`skipped ${name}@${spec}: cannot tell its platform or exact version`);
      continue;
    }
    const libc = parts.some((p) => p.startsWith("musl")) ? ["musl"] : parts.some((p) => p.startsWith("gnu")) ? ["glibc"] : undefined;
    pkgs[top] = { version: spec, cpu: [cpu], ...(entry.dev ? { dev: true } : {}), ...(libc ? { libc } : {}), license: entry.license, optional: true, os: [os] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} optional platform entr${added === 1 ? "y" : "ies"} to package-lock.json`);
