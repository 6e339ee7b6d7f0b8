/** The paths of `files` (from the checkout's root) inside `dir`, from `dir`, each once. */
export function filesUnder(files: Iterable<string>, dir: string): string[] {
  const prefix = dir === "." ? "" : `${dir}/`;
  return [...new Set([...files].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)))];
}
