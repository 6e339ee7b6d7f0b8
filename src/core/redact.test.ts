import { describe, expect, test } from "@jest/globals";
import { redact } from "./redact.js";

describe("redact", () => {
  test.each([
    ["ghs_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"],
    ["github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789"],
    ["AKIAIOSFODNN7EXAMPLE"],
    ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
  ])("removes %s", (secret) => {
    const out = redact(`token was ${secret} here`);
    expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED]");
  });

  test("keeps the name of a secret assignment and masks the value", () => {
    expect(redact("DATABASE_PASSWORD=hunter2hunter2")).toBe("DATABASE_PASSWORD=[REDACTED]");
  });

  test("leaves commit SHAs and ordinary text alone", () => {
    const line = "HEAD is now at 4f2a1c3d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49 fix tests";
    expect(redact(line)).toBe(line);
  });

  test("masks credentials inside URLs", () => {
    expect(redact("git clone https://x-access-token:abc123secret@github.com/o/r.git")).toBe(
      "git clone https://[REDACTED]@github.com/o/r.git",
    );
  });
});
