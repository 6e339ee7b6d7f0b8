/**
 * A noxfile.py written as the Makefile it amounts to, for the `make test` check: each session (a function
 * under a `@nox.session` decorator, named by it when it says `name=`) a rule, each `session.run(...)` a recipe
 * line of its literal string arguments (`*session.posargs` and other expressions left out), and
 * `session.notify("lint")` a call make's reader follows.
 */
export function noxAsMakefile(text: string): string {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const out: string[] = [];
  let decorated: string | null = null;
  let inSession = false;
  let body: string[] = [];
  const flush = () => {
    if (inSession) out.push(...calls(body.join("\n")).map((c) => `\t${c}`));
    inSession = false;
    body = [];
  };
  for (const line of lines) {
    if (/^\S/.test(line)) {
      const deco = /^@(nox\.)?session\b(.*)$/.exec(line);
      if (deco) {
        flush();
        decorated = /\bname\s*=\s*["']([\w.-]+)["']/.exec(deco[2]!)?.[1] ?? "";
        continue;
      }
      const def = /^(async\s+)?def\s+(\w+)\s*\(/.exec(line);
      if (def && decorated !== null) {
        flush();
        out.push(`${decorated || def[2]}:`);
        inSession = true;
        decorated = null;
        continue;
      }
      if (!/^@/.test(line) && !/^\s*#/.test(line)) {
        flush();
        decorated = null;
      }
      continue;
    }
    if (inSession) body.push(line);
  }
  flush();
  return `${out.join("\n")}\n`;
}

/** The commands of a session's body: `session.run("pytest", "-m", "smoke")` → `pytest -m smoke`. */
function calls(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/\bsession\.(run|run_always|notify)\s*\(/g)) {
    let depth = 1;
    let i = m.index! + m[0].length;
    const start = i;
    for (; i < body.length && depth > 0; i++) {
      const c = body[i]!;
      if (c === '"' || c === "'") {
        const close = body.indexOf(c, i + 1);
        i = close < 0 ? body.length : close;
      } else if (c === "(" || c === "[") depth++;
      else if (c === ")" || c === "]") depth--;
    }
    const args = body.slice(start, i - 1);
    // Only the positional string arguments: keyword arguments (env=, silent=) are not part of the command.
    const words = [...args.matchAll(/(?:^|,)\s*(?:[rfb]?)(["'])(.*?)\1\s*(?=,|$)/gs)].map((w) => w[2]!);
    if (m[1] === "notify") {
      if (words[0]) out.push(`make ${words[0]}`);
    } else if (words.length) out.push(words.map((w) => (/\s/.test(w) ? `'${w}'` : w)).join(" "));
  }
  return out;
}
