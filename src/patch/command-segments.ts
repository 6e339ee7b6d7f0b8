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
    if (words.length) segments.push(words);
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
