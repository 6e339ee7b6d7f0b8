/**
 * A forgiving reading of JS/TS/JSON (and Python, for conftest.py) configuration: enough to find a
 * setting's value before and after a patch without running the file. Not a parser: strings, names and
 * brackets, with the cases real jest/vitest configs use (regex literals, templates, shorthand, a value
 * declared above as a const).
 */

export interface Tok {
  t: "str" | "id" | "p" | "other";
  v: string;
}

/** A forgiving JS/JSON/Python tokenizer: strings, identifiers, punctuation; comments dropped. */
export function tokenize(text: string, lang: "js" | "py"): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (lang === "js" && c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i) < 0 ? n : text.indexOf("\n", i);
    } else if (lang === "js" && c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (lang === "py" && c === "#") {
      i = text.indexOf("\n", i) < 0 ? n : text.indexOf("\n", i);
    } else if (lang === "js" && c === "`") {
      const end = templateEnd(text, i);
      out.push({ t: "str", v: text.slice(i + 1, end - 1) });
      i = end;
    } else if (c === '"' || c === "'") {
      const triple = lang === "py" && text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      let j = i + close.length;
      let v = "";
      while (j < n && !text.startsWith(close, j)) {
        if (text[j] === "\\" && j + 1 < n) {
          v += text[j + 1];
          j += 2;
        } else {
          if (!triple && text[j] === "\n") break;
          v += text[j];
          j++;
        }
      }
      out.push({ t: "str", v });
      i = j + close.length;
    } else if (lang === "js" && c === "/" && regexMayStart(out)) {
      // A regular expression literal (testRegex: /\.spec\.js$/).
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== "\n" && (inClass || text[j] !== "/")) {
        if (text[j] === "\\") j++;
        else if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        j++;
      }
      j++;
      while (j < n && /[a-z]/.test(text[j]!)) j++;
      out.push({ t: "str", v: text.slice(i, j) });
      i = j;
    } else if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      // Python string prefixes: r"…", b'…', f"…".
      if (lang === "py" && /^[rbfuRBFU]{1,2}$/.test(word) && (text[j] === '"' || text[j] === "'")) {
        i = j;
        continue;
      }
      out.push({ t: "id", v: word });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w.]/.test(text[j]!)) j++;
      out.push({ t: "other", v: text.slice(i, j) });
      i = j;
    } else {
      out.push({ t: "p", v: c });
      i++;
    }
  }
  return out;
}

/** Keywords after which `/` starts a regular expression, not a division (`return /x/.test(s)`). */
const BEFORE_REGEX = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);

function regexMayStart(out: Tok[]): boolean {
  const prev = out[out.length - 1];
  if (!prev) return true;
  if (prev.t === "id") return BEFORE_REGEX.has(prev.v);
  // `=>` comes as "=" then ">"; a lone `>` is a comparison with a regex after it only in odd code.
  if (prev.v === ">") return out[out.length - 2]?.v === "=";
  return prev.t === "p" && /^[(,=:[!&|?{};]$/.test(prev.v);
}

/**
 * The index just past the template literal opening at `start`. Each `${…}` is skipped as code, so
 * the strings and templates nested in it (`${ok ? `it's` : ""}`) do not close the outer one.
 */
function templateEnd(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length && text[j] !== "`") {
    if (text[j] === "\\") j += 2;
    else if (text.startsWith("${", j)) j = expressionEnd(text, j + 2);
    else j++;
  }
  return j + 1;
}

/** The index just past the `}` that closes a `${` whose code starts at `start`. */
function expressionEnd(text: string, start: number): number {
  let depth = 0;
  let j = start;
  while (j < text.length) {
    const c = text[j]!;
    if (c === "`") {
      j = templateEnd(text, j);
      continue;
    }
    if (c === '"' || c === "'") {
      j++;
      while (j < text.length && text[j] !== c && text[j] !== "\n") j += text[j] === "\\" ? 2 : 1;
    } else if (c === "{") depth++;
    else if (c === "}" && depth-- === 0) return j + 1;
    j++;
  }
  return j;
}

const OPEN: Record<string, string> = { "{": "}", "[": "]", "(": ")" };
const CLOSE = new Set(["}", "]", ")"]);

/** Keys of the objects enclosing token `i`, innermost first (`{ test: { exclude: … } }` → ["test"]). */
function ancestors(toks: Tok[], i: number): string[] {
  const out: string[] = [];
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const v = toks[j]!.v;
    if (toks[j]!.t !== "p") continue;
    if (CLOSE.has(v)) depth++;
    else if (OPEN[v]) {
      if (depth > 0) depth--;
      else if (v === "{" && toks[j - 1]?.v === ":" && (toks[j - 2]?.t === "id" || toks[j - 2]?.t === "str")) out.push(toks[j - 2]!.v);
    }
  }
  return out;
}

/** The tokens of the value starting at `from`, up to the `,` `}` `;` or newline-free end at depth 0. */
export function valueTokens(toks: Tok[], from: number): Tok[] {
  const out: Tok[] = [];
  let depth = 0;
  for (let j = from; j < toks.length; j++) {
    const tk = toks[j]!;
    if (tk.t === "p") {
      if (OPEN[tk.v]) depth++;
      else if (CLOSE.has(tk.v)) {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          out.push(tk);
          break;
        }
      } else if (depth === 0 && (tk.v === "," || tk.v === ";")) break;
    }
    out.push(tk);
    if (depth === 0 && tk.t !== "p" && toks[j + 1]?.t !== "p") break;
  }
  return out;
}

export interface Setting {
  present: boolean;
  /** String literals of the value, or its text when it has none. */
  values: string[];
  /** Names the value refers to (`configDefaults.exclude` in `[...configDefaults.exclude, 'e2e/**']`). */
  refs?: string[];
  /** When the value is a tool's default standing in for an unset key: whether it takes in an entry it does not name. */
  covers?: (value: string) => boolean;
}

