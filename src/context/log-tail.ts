import { writeFile } from "node:fs/promises";

export interface KeptLog {
  totalBytes: number;
  keptBytes: number;
  truncated: boolean;
  /** Bytes dropped from the middle (0 when nothing was cut). */
  cutBytes: number;
  /** Landmark lines (step headers, errors) rescued from the cut part. */
  landmarks: number;
}

/** The line keepLogTail writes where it cut; `cutLandmarks` reads it back. */
const CUT_MARKER = "[t0-ci-bot] log cut: ";
const CUT_LINE = /^\[t0-ci-bot\] log cut: \d+ bytes \(\d+ lines\) .*; (\d+) step-header\/error lines from that part follow\r?$/;

/**
 * On the line a kept log says where it was cut: how many lines follow it from the cut part (step headers and
 * errors, each a whole line) before the kept tail starts. Undefined on any other line.
 */
export function cutLandmarks(line: string): number | undefined {
  if (!line.startsWith(CUT_MARKER)) return undefined;
  const m = CUT_LINE.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** Lines worth keeping even from the part of a log that is cut: step boundaries and failures. */
const LANDMARK = /##\[(?:group\]Run |error\])|^\S*\s?(?:Error|FAIL|FAILED)\b/;

/**
 * Streams a job log into `dest`, keeping at most about `maxBytes`: the head (job preamble: runner, image,
 * workflow reference) and the tail (where the failure is), cut at line boundaries. Step headers and
 * `##[error]` lines from the cut middle are kept in place of it, so steps can still be told apart, and a
 * marker line says how much was cut. Memory stays bounded by `maxBytes`.
 */
export async function keepLogTail(source: AsyncIterable<Uint8Array>, maxBytes: number, dest: string): Promise<KeptLog> {
  const headCap = Math.min(64 * 1024, Math.floor(maxBytes / 8));
  const landmarkCap = Math.min(32 * 1024, Math.floor(maxBytes / 16));
  const tailCap = Math.max(1, maxBytes - headCap - landmarkCap - 256);
  const head: Buffer[] = [];
  let headBytes = 0;
  let headDone = false;
  const tail: Buffer[] = [];
  let tailStart = 0;
  let tailBytes = 0;
  const landmarks: Buffer[] = [];
  let landmarkBytes = 0;
  let cutBytes = 0;
  let cutLines = 0;
  let total = 0;
  // The line being read, as the chunks it came in: joining them on each chunk copied a long line (a `\r`
  // progress bar is one line) once per 64 KB, which took 73 s for a 40 MB line.
  const carry: Buffer[] = [];
  let carryBytes = 0;

  const take = (line: Buffer) => {
    if (!headDone && headBytes + line.length <= headCap) {
      head.push(line);
      headBytes += line.length;
      return;
    }
    headDone = true;
    if (line.length > tailCap) {
      cutBytes += line.length - tailCap;
      line = line.subarray(line.length - tailCap);
    }
    tail.push(line);
    tailBytes += line.length;
    while (tailBytes > tailCap) {
      const dropped = tail[tailStart]!;
      tail[tailStart++] = EMPTY;
      tailBytes -= dropped.length;
      cutBytes += dropped.length;
      cutLines++;
      if (landmarkBytes + dropped.length <= landmarkCap && LANDMARK.test(dropped.toString("utf8", 0, Math.min(dropped.length, 200)))) {
        landmarks.push(dropped);
        landmarkBytes += dropped.length;
      }
    }
    if (tailStart > 4096 && tailStart * 2 > tail.length) {
      tail.splice(0, tailStart);
      tailStart = 0;
    }
  };

  for await (const chunk of source) {
    let data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += data.length;
    let nl: number;
    while ((nl = data.indexOf(10)) >= 0) {
      const end = data.subarray(0, nl + 1);
      take(carry.length ? Buffer.concat([...carry, end]) : Buffer.from(end));
      carry.length = 0;
      carryBytes = 0;
      data = data.subarray(nl + 1);
    }
    if (data.length === 0) continue;
    carry.push(Buffer.from(data));
    carryBytes += data.length;
    // Of a line longer than the tail only its end is kept (take cuts the rest): whole pieces go as they pass.
    while (carryBytes - carry[0]!.length >= tailCap) {
      cutBytes += carry[0]!.length;
      carryBytes -= carry.shift()!.length;
    }
  }
  if (carry.length) take(Buffer.concat(carry));

  const truncated = cutBytes > 0;
  const parts: Buffer[] = [...head];
  if (truncated) {
    parts.push(Buffer.from(`${CUT_MARKER}${cutBytes} bytes (${cutLines} lines) left out here to stay under LOG_MAX_BYTES_PER_JOB=${maxBytes}; ${landmarks.length} step-header/error lines from that part follow\n`));
    parts.push(...landmarks);
  }
  for (let i = tailStart; i < tail.length; i++) parts.push(tail[i]!);
  const out = Buffer.concat(parts);
  await writeFile(dest, out);
  return { totalBytes: total, keptBytes: out.length, truncated, cutBytes, landmarks: landmarks.length };
}

const EMPTY = Buffer.alloc(0);
