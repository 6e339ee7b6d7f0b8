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
    segments.push(...simpleCommands(words));
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
  /** Its options that take a value, the next word or the rest of theirs: `sudo -u USER`, `nice -n 10`, `env -u NAME`. */
  valued?: string[];
  /** How many words it reads after its options, before the program: `timeout`'s DURATION. */
  operands?: number;
  /**
   * Its options that start the program in the folder they name (`env -C tests`, `sudo -D tests`): a runner given no
   * paths runs the tests there, so the command is read as run after a `pushd` there (see simpleCommands).
   */
  chdir?: string[];
  /** Its options that start the program in a folder they do not name (`sudo -i`: the user's home): not seen through. */
  away?: string[];
  /** Its options with which it only says what the program is (`command -v pytest`): the program does not run. */
  prints?: string[];
  /** Its options whose value is the command line it runs (`env -S 'pytest -k x'`, `npx -c 'jest src'`). */
  runs?: string[];
}

const COVERAGE: Wrapper = { valued: ["-r", "--reporter", "-o", "--reports-dir", "--report-dir", "-x", "--exclude", "-n", "--include", "--lines", "--branches", "--functions", "--statements"] };
const PACKAGE: Wrapper = { valued: ["-p", "--package"] };
const NPX: Wrapper = { valued: ["-p", "--package", "-c", "--call"], runs: ["-c", "--call"] };
/** pnpm's `-c` runs its command line in a shell. */
const PNPM_X: Wrapper = { valued: ["--package", "-c", "--shell-mode"], runs: ["-c", "--shell-mode"] };

/**
 * Commands that run the rest of their words as the real program, changing how it runs (as root, with a time limit,
 * under a virtual display, in a virtualenv) but not which tests it selects: a patch putting one around a test
 * command, or changing its options, keeps the tests; one narrowing the command behind it is judged as if bare.
 * Their options that take a value must be known, or the value (`sudo -u runner`, `nice -n 10`) reads as the program
 * and the selection behind it goes unseen. `tool sub` keys are a tool's subcommand that runs the rest (`uv run`).
 * Not `retry`: it runs a failing command again until it passes, which the policy refuses of a test runner's reruns.
 */
const WRAPPERS = new Map<string, Wrapper>(Object.entries({
  sudo: { valued: ["-u", "-g", "-U", "-C", "-D", "-p", "-r", "-t", "-T", "-R", "--user", "--group", "--chdir"], chdir: ["-D", "--chdir"], away: ["-i", "--login"] },
  env: { valued: ["-u", "-C", "-S", "--unset", "--chdir", "--split-string"], chdir: ["-C", "--chdir"], runs: ["-S", "--split-string"] },
  exec: { valued: ["-a"] },
  command: { prints: ["-v", "-V"] },
  nohup: {},
  time: { valued: ["-f", "-o", "--format", "--output"] },
  timeout: { valued: ["-k", "-s", "--kill-after", "--signal"], operands: 1 },
  nice: { valued: ["-n", "--adjustment"] },
  ionice: { valued: ["-c", "-n", "-p", "--class", "--classdata"] },
  stdbuf: { valued: ["-i", "-o", "-e", "--input", "--output", "--error"] },
  catchsegv: {},
  "dbus-run-session": {},
  "xvfb-run": { valued: ["-e", "-f", "-n", "-p", "-s", "-w", "--server-args", "--server-num"] },
  npx: NPX, pnpx: PACKAGE, bunx: PACKAGE,
  "cross-env": {}, "cross-env-shell": {},
  dotenv: { valued: ["-e", "-v"] },
  c8: COVERAGE, nyc: COVERAGE,
  "poetry run": {}, "pipenv run": {}, "pdm run": {}, "hatch run": {}, "rye run": {},
  "uv run": { valued: ["--with", "--extra", "--group", "--python", "-p", "--package", "--env-file", "--directory", "--project"], chdir: ["--directory"] },
  "bundle exec": {}, "npm exec": NPX, "pnpm exec": PNPM_X, "pnpm dlx": PNPM_X, "yarn exec": {}, "yarn dlx": PACKAGE, "bun x": {},
}));

const isAssignment = (w: string) => /^[A-Za-z_]\w*=/.test(w);

interface Option {
  name: string;
  /** Its value, when it has one: the rest of the word (`-urunner`, `--chdir=x`) or the next word (`next`). */
  value?: string;
  next: boolean;
  /** The options written before it in the same word (`-E` of `-Eu`), "-" for none. */
  before: string;
}

/**
 * The option a word gives that matters to a wrapper, as getopt reads it: of `-Eu runner` the `-u`, which takes the
 * next word, of `-urunner` the `-u` with its value in the word, of `--chdir=x` the `--chdir`; undefined for one that
 * matters not (`-E`).
 */
