import type { AppError } from "../../src/core/errors.js";

/** Awaits a promise that must reject and returns the error, so a test can assert on its code and fields. */
export async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error("expected a rejection");
}
