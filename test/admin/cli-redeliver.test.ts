import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { run as deliveriesCli } from "../../src/cli/commands/deliveries.js";
import { githubApiMock, type GitHubApiMock } from "../helpers/github-api.js";
import { makeDelivery } from "../helpers/make-job.js";

function capture() {
  const io = { stdout: "", stderr: "", out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

const env = { APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem", WEBHOOK_SECRET: "s", LOG_LEVEL: "silent" } as NodeJS.ProcessEnv;
const row = (id: number, guid: string, status_code: number, hoursAgo: number) => ({
  id, guid, delivered_at: new Date(Date.now() - hoursAgo * 3600_000).toISOString().replace(/\.\d+Z$/, "Z"), redelivery: false, duration: 0.1,
  status: status_code ? "OK" : "failed to connect", status_code, event: "workflow_run", action: "completed", installation_id: 7, repository_id: 9, throttled_at: null,
});

describe("CLI: deliveries redeliver", () => {
  let gh: GitHubApiMock | undefined;
  afterEach(() => gh?.cleanup());

  test.each([
    [false, "redelivered  guid-down"],
    [true, "would redeliver  guid-down"],
  ])("asks GitHub again for what the app never acknowledged in the window (dry run: %s)", async (dryRun, line) => {
    gh = await githubApiMock();
    gh.on("GET", "/app/hook/deliveries?per_page=100", { body: [row(3, "guid-ok", 202, 1), row(2, "guid-down", 0, 2), row(1, "guid-old", 502, 30)] });
    if (!dryRun) gh.on("POST", "/app/hook/deliveries/2/attempts", { status: 202, body: {} });
    const io = capture();
    const code = await deliveriesCli(["redeliver", "--hours", "24", ...(dryRun ? ["--dry-run"] : [])], env, io);
    expect({ code, stderr: io.stderr }).toEqual({ code: 0, stderr: "" });
    expect(io.stdout).toMatch(/^2 deliveries since .*; 1 never acknowledged\n/);
    expect(io.stdout).toContain(`${line}\n`);
    gh.done();
  });

  // GitHub's delivery log (or whatever answers at GITHUB_API_URL) is quoted, not obeyed by the terminal.
  test("a delivery id with escape sequences is shown escaped", async () => {
    gh = await githubApiMock();
    gh.on("GET", "/app/hook/deliveries?per_page=100", { body: [row(2, "guid\x1b]52;c;ZXZpbA==\x07\r\u202edown", 0, 2)] });
    const io = capture();
    expect(await deliveriesCli(["redeliver", "--hours", "24", "--dry-run"], env, io)).toBe(0);
    expect(io.stdout).toContain("would redeliver  guid\\x1b]52;c;ZXZpbA==\\x07\\r\\u202edown\n");
    gh.done();
  });

  test("also asks again for what the app acknowledged but its store no longer has", async () => {
    const dir = await mkdtemp(join(tmpdir(), "t0-cli-redeliver-"));
    try {
      // The store kept guid-kept (3 h ago) but not guid-lost (1 h ago), which GitHub saw acknowledged: the
      // tail a power cut takes with STORE_FSYNC=false.
      const store = await LowdbJobStore.open(dir, { fsync: false });
      await store.recordIntake(makeDelivery(undefined, { id: "guid-kept", receivedAt: new Date(Date.now() - 3 * 3600_000).toISOString() }), "{}");
      await store.close();
      gh = await githubApiMock();
      gh.on("GET", "/app/hook/deliveries?per_page=100", { body: [row(5, "guid-lost", 202, 1), row(4, "guid-kept", 202, 3), row(3, "guid-down", 0, 2)] });
      gh.on("POST", "/app/hook/deliveries/3/attempts", { status: 202, body: {} });
      gh.on("POST", "/app/hook/deliveries/5/attempts", { status: 202, body: {} });
      const io = capture();
      const code = await deliveriesCli(["redeliver", "--hours", "24"], { ...env, DATA_DIR: dir }, io);
      expect({ code, stderr: io.stderr }).toEqual({ code: 0, stderr: "" });
      expect(io.stdout).toMatch(/^3 deliveries since .*; 1 never acknowledged; 1 acknowledged but missing from the store\n/);
      expect(io.stdout).toContain("redelivered  guid-down\n");
      expect(io.stdout).toContain("redelivered  guid-lost\n");
      expect(io.stdout).not.toContain("guid-kept");
      gh.done();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test.each([
    // GitHub refusing the key, and GitHub down, want different things done; the message said neither.
    [401, { message: "A JSON web token could not be decoded" }, /GitHub refused the app's credentials: check APP_ID and PRIVATE_KEY \(or PRIVATE_KEY_PATH\); `t0-ci-bot check-app` says more\.\n$/],
    [503, { message: "Service Unavailable" }, /GitHub did not answer; check this machine's network \(and proxy\) to api\.github\.com or githubstatus\.com, then run it again\.\n$/],
  ])("GitHub answering %s: exit 1 with the reason and what to do", async (status, body, hint) => {
    gh = await githubApiMock();
    gh.on("GET", "/app/hook/deliveries?per_page=100", { status, body }, { times: 10 });
    const io = capture();
    expect(await deliveriesCli(["redeliver"], env, io)).toBe(1);
    expect(io.stderr).toMatch(/^t0-ci-bot deliveries redeliver: could not read the app's webhook deliveries from GitHub: /);
    expect(io.stderr).toMatch(hint);
  });

  test("bad --hours and missing credentials are clear errors", async () => {
    let io = capture();
    expect(await deliveriesCli(["redeliver", "--hours", "100"], env, io)).toBe(2);
    expect(io.stderr).toMatch(/--hours must be a whole number from 1 to 72/);
    io = capture();
    expect(await deliveriesCli(["redeliver"], { LOG_LEVEL: "silent" } as NodeJS.ProcessEnv, io)).toBe(1);
    expect(io.stderr).toMatch(/needs the app's APP_ID and PRIVATE_KEY/);
  });
});
