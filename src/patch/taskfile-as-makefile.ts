import { parse } from "yaml";

/**
 * A Taskfile.yml (go-task) written as the Makefile it amounts to, for the `make test` check: each task a
 * rule with its `deps`, its `cmds` the recipe, a `task: other` command a call make's reader follows. An
 * unparsable Taskfile fails `task test` on its own: it reads as having no tasks.
 */
export function taskfileAsMakefile(text: string): string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return "";
  }
  const tasks = (doc as { tasks?: unknown } | null)?.tasks;
  if (!tasks || typeof tasks !== "object") return "";
  const out: string[] = [];
  const callOf = (c: unknown): string | undefined => {
    if (typeof c === "string") return c;
    if (c && typeof c === "object") {
      const o = c as { cmd?: unknown; task?: unknown };
      if (typeof o.task === "string") return `make ${o.task}`;
      if (typeof o.cmd === "string") return o.cmd;
    }
    return undefined;
  };
  for (const [name, task] of Object.entries(tasks as Record<string, unknown>)) {
    // `test: pytest` and `test: [pytest, ruff check]` are shorthands for cmds.
    const t = (typeof task === "string" || Array.isArray(task) ? { cmds: task } : task ?? {}) as { cmds?: unknown; deps?: unknown; cmd?: unknown };
    const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const deps = list(t.deps).map((d) => (typeof d === "string" ? d : typeof (d as { task?: unknown })?.task === "string" ? (d as { task: string }).task : "")).filter(Boolean);
    out.push(`${name}: ${deps.join(" ")}`);
    for (const c of [...list(t.cmd), ...list(t.cmds)]) {
      for (const line of (callOf(c) ?? "").split("\n")) if (line.trim()) out.push(`\t${line.trim()}`);
    }
  }
  return `${out.join("\n")}\n`;
}
