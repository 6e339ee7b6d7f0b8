import type { IncomingMessage } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, test } from "@jest/globals";
import { BodyTooLargeError, ClientGoneError, OverBudgetError, readBody, UnverifiedBytes } from "./read-body.js";

/**
 * Enough of an IncomingMessage for readBody: a stream with headers. `closesLate`: it does not close once its
 * body is read, as an IncomingMessage closes only once the response is sent.
 */
function fakeRequest(headers: Record<string, string> = {}, closesLate = false): IncomingMessage & PassThrough {
  return Object.assign(new PassThrough({ autoDestroy: !closesLate }), { headers }) as unknown as IncomingMessage & PassThrough;
}

/**
 * Settles `p` within 10 s or fails (a body promise that never settles would hold its bytes for ever). It
 * settles in microseconds; the bound is only a guard, with room for a loaded CI machine.
 */
const settled = <T>(p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("readBody never settled")), 10_000).unref())]);

describe("readBody with a budget of unverified bytes", () => {
  test("a body returned stays taken until the caller gives it back; an error or close after its end gives nothing twice", async () => {
    const budget = new UnverifiedBytes(100);
    const req = fakeRequest();
    const body = readBody(req, 1000, budget);
    req.write("a".repeat(30));
    req.end("b".repeat(20));
    expect((await settled(body)).length).toBe(50);
    expect(budget.held).toBe(50);
    req.emit("error", new Error("aborted")); // the client leaves while the route still works on the body
    req.emit("close");
    expect(budget.held).toBe(50);
    budget.give(50);
    expect(budget.held).toBe(0);
  });

  test("a body read whole leaves no close listener behind (one would build a ClientGoneError for every request)", async () => {
    // Closing at once, as a plain PassThrough does, would hide a listener left behind.
    const req = fakeRequest({}, true);
    const listening = req.listenerCount("close");
    const body = readBody(req, 1000, new UnverifiedBytes(100));
    req.end("{}");
    await settled(body);
    expect(req.listenerCount("close")).toBe(listening);
  });

  test("a request destroyed mid-body, with or without an error, gives its bytes back", async () => {
    const budget = new UnverifiedBytes(100);
    const withError = fakeRequest();
    const a = readBody(withError, 1000, budget);
    withError.write("x".repeat(40));
    await new Promise((r) => setImmediate(r));
    expect(budget.held).toBe(40);
    withError.destroy(Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    await expect(settled(a)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(budget.held).toBe(0);

    const silent = fakeRequest();
    const b = readBody(silent, 1000, budget);
    silent.write("y".repeat(40));
    await new Promise((r) => setImmediate(r));
    silent.destroy();
    await expect(settled(b)).rejects.toBeInstanceOf(ClientGoneError);
    expect(budget.held).toBe(0);
  });

  test("refused by Content-Length before a byte is read: over the cap (413) or over what the budget has left (503)", async () => {
    const budget = new UnverifiedBytes(100);
    budget.take(60);
    await expect(readBody(fakeRequest({ "content-length": "2000" }), 1000, budget)).rejects.toBeInstanceOf(BodyTooLargeError);
    await expect(readBody(fakeRequest({ "content-length": "41" }), 1000, budget)).rejects.toBeInstanceOf(OverBudgetError);
    const fits = fakeRequest({ "content-length": "40" });
    const body = readBody(fits, 1000, budget);
    fits.end("z".repeat(40));
    expect((await settled(body)).length).toBe(40);
    expect(budget.held).toBe(100);
  });

  test("a streamed body passing the budget is refused at that chunk, and what it had taken is given back", async () => {
    const budget = new UnverifiedBytes(100);
    const req = fakeRequest();
    const body = readBody(req, 1000, budget);
    req.write("x".repeat(60));
    req.write("x".repeat(60));
    await expect(settled(body)).rejects.toBeInstanceOf(OverBudgetError);
    expect(budget.held).toBe(0);
  });
});
