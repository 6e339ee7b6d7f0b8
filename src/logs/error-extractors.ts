import { signal, stronger, type Signal } from "./signal.js";
import { exitCodeOf } from "./steps.js";
import type { SourceLocation } from "./types.js";

const SRC_EXT = "c|cc|cpp|cxx|h|hh|hpp|m|mm|go|rs|ts|tsx|mts|cts|js|jsx|mjs|cjs|vue|svelte|py|pyi|java|kt|kts|scala|groovy|cs|fs|swift|rb|php|ex|exs|erl|hs|dart|zig|lua|pl|sh|tf|proto";
const FILE_LINE = new RegExp(`^(?:\\.\\/)?([\\w@./\\\\+~-]*[\\w-]\\.(?:${SRC_EXT})):(\\d+)(?::(\\d+))?:?\\s*(.*)$`);
// Each alternative of the lint pattern below needs one of these (staticcheck codes end "(SA1019)").
const LINT_HINT = /Found|reformat|Code style|checkstyle|\d{4}\)$/;
const NOISE = /\b(?:0|no) (?:errors?|failures?|failed)\b|\b(?:errors?|failures?|failed)[:=]\s*0\b|-Werror|error[-_]?prone|errorformat|on-?error|ignore[-_]?errors?|fail-fast|--fail|allow[-_]failure|continue-on-error|\bwarnings? as errors\b|error\.(?:log|txt|html)\b/i;

/**
 * Error, compile, lint, dependency, infra and stack-trace extractors. `text` is one cleaned line.
 * Stateful only for eslint's "file header, then indented problems" layout.
 */
export class ErrorExtractor {
  private eslintFile: string | null = null;

  inspect(text: string): Signal | null {
    const s = text.trim();
    if (s.length === 0) return null;
    // Stack frames are the most common interesting line; nothing but the trace rules applies to them.
    if (s.startsWith("at ")) return traces(s, text);
    // Unrolled rather than a loop over an array of rules: this runs for every candidate line.
    let best = this.lint(s, text);
    if (best && best.score >= 10) return best;
    best = stronger(best, compile(s));
    if (best && best.score >= 10) return best;
    best = stronger(best, dependencyOrInfra(s));
    if (best && best.score >= 10) return best;
    best = stronger(best, traces(s, text));
    // generic's rules score 9 at most: they could not win, and its scans are the longest.
    if (best && best.score >= 9) return best;
    return stronger(best, generic(s));
  }

  private lint(s: string, text: string): Signal | null {
    let m: RegExpExecArray | null;
    if (!s.includes(" ") && /^(?:\/|[A-Za-z]:\\|\.{0,2}\/?[\w@.-]+\/)\S*\.(?:[cm]?[jt]sx?|vue|svelte)$/.test(s)) {
      this.eslintFile = s;
      return null;
    }
    if ((m = /^(\d+):(\d+)\s+(error|warning)\s+(.+?)(?:\s{2,}(\S+))?$/.exec(s)) && /^\s/.test(text)) {
      const location = this.eslintFile ? { path: this.eslintFile, line: +m[1]!, column: +m[2]! } : undefined;
      return m[3] === "error"
        ? signal(9, "lint", "lint error (eslint)", { category: "lint", location, failure: true })
        : signal(2, "lint", "lint warning");
    }
    if (/^✖ \d+ problems?\b/.test(s)) return signal(8, "lint", "eslint summary", { category: "lint", failure: true });
    if (s.includes(".py")) {
      if ((m = /^([\w./\\-]+\.pyi?):(\d+):(?:(\d+):)? error: (.*)$/.exec(s))) {
        return signal(10, "lint", "type error (mypy)", { category: "lint", location: loc(m[1]!, m[2]!, m[3]), failure: true });
      }
      if ((m = /^([\w./\\-]+\.pyi?):(\d+):(\d+): ([A-Z]{1,4}\d{2,4}) /.exec(s))) {
        return signal(10, "lint", "lint error (ruff/flake8)", { category: "lint", location: loc(m[1]!, m[2]!, m[3]), failure: true });
      }
    }
    if (LINT_HINT.test(s) && /^Found \d+ errors? in \d+ files?|^Found \d+ errors?\.|^would reformat \S|^Oh no! .* files? would be reformatted|Code style issues found|^\[ant:checkstyle\] \[ERROR\]|\bcheckstyle\b.*(?:violation|ERROR)|\((?:SA|S|ST|U|QF)\d{4}\)$/.test(s)) {
      const location = fileLine(s.replace(/^\[ant:checkstyle\] \[ERROR\] /, ""));
      return signal(9, "lint", "lint error", { category: "lint", location, failure: true });
    }
    return null;
  }
}

