import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectChanges } from "./collect-changes.js";

describe("collectChanges: what is committed comes from inside the checkout", () => {
  let tmp: string;
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function checkout() {
    tmp = await mkdtemp(join(tmpdir(), "t0-collect-"));
    const dir = join(tmp, "repo");
    await mkdir(join(dir, "src"), { recursive: true });
    await writeFile(join(dir, "src/math.js"), "export const sum = (a, b) => a + b;\n");
    return dir;
  }

  test("the patched files, a deleted one as null", async () => {
    const dir = await checkout();
    expect(await collectChanges(dir, ["src/math.js", "src/gone.js"])).toEqual([
      { path: "src/gone.js", content: null },
      { path: "src/math.js", content: "export const sum = (a, b) => a + b;\n", mode: "100644" },
    ]);
  });

  test("a folder on the path swapped for a symlink to a host folder is refused, not read", async () => {
    const dir = await checkout();
    const host = join(tmp, "host-secrets");
    await mkdir(host);
    await writeFile(join(host, "math.js"), "-----BEGIN PRIVATE KEY-----\n");
    await rm(join(dir, "src"), { recursive: true });
    await symlink(host, join(dir, "src"));
    await expect(collectChanges(dir, ["src/math.js"])).rejects.toMatchObject({ code: "unsafe_path", message: expect.stringMatching(/a folder on its path is a symlink/) });
  });

  test("the file itself as a symlink is refused", async () => {
    const dir = await checkout();
    await rm(join(dir, "src/math.js"));
    await symlink("/etc/hostname", join(dir, "src/math.js"));
    await expect(collectChanges(dir, ["src/math.js"])).rejects.toMatchObject({ code: "unsafe_path" });
  });

  test("a checkout reached through a symlink (a symlinked WORKSPACE_ROOT) still works", async () => {
    const dir = await checkout();
    const link = join(tmp, "link");
    await symlink(dir, link);
    expect(await collectChanges(link, ["src/math.js"])).toEqual([expect.objectContaining({ path: "src/math.js", mode: "100644" })]);
  });
});
