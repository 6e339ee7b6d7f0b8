import { describe, expect, test } from "@jest/globals";
import { sseData } from "./sse.js";

async function collect(parts: string[]): Promise<string[]> {
  const enc = new TextEncoder();
  async function* gen() {
    for (const p of parts) yield enc.encode(p);
  }
  const out: string[] = [];
  for await (const d of sseData(gen())) out.push(d);
  return out;
}

describe("sseData", () => {
  test("events split across chunks, CRLF, comments, multi-line data and other fields", async () => {
    expect(await collect([": keep-alive\n\nda", 'ta: {"a"', ":1}\r\n\r\nevent: x\nid: 3\ndata: line1\ndata: line2\n\n", "data: [DONE]\n\n"])).toEqual([
      '{"a":1}',
      "line1\nline2",
      "[DONE]",
    ]);
  });

  test("a multi-byte character split between chunks survives; a last event without a blank line is kept", async () => {
    const bytes = new TextEncoder().encode('data: {"t":"é"}\n\ndata: tail');
    const cut = bytes.indexOf(0xc3) + 1;
    async function* gen() {
      yield bytes.subarray(0, cut);
      yield bytes.subarray(cut);
    }
    const out: string[] = [];
    for await (const d of sseData(gen())) out.push(d);
    expect(out).toEqual(['{"t":"é"}', "tail"]);
  });

  test("a stream over the byte cap (an event that never ends, say) is refused instead of buffered without bound", async () => {
    const enc = new TextEncoder();
    // Bounded here so the test ends either way; the cap is what stops a real endless one.
    async function* endless() {
      yield enc.encode('data: {"ok":1}\n\ndata: ');
      for (let i = 0; i < 1000; i++) yield enc.encode("x".repeat(1000));
    }
    const out: string[] = [];
    const err = await (async () => {
      for await (const d of sseData(endless(), { maxBytes: 64 * 1024 })) out.push(d);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "model_bad_response", retryable: false, message: expect.stringMatching(/64 KiB.*TENSORZERO_URL/) });
    expect(out).toEqual(['{"ok":1}']);
  });
});
