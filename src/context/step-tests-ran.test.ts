import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { keepLogTail } from "./log-tail.js";
import { mapLogSections, type ApiStepTimes } from "./log-steps.js";
import { stepTestsRan } from "./step-tests-ran.js";

// Real Actions logs, copied with attribution in fixtures/context/README.md and fixtures/logs/ATTRIBUTION.md.
const here = dirname(fileURLToPath(import.meta.url));
const SVGO = join(here, "../../fixtures/context/logs/svgo-2320994299.log");
const HABITICA = join(here, "../../fixtures/logs/ci-logs/gha-bugswarm/2536167204.log");

let tmp: string;
let steps: ApiStepTimes[];
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "t0-step-tests-"));
  steps = JSON.parse(await readFile(join(here, "../../fixtures/context/svgo-steps.json"), "utf8"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** The `yarn test` step's section of a kept log, as fetch-logs finds it (failed API step → its log section). */
async function yarnTestSection(logFile: string) {
  const sections = await mapLogSections(logFile, steps);
  const failed = steps.find((s) => s.conclusion === "failure")!;
  const at = sections.findIndex((s) => s.stepNumber === failed.number);
  expect(sections[at]!.header).toBe("yarn test");
  return { from: sections[at]!.line, to: sections[at + 1]?.line };
}

async function* bytes(buf: Buffer): AsyncIterable<Uint8Array> {
  yield buf;
}

describe("stepTestsRan: CI's count of tests for the failing step, from its part of the job log", () => {
  test("jest in a timestamped, coloured Actions log: failed and passed count, skipped ones do not", async () => {
    const { from, to } = await yarnTestSection(SVGO);
    // `Tests:       1 failed, 3 skipped, 431 passed, 435 total`, behind the runner's timestamp and colour codes.
    expect(await stepTestsRan(SVGO, from, to)).toBe(432);
  });

  test("mocha (634 passing, 1 failing) in the last step's section, with post-job cleanup after it", async () => {
    const sections = await mapLogSections(HABITICA, []);
    const last = sections.at(-1)!;
    expect(last.header).toBe("npm run test:common");
    expect(await stepTestsRan(HABITICA, last.line)).toBe(635);
  });

  test("only the step's own lines: an earlier step's part has no count", async () => {
    const sections = await mapLogSections(SVGO, steps);
    const install = sections.findIndex((s) => s.header === "yarn install");
    expect(await stepTestsRan(SVGO, sections[install]!.line, sections[install + 1]!.line)).toBeUndefined();
  });

  test("a kept log cut inside the step's part gives no count (what is left could undercount)", async () => {
    const kept = join(tmp, "cut-inside.log");
    // The tail keeps the end of `yarn test` (its summary), the cut takes its start: its header is one of
    // the lines rescued from the cut part.
    const r = await keepLogTail(bytes(await readFile(SVGO)), 24 * 1024, kept);
    expect(r.truncated).toBe(true);
    const { from, to } = await yarnTestSection(kept);
    expect(await readFile(kept, "utf8")).toMatch(/Tests: .*431 passed/);
    expect(await stepTestsRan(kept, from, to)).toBe("cut");
  });

  test("a kept log cut before the step's part still counts it", async () => {
    const log = await readFile(SVGO);
    const kept = join(tmp, "cut-before.log");
    // Room for the whole `yarn test` part in the tail: the cut falls in `actions/checkout`'s part.
    const testPart = log.subarray(log.indexOf("##[group]Run yarn test") - 29).length;
    const r = await keepLogTail(bytes(log), testPart + 32 * 1024, kept);
    expect(r.truncated).toBe(true);
    const { from, to } = await yarnTestSection(kept);
    expect(await stepTestsRan(kept, from, to)).toBe(432);
  });
});
