// `npm run bench`: runs every benchmark in its own process, one after another (they measure time and
// memory, so they must not share a process or run in parallel). Each prints its figures beside a baseline
// measured in the same run. `npm run bench -- intake store` runs only those; `npm run bench -- --help` lists them.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ALL = ["store", "intake", "analyze-log", "clone", "tensorzero", "patch", "validate", "queue", "pipeline"];
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const usage = `usage: npm run bench -- [name...]\n\nRuns the named benchmarks (all of them without a name), one process each, one after another: ${ALL.join(", ")}.\n`;
if (args.some((a) => a === "--help" || a === "-h")) {
  process.stdout.write(usage);
  process.exit(0);
}
// Checked before any benchmark starts: a typo among the names used to print "skipped" and exit 0, after
// minutes of the others running, so a CI step or a script never noticed the benchmark it asked for was missing.
const unknown = args.filter((a) => !ALL.includes(a));
if (unknown.length) {
  process.stderr.write(`${unknown.map((a) => `bench: unknown benchmark "${a}"`).join("\n")}\n\n${usage}`);
  process.exit(2);
}
const wanted = args.length ? args : ALL;
let failed = 0;
for (const name of wanted) {
  const file = join(here, `${name}.ts`);
  if (!existsSync(file)) {
    console.log(`\n== ${name}: no bench/${name}.ts in this version, skipped`);
    continue;
  }
  console.log(`\n== ${name} ==`);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    console.log(`== ${name}: exited with ${r.status ?? r.signal}`);
  }
}
process.exitCode = failed ? 1 : 0;
