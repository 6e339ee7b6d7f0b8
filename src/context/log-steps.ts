import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
// The log analyser's: a header is read as any log line is (its own copy here missed OSC titles and links).
import { stripAnsi } from "../logs/line-format.js";

export interface ApiStepTimes {
  number: number;
  name: string;
  conclusion: string | null;
  startedAt?: string;
  completedAt?: string;
}

export interface LogSection {
  /** 1-based line of the `##[group]Run …` header in the kept log file. */
  line: number;
  /** The command as the header shows it (first script line, or the action for `uses:` steps). */
  header: string;
  timestamp?: string;
  /** The API step this section belongs to, when the timestamps (or the order) tell. */
  stepNumber?: number;
}

const TS = /^\uFEFF?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z /;
const HEADER = /##\[group\]Run (.*)$/;
/**
 * A header is the script's first line, which may be any length (a one-line base64 blob, a generated file
 * list). It becomes the failing step's name and command in the context, the part that is always sent, so it
 * is cut: uncut, one long line left no budget for anything else.
 */
const MAX_HEADER_CHARS = 300;

/**
 * Finds the step sections of a raw job log (`##[group]Run …` headers, the only step boundaries the
 * log has) and lines them up with the API's `steps[]`: by timestamp (a header belongs to the step whose
 * [started_at, completed_at] holds it; API times have whole seconds), else by order.
 */
export async function mapLogSections(logFile: string, steps: ApiStepTimes[]): Promise<LogSection[]> {
  const sections: LogSection[] = [];
  const rl = createInterface({ input: createReadStream(logFile, { encoding: "utf8" }), crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    const m = HEADER.exec(raw);
    if (!m) continue;
    const ts = TS.exec(raw)?.[1];
    const header = stripAnsi(m[1]!).trim();
    sections.push({ line: n, header: header.length > MAX_HEADER_CHARS ? `${header.slice(0, MAX_HEADER_CHARS)}…` : header, ...(ts ? { timestamp: ts + "Z" } : {}) });
  }
  const timed = steps.filter((s) => s.startedAt && s.completedAt);
  for (const sec of sections) {
    if (!sec.timestamp) continue;
    const t = Date.parse(sec.timestamp);
    const hits = timed.filter((s) => Date.parse(s.startedAt!) <= t && t < Date.parse(s.completedAt!) + 1000);
    // Several steps can share a second; the latest-starting one that already began is the closest match.
    const best = hits.sort((a, b) => Date.parse(b.startedAt!) - Date.parse(a.startedAt!) || b.number - a.number)[0];
    if (best) sec.stepNumber = best.number;
  }
  // Headers without a time: the run steps between the ones that have one, in order.
  if (sections.some((s) => s.stepNumber === undefined)) {
    const candidates = steps.filter((s) => !/^(Set up job|Complete job|Post .+|Initialize containers|Stop containers)$/.test(s.name)).map((s) => s.number);
    const used = new Set(sections.map((s) => s.stepNumber).filter((x): x is number => x !== undefined));
    let c = 0;
    for (const sec of sections) {
      if (sec.stepNumber !== undefined) {
        c = Math.max(c, candidates.indexOf(sec.stepNumber) + 1);
        continue;
      }
      while (c < candidates.length && used.has(candidates[c]!)) c++;
      if (c < candidates.length) sec.stepNumber = candidates[c++];
    }
  }
  return sections;
}
