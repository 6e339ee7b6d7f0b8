import { afterEach, expect, jest, test } from "@jest/globals";
import { COMMANDS } from "../../src/cli/commands.js";
import { runCli } from "../../src/cli/main.js";

afterEach(() => {
  delete COMMANDS.boom;
  delete process.env.LOG_LEVEL;
});

async function runBoom(message = "EACCES: permission denied, open '/data/state.json'"): Promise<{ code: number; stderr: string }> {
  COMMANDS.boom = {
    summary: "a command that fails in a way nobody planned for",
    load: async () => ({ run: async () => Promise.reject(Object.assign(new Error(message), { code: "EACCES" })) }),
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

test("a token or password the message quotes is redacted, in the stack too", async () => {
  const token = "ghs_1nst4ll4t10nT0k3nZyXwVuTsRqPoNmLkJi";
  const message = `git fetch https://x-access-token:${token}@github.com/o/r.git failed; redis://:hunter2-Pa55word@redis:6379`;
  const plain = await runBoom(message);
  expect(plain.stderr).toMatch(/^t0-ci-bot: git fetch https:\/\/\[REDACTED\]@github\.com\/o\/r\.git failed; redis:\/\/\[REDACTED\]@redis:6379 \(EACCES\)\n/);
  process.env.LOG_LEVEL = "debug";
  const debug = await runBoom(message);
  expect(debug.stderr).toMatch(/\n\s+at /);
  expect(debug.stderr).not.toMatch(/ghs_1nst|hunter2/);
});

// The message can quote a server's answer or a stored record: shown, never acted on by the terminal.
test("escape sequences and line breaks in the message are shown escaped, in the stack too", async () => {
  const message = "server said \x1b]0;owned\x07\x1b[2K\rok\nt0-ci-bot: all good";
  const plain = await runBoom(message);
  expect(plain.stderr).toBe("t0-ci-bot: server said \\x1b]0;owned\\x07\\x1b[2K\\rok\\nt0-ci-bot: all good (EACCES)\nRun it again with LOG_LEVEL=debug to see where it failed.\n");
  process.env.LOG_LEVEL = "debug";
  const debug = await runBoom(message);
  expect(debug.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f]/); // eslint-disable-line no-control-regex
});
