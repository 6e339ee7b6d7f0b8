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
});
