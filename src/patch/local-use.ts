import path from "node:path";
import { workflowText } from "../core/workflow-run-defaults.js";

/** A local action's file, whose edit changes what the workflows using it run. */
export const ACTION_FILE = /(^|\/)action\.ya?ml$/;

/**
 * The repository path a `uses:` names, when it is local (`./.github/actions/test`, `./.github/workflows/tests.yml`):
 * undefined for a remote action or workflow (`owner/repo@ref`, `docker://…`), whose steps are not in the
 * repository and which the patch cannot edit, so they are out of scope; and for one that leaves the checkout.
 *
 * Spelled as the runner resolves it: `./.github/actions/test/`, `./.github/actions//test` and
 * `./.github/actions/x/../test` are the folder `.github/actions/test`. Not case-folded here: the runner opens
 * the path as written, case-sensitively on Linux, case-insensitively on Windows and macOS; plan-patch reads
 * the path that differs only in case when there is none as written (see foldedPath). Not `.github/actions/test`
 * without `./` either, which GitHub reads as a repository `owner/repo` (the workflow does not start without
 * its `@ref`). An action named by its file (`./.github/actions/test/action.yml`) is read as its folder: the
 * runner looks for action.yml under the path given and fails the job there, so reading the action it names
 * can only refuse more, never pass an edit to the action it points at.
 */
export function localUse(v: unknown): string | undefined {
  const uses = workflowText(v)?.trim();
  if (!uses?.startsWith("./") || uses.includes("${{")) return undefined;
  const p = path.posix.normalize(uses).replace(/\/$/, "");
  const dir = ACTION_FILE.test(p) ? path.posix.dirname(p) : p;
  return dir === ".." || dir.startsWith("../") ? undefined : dir === "." ? "" : dir;
}

/** The files GitHub reads for a local action in `dir`: the first of these there. */
export const actionFiles = (dir: string) => ["action.yml", "action.yaml"].map((f) => (dir ? `${dir}/${f}` : f));
