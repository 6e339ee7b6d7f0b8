import { redactHead } from "../core/redact.js";

/**
 * Which workflow `run:` steps may be replayed on the bot's host. Commands come from the repository, so
 * they are untrusted: anything that deploys, publishes, logs in, uses secrets or GitHub expressions, or
 * touches the host outside the checkout is left out. Setup steps must also look like an install or a
 * build, line by line.
 */
export interface StepVerdict {
  ok: boolean;
  reason?: string;
  /** The step downloads dependencies (needs network in the sandbox). */
  needsNetwork?: boolean;
}

const DENY: Array<[RegExp, string]> = [
  [/\$\{\{/, "uses a GitHub expression that only Actions can evaluate"],
  [/\bsecrets\b|GITHUB_TOKEN|ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN/i, "uses secrets"],
  [/\$\{?GITHUB_(ENV|OUTPUT|PATH|STEP_SUMMARY|STATE)\b/, "writes Actions step files"],
  [/\b(deploy|publish|release|upload|semantic-release|changeset\s+publish)\b/i, "deploys or publishes"],
  [/\b(login|logout)\b/i, "logs in to a service"],
  [/\bgit\s+(push|tag|commit|remote|config)\b/, "changes git remotes or history"],
  [/\b(sudo|su|apt|apt-get|yum|dnf|apk|brew|snap|choco)\b/, "changes the host system"],
  [/\b(curl|wget|ssh|scp|rsync|nc|ncat|telnet)\b/, "talks to other hosts"],
  [/\b(docker|podman|kubectl|helm|terraform|pulumi|aws|gcloud|az|heroku|vercel|netlify|flyctl|firebase)\b/, "drives infrastructure"],
  [/\b(gh|hub)\s/, "calls the GitHub CLI"],
  [/\b(codecov|coveralls|twine|npm\s+version|npm\s+dist-tag)\b/, "reports or publishes"],
];

/** Install/build lines accepted in setup, and whether they download. */
const SETUP_LINES: Array<[RegExp, boolean]> = [
  [/^(npm|pnpm|yarn|bun)\s+(ci|install|i)\b/, true],
  [/^yarn$/, true],
  [/^(npm|pnpm|yarn|bun)\s+(run\s+)?(build|compile|prepare|generate|codegen|tsc)\b/, false],
  [/^corepack\s+enable\b/, false],
  [/^(python3?|py)\s+-m\s+pip\s+install\b/, true],
  [/^pip3?\s+install\b/, true],
  [/^(python3?\s+-m\s+)?(poetry|pipenv)\s+install\b/, true],
  [/^uv\s+(sync|pip\s+install)\b/, true],
  [/^go\s+mod\s+(download|tidy|verify)\b/, true],
  [/^go\s+(build|generate|vet)\b/, false],
  [/^cargo\s+(fetch|build)\b/, true],
  [/^bundle\s+install\b/, true],
  [/^(mvn|\.\/mvnw)\b.*\b(install|compile|dependency:\S+|test-compile)\b/, true],
  [/^(gradle|\.\/gradlew)\b.*\b(assemble|build|compileJava|dependencies)\b/, true],
  [/^composer\s+install\b/, true],
  [/^(echo|mkdir|export|set|true)\b/, false],
];

/** `if [ -f x ]`, `elif [[ ! -d x ]]`, `if test -e x`: a test of a file, with no command in it. */
const FILE_TEST = /^(?:if|elif)\s+(?:\[\[?\s+(?:!\s+)?-[a-z]\s+[^\s\]]+\s+\]\]?|test\s+(?:!\s+)?-[a-z]\s+\S+)$/;

/** `$(...)`, backticks, `<(...)`/`>(...)`: a command inside an argument, which the line rules never see. */
const SUBSTITUTION = /\$\(|`|[<>]\(/;
/** Fd redirections (`2>&1`, `&>`) hold an `&` that does not separate commands. */
const FD_REDIRECT = /\d*>&\d*-?|&>>?/g;

export function checkStep(run: string, purpose: "setup" | "validate"): StepVerdict {
  for (const [re, why] of DENY) if (re.test(run)) return { ok: false, reason: why };
  if (purpose === "validate") return { ok: true };
  let needsNetwork = false;
  // A line ending in a backslash continues on the next: one command, checked as one.
  for (const raw of run.replace(/\\\r?\n/g, " ").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (SUBSTITUTION.test(line)) return { ok: false, reason: `"${shown(line)}" runs a command inside another (command substitution)` };
    // Every command of the line is checked: after &&, ||, ;, a pipe or a background &, not only the first.
    for (const piece of line.replace(FD_REDIRECT, ">").split(/\s*(?:&&|\|\||;|\||&)\s*/)) {
      // GitHub's Python starter: `if [ -f requirements.txt ]; then pip install -r requirements.txt; fi`.
      // A file test decides nothing unsafe; the commands in its branches are checked like any other.
      const part = piece.replace(/^(?:then|else|do)\s+/, "");
      if (!part || /^(?:then|else|fi|do|done)$/.test(part) || FILE_TEST.test(part)) continue;
      if (/^cd\b/.test(part)) {
        if (!safeRelativeDir(part.slice(2).trim().replace(/^(['"])(.*)\1$/, "$2"))) return { ok: false, reason: `"${shown(part)}" leaves the checkout` };
        continue;
      }
      const hit = SETUP_LINES.find(([re]) => re.test(part));
      if (!hit) return { ok: false, reason: `"${shown(part)}" is not a recognised install or build command` };
      needsNetwork ||= hit[1];
    }
  }
  return { ok: true, needsNetwork };
}

/** A directory named relative to the checkout that stays inside it (no `..`, `~`, `$` or quoting tricks). */
function safeRelativeDir(dir: string): boolean {
  return dir !== "" && !dir.startsWith("/") && !dir.startsWith("~") && !dir.split(/[\\/]/).includes("..") && !/[`$'"\n]/.test(dir);
}

/** Prefixes a command with a `cd` into the step's working directory, when that directory is safe. */
export function inWorkingDirectory(run: string, dir: string | undefined): string | undefined {
  if (!dir || dir === "." || dir === "./") return run;
  if (!safeRelativeDir(dir)) return undefined;
  return `cd '${dir}' && ${run}`;
}

/** A command as quoted in a refusal: redacted before the cut, which would leave a secret's head too short for its rule. */
const shown = (command: string) => redactHead(command, 60);
