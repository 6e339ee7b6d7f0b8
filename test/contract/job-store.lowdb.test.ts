import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LowdbJobStore } from "../../src/adapters/store/lowdb-store.js";
import { jobStoreContract } from "./job-store.contract.js";

jobStoreContract("lowdb", async ({ now }) => {
  const dir = await mkdtemp(join(tmpdir(), "t0-lowdb-"));
  const store = await LowdbJobStore.open(dir, { now });
  return { store, reopen: () => LowdbJobStore.open(dir, { now }), cleanup: () => rm(dir, { recursive: true, force: true }) };
});
