import { readIni } from "./read-ini.js";

/** The keys of each `[testenv]` / `[testenv:name]` section of tox.ini. */
export const readToxEnvs = (text: string) => readIni(text, (s) => s === "testenv" || s.startsWith("testenv:"));

/** tox's own substitutions, as the shell words they stand for (`{posargs}` is filled in at run time). */
export const toxCommandText = (commands: string) =>
  commands
    .replace(/\\\n/g, " ")
    .replace(/\{envpython\}/g, "python")
    .replace(/\{env(bin|site_packages)?dir\}\//g, "");
