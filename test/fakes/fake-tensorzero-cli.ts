import { parseArgs } from "node:util";
import { FakeTensorZero } from "./fake-tensorzero.js";

const USAGE =
  "usage: npm run fake-tensorzero -- [--port 3030] [--host 127.0.0.1] [--config tensorzero/config/tensorzero.toml] [--auth sk-t0-KEY]... [--store-delay-ms N]\n";

/** One line on stderr and the exit code: a mistyped option or a taken port is not a crash to debug. */
function quit(message: string, code: number): never {
  process.stderr.write(`fake-tensorzero: ${message}\n${code === 2 ? USAGE : ""}`);
  process.exit(code);
}

/** `npm run fake-tensorzero -- --port 3030 [--config path/to/tensorzero.toml] [--auth sk-t0-...]` */
let values;
try {
  ({ values } = parseArgs({
    options: {
      // Not 3000: that is the app's own default PORT, and the two run side by side.
      port: { type: "string", default: "3030" },
      host: { type: "string", default: "127.0.0.1" },
      config: { type: "string" },
      auth: { type: "string", multiple: true },
      "store-delay-ms": { type: "string", default: "0" },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (err) {
  const e = err as { code?: string; message: string };
  // parseArgs' own text for an unknown option is a paragraph about positionals after `--`.
  const unknown = e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /'(-[^']*)'/.exec(e.message)?.[1] : undefined;
  quit(unknown ? `unknown option ${unknown}` : e.message, 2);
}

if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const port = Number(values.port);
if (!/^\d+$/.test(values.port) || port > 65535) quit(`--port must be a port number (0-65535), got "${values.port}"`, 2);
try {
  const fake = await FakeTensorZero.start({
    port,
    host: values.host,
    configPath: values.config,
    apiKeys: values.auth,
    storeDelayMs: Number(values["store-delay-ms"]) || 0,
    lookupWindowMs: 1000,
  });
  const fns = Object.keys(fake.config.functions).join(", ");
  console.log(`fake TensorZero gateway on ${fake.url} (config ${fake.config.path}; functions: ${fns}; metrics: ${Object.keys(fake.config.metrics).join(", ")}${values.auth ? "; auth on" : ""})`);
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  if (e.code === "EADDRINUSE") quit(`${values.host}:${port} is already in use; pass another --port (or stop what listens there)`, 1);
  quit(e.message, 1);
}
