/**
 * Patch applier speed: parse + policy + in-memory apply of a large multi-hunk diff, beside `git apply`
 * on the same diff and tree (the baseline, measured in the same run when git is on PATH).
 *   node --import tsx bench/patch.ts
 */
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { defaultRepoConfig } from "../src/config/repo-config.js";
import { applyHunks } from "../src/patch/apply-hunks.js";
import { planPatch } from "../src/patch/apply-patch.js";
import { parsePatch } from "../src/patch/parse-patch.js";

const LINES = 20_000;
const HUNKS = 100;

function makeCase(skew: number) {
  const old = Array.from({ length: LINES }, (_, i) => `    value_${i} = compute(${i}, "${(i * 7919) % 10007}")`);
  const diff = ["--- a/big.py", "+++ b/big.py"];
  const step = Math.floor(LINES / HUNKS);
  for (let h = 0; h < HUNKS; h++) {
    const at = h * step + 10;
    diff.push(`@@ -${at - 3 + 1 + skew},7 +${at - 3 + 1},7 @@`);
    for (let k = at - 3; k < at; k++) diff.push(` ${old[k]}`);
    diff.push(`-${old[at]}`, `+${old[at]!.replace("compute", "compute_fixed")}`);
    for (let k = at + 1; k <= at + 3; k++) diff.push(` ${old[k]}`);
  }
  return { old: `${old.join("\n")}\n`, diff: `${diff.join("\n")}\n` };
}

function time(label: string, runs: number, fn: () => void) {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  const ms = (performance.now() - t0) / runs;
  console.log(`${label.padEnd(58)} ${ms.toFixed(2).padStart(9)} ms/op`);
  return ms;
}

async function main() {
  console.log(`patch bench: ${LINES}-line file, ${HUNKS} hunks`);
  for (const skew of [0, 40]) {
    const { old, diff } = makeCase(skew);
    const hunks = (() => {
      const p = parsePatch(diff);
      if (!p.ok) throw new Error(p.refusal.reason);
      return p.files[0]!.hunks;
    })();
    time(`parse (extract + parse-diff), headers off by ${skew}`, 20, () => void parsePatch(diff));
    time(`applyHunks in memory, headers off by ${skew}`, 20, () => {
      const r = applyHunks(old, hunks);
      if (!r.ok) throw new Error(r.reason);
    });

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ci-bot-bench-"));
    try {
      await fs.writeFile(path.join(dir, "big.py"), old);
      await fs.mkdir(path.join(dir, ".git"));
      const config = { ...defaultRepoConfig(), limits: { max_files: 10, max_lines: 1_000 } };
      const runs = 10;
      const t0 = performance.now();
      for (let i = 0; i < runs; i++) {
        const r = await planPatch(diff, dir, { config });
        if (!r.ok) throw new Error(r.refusal.reason);
      }
      console.log(`${`planPatch (read + policy + apply), headers off by ${skew}`.padEnd(58)} ${((performance.now() - t0) / runs).toFixed(2).padStart(9)} ms/op`);
      const diffFile = path.join(dir, "p.diff");
      await fs.writeFile(diffFile, diff);
      try {
        execFileSync("git", ["init", "-q", dir + "-git"], { stdio: "ignore" });
        await fs.writeFile(path.join(dir + "-git", "big.py"), old);
        time(`baseline: git apply --check (process), headers off by ${skew}`, 5, () => {
          execFileSync("git", ["-C", dir + "-git", "apply", "--check", diffFile], { stdio: "ignore" });
        });
      } catch (err) {
        console.log(`baseline: git apply unavailable (${(err as Error).message.split("\n")[0]})`);
      } finally {
        await fs.rm(dir + "-git", { recursive: true, force: true });
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  const answer = `Here is the fix.\n\n\`\`\`diff\n${makeCase(0).diff}\`\`\`\n\n${"Explanation. ".repeat(20_000)}\n`;
  time(`parse a ${(answer.length / 1e6).toFixed(1)} MB model answer (fenced diff + prose)`, 10, () => void parsePatch(answer));
}

await main();
