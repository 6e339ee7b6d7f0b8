import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "../core/job.js";
import { fixtureRepo, type FixtureRepo } from "../../test/helpers/fixture-repo.js";
import { selectCommands } from "./select-commands.js";
import { WORKFLOW_MAX_BYTES } from "../context/fetched-logs.js";
import { readFailingWorkflow, validationInputFromJob } from "./validation-input.js";

const repos: FixtureRepo[] = [];
afterEach(async () => {
  await Promise.all(repos.splice(0).map((r) => r.cleanup()));
});

const job = (results: Record<string, unknown>, workflowPath?: string) =>
  ({ id: "j", run: { id: 1, attempt: 1, headSha: "a", headBranch: "main", ...(workflowPath ? { workflowPath } : {}) }, results }) as unknown as Job;

describe("validationInputFromJob", () => {
  test("fetch-logs' failing step and the checkout's workflow file give the command and the steps before it", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const input = await validationInputFromJob(
      job(
        {
          "fetch-logs": { logsDir: "/nonexistent", workflow: { found: false }, jobs: [{ name: "test (node 22)", failingStep: { name: "Unit tests", command: "npm test", shell: "bash" } }] },
          "build-context": { context: { languages: ["javascript"], failing_jobs: [] } },
        },
        ".github/workflows/ci.yml",
      ),
      r.dir,
    );
    expect(input).toMatchObject({ failingCommand: "npm test", failingShell: "bash", languages: ["javascript"] });
    expect(input.earlierRunSteps?.map((s) => (typeof s === "string" ? s : s.run))).toEqual(["npm install", expect.stringContaining("secrets.NPM_TOKEN")]);
  });

  test("CI's count of tests is the one fetch-logs read for the step whose command is replayed", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const fetched = (jobs: unknown[]) => job({ "fetch-logs": { logsDir: "/nonexistent", workflow: { found: false }, jobs } });
    const lint = { name: "lint", failingStep: { name: "Lint", uses: "some/action@v1", testsRan: 3 } };
    const unit = { name: "unit", failingStep: { name: "Unit tests", command: "npm test", testsRan: 120 } };
    expect(await validationInputFromJob(fetched([lint, unit]), r.dir)).toMatchObject({ failingCommand: "npm test", failingTestsRan: 120 });
    const cut = { name: "unit", failingStep: { name: "Unit tests", command: "npm test", testsRan: "cut" } };
    expect(await validationInputFromJob(fetched([cut]), r.dir)).toMatchObject({ failingTestsRan: "cut" });
    // A `uses:` step is not replayed: its count goes with no command.
    expect(await validationInputFromJob(fetched([lint]), r.dir)).not.toHaveProperty("failingTestsRan");
  });

  test("falls back to the failure context's command, then to the workflow's own step", async () => {
    const r = await fixtureRepo("python-slug");
    repos.push(r);
    const fromContext = await validationInputFromJob(job({ "build-context": { failing_jobs: [{ name: "unit", failing_step: "Run unittest", command: "python3 -m unittest" }], languages: ["python"] } }), r.dir);
    expect(fromContext).toMatchObject({ failingCommand: "python3 -m unittest", languages: ["python"], earlierRunSteps: [] });
    expect(fromContext.notes).toEqual(["workflow file not available; setup is not derived from it"]);

    const fromWorkflow = await validationInputFromJob(job({ "build-context": { context: { failing_jobs: [{ name: "unit", failing_step: "Run unittest" }] } } }, ".github/workflows/tests.yml"), r.dir);
    expect(fromWorkflow.failingCommand).toBe("python3 -m unittest discover -v");
  });

  test("a workflow-wide `defaults.run.shell` fetch-logs did not report keeps a PowerShell step from being replayed with bash", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const wf = "defaults:\n  run:\n    shell: pwsh\njobs:\n  test:\n    runs-on: windows-latest\n    steps:\n      - run: npm ci\n      - name: Unit tests\n        run: |\n          $env:CI = 'true'\n          npm test\n";
    await writeFile(join(r.dir, "ci.yml"), wf);
    const input = await validationInputFromJob(job({ "fetch-logs": { jobs: [{ name: "test", failingStep: { name: "Unit tests", command: "$env:CI = 'true'\nnpm test" } }] } }, "ci.yml"), r.dir);
    expect(input).toMatchObject({ failingShell: "pwsh" });
    const plan = selectCommands({ config: { setup: undefined, validate: undefined }, input, workspaceDir: r.dir, setupNetwork: true });
    expect(plan.skipped).toContainEqual({ command: "$env:CI = 'true'\nnpm test", source: "workflow", reason: expect.stringContaining('shell "pwsh"') });
    expect(plan.validate).toEqual([{ command: "npm test", source: "default" }]);
  });

  test("a failure context kept in a file (contextPath) is read", async () => {
    const r = await fixtureRepo("python-slug");
    repos.push(r);
    const file = join(r.root, "context.json");
    await writeFile(file, JSON.stringify({ languages: ["python"], failing_jobs: [{ name: "unit", failing_step: "Run unittest", command: "python3 -m unittest -v" }] }));
    expect(await validationInputFromJob(job({ "build-context": { contextPath: file } }), r.dir)).toMatchObject({ failingCommand: "python3 -m unittest -v", languages: ["python"] });
  });

  test("no earlier results: an empty input, never a crash", async () => {
    const r = await fixtureRepo("python-slug");
    repos.push(r);
    expect(await validationInputFromJob(job({ "fetch-logs": "garbage", "build-context": null }), r.dir)).toMatchObject({ earlierRunSteps: [], languages: [] });
  });
});

