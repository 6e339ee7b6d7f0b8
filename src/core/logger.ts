import pino, { type DestinationStream } from "pino";
import type { Logger } from "./ports/logger.js";
import { redact } from "./redact.js";

/**
 * Structured JSON logs. Every line passes through `redact` on its way out, so a token that slips into an
 * error message or a payload never reaches the log sink.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger & pino.Logger {
  return pino(
    {
      name: opts.name ?? "t0-ci-bot",
      level: opts.level ?? "info",
      hooks: { streamWrite: (s: string) => redact(s) },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
