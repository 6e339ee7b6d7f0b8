import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { jobStoreContract } from "./job-store.contract.js";

jobStoreContract("memory", async () => ({ store: new MemoryJobStore() }));
