import { silentLogger } from "../../src/core/logger.js";
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
  const logger = { ...silentLogger(), info: at("info"), warn: at("warn"), error: at("error") } as unknown as Logger;
  return { logger, lines };
}