function compile(s: string): Signal | null {
  let m: RegExpExecArray | null;
  if (s.includes("): error ") && (m = /^(\S+?\.\w+)\((\d+),(\d+)\): error ([A-Z]+\d+): /.exec(s))) {
    // tsc (TS2322) and MSBuild compilers (C# CS1002, F#, VB) share this shape.
    return signal(10, "compile", m[4]!.startsWith("TS") ? "type error (tsc)" : "compile error", { category: "compile", location: loc(m[1]!, m[2]!, m[3]), failure: true });
  }
  if (s.includes(":[") && (m = /^(?:\[ERROR\] )?(\S+\.(?:java|kt|scala|groovy)):\[(\d+),(\d+)\] (.*)$/.exec(s))) {
    const warn = /^\[WARNING\]/.test(s);
    return warn ? null : signal(10, "compile", "compile error (javac)", { category: "compile", location: loc(m[1]!, m[2]!, m[3]), failure: true });
  }
  if (s.startsWith("e: ") && (m = /^e: (?:file:\/\/)?(\S+\.kts?):(?:(\d+):(\d+)|\s*\((\d+), (\d+)\)):? /.exec(s))) {
    return signal(10, "compile", "compile error (kotlin)", { category: "compile", location: loc(m[1]!, m[2] ?? m[4]!, m[3] ?? m[5]), failure: true });
  }
  if (/^error\[E\d{4}\]: /.test(s)) return signal(9, "compile", "compile error (rustc)", { category: "compile", failure: true });
  if (s.startsWith("-->") && (m = /^--> (\S+\.rs):(\d+):(\d+)/.exec(s))) return signal(8, "compile", "error location (rustc)", { location: loc(m[1]!, m[2]!, m[3]) });
  if (/^error: could not compile/.test(s)) return signal(9, "compile", "compile failure (cargo)", { category: "compile", failure: true });
  if ((s.includes("ompil") || s.startsWith("# ")) && /COMPILATION ERROR|Compilation failure|compilation failed|Compilation failed|^# [\w./-]+(?: \[[\w./-]+\])?$/.test(s)) {
    return signal(8, "compile", "compile failure", { category: "compile", failure: true });
  }
  const inner = s.startsWith("##[") ? s.replace(/^##\[(?:error|warning)\]/, "") : s;
  if (/:\d/.test(inner) && (m = FILE_LINE.exec(inner))) {
    const rest = m[4] ?? "";
    // A go traceback's frame (`\t/src/x.go:12 +0x1f`, its pc offset after the line) is the trace's, not a message.
    if (/^\+0x[0-9a-f]+$/.test(rest)) return null;
    const location = loc(m[1]!, m[2]!, m[3]);
    // XCTest reports a failed assertion as `file:line: error: Class.test : message` (macOS: `-[Module.Class test] : …`):
    // a test failure, not a compiler's.
    if (/^error: (?:[\w.]+|-\[[\w.]+ [^\]]+\]) : /.test(rest)) return signal(10, "test-failure", "failed assertion (xctest)", { category: "test", location, failure: true });
    if (/^(?:fatal )?error\b/i.test(rest)) return signal(10, "compile", "compile error", { category: "compile", location, failure: true });
    if (/^warning\b/i.test(rest)) return signal(2, "compile", "compiler warning", { location });
    if (/^(?:undefined|undeclared|cannot|expected|missing|syntax error|invalid|imported and not used|declared and not used|too (?:many|few)|not enough|no (?:field|method|member))/i.test(rest)) {
      return signal(9, "compile", "compile error", { category: "compile", location, failure: true });
    }
    if (rest.length > 0 && !/^\d/.test(rest)) return signal(5, "error", "message at a source location", { location });
    if (rest.length === 0) return signal(4, "stack-trace", "source location", { location });
  }
  if (/^(?:SyntaxError|IndentationError|TabError)\b/.test(s)) return signal(9, "compile", "syntax error", { category: "compile", failure: true });
  return null;
}

