import { createHash } from "node:crypto";

/**
 * A diff's identity for "the same patch again": line endings and trailing whitespace set aside (a model
 * repeating itself often differs there only, and an empty context line loses its leading space), and blank
 * lines at the end. Other whitespace counts: in a diff, indentation is content.
 */
export function patchHash(diff: string): string {
  const text = diff
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd())
    .join("\n")
    .replace(/\n+$/, "");
  return createHash("sha256").update(text).digest("hex");
}
