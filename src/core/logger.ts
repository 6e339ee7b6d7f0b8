import { writeSync } from "node:fs";
import pino, { type DestinationStream } from "pino";
import type { Logger } from "./ports/logger.js";
import { escapeRawInJson } from "./escape-raw-in-json.js";
import { redactJsonLine } from "./redact.js";

/**
 * Structured JSON logs. Every line passes through `redactJsonLine` (`redact`, reading JSON escapes as such)
 * on its way out, so a token that slips into an error message or a payload never reaches the log sink, and
 * through escapeRawInJson, so a CI log's or a model's control and bidi characters reach the console escaped.
 */
export function createLogger(opts: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger & pino.Logger {
  return pino(
    {
      name: opts.name ?? "t0-ci-bot",
      level: opts.level ?? "info",
      hooks: { streamWrite: (s: string) => escapeRawInJson(redactJsonLine(s)) },
      serializers: { err: pino.stdSerializers.err },
    },
    opts.destination ?? stdoutDestination(),
  );
}

/** Log lines held while stdout refuses them (a file on a full disk); later ones are dropped. */
const HELD_WHILE_REFUSED = 16 * 1024 * 1024;

/**
 * Lines are written in 4 KB batches, and at least every 200 ms: one write per line cost the webhook path
 * a thread-pool round trip per request. pino flushes what is buffered when the process exits.
 *
 * stdout redirected to a file on a full disk (`npm start > bot.log`): a refused write was an unhandled
 * 'error' event, so the process crashed on its next log line, and then hung in its exit, where the final
 * flush retries a refused write every 100 ms until the disk has room. Now a refused write is said once on
 * stderr, the lines wait (up to HELD_WHILE_REFUSED) for the next write to succeed, and an exit while it
 * still refuses them leaves them.
 */
function stdoutDestination(): DestinationStream {
  const dest = pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 200, maxLength: HELD_WHILE_REFUSED });
  let refused = false;
  dest.on("error", (err: NodeJS.ErrnoException) => {
    // EPIPE (the reader went away): pino's own handler stops writing.
    if (refused || err.code === "EPIPE") return;
    refused = true;
    try {
      writeSync(2, `t0-ci-bot: log lines cannot be written to stdout (${err.message}); up to ${HELD_WHILE_REFUSED / 1024 / 1024} MB of them wait for it to take them again, later ones are dropped; free space where stdout goes (or fix its disk)\n`);
    } catch {
      // stderr on the same full disk: nothing more can be said.
    }
  });
  dest.on("write", () => void (refused = false));
  const flushSync = dest.flushSync.bind(dest);
  dest.flushSync = () => {
    if (!refused) flushSync();
  };
  return dest;
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
