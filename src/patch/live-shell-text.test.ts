import { describe, expect, test } from "@jest/globals";
import { liveShellText } from "./live-shell-text.js";
import { programsOf } from "./programs-of.js";
import { TEST_RUNNER } from "./test-runner.js";

/** The test runners left in a script. */
const runs = (script: string) => [...programsOf(liveShellText(script))].filter((p) => TEST_RUNNER.test(p));

describe("liveShellText: the commands a script can run", () => {
  test.each<[string, string, string[]]>([
    ["comments, a shebang and `$#`", '#!/bin/bash\n# pytest\n[ $# -gt 0 ] && ARGS="$*"  # extra args\npytest $ARGS\n', ["pytest"]],
    ["a bare `exit` or `return 0` at top level ends the script", "jest\nreturn 0\npytest\n", ["jest"]],
    ["exit 1 and exits inside if/functions do not", 'f() {\n  exit 0\n}\nif [ -z "$X" ]; then\n  exit 0\nfi\n[ -d t ] || { echo no; exit 0; }\nexit 1\npytest\n', ["pytest"]],
    ["the else branch of `if false` runs", "if false; then\n  jest\nelse\n  vitest run\nfi\nexit 0\ngo test\n", ["vitest"]],
    ["an elif branch of `if false` runs", "if false; then\n  jest\nelif [ -n \"$CI\" ]; then\n  vitest run\nfi\n", ["vitest"]],
    ["nested ifs inside `if false` are skipped whole", "if false; then\n  if true; then\n    jest\n  fi\n  mocha\nfi\ncargo test\n", ["cargo test"]],
    ["a heredoc's data is not run, one fed to bash is", "cat > cfg.ini <<EOF\npytest\nEOF\nbash <<'EOF'\ngo test ./...\nEOF\n", ["go test"]],
  ])("%s", (_name, script, want) => {
    expect(runs(script)).toEqual(want);
  });
});
