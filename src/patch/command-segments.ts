/**
 * Just enough shell to compare two versions of a test command: which programs it runs (`jest`,
 * `pytest`, `go test`, `npm run test:unit`, …) and which test-selection flags it passes. Used on
 * package.json test scripts, the recipes of `make test` and pytest's addopts.
 */

/** Words of each simple command (`a && b; c | d` gives three or four), quotes removed. */
export function commandSegments(cmd: string): string[][] {
  const segments: string[][] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endSegment = () => {
    endWord();
    // `bash -c 'pytest -q'` runs the script it is given: its commands are the ones judged, as if written here.
    const at = shellScriptAt(words);
    const script = at === undefined ? undefined : words[at];
    if (script !== undefined) segments.push(...commandSegments(script).map((inner) => withPositionals(inner, words.slice(at! + 1))));
    else if (words.length) segments.push(words);
    words = [];
  };
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (c === "'" || c === '"') {
      const close = cmd.indexOf(c, i + 1);
      const end = close < 0 ? cmd.length : close;
      word += cmd.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === "$" && (cmd[i + 1] === "(" || cmd[i + 1] === "{")) {
      // $(VAR), ${VAR}, $(shell …): one word.
      const close = cmd[i + 1] === "(" ? ")" : "}";
      const end = cmd.indexOf(close, i + 2);
      const stop = end < 0 ? cmd.length - 1 : end;
      word += cmd.slice(i, stop + 1);
      inWord = true;
      i = stop;
    } else if (c === "\\" && i + 1 < cmd.length) {
      if (cmd[i + 1] !== "\n") {
        word += cmd[i + 1];
        inWord = true;
      }
      i++;
    } else if (c === "&" || c === "|" || c === ";" || c === "\n") {
      if ((c === "&" || c === "|") && cmd[i + 1] === c) i++;
      endSegment();
    } else if (/\s/.test(c) || c === "(" || c === ")") {
      endWord();
    } else {
      word += c;
      inWord = true;
    }
  }
  endSegment();
  return segments;
}

export const basename = (p: string) => p.replace(/\/+$/, "").split("/").pop() ?? p;
export const isFlag = (w: string) => w.startsWith("-") && w !== "-";

/** How a wrapper's words before the program it runs are read (see WRAPPERS). */
interface Wrapper {
  /** Its options that take the next word as their value: `sudo -u USER`, `nice -n 10`, `env -u NAME`. */
  valued?: string[];
  /** How many words it reads after its options, before the program: `timeout`'s DURATION. */
  operands?: number;
  /**
   * Its options that start the program in another folder (`env -C tests`, `sudo -i`'s home): a runner given no paths
   * runs other tests there, as after a `cd`, so a command using one is not seen through.
   */
  moves?: string[];
}

const COVERAGE: Wrapper = { valued: ["-r", "--reporter", "-o", "--reports-dir", "--report-dir", "-x", "--exclude", "-n", "--include", "--lines", "--branches", "--functions", "--statements"] };
const NPX: Wrapper = { valued: ["-p", "--package"] };

/**
 * Commands that run the rest of their words as the real program, changing how it runs (as root, with a time limit,
 * under a virtual display, in a virtualenv) but not which tests it selects: a patch putting one around a test
 * command, or changing its options, keeps the tests; one narrowing the command behind it is judged as if bare.
 * Their options that take a value must be known, or the value (`sudo -u runner`, `nice -n 10`) reads as the program
 * and the selection behind it goes unseen. `tool sub` keys are a tool's subcommand that runs the rest (`uv run`).
 * Not `retry`: it runs a failing command again until it passes, which the policy refuses of a test runner's reruns.
 */
const WRAPPERS = new Map<string, Wrapper>(Object.entries({
  sudo: { valued: ["-u", "-g", "-U", "-C", "-D", "-p", "-r", "-t", "-T", "-R", "--user", "--group", "--chdir"], moves: ["-D", "--chdir", "-i", "--login"] },
  env: { valued: ["-u", "-C", "--unset", "--chdir"], moves: ["-C", "--chdir"] },
  exec: { valued: ["-a"] },
  command: {},
  nohup: {},
  time: { valued: ["-f", "-o", "--format", "--output"] },
  timeout: { valued: ["-k", "-s", "--kill-after", "--signal"], operands: 1 },
  nice: { valued: ["-n", "--adjustment"] },
  ionice: { valued: ["-c", "-n", "-p", "--class", "--classdata"] },
  stdbuf: { valued: ["-i", "-o", "-e", "--input", "--output", "--error"] },
  catchsegv: {},
  "dbus-run-session": {},
  "xvfb-run": { valued: ["-e", "-f", "-n", "-p", "-s", "-w", "--server-args", "--server-num"] },
  npx: NPX, pnpx: NPX, bunx: NPX,
  "cross-env": {}, "cross-env-shell": {},
  dotenv: { valued: ["-e", "-v"] },
  c8: COVERAGE, nyc: COVERAGE,
  "poetry run": {}, "pipenv run": {}, "pdm run": {}, "hatch run": {}, "rye run": {},
  "uv run": { valued: ["--with", "--extra", "--group", "--python", "-p", "--package", "--env-file", "--directory", "--project"], moves: ["--directory"] },
  "bundle exec": {}, "npm exec": NPX, "pnpm exec": {}, "pnpm dlx": NPX, "yarn exec": {}, "yarn dlx": NPX, "bun x": {},
}));

