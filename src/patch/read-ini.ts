/**
 * The keys of the INI sections `wanted` accepts (pytest.ini, tox.ini, setup.cfg), as configparser reads
 * them: `key = value` or `key: value`, keys lower-cased, indented lines continuing the value. Continuation
 * lines are joined with "\n", since in tox's `commands` each line is a command of its own.
 */
export function readIni(text: string, wanted: (section: string) => boolean): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let keys: Map<string, string> | undefined;
  let last: string | undefined;
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    const head = /^\s*\[([^\]]+)\]/.exec(line);
    if (head) {
      const name = head[1]!.trim();
      keys = wanted(name) ? out.get(name) ?? new Map<string, string>() : undefined;
      if (keys) out.set(name, keys);
      last = undefined;
      continue;
    }
    if (!keys || /^\s*([#;]|$)/.test(line)) {
      if (/^\s*$/.test(line)) last = undefined;
      continue;
    }
    if (/^\s/.test(line) && last) {
      keys.set(last, `${keys.get(last)}\n${line.trim()}`);
      continue;
    }
    const kv = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!kv) continue;
    last = kv[1]!.toLowerCase();
    keys.set(last, kv[2]!.trim());
  }
  return out;
}
