import { afterEach, describe, expect, test } from "@jest/globals";
import { readFile, stat, statfs, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureRepo, type FixtureRepo } from "../../test/helpers/fixture-repo.js";
import { leakedPieces, SECRETS_CORPUS } from "../../test/helpers/planted-secrets.js";
import { probeBwrap } from "./sandbox.js";
import type { CommandPlan } from "./select-commands.js";
import { AppError } from "../core/errors.js";
import { validateWorkspace, type ValidationReport } from "./validate-workspace.js";
import { validationSettings } from "../../test/helpers/validation-settings.js";

const probe = await probeBwrap();
const kinds = probe.available ? (["none", "bwrap"] as const) : (["none"] as const);

const repos: FixtureRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});
async function repo(name: string) {
  const r = await fixtureRepo(name);
  repos.push(r);
  return r;
}

/** Edits a file the way a patch would (the patch applier itself is tested in src/patch). */
const edit = (dir: string, file: string, from: string, to: string) => async () => {
  const path = join(dir, file);
  const text = await readFile(path, "utf8");
  if (!text.includes(from)) throw new Error(`fixture changed: ${from} not in ${file}`);
  await writeFile(path, text.replace(from, to));
  return { files: [file] };
};

const settings = validationSettings;
const plan = (validate: string, setup: string[] = []): CommandPlan => ({
  setup: setup.map((command) => ({ command, source: "repo-config" })),
  validate: [{ command: validate, source: "default" }],
  skipped: [],
});

describe.each(kinds)("validateWorkspace (sandbox: %s)", (kind) => {
  test("node: red before, green after the right patch", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("npm test"), settings: settings(kind), apply: edit(r.dir, "src/math.js", "return a - b;", "return a + b;") });
    expect(report.verdict).toBe("passed");
    expect(report.evidence).toEqual({ before: "red", after: "green", reproduced: true });
    expect(report.sandbox).toBe(kind);
    expect(report.network).toBe(kind === "none" ? "unrestricted" : "none");
    expect(report.runs.map((x) => [x.phase, x.exitCode])).toEqual([["reproduce", 1], ["validate", 0]]);
    expect(report.runs[0]!.outputTail).toMatch(/sum adds/);
    expect(report.runs[0]!.outputTail).toMatch(/fail 1/);
  });

  test("node: still red after a wrong patch", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("npm test"), settings: settings(kind), apply: edit(r.dir, "src/math.js", "return a - b;", "return b - a;") });
    expect(report.verdict).toBe("failed");
    expect(report.evidence).toMatchObject({ before: "red", after: "red" });
  });

  test("python (stdlib unittest): red → green, and red → red for a wrong patch", async () => {
    const good = await repo("python-slug");
    const passed = await validateWorkspace({ workspaceDir: good.dir, plan: plan("python3 -m unittest discover -v"), settings: settings(kind), apply: edit(good.dir, "slug.py", '"_".join', '"-".join') });
    expect(passed).toMatchObject({ verdict: "passed", evidence: { before: "red", after: "green" } });
    expect(passed.runs[0]!.outputTail).toMatch(/FAILED \(failures=1\)/);
    const bad = await repo("python-slug");
    const failed = await validateWorkspace({ workspaceDir: bad.dir, plan: plan("python3 -m unittest discover -v"), settings: settings(kind), apply: edit(bad.dir, "slug.py", "title.strip().lower().split()", 'title.lower().split(" ")') });
    expect(failed).toMatchObject({ verdict: "failed", evidence: { before: "red", after: "red" } });
  });
});