const isAssignment = (w: string) => /^[A-Za-z_]\w*=/.test(w);

/**
 * The option a word gives that matters to a wrapper, as getopt reads it: of `-Eu runner` the `-u`, which takes the
 * next word (`next`), of `-urunner` the `-u` with its value in the word, of `--chdir=x` the `--chdir`; undefined for
 * one that neither takes a value nor moves (`-E`).
 */
function optionOf(word: string, wrapper: Wrapper): { name: string; next: boolean } | undefined {
  const matters = (name: string) => wrapper.valued?.includes(name) || wrapper.moves?.includes(name);
  if (word.startsWith("--")) {
    const name = word.split("=")[0]!;
    return matters(name) ? { name, next: !word.includes("=") && !!wrapper.valued?.includes(name) } : undefined;
  }
  for (let k = 1; k < word.length; k++) {
    const name = `-${word[k]}`;
    // The first letter that takes a value takes the rest of the word, or the next one.
    if (matters(name)) return { name, next: k === word.length - 1 && !!wrapper.valued?.includes(name) };
  }
  return undefined;
}

/**
 * Where the program a simple command runs starts among its words, past `FOO=1` and the wrappers before it with their
 * options and operands (`sudo -u runner -E pytest`, `timeout 600 pytest`, `uv run --with x pytest`);
 * `words.length` when there is none. A wrapper moving it elsewhere (see Wrapper.moves) is taken as the program.
 */
export function programAt(words: string[]): number {
  let i = 0;
  while (i < words.length) {
    const w = words[i]!;
    if (isAssignment(w) || w === "--") {
      i++;
      continue;
    }
    const sub = `${basename(w)} ${words[i + 1] ?? ""}`;
    const wrapper = WRAPPERS.get(sub) ?? WRAPPERS.get(basename(w));
    if (!wrapper) break;
    let j = i + (WRAPPERS.has(sub) ? 2 : 1);
    for (; j < words.length && isFlag(words[j]!); j++) {
      if (words[j] === "--") {
        j++;
        break;
      }
      const option = optionOf(words[j]!, wrapper);
      if (option && wrapper.moves?.includes(option.name)) return i;
      if (option?.next) j++;
    }
    i = j + (wrapper.operands ?? 0);
  }
  return Math.min(i, words.length);
}

/** The POSIX shells a step or script may start on a script given as text. */
const SHELL = /^(ba|da|k|z|mk)?sh$/;

/**
 * Where a shell's script given as text is among a command's words: `bash -c '…'`, `sh -ec "…"`,
 * `bash --noprofile -eo pipefail -c "…"` (the first word after the options); `words.length` when the script
 * has not come yet, undefined for a command that is no shell run with `-c`.
 */
export function shellScriptAt(words: string[]): number | undefined {
  let i = programAt(words);
  if (!SHELL.test(basename(words[i] ?? ""))) return undefined;
  let c = false;
  for (i++; i < words.length; i++) {
    const w = words[i]!;
    if (w === "--" || w === "-") {
      i++;
      break;
    }
    if (w.startsWith("--")) continue;
    if (!/^[-+][A-Za-z]+$/.test(w)) break;
    if (w.startsWith("-") && w.includes("c")) c = true;
    // `-o pipefail`, `-eo pipefail`, `+o posix`: the option's name is the next word.
    if (w.endsWith("o")) i++;
  }
  return c ? Math.min(i, words.length) : undefined;
}

/**
 * The words after a `-c` script are its `$0`, `$1`…: `sh -c 'pytest "$@"' sh tests/` runs `pytest tests/`, and
 * left as `$@` a selection passed that way went unseen, and the same command written out read as a narrowing.
 */
function withPositionals(words: string[], after: string[]): string[] {
  const params = after.slice(1);
  return words.flatMap((w) => {
    if (/^\$(?:[@*]|\{[@*]\})$/.test(w)) return params;
    const n = /^\$(?:(\d)|\{(\d+)\})$/.exec(w);
    if (!n) return [w];
    const i = Number(n[1] ?? n[2]);
    return i === 0 ? after.slice(0, 1) : params.slice(i - 1, i);
  });
}
