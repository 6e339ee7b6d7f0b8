import { AppError } from "../../core/errors.js";

/**
 * A request that got no HTTP answer: our own deadline (`timedOut`) or a failure to reach the gateway.
 * Both are retryable; `shownBase` is the base URL without credentials, as messages reach job records.
 */
export function transportError(err: unknown, timedOut: boolean, path: string, shownBase: string): AppError {
  if (timedOut) {
    return new AppError("model_timeout", `TensorZero did not answer ${path} in time; will retry. Raise TENSORZERO_TIMEOUT_MS if the models need longer.`, { retryable: true, cause: err, details: { path } });
  }
  const message = (err as Error)?.message ?? String(err);
  return new AppError("model_network", `Cannot reach TensorZero at ${shownBase} (${message}); will retry. Is the gateway running?`, { retryable: true, cause: err, details: { path, code: (err as { code?: string })?.code } });
}
