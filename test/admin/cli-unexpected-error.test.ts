import { afterEach, expect, jest, test } from "@jest/globals";
import { COMMANDS } from "../../src/cli/commands.js";
import { runCli } from "../../src/cli/main.js";

afterEach(() => {
  delete COMMANDS.boom;
  delete process.env.LOG_LEVEL;
});

async function runBoom(): Promise<{ code: number; stderr: string }> {
  COMMANDS.boom = {
    summary: "a command that fails in a way nobody planned for",
    load: async () => ({ run: async () => Promise.reject(Object.assign(new Error("EACCES: permission denied, open '/data/state.json'"), { code: "EACCES" })) }),
  };
  let stderr = "";
  const spy = jest.spyOn(process.stderr, "write").mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: await runCli(["boom"]), stderr };
  } finally {
    spy.mockRestore();
  }
}

test("an error a command did not expect: exit 1 and one line with its message and code, not a stack", async () => {
  const { code, stderr } = await runBoom();
  expect(code).toBe(1);
  expect(stderr).toBe("t0-ci-bot: EACCES: permission denied, open '/data/state.json' (EACCES)\nRun it again with LOG_LEVEL=debug to see where it failed.\n");
});

test("with LOG_LEVEL=debug the stack follows", async () => {
  process.env.LOG_LEVEL = "debug";
  const { stderr } = await runBoom();
  expect(stderr).toMatch(/^t0-ci-bot: EACCES[^\n]*\nError: EACCES[^\n]*\n\s+at /);
});
