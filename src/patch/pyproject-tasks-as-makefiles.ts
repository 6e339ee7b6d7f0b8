import { parse as parseToml } from "smol-toml";

export interface TaskRunnerMakefile {
  /** What runs the tasks, as a refusal names one of them: `hatch script`, `pdm script`, `poe task`, `taskipy task`. */
  what: string;
  makefile: string;
}

type Table = Record<string, unknown>;
const table = (v: unknown): Table | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as Table) : undefined);

/**
 * The task runners' scripts of a pyproject.toml (hatch's `[tool.hatch.envs.<env>.scripts]`, `[tool.pdm.scripts]`,
 * `[tool.poe.tasks]`, `[tool.taskipy.tasks]`), each written as the Makefile it amounts to, for the `make test`
 * check: a script a rule, its command (or each of a list, or a sequence's) a recipe line, a script named in
 * another's list a call make's reader follows. hatch's scripts of an env other than default are `env.name`
 * (`hatch run ci:test`). An unparsable pyproject.toml has none.
 */
export function pyprojectTasksAsMakefiles(text: string): TaskRunnerMakefile[] {
  let doc: Table;
  try {
    doc = parseToml(text) as Table;
  } catch {
    return [];
  }
  const tool = table(doc.tool) ?? {};
  const out: TaskRunnerMakefile[] = [];
  const hatch: Array<[string, unknown]> = [];
  for (const [env, conf] of Object.entries(table(table(tool.hatch)?.envs) ?? {})) {
    for (const [name, script] of Object.entries(table(table(conf)?.scripts) ?? {})) hatch.push([env === "default" ? name : `${env}.${name}`, script]);
  }
  out.push({ what: "hatch script", makefile: asMakefile(hatch) });
  // pdm's `_` holds settings shared by its scripts, not a script.
  out.push({ what: "pdm script", makefile: asMakefile(Object.entries(table(table(tool.pdm)?.scripts) ?? {}).filter(([k]) => k !== "_")) });
  out.push({ what: "poe task", makefile: asMakefile(Object.entries(table(table(tool.poe)?.tasks) ?? {})) });
  out.push({ what: "taskipy task", makefile: asMakefile(Object.entries(table(table(tool.taskipy)?.tasks) ?? {})) });
  return out;
}

function asMakefile(scripts: Array<[string, unknown]>): string {
  const names = new Set(scripts.map(([n]) => n));
  const commands = (v: unknown): string[] => {
    if (typeof v === "string") return [names.has(v) ? `make ${v}` : v];
    if (Array.isArray(v)) return v.flatMap(commands);
    const t = table(v);
    if (!t) return [];
    // pdm's cmd/shell/composite, poe's cmd/shell/sequence, taskipy's cmd; a cmd given as a list is one command's words.
    if (Array.isArray(t.cmd)) return [t.cmd.map(String).join(" ")];
    return [t.cmd, t.shell, t.composite, t.sequence, t.script].flatMap((x) => (x === undefined ? [] : commands(x)));
  };
  const lines: string[] = [];
  for (const [name, script] of scripts) {
    if (!/^[\w.-]+$/.test(name)) continue;
    lines.push(`${name}:`);
    for (const cmd of commands(script)) for (const line of cmd.split("\n")) if (line.trim()) lines.push(`\t${line.trim()}`);
  }
  return `${lines.join("\n")}\n`;
}
