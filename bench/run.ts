// `npm run bench`: runs every benchmark in its own process, one after another (they measure time and
// memory, so they must not share a process or run in parallel). Each prints its figures beside a baseline
// measured in the same run. `npm run bench -- intake store` runs only those.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const ALL = ["store", "intake", "analyze-log", "clone", "tensorzero", "patch", "validate", "queue", "pipeline"];
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : ALL;
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
