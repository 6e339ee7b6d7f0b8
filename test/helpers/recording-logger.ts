import { Writable } from "node:stream";
import { createLogger, silentLogger } from "../../src/core/logger.js";
import type { Logger } from "../../src/core/ports/logger.js";

export interface LoggedLine {
  level: string;
  fields: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps its info, warn and error lines (the rest are dropped), to assert on what a person reads. */
export function recordingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (fields: object | string, msg?: string) =>
    void lines.push(typeof fields === "string" ? { level, fields: {}, msg: fields } : { level, fields: fields as Record<string, unknown>, msg: msg ?? "" });
  // pino's methods are on its prototype, which the spread does not copy: child() is given here. A child's
  // lines are kept with the rest, without its bindings (jsonLogLines has those).
  const logger = { ...silentLogger(), info: at("info"), warn: at("warn"), error: at("error"), child: () => logger } as unknown as Logger;
  return { logger, lines };
}

/**
 * A real logger (pino, as createLogger makes it) and the JSON lines it writes, parsed as a log shipper would:
 * for what only the real one does, such as child bindings and a later key of the same name replacing them.
 */
export function jsonLogLines(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ destination }), lines };
}
