import { MASK } from "../core/redact.js";
import { quote } from "./greenwash.js";
import type { FilePatch, Refusal } from "./types.js";

/**
 * A line the patch adds that holds the redaction mask: the model saw logs and files with their secrets
 * replaced by MASK and copied one back (`API_KEY = "[REDACTED]"`, a fixture's token rewritten). Committed, it
 * breaks what the secret was for and hides that a secret was there at all, so the patch is refused and the
 * model asked again; no `allow.*` key passes it, as none passes `secret`. A line the patch removes, or moves
 * unchanged, adds nothing. A file that already holds the mask as text (`before`: a redactor's own tests
 * expecting "[REDACTED]") may get more of it: there the mask is the project's, not a copied secret.
 */
export function findMaskedText(fp: FilePatch, before: string | null): Refusal | undefined {
  if (fp.status === "deleted" || before?.includes(MASK)) return undefined;
  const removed = new Set(fp.hunks.flatMap((h) => h.lines.filter((l) => l.kind === "-").map((l) => l.text)));
  for (const h of fp.hunks) {
    const line = h.lines.find((l) => l.kind === "+" && l.text.includes(MASK) && !removed.has(l.text));
    if (!line) continue;
    return {
      rule: "redacted_text",
      file: fp.path,
      hunk: h.header,
      reason: `the patch adds ${quote(line.text)}, which holds the mask ${MASK} that redaction put in place of a secret in the logs or files the model read; the real value must not be guessed, so set it by hand (or read it from CI's secrets) and ask for a fix that does not write it`,
    };
  }
  return undefined;
}
