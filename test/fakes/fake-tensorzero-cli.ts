import { parseArgs } from "node:util";
import { FakeTensorZero } from "./fake-tensorzero.js";

/** `npm run fake-tensorzero -- --port 3000 [--config path/to/tensorzero.toml] [--auth sk-t0-...]` */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "3000" },
    host: { type: "string", default: "127.0.0.1" },
    config: { type: "string" },
    auth: { type: "string", multiple: true },
    "store-delay-ms": { type: "string", default: "0" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log("usage: npm run fake-tensorzero -- [--port 3000] [--host 127.0.0.1] [--config tensorzero/config/tensorzero.toml] [--auth sk-t0-KEY]... [--store-delay-ms N]");
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port must be a port number (0-65535), got "${values.port}"`);
  process.exit(2);
}
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
  console.error((err as Error).message);
  process.exit(1);
}
