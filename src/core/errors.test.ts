import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { expect, test } from "@jest/globals";
import { AppError, toAppError } from "./errors.js";

test("fetch's bare TypeError is a retryable network error when its cause is one, with the cause in the message", async () => {
  // A port nothing listens on: fetch rejects with TypeError("fetch failed") and the ECONNREFUSED as its cause.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const err = await fetch(`http://127.0.0.1:${port}/`).then(() => undefined, (e: unknown) => e);
  expect((err as Error).name).toBe("TypeError"); // from another realm under jest: no instanceof
  expect(toAppError(err)).toMatchObject({ code: "network", retryable: true, message: expect.stringMatching(/^fetch failed \(.*ECONNREFUSED.*\)$/) });
});

test("a cause deeper in the chain counts, a TypeError without one is a bug and is not retried", () => {
  const cutOff = new TypeError("terminated", { cause: new Error("other side closed", { cause: Object.assign(new Error("socket hang up"), { code: "UND_ERR_SOCKET" }) }) });
  expect(toAppError(cutOff)).toMatchObject({ code: "network", retryable: true, message: "terminated (UND_ERR_SOCKET: socket hang up)" });
  expect(toAppError(new TypeError("x is not a function"))).toMatchObject({ code: "internal", retryable: false });
  expect(toAppError(new TypeError("fetch failed", { cause: new Error("bad port") }))).toMatchObject({ code: "internal", retryable: false });
});

test("HTTP statuses and AppErrors keep their meaning", () => {
  expect(toAppError(Object.assign(new Error("Service Unavailable"), { status: 503 }))).toMatchObject({ code: "http_503", retryable: true });
  expect(toAppError(Object.assign(new Error("Not Found"), { status: 404 }))).toMatchObject({ code: "http_404", retryable: false });
  const own = new AppError("x", "y");
  expect(toAppError(own)).toBe(own);
});

test("a full disk and a Redis that is restarting are retried, each saying what is wrong", async () => {
  expect(toAppError(Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" }))).toMatchObject({
    code: "disk_full",
    retryable: true,
    message: "ENOSPC: no space left on device, write; free disk space under WORKSPACE_ROOT and DATA_DIR (or lower their use); will retry",
  });
  // What ioredis throws once a command has waited through maxRetriesPerRequest reconnects.
  const { ReplyError } = (await import("ioredis")) as unknown as { ReplyError: new (m: string) => Error };
  const { MaxRetriesPerRequestError } = createRequire(import.meta.url)("ioredis/built/errors/index.js") as { MaxRetriesPerRequestError: new (n: number) => Error };
  expect(toAppError(new MaxRetriesPerRequestError(3))).toMatchObject({ code: "store_unavailable", retryable: true, message: expect.stringMatching(/^Redis did not answer \(Reached the max retries per request limit/) });
  expect(toAppError(new ReplyError("LOADING Redis is loading the dataset in memory"))).toMatchObject({ code: "store_unavailable", retryable: true });
  expect(toAppError(new Error("Connection is closed."))).toMatchObject({ code: "store_unavailable", retryable: true });
  expect(toAppError(new ReplyError("ERR wrong number of arguments for 'hset' command"))).toMatchObject({ code: "internal", retryable: false });
});

test("a 403 that is a rate limit by its headers or GitHub Enterprise's older words is retried, after the time GitHub gives", () => {
  const now = Date.now();
  const err = (message: string, headers: Record<string, string>) => Object.assign(new Error(message), { status: 403, response: { headers } });
  // A secondary limit with retry-after, whatever its wording.
  expect(toAppError(err("Forbidden", { "retry-after": "30" }))).toMatchObject({ retryable: true, retryAfterMs: 30_000 });
  // The primary limit: nothing left until the reset (epoch seconds).
  const primary = toAppError(err("API rate limit exceeded for installation ID 7.", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(Math.ceil(now / 1000) + 120) }));
  expect(primary).toMatchObject({ retryable: true });
  expect(primary.retryAfterMs).toBeGreaterThan(100_000);
  expect(primary.retryAfterMs).toBeLessThanOrEqual(122_000);
  expect(toAppError(err("Forbidden", { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "not a time" }))).toMatchObject({ retryable: true });
  expect(toAppError(err("You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.", {}))).toMatchObject({ retryable: true });
  // A permission refusal stays one.
  expect(toAppError(err("Resource not accessible by integration", { "x-ratelimit-remaining": "4999" }))).toMatchObject({ retryable: false });
});

// reference/github.md §5 and GitHub's docs: without retry-after or a spent x-ratelimit-remaining, wait at least a minute.
test("a 429 that names no wait (no retry-after, no spent primary limit, no secondary-limit words) waits at least a minute", () => {
  const err = (status: number, message: string, headers: Record<string, string>) => Object.assign(new Error(message), { status, response: { headers } });
  expect(toAppError(err(429, "Too Many Requests", {}))).toMatchObject({ code: "http_429", retryable: true, retryAfterMs: 60_000 });
  expect(toAppError(err(429, "Too Many Requests", { "x-ratelimit-remaining": "12" }))).toMatchObject({ retryable: true, retryAfterMs: 60_000 });
  // A 403 that says it is a rate limit but gives no time is the same case.
  expect(toAppError(err(403, "API rate limit exceeded for installation ID 7.", {}))).toMatchObject({ retryable: true, retryAfterMs: 60_000 });
  // What GitHub does say still wins.
  expect(toAppError(err(429, "Too Many Requests", { "retry-after": "5" }))).toMatchObject({ retryAfterMs: 5_000 });
  // A 5xx is not a rate limit: the runner's own backoff.
  expect(toAppError(err(503, "Service Unavailable", {})).retryAfterMs).toBeUndefined();
});
