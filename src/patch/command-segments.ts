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

/** Words that may come before a program without changing which it is: `FOO=1`, `exec`, `env`, `time`. */
const PREFIX = /^([A-Za-z_]\w*=.*|exec|env|time|command|nohup|sudo)$/;
/** The POSIX shells a step or script may start on a script given as text. */
const SHELL = /^(ba|da|k|z|mk)?sh$/;

/**
 * Where a shell's script given as text is among a command's words: `bash -c '…'`, `sh -ec "…"`,
 * `bash --noprofile -eo pipefail -c "…"` (the first word after the options); `words.length` when the script
 * has not come yet, undefined for a command that is no shell run with `-c`.
 */
export function shellScriptAt(words: string[]): number | undefined {
  let i = 0;
  while (i < words.length && PREFIX.test(words[i]!)) i++;
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
