import { MAX_RESPONSE_BYTES, tooLarge } from "./bounded-body.js";

/**
 * Minimal Server-Sent Events reader: yields the `data` of each event (multi-line data joined with "\n"),
 * skips comment lines (`: keep-alive`) and fields other than `data`, and accepts LF or CRLF line ends.
 * Reads at most `maxBytes` in all: a stream that goes on (a line that never ends, events without end)
 * would otherwise grow the buffer until the deadline.
 */
export async function* sseData(body: AsyncIterable<Uint8Array | string>, opts: { maxBytes?: number } = {}): AsyncGenerator<string> {
  const maxBytes = opts.maxBytes ?? MAX_RESPONSE_BYTES;
  const decoder = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  let read = 0;
  for await (const chunk of body) {
    read += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (read > maxBytes) throw tooLarge("TensorZero's stream", maxBytes);
    buf += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      if (line === "") {
        if (data.length) yield data.join("\n");
        data = [];
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      }
      // `:` comments, `event:`, `id:` and `retry:` lines carry nothing the gateway uses.
    }
  }
  buf += decoder.decode();
  if (buf.startsWith("data:")) data.push(buf.slice(5).replace(/^ /, ""));
  if (data.length) yield data.join("\n");
}
