import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import type { KeyedLock } from "../../src/core/ports/keyed-lock.js";

export interface KeyedLockHarness {
  lock: KeyedLock;
  /** Another process's lock on the same backing (a second worker); the same lock where only one process can hold keys. */
  other(): Promise<KeyedLock>;
  /** Lets `ms` of the adapter's clock pass (a fake clock stepped, or the wall clock waited for). */
  advance(ms: number): Promise<void>;
  /** Set when a holder that dies frees its keys by expiry: the lease's ttl. */
  ttlMs?: number;
  cleanup?(): Promise<void>;
}

/** The behaviour every KeyedLock adapter must have. Run by the memory and Redis suites alike, unchanged. */
export function keyedLockContract(name: string, factory: () => Promise<KeyedLockHarness>): void {
  describe(`KeyedLock contract: ${name}`, () => {
    let h: KeyedLockHarness;
    const opened: KeyedLock[] = [];
    const other = async () => {
      const l = await h.other();
      opened.push(l);
      return l;
    };

    beforeEach(async () => {
      h = await factory();
    });
    afterEach(async () => {
      for (const l of opened.splice(0)) if (l !== h.lock) await l.close();
      await h.lock.close();
      await h.cleanup?.();
    });

    test("one holder per key; other keys are free", async () => {
      const a = await h.lock.acquire("repo:1", { waitMs: 0 });
      expect(a?.key).toBe("repo:1");
      expect(await (await other()).acquire("repo:1", { waitMs: 0 })).toBeUndefined();
      const b = await h.lock.acquire("repo:2", { waitMs: 0 });
      expect(b?.key).toBe("repo:2");
      await a!.release();
      await b!.release();
      expect(await (await other()).acquire("repo:1", { waitMs: 0 })).toBeDefined();
    });

    test("a waiter gets the key once its holder releases it within the wait", async () => {
      const a = (await h.lock.acquire("repo:1", { waitMs: 0 }))!;
      const waiting = (await other()).acquire("repo:1", { waitMs: 10_000 });
      await h.advance(100);
      await a.release();
      const b = await waiting;
      expect(b).toBeDefined();
      expect(await h.lock.acquire("repo:1", { waitMs: 0 })).toBeUndefined();
      await b!.release();
    });

    test("a waiter whose wait ends before the holder releases gets nothing, and the holder keeps the key", async () => {
      const a = (await h.lock.acquire("repo:1", { waitMs: 0 }))!;
      const waiting = (await other()).acquire("repo:1", { waitMs: 300 });
      await h.advance(600);
      expect(await waiting).toBeUndefined();
      expect(await (await other()).acquire("repo:1", { waitMs: 0 })).toBeUndefined();
      await a.release();
    });

    test("an aborted wait gives up at once", async () => {
      const a = (await h.lock.acquire("repo:1", { waitMs: 0 }))!;
      const ac = new AbortController();
      const waiting = (await other()).acquire("repo:1", { waitMs: 60_000, signal: ac.signal });
      ac.abort(new Error("stopping"));
      await h.advance(200);
      expect(await waiting).toBeUndefined();
      await a.release();
    });

    test("a release frees only its own hold: released twice, it leaves the next holder's alone", async () => {
      const a = (await h.lock.acquire("repo:1", { waitMs: 0 }))!;
      await a.release();
      const b = (await (await other()).acquire("repo:1", { waitMs: 0 }))!;
      expect(b).toBeDefined();
      await a.release();
      expect(await h.lock.acquire("repo:1", { waitMs: 0 })).toBeUndefined();
      await b.release();
    });

    test("callers racing for one key run their sections one at a time, and all get through", async () => {
      const locks = [h.lock, await other(), await other()];
      let inside = 0;
      let most = 0;
      let done = 0;
      const section = async (i: number) => {
        const hold = await locks[i % locks.length]!.acquire("repo:1", { waitMs: 60_000 });
        if (!hold) throw new Error(`section ${i} got no lock`);
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setImmediate(r));
        inside--;
        done++;
        await hold.release();
      };
      const all = Promise.all(Array.from({ length: 6 }, (_, i) => section(i)));
      // Waiters that poll need their clock to move; one granted on release does not.
      for (let i = 0; i < 100 && done < 6; i++) await h.advance(50);
      await all;
      expect(done).toBe(6);
      expect(most).toBe(1);
    });

    test("a hold outlives its ttl while its holder lives (renewed), and a holder that dies frees the key by expiry", async () => {
      if (!h.ttlMs) return; // one process holds every key: a holder that dies takes them all with it.
      const ttl = h.ttlMs;
      const dying = await other();
      await dying.acquire("repo:1", { waitMs: 0 });
      await h.advance(ttl * 3);
      expect(await h.lock.acquire("repo:1", { waitMs: 0 })).toBeUndefined();
      // Killed: no release, no renewal any more.
      await dying.close();
      const waiting = h.lock.acquire("repo:1", { waitMs: ttl * 10 });
      await h.advance(ttl * 2);
      const taken = await waiting;
      expect(taken).toBeDefined();
      await taken!.release();
    });
  });
}
