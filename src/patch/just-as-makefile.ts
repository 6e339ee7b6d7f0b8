/**
 * A justfile written as the Makefile it amounts to, for the `make test` check: each recipe a rule with its
 * dependencies, its body lines the recipe, `x := value` an assignment, and `just other` a call make's
 * reader follows, `{{name}}` a variable. Recipe parameters and attributes (`[private]`) are left out.
 */
export function justAsMakefile(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n/g, "\n").split("\n")) {
    if (/^\s*(#|$)/.test(line) || /^\[[^\]]*\]\s*$/.test(line)) continue;
    if (/^[ \t]/.test(line)) {
      // `@echo ok` runs `echo ok`; `just lint` runs the recipe lint, as `make lint` does; `{{py}}` is make's `$(py)`.
      const cmd = line.trim().replace(/^@/, "").replace(/^just\s+(?=[\w-])/, "make ");
      out.push(`\t${cmd.replace(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g, "$($1)")}`);
      continue;
    }
    const assign = /^(?:export\s+)?([A-Za-z_][\w-]*)\s*:=\s*(.*)$/.exec(line);
    if (assign) {
      out.push(`${assign[1]} = ${assign[2]!.replace(/^(["'])(.*)\1$/, "$2")}`);
      continue;
    }
    // `test *args: build lint`, `@test:`, `alias t := test` (an alias runs its recipe).
    const alias = /^alias\s+([\w-]+)\s*:=\s*([\w-]+)\s*$/.exec(line);
    if (alias) {
      out.push(`${alias[1]}: ${alias[2]}`);
      continue;
    }
    const recipe = /^@?([\w-]+)[^:]*?:(?!=)(.*)$/.exec(line);
    if (recipe) out.push(`${recipe[1]}: ${recipe[2]!.replace(/\([^)]*\)/g, "").trim()}`);
  }
  return `${out.join("\n")}\n`;
}
