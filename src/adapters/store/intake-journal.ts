import { createReadStream, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Job } from "../../core/job.js";
import type { Delivery } from "../../core/ports/job-store.js";

/**
 * The lowdb store's intake journal, `journal/<YYYY-MM-DD>.ndjson`: one JSON object per line per delivery.
 *
 * A webhook body is already JSON, so it is written as it came, not re-escaped into a JSON string (escaping
 * a 20 KB payload cost as much as parsing it, on the path that answers GitHub):
 *
 *     {"bodyBytes":19343,"delivery":{…},"job":{…},"body":<the raw body, byte for byte>}
 *
 * `bodyBytes` comes first so a reader can cut the line without parsing the body: the metadata is
 * everything before `,"body":`, the body the `bodyBytes` bytes before the closing `}`. A body that is not
 * safe to embed (it holds a line break, or the delivery was rejected as invalid JSON) is stored the older
 * way, as an escaped string: `{"delivery":{…},"job":{…},"payload":"…"}`. Both forms are read.
 */
export interface IntakeRecord {
  delivery: Delivery;
  job?: Job;
  /** The raw body, decoded only when asked for (replay does not need it). */
  payload(): string;
}

const PREFIX = Buffer.from('{"bodyBytes":');
const SEP = Buffer.from(',"body":');
const END = Buffer.from("}\n");
const NEWLINE = 0x0a;
const CR = 0x0d;
const CLOSE = 0x7d; // }

/**
 * The chunks of one journal line (written together, so a batch is copied once). The job comes as JSON:
 * the store keeps that same string until the job has its own document.
 */
export function encodeIntakeRecord(delivery: Delivery, jobJson: string | undefined, body: string | Buffer): Buffer[] {
  const meta = `{"delivery":${JSON.stringify(delivery)}${jobJson ? `,"job":${jobJson}` : ""}}`;
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  const embeddable = delivery.outcome !== "invalid" && bytes.length > 0 && bytes.indexOf(NEWLINE) < 0 && bytes.indexOf(CR) < 0;
  if (!embeddable) {
    return [Buffer.from(`${meta.slice(0, -1)},"payload":${JSON.stringify(bytes.toString("utf8"))}}\n`, "utf8")];
  }
  return [Buffer.from(`{"bodyBytes":${bytes.length},${meta.slice(1, -1)}`, "utf8"), SEP, bytes, END];
}

/** One line (without its `\n`); undefined for a torn or foreign line. */
export function decodeIntakeRecord(line: Buffer): IntakeRecord | undefined {
  if (line.length === 0) return undefined;
  if (line.subarray(0, PREFIX.length).equals(PREFIX)) return decodeEmbedded(line);
  const rec = parse<{ delivery?: Delivery; job?: Job; payload?: string }>(line.toString("utf8"));
  if (!rec?.delivery?.id) return undefined;
  const payload = rec.payload ?? "";
  return { delivery: rec.delivery, ...(rec.job ? { job: rec.job } : {}), payload: () => payload };
}

function decodeEmbedded(line: Buffer): IntakeRecord | undefined {
  let i = PREFIX.length;
  let n = 0;
  for (; i < line.length && line[i]! >= 0x30 && line[i]! <= 0x39; i++) n = n * 10 + (line[i]! - 0x30);
  const bodyStart = line.length - 1 - n;
  const metaEnd = bodyStart - SEP.length;
  // A torn line (crash mid-write) is shorter than it says: the separator is then not where it must be.
  if (line[i] !== 0x2c || line[line.length - 1] !== CLOSE || metaEnd <= i || !line.subarray(metaEnd, bodyStart).equals(SEP)) return undefined;
  const meta = parse<{ delivery?: Delivery; job?: Job }>(`{${line.toString("utf8", i + 1, metaEnd)}}`);
  if (!meta?.delivery?.id) return undefined;
  const body = line.subarray(bodyStart, line.length - 1);
  return { delivery: meta.delivery, ...(meta.job ? { job: meta.job } : {}), payload: () => body.toString("utf8") };
}

function parse<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Journal files, oldest first. */
export function journalFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}\.ndjson$/.test(f)).sort();
}

/** The lines of a journal file from byte `start`, each with its own byte offset (the last, unterminated one too). */
export async function* journalLines(file: string, start = 0): AsyncGenerator<{ line: Buffer; offset: number }> {
  let rest: Buffer = Buffer.alloc(0);
  let offset = start;
  for await (const chunk of createReadStream(file, { start, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const split = splitLines(rest.length ? Buffer.concat([rest, chunk]) : chunk);
    for (const line of split.lines) {
      yield { line, offset };
      offset += line.length + 1;
    }
    rest = Buffer.from(split.rest);
  }
  if (rest.length) yield { line: rest, offset };
}

/** The whole lines of `buf` (without their `\n`), and what follows the last `\n`. */
export function splitLines(buf: Buffer): { lines: Buffer[]; rest: Buffer } {
  const lines: Buffer[] = [];
  let from = 0;
  for (let nl = buf.indexOf(NEWLINE); nl >= 0; nl = buf.indexOf(NEWLINE, from)) {
    lines.push(buf.subarray(from, nl));
    from = nl + 1;
  }
  return { lines, rest: buf.subarray(from) };
}

/** Records of every journal file in `dir`, oldest first. */
export async function* intakeRecords(dir: string): AsyncGenerator<IntakeRecord & { file: string; offset: number }> {
  for (const file of journalFiles(dir)) {
    for await (const { line, offset } of journalLines(join(dir, file))) {
      const rec = decodeIntakeRecord(line);
      if (rec) yield Object.assign(rec, { file, offset });
    }
  }
}
