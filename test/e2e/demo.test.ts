import { describe, expect, jest, test } from "@jest/globals";
import { demo } from "../../src/demo/demo.js";

// ~2 s here; room for a CI machine slowed 25x or more.
jest.setTimeout(120_000);

describe("npm run demo", () => {
  test("runs the whole flow offline in dry-run and prints the would-be PR and diff", async () => {
    const chunks: string[] = [];
    const write = jest.spyOn(process.stdout, "write").mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
    let code: number;
    try {
      code = await demo();
    } finally {
      write.mockRestore();
    }
    const text = chunks.join("");
    expect(code).toBe(0);
    for (const s of ["check-repo-config", "clone-repo", "fetch-logs", "build-context", "propose-patch", "apply-and-validate", "open-pull-request"]) {
      expect(text).toMatch(new RegExp(`\\] ${s}\\s+\\S+\\s+ok`));
    }
    expect(text).toContain("Would push a verified commit to ci-bot/fix-9001");
    expect(text).toContain("🔴 red; with the patch: 🟢 green");
    expect(text).toContain("+  return a + b;");
    expect(text).toContain("pending → cloning → analysis → patching → testing → pr → completed");
  });
});
