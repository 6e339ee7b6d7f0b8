import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { run as storeCommand } from "../../src/cli/commands/store.js";

// Flag parsing only: a DATA_DIR that does not exist stops the command right after it, before Redis.
describe("CLI: store migrate flags", () => {
  let dir: string;
  let err: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "t0-store-flags-"));
    err = [];
    jest.spyOn(process.stderr, "write").mockImplementation((s) => (err.push(String(s)), true));
    jest.spyOn(process.stdout, "write").mockImplementation(() => true);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ DATA_DIR: join(dir, "nope"), REDIS_URL: "redis://127.0.0.1:1" });

  test("--name=value is read as --name value, as the other commands read it", async () => {
    expect(await storeCommand(["migrate", "--from=lowdb", "--to=redis", `--data-dir=${join(dir, "gone")}`], env())).toBe(2);
    expect(err.join("")).not.toContain("unknown option");
    expect(err.join("")).toContain(`DATA_DIR ${join(dir, "gone")} does not exist`);
    err.length = 0;
    expect(await storeCommand(["migrate", "--from", "lowdb", "--to=redis"], env())).toBe(2);
    expect(err.join("")).toContain(`DATA_DIR ${join(dir, "nope")} does not exist`);
  });

  test("a stray argument, an unknown option, a missing value and a valued --dry-run are still refused", async () => {
    for (const [args, why] of [
      [["migrate", "lowdb", "--from", "lowdb", "--to", "redis"], 'unexpected argument "lowdb"'],
      [["migrate", "--from=lowdb", "--to=redis", "--force"], "unknown option --force"],
      [["migrate", "--from", "lowdb", "--to"], "--to needs a value"],
      [["migrate", "--from=lowdb", "--to=redis", "--dry-run=yes"], "--dry-run takes no value"],
    ] as const) {
      err.length = 0;
      expect(await storeCommand([...args], env())).toBe(2);
      expect(err.join("")).toContain(`t0-ci-bot store migrate: ${why}`);
    }
  });
});
