import type { LogFormat } from "./types.js";

/** A log line with its CI decorations taken off. */
export interface ParsedLine {
  /** Text as a person reads it: no timestamp, no BOM, no ANSI escapes, only the last `\r` segment. */
  text: string;
  /** ISO timestamp from the line prefix, when there was one. */
  timestamp?: string;
  /** Step column of the `gh run view --log` layout. */
  stepColumn?: string;
}

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/;
const GH_VIEW = /^([^\t]*)\t([^\t]*)\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ?/;
// CSI sequences (colours, cursor moves; parameters are any of ECMA-48's 0x30-0x3F, so `:` of ITU T.416
// truecolour and the private `<=>` too), OSC sequences (titles, hyperlinks), charset selection, keypad
// modes and the cursor's save and restore (ESC 7 / ESC 8, progress bars that redraw in place).
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]/g;

export function stripAnsi(text: string): string {
  return text.includes("\x1b") ? text.replace(ANSI, "") : text;
}

/**
 * Output as a terminal leaves it: of a line redrawn in place with a bare `\r` (pip, npm and cargo progress,
 * `50%\r60%\r100%`), only the text after its last `\r`. A `\r` at the line's end (`\r\n`, or the end of the
 * text) moves no text: it stays, and so does the line before it. Unlike `parseLineInto`'s, a last redraw of
 * blanks (a line cleared) is kept as it is: this is stored output, shown as the terminal showed it.
 */
export function dropRedraws(text: string): string {
  if (!text.includes("\r")) return text;
  return text.split("\n").map(lastRedraw).join("\n");
}

function lastRedraw(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  const cr = end > 0 ? line.lastIndexOf("\r", end - 1) : -1;
  return cr < 0 ? line : line.slice(cr + 1);
}

/** Guesses the layout from the first non-empty lines; raw GitHub logs may start with a BOM. */
export function detectFormat(firstLines: string[]): LogFormat {
  let gh = 0;
  let raw = 0;
  for (const l of firstLines) {
    const line = l.charCodeAt(0) === 0xfeff ? l.slice(1) : l;
    if (GH_VIEW.test(line)) gh++;
    else if (TS.test(line)) raw++;
  }
  if (gh > 0 && gh >= raw) return "gh-run-view";
  if (raw > 0 && raw * 2 >= firstLines.filter((l) => l.trim() !== "").length) return "github-raw";
  return "plain";
}

function hasRunnerTimestamp(line: string): boolean {
  return (
    line.length >= 29 &&
    line.charCodeAt(4) === 45 &&
    line.charCodeAt(10) === 84 &&
    line.charCodeAt(19) === 46 &&
    line.charCodeAt(27) === 90 &&
    line.charCodeAt(28) === 32 &&
    isDigit(line.charCodeAt(0)) &&
    isDigit(line.charCodeAt(26))
  );
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function parseLine(raw: string, format: LogFormat): ParsedLine {
  const out = newLineParts();
  const text = parseLineInto(raw, format, out);
  return { text, timestamp: timestampOf(out), stepColumn: out.stepColumn };
}

/**
 * Reusable result of `parseLineInto`: the timestamp is kept as a range and cut only when asked for. One per
 * log: it also remembers the column of docker compose's bar across lines.
 */
export interface LineParts {
  source: string;
  tsFrom: number;
  tsTo: number;
  stepColumn: string | undefined;
  /** Where the last line shaped like a compose prefix had its `|`; -1 before any. */
  composeBar: number;
  /** The containers of compose's last `Attaching to …` line. */
  composeAttached: string[];
}

export function newLineParts(): LineParts {
  return { source: "", tsFrom: 0, tsTo: 0, stepColumn: undefined, composeBar: -1, composeAttached: [] };
}

export function timestampOf(p: LineParts): string | undefined {
  return p.tsTo > p.tsFrom ? p.source.slice(p.tsFrom, p.tsTo) : undefined;
}

/**
 * `parseLine` for the hot loop: fills `out` instead of allocating a result per line, and leaves the
 * timestamp uncut (most lines never need it). Returns the text.
 */
export function parseLineInto(raw: string, format: LogFormat, out: LineParts): string {
  let line = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  out.source = line;
  out.tsFrom = 0;
  out.tsTo = 0;
  out.stepColumn = undefined;
  if (format === "gh-run-view") {
    const m = GH_VIEW.exec(line);
    if (m) {
      out.stepColumn = m[2];
      out.tsFrom = m[1]!.length + m[2]!.length + 2;
      out.tsTo = out.tsFrom + m[3]!.length;
      line = line.slice(m[0].length);
    }
  } else if (hasRunnerTimestamp(line)) {
    // The runner's own shape (`2022-04-27T04:12:25.6255531Z `) is checked by position: it is on every line.
    out.tsTo = 28;
    line = line.slice(29);
  } else if (format === "github-raw" || line.charCodeAt(4) === 45 /* - */) {
    const m = TS.exec(line);
    if (m) {
      out.tsTo = m[0].trimEnd().length;
      line = line.slice(m[0].length);
    }
  }
  // Progress bars redraw with `\r`: only the last segment is what the terminal ended up showing.
  const cr = line.indexOf("\r") < 0 ? -1 : line.lastIndexOf("\r");
  if (cr >= 0) {
    const after = line.slice(cr + 1);
    line = after.trim() === "" ? line.slice(0, cr).slice(line.slice(0, cr).lastIndexOf("\r") + 1) : after;
  }
  return withoutComposePrefix(stripAnsi(line), line.charCodeAt(0) === 27, out);
}

// docker compose's prefix on a container's output: the service's name and index (`test_1` v1, `web-1` v2),
// padded so that every service's bar is in one column, then `| `. The one space after the bar is compose's;
// more is the output's own indentation.
const COMPOSE_PREFIX = /^([A-Za-z0-9][\w.-]{0,62}[-_]\d{1,4}) +\| ?/;

/**
 * The line as the container printed it, without compose's prefix: only when it is clearly compose's: coloured
 * (a terminal, or `--ansi always`: compose colours each service's prefix), its name one of the containers
 * compose said it attached to (`Attaching to project_test_1`), or its bar in the column of the previous such
 * line. A lone `name_1 | x` in ordinary output, a code frame's `  3 | x`, are left as they are.
 */
function withoutComposePrefix(text: string, coloured: boolean, out: LineParts): string {
  if (text.startsWith("Attaching to ")) out.composeAttached = text.slice(13).split(/,\s*/, 50).map((n) => n.trim());
  const m = COMPOSE_PREFIX.exec(text);
  if (!m) return text;
  const bar = m[0].lastIndexOf("|");
  const name = m[1]!;
  // v1 names the service's container without the project (`test_1` of `project_test_1`).
  const attached = out.composeAttached.some((c) => c === name || c.endsWith(`_${name}`) || c.endsWith(`-${name}`));
  const sure = coloured || attached || bar === out.composeBar;
  out.composeBar = bar;
  return sure ? text.slice(m[0].length) : text;
}