describe("readFailingWorkflow", () => {
  test("does not follow a workflow file, or a folder above it, that links out of the checkout", async () => {
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    const outside = await mkdtemp(join(tmpdir(), "t0-outside-"));
    try {
      await writeFile(join(outside, "secret.yml"), "on: push\nsecret: hunter2\n");
      await symlink(join(outside, "secret.yml"), join(r.dir, "linked.yml"));
      await symlink(outside, join(r.dir, "linked-dir"));
      await mkdir(join(r.dir, "sub"), { recursive: true });
      await writeFile(join(r.dir, "sub", "ok.yml"), "on: push\n");
      expect(await readFailingWorkflow(job({}, "linked.yml"), r.dir)).toBeUndefined();
      expect(await readFailingWorkflow(job({}, "linked-dir/secret.yml"), r.dir)).toBeUndefined();
      expect(await readFailingWorkflow(job({}, "sub/ok.yml"), r.dir)).toBe("on: push\n");
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  // fetch-logs leaves a workflow over WORKFLOW_MAX_BYTES unread, and the checkout's copy was then read whole;
  // after the repository's commands ran, a FIFO there made the read wait for a writer forever.
  test("reads the checkout's copy only if it is a regular file within WORKFLOW_MAX_BYTES", async () => {
    const { execFileSync } = await import("node:child_process");
    const { constants, open } = await import("node:fs/promises");
    const r = await fixtureRepo("node-sum");
    repos.push(r);
    await writeFile(join(r.dir, "big.yml"), `on: push\n${"#".repeat(WORKFLOW_MAX_BYTES)}\n`);
    expect(await readFailingWorkflow(job({}, "big.yml"), r.dir)).toBeUndefined();
    execFileSync("mkfifo", [join(r.dir, "fifo.yml")]);
    // A read that waits for a writer waits for ever; 15 s only leaves a loaded CI machine room (it takes ms).
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<"stuck">((res) => (timer = setTimeout(() => res("stuck"), 15_000)));
    const outcome = await Promise.race([readFailingWorkflow(job({}, "fifo.yml"), r.dir), stuck]);
    clearTimeout(timer);
    // Frees a read that waits for a writer, so that a failure does not hold the test process.
    if (outcome === "stuck") await (await open(join(r.dir, "fifo.yml"), constants.O_WRONLY | constants.O_NONBLOCK)).close();
    expect(outcome).toBeUndefined();
  });
});