export function jsSettings(text: string, keys: Readonly<Record<string, unknown>>, where: (ancestors: string[]) => boolean): Map<string, Setting> {
  const toks = tokenize(text, "js");
  const out = new Map<string, Setting>();
  toks.forEach((tk, i) => {
    if (!(tk.t === "id" || tk.t === "str") || !Object.hasOwn(keys, tk.v)) return;
    const isKey = toks[i + 1]?.v === ":";
    const isAssign = toks[i - 1]?.v === "." && toks[i + 1]?.v === "=" && toks[i + 2]?.v !== "=";
    // `{ testPathIgnorePatterns }`: the value is the variable of that name.
    const isShorthand = tk.t === "id" && /^[{,]$/.test(toks[i - 1]?.v ?? "") && /^[,}]$/.test(toks[i + 1]?.v ?? "") && inObjectLiteral(toks, i);
    if (!isKey && !isAssign && !isShorthand) return;
    if (!where(ancestors(toks, i))) return;
    let value = isShorthand ? [tk] : valueTokens(toks, i + 2);
    // `testPathIgnorePatterns: ignored` with `const ignored = [...]` above: what counts is that list.
    if (value.length === 1 && value[0]!.t === "id") value = declaredValue(toks, value[0]!.v) ?? value;
    const strings = tk.v === "projects" ? projectNames(value) : value.filter((v) => v.t === "str").map((v) => v.v);
    const s = out.get(tk.v) ?? { present: true, values: [], refs: [] };
    s.values.push(...(strings.length ? strings : [value.map((v) => v.v).join(" ")]));
    s.refs!.push(...dottedNames(value));
    out.set(tk.v, s);
  });
  return out;
}

/** `a.b.c` for each chain of names in `value` (a property access, a spread, a plain name). */
function dottedNames(value: Tok[]): string[] {
  const out: string[] = [];
  for (let j = 0; j < value.length; j++) {
    if (value[j]!.t !== "id" || (value[j - 1]?.v === "." && value[j - 2]?.v !== ".")) continue;
    let name = value[j]!.v;
    while (value[j + 1]?.v === "." && value[j + 2]?.t === "id") {
      name += `.${value[j + 2]!.v}`;
      j += 2;
    }
    out.push(name);
  }
  return out;
}

/**
 * Whether token `i` sits directly in an object literal, not in an array, an argument or parameter list,
 * or a destructuring pattern (`const { roots } = base`, `({ name, roots }) => …`), where a bare name
 * is not a property.
 */
function inObjectLiteral(toks: Tok[], i: number): boolean {
  let open = -1;
  for (let j = i - 1, depth = 0; j >= 0 && open < 0; j--) {
    if (toks[j]!.t !== "p") continue;
    if (CLOSE.has(toks[j]!.v)) depth++;
    else if (OPEN[toks[j]!.v] && depth-- === 0) open = j;
  }
  if (open < 0 || toks[open]!.v !== "{" || /^(const|let|var)$/.test(toks[open - 1]?.v ?? "")) return false;
  const close = closing(toks, open);
  const after = (k: number) => toks[k]?.v;
  // `{ a } = value`, and the parameters of `({ a }) => …`.
  if (after(close + 1) === "=" && after(close + 2) !== "=" && after(close + 2) !== ">") return false;
  if (toks[open - 1]?.v === "(" && after(close + 1) === ")" && after(close + 2) === "=" && after(close + 3) === ">") return false;
  return true;
}

/** The index of the bracket closing the one at `open` (the last token when it is never closed). */
function closing(toks: Tok[], open: number): number {
  for (let j = open + 1, depth = 0; j < toks.length; j++) {
    if (toks[j]!.t !== "p") continue;
    if (OPEN[toks[j]!.v]) depth++;
    else if (CLOSE.has(toks[j]!.v) && depth-- === 0) return j;
  }
  return toks.length - 1;
}

/** The value a top-level `const|let|var name = …` gives `name`, if the file declares it. */
function declaredValue(toks: Tok[], name: string): Tok[] | undefined {
  const d = toks.findIndex((t, j) => t.t === "id" && /^(const|let|var)$/.test(t.v) && toks[j + 1]?.v === name && toks[j + 2]?.v === "=");
  return d < 0 ? undefined : valueTokens(toks, d + 3);
}

/**
 * One name per entry of a `projects` array: a path or glob as written, an inline project by its
 * displayName, so that editing a project's settings is not read as losing it.
 */
function projectNames(value: Tok[]): string[] {
  if (value[0]?.v !== "[") return value.filter((v) => v.t === "str").map((v) => v.v);
  const out: string[] = [];
  let entry: Tok[] = [];
  let depth = 0;
  const flush = () => {
    if (entry.length === 1 && entry[0]!.t === "str") out.push(entry[0]!.v);
    else if (entry.length) {
      const k = entry.findIndex((t, j) => (t.v === "displayName" || t.v === "name") && entry[j + 1]?.v === ":");
      const label = k < 0 ? undefined : entry.slice(k + 2).find((t) => t.t === "str");
      out.push(label ? `displayName: ${label.v}` : entry[0]!.v === "{" ? "(a project without displayName)" : entry.map((t) => t.v).join(" "));
    }
    entry = [];
  };
  for (const tk of value.slice(1)) {
    if (tk.t === "p" && OPEN[tk.v]) depth++;
    else if (tk.t === "p" && CLOSE.has(tk.v) && depth-- === 0) break;
    if (depth === 0 && tk.v === ",") flush();
    else entry.push(tk);
  }
  flush();
  return out;
}
