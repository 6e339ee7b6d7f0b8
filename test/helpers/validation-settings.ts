import type { ValidationSettings } from "../../src/validate/validate-workspace.js";

/** Validation settings for tests: generous timeouts, reproduce-first on, no network; `extra` overrides. */
export const validationSettings = (kind: "none" | "bwrap" = "none", extra: Partial<ValidationSettings> = {}): ValidationSettings => ({
  sandbox: { kind, reason: "test" },
  network: false,
  setupTimeoutMs: 30_000,
  validateTimeoutMs: 30_000,
  maxOutputBytes: 256 * 1024,
  reproduceFirst: true,
  ...extra,
});