function optionOf(word: string, next: string | undefined, wrapper: Wrapper): Option | undefined {
  const valued = (name: string) => !!wrapper.valued?.includes(name);
  const matters = (name: string) => valued(name) || [wrapper.chdir, wrapper.away, wrapper.prints].some((names) => names?.includes(name));
  if (word.startsWith("--")) {
    const eq = word.indexOf("=");
    const name = eq < 0 ? word : word.slice(0, eq);
    if (!matters(name)) return undefined;
    const value = eq >= 0 ? word.slice(eq + 1) : valued(name) ? next : undefined;
    return { name, next: eq < 0 && valued(name), before: "-", ...(value !== undefined ? { value } : {}) };
  }
  for (let k = 1; k < word.length; k++) {
    const name = `-${word[k]}`;
    if (!matters(name)) continue;
    // The first letter that takes a value takes the rest of the word, or the next one.
    const last = k === word.length - 1;
    const value = !valued(name) ? undefined : last ? next : word.slice(k + 1);
    return { name, next: last && valued(name), before: word.slice(0, k), ...(value !== undefined ? { value } : {}) };
  }
  return undefined;
}

/** What the wrappers before a simple command's program do with it (see WRAPPERS). */
interface Wrapped {
  /**
   * Where the program starts among the words: the wrapper's own place when it runs none or runs it in a folder not
   * named, the word holding the command line it is given (see `line`).
   */
  at: number;
  /** The first option starting it in a folder it names: that folder, and the words without the option. */
  chdir?: { dir: string; words: string[] };
  /** A command line a wrapper runs (see Wrapper.runs): the word it is in, and its text when it has come. */
  line?: { at: number; text?: string };
}

function wrapped(words: string[]): Wrapped {
  let chdir: Wrapped["chdir"];
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
      const option = optionOf(words[j]!, words[j + 1], wrapper);
      if (!option) continue;
      if (wrapper.away?.includes(option.name) || wrapper.prints?.includes(option.name)) return { at: i, ...(chdir ? { chdir } : {}) };
      if (wrapper.runs?.includes(option.name)) {
        const at = option.next ? j + 1 : j;
        return { at, ...(chdir ? { chdir } : {}), line: { at, ...(option.value !== undefined ? { text: option.value } : {}) } };
      }
      if (wrapper.chdir?.includes(option.name) && option.value !== undefined && !chdir) {
        const rest = [...words];
        rest.splice(j, option.next ? 2 : 1, ...(option.before === "-" ? [] : [option.before]));
        chdir = { dir: option.value, words: rest };
      }
      if (option.next) j++;
    }
    i = j + (wrapper.operands ?? 0);
  }
  return { at: Math.min(i, words.length), ...(chdir ? { chdir } : {}) };
}

/**
 * Where the program a simple command runs starts among its words, past `FOO=1` and the wrappers before it with their
 * options and operands (`sudo -u runner -E pytest`, `timeout 600 pytest`, `uv run --with x pytest`);
 * `words.length` when there is none. A wrapper running no program (`command -v`) or one in a folder it does not
 * name (`sudo -i`) is taken as the program.
 */
export function programAt(words: string[]): number {
  return wrapped(words).at;
}

/**
 * A simple command's words as the commands they run, for judging them as if written out: a wrapper starting its
 * program in a folder it names runs it as `pushd dir`, the command, `popd` does (the folder judged as a `cd`'s is,
 * for that command only); a command line given to a wrapper or a shell's `-c` is read as its commands.
 */
function simpleCommands(words: string[]): string[][] {
  if (words.length === 0) return [];
  const { chdir, line } = wrapped(words);
  if (chdir) return [["pushd", chdir.dir], ...simpleCommands(chdir.words), ["popd"]];
  if (line?.text !== undefined) {
    // `env -S 'pytest -x' tests` runs `pytest -x tests`: the words after the line are more of its arguments.
    const inner = commandSegments(line.text);
    return inner.map((s, k) => (k === inner.length - 1 ? [...s, ...words.slice(line.at + 1)] : s));
  }
  // `bash -c 'pytest -q'` runs the script it is given: its commands are the ones judged, as if written here.
  const at = shellScriptAt(words);
  const script = at === undefined ? undefined : words[at];
  if (script !== undefined) return commandSegments(script).map((inner) => withPositionals(inner, words.slice(at! + 1)));
  return [words];
}

/** The POSIX shells a step or script may start on a script given as text. */
const SHELL = /^(ba|da|k|z|mk)?sh$/;

/**
 * Where a shell's script given as text is among a command's words: `bash -c '…'`, `sh -ec "…"`,
 * `bash --noprofile -eo pipefail -c "…"` (the first word after the options), or the command line a wrapper is
 * given (`env -S '…'`, `npx -c '…'`); `words.length` when the script has not come yet, undefined for a command
 * that is no shell run with `-c`.
 */
export function shellScriptAt(words: string[]): number | undefined {
  const w = wrapped(words);
  if (w.line) return w.line.at;
  let i = w.at;
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