describe("validateWorkspace flow", () => {
  test("a failing setup stops before the patch and says setup_failed", async () => {
    const r = await repo("node-sum");
    let applied = false;
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("npm test", ["echo installing; exit 3"]),
      settings: settings("none"),
      apply: async () => ((applied = true), { files: [] }),
    });
    expect(report.verdict).toBe("setup_failed");
    expect(applied).toBe(false);
    expect(report.runs).toEqual([expect.objectContaining({ phase: "setup", exitCode: 3, outputTail: "installing\n", source: "repo-config" })]);
  });

  test("reproduce-first off: only the patched run; a green before-run is recorded as not reproduced", async () => {
    const r = await repo("node-sum");
    const off = await validateWorkspace({ workspaceDir: r.dir, plan: plan("npm test"), settings: settings("none", { reproduceFirst: false }), apply: edit(r.dir, "src/math.js", "a - b", "a + b") });
    expect(off.runs.map((x) => x.phase)).toEqual(["validate"]);
    expect(off.evidence).toEqual({ before: null, after: "green", reproduced: null, note: "reproduce-first is off" });

    const r2 = await repo("node-sum");
    const flaky = await validateWorkspace({ workspaceDir: r2.dir, plan: plan("true"), settings: settings("none"), apply: async () => ({ files: [] }) });
    expect(flaky.evidence).toMatchObject({ before: "green", after: "green", reproduced: false, note: expect.stringContaining("did not reproduce") });
  });

  test("reproduce-first is skipped when the budget cannot hold two validation runs", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("true"), settings: settings("none", { budgetMs: 1_000, validateTimeoutMs: 600 }), apply: async () => ({ files: [] }) });
    expect(report.runs.map((x) => x.phase)).toEqual(["validate"]);
    expect(report.evidence.note).toMatch(/reproduce-first skipped/);
  });

  test("the budget bounds the commands together: a later command only gets what is left", async () => {
    const r = await repo("node-sum");
    // The budget is measured on a clock the test moves: 2 s of the 3 s are used before the validation (in
    // `apply`, as a slow setup would), and how long this machine takes to spawn the setup does not count.
    let now = 0;
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("sleep 30", ["true"]),
      settings: settings("none", { reproduceFirst: false, budgetMs: 3_000, validateTimeoutMs: 30_000 }),
      apply: async () => {
        now += 2_000;
        return { files: [] };
      },
      now: () => now,
    });
    expect(report.runs[0]).toMatchObject({ phase: "setup", exitCode: 0 });
    // Cut at what the budget left, not at its own 30 s limit.
    expect(report.runs[1]).toMatchObject({ phase: "validate", timedOut: true, outputTail: expect.stringMatching(/\[killed after 1000 ms\]$/) });
    expect(report.verdict).toBe("failed");
    expect(report.durationMs).toBe(2_000);
  });

  test("setup runs again when the patch touches a manifest", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("true", ["echo setup >> setup.log"]),
      settings: settings("none", { reproduceFirst: false }),
      apply: async () => ({ files: ["package.json"] }),
    });
    expect(report.runs.map((x) => x.phase)).toEqual(["setup", "setup", "validate"]);
    expect(await readFile(join(r.dir, "setup.log"), "utf8")).toBe("setup\nsetup\n");
  });

  test("a hanging validation is killed at its timeout and counts as red", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("sleep 30"), settings: settings("none", { reproduceFirst: false, validateTimeoutMs: 300 }), apply: async () => ({ files: [] }) });
    expect(report.verdict).toBe("failed");
    expect(report.runs[0]).toMatchObject({ timedOut: true, exitCode: null, signal: "SIGKILL", outputTail: expect.stringContaining("[killed after 300 ms]") });
  });

  test("output tails are redacted and cut, with the full byte count kept", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("head -c 50000 /dev/zero | tr '\\0' 'y'; echo; echo token ghp_abcdefghijklmnopqrstuvwxyz0123456789AB"),
      settings: settings("none", { reproduceFirst: false, tailBytes: 1024 }),
      apply: async () => ({ files: [] }),
    });
    const run = report.runs[0]!;
    expect(run.outputBytes).toBeGreaterThan(50_000);
    expect(run.truncated).toBe(true);
    expect(run.outputTail.length).toBeLessThanOrEqual(1024);
    expect(run.outputTail).toContain("[REDACTED]");
    expect(run.outputTail).not.toContain("ghp_abc");
    expect(run.command).not.toContain("ghp_abc");
  });

  // The tail goes into the fix PR's body: the part of a secret after the cut must not reach it.
  test("a secret across the tail's cut is redacted whole, not shown by its end", async () => {
    const r = await repo("node-sum");
    const tailBytes = 1024;
    const cases = SECRETS_CORPUS.filter((c) => c.secret.length > 12 && c.text.includes(c.secret));
    await Promise.all(
      cases.map((c, i) => {
        // The cut falls inside the secret and leaves at least 12 of its characters after it.
        const at = c.text.indexOf(c.secret) + c.secret.length - Math.max(12, Math.ceil(c.secret.length / 2));
        const after = `${c.text.slice(at)}\n`;
        // `#`: a line ending in `token` would make the bearer rule take the next line's word for its value.
        const filler = `#${"y".repeat(tailBytes - Buffer.byteLength(after) - 2)}\n`;
        return writeFile(join(r.dir, `out-${i}.txt`), `building\n${c.text}\n${filler}`);
      }),
    );
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: { setup: [], validate: cases.map((_, i) => ({ command: `cat out-${i}.txt`, source: "default" as const })), skipped: [] },
      settings: settings("none", { reproduceFirst: false, tailBytes }),
      apply: async () => ({ files: [] }),
    });
    expect(report.runs).toHaveLength(cases.length);
    const leaked = cases.map((c, i) => [c.kind, leakedPieces(report.runs[i]!.outputTail, c.secret)] as const).filter(([, l]) => l.length);
    expect(leaked).toEqual([]);
    for (const run of report.runs) {
      expect(Buffer.byteLength(run.outputTail)).toBeLessThanOrEqual(tailBytes);
      // Redaction can shorten the output enough to show it whole.
      expect(run.truncated).toBe(!run.outputTail.startsWith("building\n"));
      // A marker the cut went through would read as the output's own text (`ACTED]`).
      for (let k = 1; k < "[REDACTED]".length; k++) expect(run.outputTail.startsWith("[REDACTED]".slice(k))).toBe(false);
      expect(run.outputTail).toMatch(/y\n$/);
    }
  });

  test("a secret across the cut of the redacted window is dropped even when redaction shortens the rest", async () => {
    const r = await repo("node-sum");
    const tailBytes = 1024;
    const token = SECRETS_CORPUS.find((c) => c.kind === "github-pat-classic")!.secret;
    // A key printed whole is masked to a few bytes, so what was before it comes into the tail.
    const key = (n: number) => {
      const [begin, end] = ["-----BEGIN RSA PRIVATE KEY-----\n", "\n-----END RSA PRIVATE KEY-----"];
      return `${begin}${"MIIEowIBAAKCAQEA7q3".repeat(200).slice(0, n - begin.length - end.length)}${end}`;
    };
    const after = `${token.slice(20)}\n`;
    const pem = key(2 * tailBytes - Buffer.byteLength(after) - 1);
    await writeFile(join(r.dir, "out.txt"), `building\npush with ${token}\n${pem}\n`);
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("cat out.txt"), settings: settings("none", { reproduceFirst: false, tailBytes }), apply: async () => ({ files: [] }) });
    const run = report.runs[0]!;
    expect(leakedPieces(run.outputTail, token)).toEqual([]);
    expect(run.outputTail).toBe("\n[REDACTED]\n");
    expect(run.truncated).toBe(true);
  });

  // A project whose test script forces colours (`jest --colors`, pytest's `--color=yes` in addopts) ignores
  // NO_COLOR: the tail goes into the fix PR's body (garbage on GitHub) and a retry's prompt (tokens, noise).
  test("colour codes in a command's output are not kept: the tail is the text as a person reads it", async () => {
    const r = await repo("node-sum");
    const colored = fileURLToPath(new URL("../../fixtures/logs/snippets/jest-colors.log", import.meta.url));
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan(`cat '${colored}'; exit 1`), settings: settings("none", { reproduceFirst: false }), apply: async () => ({ files: [] }) });
    const tail = report.runs[0]!.outputTail;
    expect(tail).not.toContain("\x1b");
    expect(tail.split("\n").slice(0, 4)).toEqual([" FAIL  ./sum.test.js", "  ✕ sum adds (26 ms)", "", "  ● sum adds"]);
    expect(tail).toContain("    Expected: 3\n    Received: 2");
  });

  // pip, npm and cargo redraw their progress in place with a bare `\r`: every redraw stored is noise in the PR's body.
  test("a line redrawn with \\r is kept as the terminal last showed it; a secret printed before the redraw is not kept", async () => {
    const r = await repo("node-sum");
    const token = SECRETS_CORPUS.find((c) => c.kind === "github-pat-classic")!.secret;
    await writeFile(join(r.dir, "out.txt"), `installing\r\nDownloading 10%\rDownloading 60%\rDownloading 100%\nusing ${token}\rDownloading 100%\nFAIL\n`);
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("cat out.txt; exit 1"), settings: settings("none", { reproduceFirst: false }), apply: async () => ({ files: [] }) });
    expect(report.runs[0]!.outputTail).toBe("installing\r\nDownloading 100%\nDownloading 100%\nFAIL\n");
  });

  // Redaction reads the output as printed, redraws and all: the rules see a secret's context that a redraw hid.
  test("a private key whose BEGIN line a redraw overwrote is masked to its END all the same", async () => {
    const r = await repo("node-sum");
    const body = "MIIEowIBAAKCAQEA7q3".repeat(8);
    await writeFile(join(r.dir, "out.txt"), `-----BEGIN RSA PRIVATE KEY-----\rDownloading 100%\n${body}\n-----END RSA PRIVATE KEY-----\nFAIL\n`);
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("cat out.txt; exit 1"), settings: settings("none", { reproduceFirst: false }), apply: async () => ({ files: [] }) });
    const tail = report.runs[0]!.outputTail;
    expect(tail).not.toContain("MIIEowIBAAKCAQEA");
    expect(tail).toBe("[REDACTED]\nFAIL\n");
  });

  test("output that ends in one long word keeps its end in the tail", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan("head -c 20000 /dev/zero | tr '\\0' 'x'"), settings: settings("none", { reproduceFirst: false, tailBytes: 1024 }), apply: async () => ({ files: [] }) });
    expect(report.runs[0]).toMatchObject({ truncated: true, outputTail: "x".repeat(1024) });
  });

  // The report is kept on the job (Redis or lowdb files): the plan is redacted like the commands' runs, and
  // the commands still run with the real value (nothing reads the plan back to run it).
  test("the plan kept in the report is redacted; the commands run as written", async () => {
    const r = await repo("node-sum");
    const token = SECRETS_CORPUS.find((c) => c.kind === "github-pat-classic")!.secret;
    const command = `T=${token}; test "\${#T}" -eq ${token.length}`;
    const report = await validateWorkspace({ workspaceDir: r.dir, plan: plan(command, [`echo ${token} > /dev/null`]), settings: settings("none", { reproduceFirst: false }), apply: async () => ({ files: [] }) });
    expect(report.verdict).toBe("passed");
    expect(leakedPieces(JSON.stringify(report), token)).toEqual([]);
    expect(report.commands.validate).toEqual([{ command: "T=[REDACTED]; test \"${#T}\" -eq 40", source: "default" }]);
  });

  test("a command killed at the disk floor ends validation with validation_disk_low, retryable, saying what ran and what was free", async () => {
    const r = await repo("node-sum");
    let applied = false;
    const looked: string[] = [];
    // Plenty, until the reproduce run starts filling the disk.
    const filling = join(r.dir, "filling");
    const freeBytes = async (p: string) => (looked.push(p), (await stat(filling).then(() => true, () => false)) ? 10 * 1024 * 1024 : 10 * 1024 * 1024 * 1024);
    const started = Date.now();
    const err = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("echo writing; touch filling; sleep 30", ["sleep 0.1"]),
      settings: settings("none", { diskFloor: { minFreeBytes: 256 * 1024 * 1024, intervalMs: 20, freeBytes } }),
      apply: async () => ((applied = true), { files: [] }),
    }).catch((e: unknown) => e);
    // Unkilled, `sleep 30` runs 30 s; the floor's kill normally ends it in well under 1 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e).toMatchObject({ code: "validation_disk_low", retryable: true });
    expect(e.message).toMatch(/only 10 MB was free .* reproduce command `echo writing; touch filling; sleep 30`.*VALIDATION_MIN_FREE_BYTES \(256 MB\).*Free disk space/);
    expect(e.details).toMatchObject({ phase: "reproduce", command: "echo writing; touch filling; sleep 30", freeBytes: 10 * 1024 * 1024, minFreeBytes: 256 * 1024 * 1024 });
    // The job record keeps the runs so far, the killed one with its output.
    const runs = (e.details!.validation as ValidationReport).runs;
    expect(runs.map((x) => [x.phase, x.exitCode])).toEqual([["setup", 0], ["reproduce", null]]);
    expect(runs[1]).toMatchObject({ timedOut: false, diskLow: { freeBytes: 10 * 1024 * 1024 }, outputTail: expect.stringMatching(/^writing\n\n\[killed: 10 MB free on /) });
    expect(applied).toBe(false);
    // The checkout's filesystem and the temp root's (one device here: looked at once per round).
    expect(new Set(looked)).toEqual(new Set([r.dir]));
  });

  test("a command killed at the memory floor ends validation with validation_memory_low, retryable, saying what ran and what was available", async () => {
    const r = await repo("node-sum");
    let applied = false;
    // Plenty, until the validate run starts allocating.
    const allocating = join(r.dir, "allocating");
    const availableBytes = async () => ((await stat(allocating).then(() => true, () => false)) ? 100 * 1024 * 1024 : 8 * 1024 * 1024 * 1024);
    const started = Date.now();
    const err = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("echo allocating; touch allocating; sleep 30"),
      settings: settings("none", { reproduceFirst: false, memoryFloor: { minAvailableBytes: 256 * 1024 * 1024, intervalMs: 20, availableBytes } }),
      apply: async () => ((applied = true), { files: [] }),
    }).catch((e: unknown) => e);
    // Unkilled, `sleep 30` runs 30 s; the floor's kill normally ends it in well under 1 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e).toMatchObject({ code: "validation_memory_low", retryable: true });
    expect(e.message).toMatch(/^Validation stopped: only 100 MB of memory was available on the host while the validate command `echo allocating; touch allocating; sleep 30` ran, below VALIDATION_MIN_FREE_MEMORY_BYTES \(256 MB\), so the command was killed before the kernel's OOM killer .*Free memory on the host.*leak or allocate without bound.*Will retry\.$/);
    expect(e.details).toMatchObject({ phase: "validate", command: "echo allocating; touch allocating; sleep 30", availableBytes: 100 * 1024 * 1024, minAvailableBytes: 256 * 1024 * 1024 });
    const runs = (e.details!.validation as ValidationReport).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ phase: "validate", exitCode: null, timedOut: false, memoryLow: { availableBytes: 100 * 1024 * 1024 }, outputTail: "allocating\n\n[killed: 100 MB of memory available]" });
    expect(runs[0]!.diskLow).toBeUndefined();
    expect(applied).toBe(true);
    expect((e.details!.validation as ValidationReport).memoryFloorOff).toBeUndefined();
  });

  test("where available memory cannot be read, the memory floor is off and the report says so; the commands run", async () => {
    const r = await repo("node-sum");
    let looks = 0;
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("sleep 0.2"),
      settings: settings("none", { memoryFloor: { minAvailableBytes: 256 * 1024 * 1024, intervalMs: 20, availableBytes: async () => (looks++, undefined) } }),
      apply: async () => ({ files: [] }),
    });
    expect(report.verdict).toBe("passed");
    expect(report.memoryFloorOff).toMatch(/VALIDATION_MIN_FREE_MEMORY_BYTES not applied: .*MemAvailable/);
    // Looked at once for the whole validation, not on every command's schedule.
    expect(looks).toBe(1);
  });

  // bwrap's own /tmp would be a tmpfs: RAM, unbounded, out of the disk floor's sight.
  (probe.available ? test : test.skip)("in the sandbox, /tmp, /var/tmp and /run are on the temp root's filesystem, not tmpfs", async () => {
    const r = await repo("node-sum");
    const host = (await statfs(tmpdir())).type.toString(16);
    // Where the host's own /tmp is a tmpfs, the type alone cannot tell a bwrap tmpfs from the bound directory; the device can.
    const dev = (await stat(tmpdir())).dev;
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("stat -f -c %t /tmp /var/tmp /run && stat -c %d /tmp /var/tmp /run && echo x > /tmp/x && cat /tmp/x"),
      settings: settings("bwrap", { reproduceFirst: false }),
      apply: async () => ({ files: [] }),
    });
    expect(report.runs[0]).toMatchObject({ exitCode: 0, outputTail: `${host}\n${host}\n${host}\n${dev}\n${dev}\n${dev}\nx\n` });
  });

  (probe.available ? test : test.skip)("in the sandbox, each command starts with an empty /tmp, /var/tmp and /run: the unpatched run's leftovers are not the patched run's", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("ls -A /tmp /var/tmp /run | grep -c left || true; touch /tmp/left /var/tmp/left /run/left", ["touch /tmp/left /var/tmp/left /run/left"]),
      settings: settings("bwrap"),
      apply: async () => ({ files: [] }),
    });
    expect(report.runs.map((x) => [x.phase, x.exitCode, x.outputTail])).toEqual([["setup", 0, ""], ["reproduce", 0, "0\n"], ["validate", 0, "0\n"]]);
  });

  // Root empties read-only directories anyway; the app's user (the Docker image's `node`) cannot without help.
  (probe.available && process.getuid?.() !== 0 ? test : test.skip)("in the sandbox, a read-only directory a command left in /tmp neither stops the next command nor stays on disk", async () => {
    const r = await repo("node-sum");
    const report = await validateWorkspace({
      workspaceDir: r.dir,
      plan: plan("test -e /tmp/ro && echo left || echo gone; echo \"$HOME\"", ["mkdir -p /tmp/ro/deep && touch /tmp/ro/deep/f && chmod 555 /tmp/ro/deep /tmp/ro"]),
      settings: settings("bwrap", { reproduceFirst: false }),
      apply: async () => ({ files: [] }),
    });
    expect(report.runs.map((x) => [x.phase, x.exitCode])).toEqual([["setup", 0], ["validate", 0]]);
    const [tmp, home] = report.runs[1]!.outputTail.trim().split("\n");
    expect(tmp).toBe("gone");
    expect(home).toMatch(/\/t0-validate-[^/]+\/home$/);
    // The run's temp root, the sandbox's /tmp in it, is gone.
    await expect(stat(join(home!, ".."))).rejects.toMatchObject({ code: "ENOENT" });
  });

  test("a throwing apply (a policy refusal) propagates, after the before-run", async () => {
    const r = await repo("node-sum");
    const err = await validateWorkspace({ workspaceDir: r.dir, plan: plan("true"), settings: settings("none"), apply: async () => { throw new Error("refused"); } }).catch((e: Error) => e);
    expect((err as Error).message).toBe("refused");
  });
});