// Dependency and infrastructure messages in one scan of the line (this runs on every candidate line).
const DEP_OR_INFRA = new RegExp(`(${/^npm ERR! code (?:ERESOLVE|E404|ETARGET|EBADENGINE|ENOVERSIONS|EUNSUPPORTEDPROTOCOL|ELSPROBLEMS)|ERR_PNPM_(?:NO_MATCHING_VERSION|PEER_DEP|FETCH_404|OUTDATED_LOCKFILE|LOCKFILE)|Couldn't find any versions for|Could not find a version that satisfies the requirement|No matching distribution found|ResolutionImpossible|Cannot install .* because these package versions have conflicting|dependency conflict|Could not resolve dependencies for project|Could not resolve all (?:files|dependencies|artifacts) for|Could not find artifact|Could not find [\w.-]+:[\w.-]+:|missing go\.sum entry|go\.mod\/go\.sum are not up-to-date|go: updates to go\.mod needed|cannot find module providing package|unknown revision|failed to select a version for|no matching package named|ModuleNotFoundError: No module named|Cannot find module '|Module not found: Error: Can't resolve|lockfile (?:needs to be updated|is out of date)|frozen-lockfile|package-lock\.json.* (?:in sync|out of sync)|npm ci. can only install packages when/.source})|${/The operation was canceled|runner has received a shutdown signal|lost communication with the server|No space left on device|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|Could not resolve host|Temporary failure in name resolution|Connection (?:reset|refused|timed out)|connection reset by peer|TLS handshake timeout|i\/o timeout|\b(?:502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)\b|rate limit exceeded|toomanyrequests|API rate limit|failed to copy: httpReadSeeker|unexpected EOF|Error response from daemon|fatal: unable to access 'https?:|The hosted runner .* lost|exit code 137|signal: killed|Killed\s*$|out of memory|OutOfMemoryError|Read timed out|SSL(?:Error|_ERROR)|Failed to connect to/.source}`);

// Every phrase of DEP_OR_INFRA contains one of these (test/logs/extractors.test.ts checks it); the long
// alternation above is the costliest rule, so most lines are turned away by this shorter one first. The
// words are taken from the phrases themselves, long enough that passing output rarely has them: "runner"
// or "space" alone would match every path under /home/runner/work or a namespace.
const DEP_OR_INFRA_HINT = /npm err|npm ci|err_pnpm|could|no (?:matching|module)|resolutionimp|name resolution|can't resolve|conflict|go\.sum|go: updates|cannot (?:install|find module)|unknown rev|lockfile|lock\.json|failed to (?:select|copy|connect)|operation was|runner has|lost|space left|econnreset|etimedout|eai_again|enotfound|connection (?:re|ti)|tls handshake|i\/o timeout|gateway|unavailable|rate limit|toomany|unexpected eof|from daemon|fatal: unable|exit code 137|killed|of ?memory|timed out|ssl_?error/i;

function dependencyOrInfra(s: string): Signal | null {
  if (!DEP_OR_INFRA_HINT.test(s)) return null;
  const m = DEP_OR_INFRA.exec(s);
  if (!m) return null;
  return m[1] !== undefined
    ? signal(9, "dependency", "dependency error", { category: "dependency", failure: true })
    : signal(8, "infra", "infrastructure or network failure", { category: "infra" });
}

const TRACE_HINT = /:line \d|Error|Exception|Failure|Throwable|Interrupt|Exit|^at |^File "|^Traceback|^goroutine|panic|^fatal error|^\.\.\. \d+ more|\.go:\d|Uncaught|Unhandled/;

