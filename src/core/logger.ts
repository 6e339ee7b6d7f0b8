import pino, { type DestinationStream } from "pino";
import type { Logger } from "./ports/logger.js";
import { redactJsonLine } from "./redact.js";

/**
 * Structured JSON logs. Every line passes through `redactJsonLine` (`redact`, reading JSON escapes as such)
 * on its way out, so a token that slips into an error message or a payload never reaches the log sink.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger & pino.Logger {
  return pino(
    {
      name: opts.name ?? "t0-ci-bot",
      level: opts.level ?? "info",
      hooks: { streamWrite: (s: string) => redactJsonLine(s) },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? stdoutDestination(),
  );
}

/**
 * Lines are written in 4 KB batches, and at least every 200 ms: one write per line cost the webhook path
 * a thread-pool round trip per request. pino flushes what is buffered when the process exits.
 */
function stdoutDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200 });
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
