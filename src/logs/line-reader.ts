/**
 * Splits a log into lines without holding it whole: chunks may be strings or bytes (decoded as streaming
 * UTF-8, so a character split across chunks survives). Lines are separated by `\n` only; one trailing `\r`
 * is removed. A final empty piece after a trailing `\n` is not a line.
 */
const MAX_LINE_CHARS = 1 << 20;

export async function* readLines(source: string | AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  if (typeof source === "string") {
    yield* splitWhole(source);
    return;
  }
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let overflow = false;
  let head = "";
  for await (const chunk of source) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length === 0) continue;
    let start = 0;
    let buf = rest + text;
    rest = "";
    for (;;) {
      const nl = buf.indexOf("\n", start);
      if (nl < 0) break;
      if (overflow) {
        yield head;
        overflow = false;
        head = "";
      } else yield trimCr(buf.slice(start, nl));
      start = nl + 1;
    }
    rest = buf.slice(start);
    buf = "";
    // A pathological line with no newline must not grow without bound: keep its head only.
    if (rest.length > MAX_LINE_CHARS) {
      if (!overflow) head = rest.slice(0, MAX_LINE_CHARS);
      overflow = true;
      rest = "";
    }
  }
  rest += decoder.decode();
  if (overflow) yield head;
  else if (rest.length > 0) yield trimCr(rest);
}

function* splitWhole(text: string): Generator<string> {
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    yield trimCr(text.slice(start, nl));
    start = nl + 1;
  }
  if (start < text.length) yield trimCr(text.slice(start));
}

function trimCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