// GOROOT's src holds the standard library (src/runtime/, src/net/http/); a GOPATH checkout's src/ starts with a
// host name (src/github.com/…), which has a dot, and is the repository's.
const GO_LIBRARY_FRAME = /\/go(?:-[\d.]+)?\/(?:[\d.]+\/[\w-]+\/)?src\/[\w-]+\/|\/pkg\/mod\/|^_testmain\.go$/;

function traces(s: string, text: string): Signal | null {
  if (!TRACE_HINT.test(s)) return null;
  let m: RegExpExecArray | null;
  if (/^Traceback \(most recent call last\)/.test(s)) return signal(7, "stack-trace", "Python traceback");
  if ((m = /^File "([^"]+)", line (\d+)/.exec(s))) return signal(3, "stack-trace", "stack frame", { location: loc(m[1]!, m[2]!) });
  // Deno and ESM frames name the file as a URL (`at file:///home/runner/work/app/app/main.ts:2:9`).
  if ((m = /^at (?:.+? \()?(?:file:\/\/)?((?:\/|[A-Za-z]:\\|\.{1,2}\/|[\w@-]+\/)[^():]*?\.[cm]?[jt]sx?):(\d+):(\d+)\)?$/.exec(s))) {
    const lib = /node_modules|^internal\/|node:/.test(m[1]!);
    return signal(lib ? 1 : 3, "stack-trace", "stack frame", lib ? {} : { location: loc(m[1]!, m[2]!, m[3]) });
  }
  // Maven prints its own traces with a space before the parenthesis ("at a.B.c (B.java:12)").
  if ((m = /^at [\w$.<>\/]+ ?\(([\w$]+\.(?:java|kt|scala|groovy|clj)):(\d+)\)$/.exec(s))) {
    return signal(2, "stack-trace", "stack frame", { location: loc(m[1]!, m[2]!) });
  }
  // .NET names the source of a frame that has one after it: `at Ns.Cls.Method() in /src/Cls.cs:line 138`.
  if ((m = /^at \S.*\) in (.+\.(?:cs|fs|vb)):line (\d+)$/.exec(s))) return signal(3, "stack-trace", "stack frame", { location: loc(m[1]!, m[2]!) });
  if (/^at [\w$.<>\/]+ ?\((?:Native Method|Unknown Source)\)$|^\.\.\. \d+ more$/.test(s)) return signal(1, "stack-trace", "stack frame");
  if ((m = /^((?:\/|\.{0,2}\/?[\w-]+\/)\S*\.go):(\d+)(?: \+0x[0-9a-f]+)?$/.exec(s)) && /^\s/.test(text)) {
    // Go's own sources (GOROOT: /usr/local/go/src, the setup-go cache's go/1.22.1/x64/src) and the module cache
    // are not the repository's: such a frame is no place to look, as node_modules' are not.
    const lib = GO_LIBRARY_FRAME.test(m[1]!);
    return signal(lib ? 1 : 3, "stack-trace", "stack frame", lib ? {} : { location: loc(m[1]!, m[2]!) });
  }
  if (/^goroutine \d+ \[/.test(s)) return signal(4, "stack-trace", "goroutine dump");
  if ((m = /panicked at (?:'.*?', )?([\w./-]+\.rs):(\d+):(\d+)/.exec(s))) {
    return signal(9, "exception", "Rust panic", { location: loc(m[1]!, m[2]!, m[3]), failure: true });
  }
  if (/^panic: |^fatal error: /.test(s)) return signal(9, "exception", "panic", { failure: true });
  // Jenkins writes remote traces upside down, each cause as "Caused: x.Y: message" below its frames.
  // Elixir (ExUnit's failures among them) prints a raised error as `** (RuntimeError) message`.
  if (/^\*\* \([A-Z][\w.]*(?:Error|Exception)\) /.test(s)) return signal(9, "exception", "exception", { failure: true });
  if (/^Exception in thread |^Caused(?: by)?: /.test(s)) return signal(9, "exception", "exception", { failure: true });
  if (/^(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Failure|Throwable)\b(?::|$)/.test(s)) return signal(9, "exception", "exception", { failure: true });
  if (/^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Warning|Interrupt|Exit)(?:: .*)?$/.test(s) && !/Warning/.test(s.split(":")[0]!)) {
    return signal(9, "exception", "exception", { failure: true });
  }
  if (/^(?:Uncaught |Unhandled(?: promise)? rejection|UnhandledPromiseRejection)/i.test(s)) return signal(9, "exception", "unhandled error", { failure: true });
  return null;
}

