/**
 * node:util parseArgs' error as one line saying what to fix. Its own text for a mistyped option goes on
 * about positionals after `--` (with an unbalanced quote), and a value left out before another option is
 * three lines about an "ambiguous" argument. The "Unknown option '--x'" start is kept as parseArgs words it.
 */
export function parseArgsProblem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return message.split(". To specify")[0]!;
  if (e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    // An option with a short name is worded `'-h, --help'`: the long name is the one to name.
    const option = /^Option '(?:-[^-' ], )?(-[^' ]+)/.exec(message)?.[1];
    if (option && /argument missing|ambiguous/.test(message)) return `${option} needs a value`;
    if (option && /does not take an argument/.test(message)) return `${option} takes no value (leave it out for no, give it alone for yes)`;
  }
  return message.split("\n")[0]!;
}
