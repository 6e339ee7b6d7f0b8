/**
 * A workflow file as the job names it: GitHub's REST list gives a run's `path` with an `@ref` suffix, and
 * sometimes an `owner/repo/` prefix, where the webhook gives `.github/workflows/x.yml`. A webhook path with
 * the ref would name the fix branch's run of the failing workflow differently from the failing run itself:
 * paths are compared as files.
 */
export function workflowFileOf(path: string): string {
  const at = path.indexOf(".github/workflows/");
  const file = at > 0 ? path.slice(at) : path;
  return file.replace(/^(.*?\.ya?ml)@.*$/, "$1");
}
