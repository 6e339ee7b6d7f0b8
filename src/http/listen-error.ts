import { AppError } from "../core/errors.js";

/**
 * A server that cannot listen, said as the setting to change: Node's "listen EADDRINUSE: address already
 * in use 127.0.0.1:3000" names neither PORT nor what to do (the TensorZero gateway also takes :3000 by default).
 * Other errors are returned as they are.
 */
export function listenError(err: unknown, setting: "PORT" | "WORKER_HEALTH_PORT", port: number, host: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  const where = `${host}:${port}`;
  if (code === "EADDRINUSE") {
    return new AppError("port_in_use", `${setting}=${port}: ${where} is already in use by another process; stop that process or set ${setting} to a free port.`, { cause: err });
  }
  if (code === "EACCES") {
    return new AppError("port_denied", `${setting}=${port}: this process may not listen on ${where} (ports below 1024 need privileges); set ${setting} to 1024 or above.`, { cause: err });
  }
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new AppError("bad_host", `HOST=${host}: not an address of this machine (${code}); set HOST to localhost, 127.0.0.1, or 0.0.0.0 for every interface.`, { cause: err });
  }
  return err;
}
