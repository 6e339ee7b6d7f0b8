/**
 * Folders test runners skip by default: pytest's norecursedirs (`build`, `dist`, `node_modules`, `venv`,
 * `*.egg`, `.*`, …), jest's and vitest's default ignores (`node_modules`, `dist`), and what `go test ./...`
 * leaves out (`testdata`, `vendor`, `_*`, `.*`).
 */
const SKIPPED_DIRS = new Set(["node_modules", "dist", "build", "venv", "vendor", "testdata", "CVS", "_darcs", "{arch}", "__pycache__", "site-packages"]);
const GOOS = "aix|android|darwin|dragonfly|freebsd|hurd|illumos|ios|js|linux|nacl|netbsd|openbsd|plan9|solaris|wasip1|windows|zos";
const GOARCH = "386|amd64|amd64p32|arm|armbe|arm64|arm64be|loong64|mips|mipsle|mips64|mips64le|mips64p32|mips64p32le|ppc|ppc64|ppc64le|riscv|riscv64|s390|s390x|sparc|sparc64|wasm";
/** `x_windows_test.go`, `x_arm64_test.go`: go builds the file only on that system or architecture. */
const GO_CONSTRAINED = new RegExp(`_(${GOOS}|${GOARCH})(_(${GOARCH}))?_test\\.go$`);

/**
 * Why test runners would not run a test file at `to` though they ran it at `from`: a folder they skip, or
 * (for Go) a name that leaves the file out of the build. Undefined when the move keeps it where it runs.
 */
export function unrunPlace(from: string, to: string): string | undefined {
  const skipped = (p: string) =>
    p
      .split("/")
      .slice(0, -1)
      .filter((d) => SKIPPED_DIRS.has(d) || d.endsWith(".egg") || d.startsWith(".") || (p.endsWith(".go") && d.startsWith("_")));
  const before = new Set(skipped(from));
  const dir = skipped(to).find((d) => !before.has(d));
  if (dir !== undefined) return `the folder ${dir}/, which test runners skip`;
  const name = to.split("/").at(-1)!;
  const was = from.split("/").at(-1)!;
  if (name.endsWith(".go") && /^[_.]/.test(name) && !/^[_.]/.test(was)) return `the name ${name}, which go ignores for its leading ${name[0]}`;
  if (GO_CONSTRAINED.test(name) && !GO_CONSTRAINED.test(was)) return `the name ${name}, which go builds only on the system or architecture it names`;
  return undefined;
}
