import { MemoryKeyedLock } from "../../src/adapters/lock/memory-keyed-lock.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { keyedLockContract } from "./keyed-lock.contract.js";

keyedLockContract("memory", async () => {
  const clock = new FakeClock();
  const lock = new MemoryKeyedLock({ clock });
  // One process: its jobs share this one lock.
  return { lock, other: async () => lock, advance: (ms) => clock.advance(ms) };
});
