import { expect, test } from "@jest/globals";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MemoryJobStore } from "../../src/adapters/store/memory-store.js";
import { intakeDelivery } from "../../src/handlers/intake.js";
import { failedRun, startHarness } from "./harness.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const collect = async () => {
  // A WeakRef's target stays alive until the current job ends: let it end before and after each collection.
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setTimeout(r, 5));
    gc();
  }
};

/** A store whose record waits, like the lowdb journal's fsync does. */
class GatedStore extends MemoryJobStore {
  release!: () => void;
  readonly #gate = new Promise<void>((r) => (this.release = r));
  override async recordIntake(...a: Parameters<MemoryJobStore["recordIntake"]>) {
    await this.#gate;
    return super.recordIntake(...a);
  }
}

// Every delivery in flight held its parsed payload (a 20 KB body's object tree, up to 25 MB bodies) until
// its record was durable, and each young-generation GC copied it.
test("the parsed payload is not held while the delivery's record is being made durable", async () => {
  const store = new GatedStore();
  const h = await startHarness({ store });
  try {
    const raw = JSON.stringify(failedRun({ runId: 4242 }));
    let parsed: WeakRef<object> | undefined;
    const parse = JSON.parse;
    JSON.parse = ((text: string, reviver?: never) => {
      const v = parse(text, reviver);
      if (text === raw) parsed = new WeakRef(v);
      return v;
    }) as typeof JSON.parse;
    let pending: ReturnType<typeof intakeDelivery>;
    try {
      pending = intakeDelivery(h.deps, { id: "d-1", event: "workflow_run", rawBody: raw });
    } finally {
      JSON.parse = parse;
    }
    await collect();
    expect(parsed).toBeDefined();
    expect(parsed!.deref()).toBeUndefined();
    store.release();
    expect(await pending).toMatchObject({ ok: true, created: true });
  } finally {
    store.release();
    await h.close();
  }
});