// Every rule of `generic` below that is not anchored at the line start needs one of these words.
const GENERIC_HINT = /err|fail|fatal|exit|denied|cannot|unable to|not found|undefined|exception/i;

function generic(s: string): Signal | null {
  if (!GENERIC_HINT.test(s)) {
    if (/^##\[warning\]/.test(s)) return signal(2, "error", "warning annotation");
    if (/^E\//.test(s)) return signal(8, "error", "error message");
    if (/^(?:✗|✘|✖|×)\s/.test(s)) return signal(7, "error", "failure mark");
    return null;
  }
  if (s.startsWith("##[error]")) {
    const exit = exitCodeOf(s);
    if (exit !== undefined) return signal(6, "exit-code", `exit code ${exit}`, { failure: true });
    return signal(9, "actions-error", "error annotation", { failure: true });
  }
  if (/^##\[warning\]/.test(s)) return signal(2, "error", "warning annotation");
  if (NOISE.test(s) && !/[1-9]\d* (?:errors?|failures?|failed)\b/i.test(s)) return null;
  if (/^(?:fatal|FATAL):|\bfatal: /.test(s)) return signal(9, "error", "fatal error", { failure: true });
  if (/Execution failed for task '[^']*(?:checkstyle|lint|spotless|ktlint|detekt|pmd|spotbugs|format)/i.test(s)) {
    return signal(8, "lint", "lint task failed", { category: "lint", failure: true });
  }
  if (/^BUILD FAILED|BUILD FAILURE|^Finished: FAILURE|exited with [1-9]\d*\.?$|Exited with code (?:exit status )?[1-9]|^FAILURE: |Execution failed for task|^FAILURES!|Tests? failed|failed with exit code|exited with (?:exit )?code [1-9]|returned non-zero exit status|Command failed with exit code|error Command failed|^ERROR: Job failed/.test(s)) {
    return signal(8, "build-failure", "build failure", { failure: true });
  }
  if (/^\[ERROR\]\s*$/.test(s)) return signal(2, "error", "empty error line");
  if (/^(?:#\d+ )?(?:ERROR|Error|error)(?:\[[\w-]+\])?(?::|!)\s?/.test(s) || /^\[(?:ERROR|FATAL)\]/.test(s) || /^E\/|^\s*\bERR!/.test(s)) {
    return signal(8, "error", "error message");
  }
  if (/^make(?:\[\d+\])?: \*\*\* .*Error \d+/.test(s)) return signal(7, "build-failure", "make failed", { failure: true });
  if (/^(?:✗|✘|✖|×)\s/.test(s)) return signal(7, "error", "failure mark");
  if (/\bexit status [1-9]\d*\b|\bexit code [1-9]\d*\b/.test(s)) return signal(6, "build-failure", "non-zero exit");
  if (/^(?:FAIL|FAILED|FAILURE|ERROR)\b/.test(s)) return signal(7, "error", "failure line");
  if (/\b(?:ERROR|Error|error)\b[:!]|\bFAILED\b|\bfailed\b|\bFailed\b|\bnot found\b|\bcannot\b|\bunable to\b|\bdenied\b|\bundefined\b/.test(s)) return signal(4, "error", "error keyword");
  if (/\berror\b|\bfailures?\b|\bexception\b/i.test(s)) return signal(3, "error", "error keyword");
  return null;
}

function loc(path: string, line: string, column?: string): SourceLocation {
  const l: SourceLocation = { path, line: Number(line) };
  if (column !== undefined && column !== "") l.column = Number(column);
  return l;
}

function fileLine(s: string): SourceLocation | undefined {
  const m = FILE_LINE.exec(s);
  return m ? loc(m[1]!, m[2]!, m[3]) : undefined;
}
