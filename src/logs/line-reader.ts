const MAX_LINE_CHARS = 1 << 20;
const PIECE = 1 << 16;
/**
 * A log with no `\n` in this many characters but a `\r` ends its lines with a lone `\r` (old Mac line ends,
 * as some stored Travis logs have), and is split on `\r`, `\r\n` and `\n` alike. Anything shorter is one
 * line, whose `\r` segments are progress output (only the last is shown).
 */
const DECIDE_AFTER = 1 << 16;
const CR_BREAKS = /\r\n?/g;

type State = { rest: string; overflow: boolean; head: string; crLines?: boolean };

/** Whether `head` (the start of a log, or all of it) is written with lone `\r` line ends. */
function crLineEnds(head: string): boolean {
  return head.length >= DECIDE_AFTER && !head.includes("\n") && head.includes("\r");
}

function slices(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += PIECE) out.push(bytes.subarray(i, i + PIECE));
  return out;
}

/**
 * Splits a log into lines without holding it whole: chunks may be strings or bytes (decoded as streaming
 * UTF-8, so a character split across chunks survives). Lines are separated by `\n` only; one trailing `\r`
 * is removed (a log written with lone `\r` line ends is the exception: see DECIDE_AFTER). A final empty piece
 * after a trailing `\n` is not a line. Lines come in batches (one per input chunk) because a promise per line
 * would cost more than the analysis.
 */
export async function* readLineBatches(source: string | AsyncIterable<string | Uint8Array>): AsyncGenerator<string[]> {
  if (typeof source === "string") {
    const lines = (crLineEnds(source.slice(0, DECIDE_AFTER)) ? source.replace(CR_BREAKS, "\n") : source).split("\n");
    if (lines.at(-1) === "") lines.pop();
    for (let i = 0; i < lines.length; i++) lines[i] = trimCr(lines[i]!);
    if (lines.length > 0) yield lines;
    return;
  }
  const decoder = new TextDecoder("utf-8");
  const state: State = { rest: "", overflow: false, head: "" };
  for await (const input of source) {
    // Big byte chunks are decoded in pieces: large strings live outside V8's young generation and
    // linger until a full GC, which is what drives peak memory on a 100 MB log.
    const pieces = typeof input === "string" || input.length <= PIECE ? [input] : slices(input);
    for (const piece of pieces) {
      const text = typeof piece === "string" ? piece : decoder.decode(piece, { stream: true });
      const batch = split(text, state);
      if (batch.length > 0) yield batch;
    }
  }
  // Still undecided, the log is shorter than DECIDE_AFTER and has no `\n`: one line.
  const rest = state.rest + decoder.decode();
  if (state.overflow) yield [state.head];
  else if (rest.length > 0) yield [trimCr(rest)];
}

function split(text: string, state: State): string[] {
  const batch: string[] = [];
  if (text.length === 0) return batch;
  let buf = state.rest + text;
  if (state.crLines === undefined) {
    if (!buf.includes("\n") && buf.length < DECIDE_AFTER) {
      state.rest = buf;
      return batch;
    }
    state.crLines = crLineEnds(buf.slice(0, DECIDE_AFTER));
  }
  // Lone `\r` line ends are made `\n`. A `\r` at the very end may be the first half of a `\r\n` cut between
  // chunks: it waits for the next one.
  const held = state.crLines && buf.endsWith("\r") ? "\r" : "";
  if (state.crLines) buf = buf.slice(0, buf.length - held.length).replace(CR_BREAKS, "\n");
  let start = 0;
  for (let end = buf.indexOf("\n"); end >= 0; end = buf.indexOf("\n", start)) {
    if (state.overflow) {
      batch.push(state.head);
      state.overflow = false;
      state.head = "";
    } else batch.push(trimCr(buf.slice(start, end)));
    start = end + 1;
  }
  state.rest = buf.slice(start) + held;
  // A pathological line with no newline must not grow without bound: keep its head only.
  if (state.rest.length > MAX_LINE_CHARS) {
    if (!state.overflow) state.head = state.rest.slice(0, MAX_LINE_CHARS);
    state.overflow = true;
    state.rest = "";
  }
  return batch;
}

/** Line by line, for callers that do not care about throughput. */
export async function* readLines(source: string | AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  for await (const batch of readLineBatches(source)) yield* batch;
}

/**
 * A copy of `s` that does not keep its parent alive: V8 slices point into the string they came from,
 * so a short line kept from a 1 MB chunk would otherwise pin the whole chunk.
 */
export function detach(s: string): string {
  return s.length < 16 ? s : (" " + s).slice(1);
}

function trimCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}
