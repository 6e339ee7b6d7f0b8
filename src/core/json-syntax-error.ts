/** Where a text stops being JSON: `expected` is what should have been at `position`, in words. */
export interface JsonSyntaxError {
  /** In UTF-16 code units from the start, as JSON.parse counts them. */
  position: number;
  /** What should have been there; undefined when a complete value was followed by more than whitespace. */
  expected?: string;
}

/**
 * Where `text` stops being JSON (RFC 8259, as JSON.parse reads it), or undefined when it is JSON. Said
 * without quoting the text: V8's JSON.parse message quotes the text around the token it stopped at, and a
 * webhook body's reason is answered, logged and stored. Only for the failure path: one pass, no recursion.
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const n = text.length;
  const open: number[] = []; // the containers entered: "{" or "["
  let i = 0;
  const ws = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  const digits = () => {
    const from = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i > from;
  };
  const fail = (expected?: string): JsonSyntaxError => (expected === undefined ? { position: i } : { position: i, expected });
  /** Past a string starting at i; a failure, or undefined. */
  const string = (): JsonSyntaxError | undefined => {
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) return fail("no control character (a string's characters below U+0020 are escaped)");
      if (c !== 0x5c) continue;
      const e = text[++i];
      if (e === "u") {
        for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(text[++i] ?? "")) return fail("a hexadecimal digit of a \\u escape");
      } else if (e === undefined || !'"\\/bfnrt'.includes(e)) return fail("an escape (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
    }
    return fail("'\"' (the string's end)");
  };
  /** Past a number starting at i. */
  const number = (): JsonSyntaxError | undefined => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else if (!digits()) return fail("a digit");
    if (text[i] === ".") {
      i++;
      if (!digits()) return fail("a digit");
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (!digits()) return fail("a digit");
    }
    return undefined;
  };
  let state: "value" | "key" | "after" = "value";
  for (;;) {
    ws();
    if (state === "key") {
      if (text[i] !== '"') return fail("a property name in double quotes");
      const bad = string();
      if (bad) return bad;
      ws();
      if (text[i] !== ":") return fail("':'");
      i++;
      state = "value";
    } else if (state === "value") {
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        ws();
        if (text[i] === (c === "{" ? "}" : "]")) i++, (state = "after");
        else open.push(c === "{" ? 0x7b : 0x5b), (state = c === "{" ? "key" : "value");
        continue;
      }
      let bad: JsonSyntaxError | undefined;
      if (c === '"') bad = string();
      else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) bad = number();
      else {
        const word = ["true", "false", "null"].find((w) => text.startsWith(w, i));
        if (!word) return fail("a value");
        i += word.length;
      }
      if (bad) return bad;
      state = "after";
    } else {
      const top = open.at(-1);
      if (top === undefined) return i < n ? fail() : undefined;
      const close = top === 0x7b ? "}" : "]";
      if (text[i] === ",") i++, (state = top === 0x7b ? "key" : "value");
      else if (text[i] === close) i++, open.pop();
      else return fail(`',' or '${close}'`);
    }
  }
}
