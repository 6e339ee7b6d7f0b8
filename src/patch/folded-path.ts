/**
 * A repository path as a case-insensitive checkout opens it (the macOS and Windows runners): each component
 * lower-cased, without the trailing dots and spaces Windows drops. The runner finds a local action's
 * `action.yml` with File.Exists, so `.GitHub/Actions/setup/ACTION.YML` is the file it runs there.
 */
export function foldedPath(p: string): string {
  return p
    .split("/")
    .map((part) => part.toLowerCase().replace(/[. ]+$/, ""))
    .join("/");
}
