import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));

export interface Child {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves with the first match of `ready` in the output; rejects if the process exits first. */
  ready: Promise<RegExpExecArray>;
}

/**
 * `node --import tsx src/main.ts` (what `npm start` runs; `script`: another entry and its arguments) with exactly the given environment. Ready within
 * 60 s: a few seconds here, but tsx compiling the app on a CI machine slowed 25x by other work takes longer.
 */
export function spawnMain(env: Record<string, string>, ready: RegExp, timeoutMs = 60_000, script: readonly string[] = ["src/main.ts"]): Child {
  const [file, ...args] = script;
  const proc = spawn(process.execPath, ["--import", "tsx", join(root, file!), ...args], {
    cwd: root,
    // No GitHub here: the start-up redelivery pass stays off unless a test asks for it.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", REDELIVER_WINDOW_HOURS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<number | null>((r) => proc.on("exit", (code) => r(code)));
  const readyP = new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (b: Buffer) => {
      out += b;
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  readyP.catch(() => undefined);
  return { proc, output: () => out, exited, ready: readyP };
}

export function killAll(children: Child[]): void {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill("SIGKILL");
  children.length = 0;
}
