import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { newLineParts, parseLineInto } from "../logs/line-format.js";
import { testsRan, TESTS_RAN_TAIL_BYTES } from "../validate/tests-ran.js";
import { cutLandmarks } from "./log-tail.js";

/**
 * How many tests one step's part of a kept job log says ran: the lines from its `##[group]Run` header (`from`,
 * 1-based) up to the next step's header (`to`, exclusive; the end of the log when absent), read as a person
 * reads them (no timestamp, BOM or colour codes) and given to `testsRan` as validation gives it a command's
 * output, the same amount of the end. Undefined when that part prints no summary testsRan knows.
 *
 * "cut" when the kept log lost lines of that part (keepLogTail's cut, or the lines it rescued from there, fall
 * in it): the runners that are counted line by line or summary by summary (`go test -v`, cargo, surefire)
 * would give a count too low, and no count is better than a wrong one shown to a reviewer.
 */
export async function stepTestsRan(logFile: string, from: number, to?: number): Promise<number | "cut" | undefined> {
  const input = createReadStream(logFile, { encoding: "utf8" });
  const rl = createInterface({ input, crlfDelay: Infinity });
  const parts = newLineParts();
  // The end of the section, at most TESTS_RAN_TAIL_BYTES of it (as bytes, like a command's output).
  const kept: string[] = [];
  let keptBytes = 0;
  let first = 0;
  let cut: { from: number; to: number } | undefined;
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      if (!cut) {
        const landmarks = cutLandmarks(raw);
        if (landmarks !== undefined) cut = { from: n, to: n + landmarks };
      }
      if (n < from) continue;
      if (to !== undefined && n >= to) break;
      const line = parseLineInto(raw, "github-raw", parts);
      kept.push(line);
      keptBytes += Buffer.byteLength(line) + 1;
      while (keptBytes - Buffer.byteLength(kept[first]!) - 1 >= TESTS_RAN_TAIL_BYTES) keptBytes -= Buffer.byteLength(kept[first++]!) + 1;
      if (first > 4096) {
        kept.splice(0, first);
        first = 0;
      }
    }
  } finally {
    rl.close();
    input.destroy();
  }
  const end = to === undefined ? n : to - 1;
  if (cut && cut.from <= end && cut.to >= from) return "cut";
  return testsRan(kept.slice(first).join("\n"));
}
