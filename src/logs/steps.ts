import { detach } from "./line-reader.js";
import type { ApiStep, LogStep } from "./types.js";

// The script a `Run` header echoes ends at its settings (or is cut here): the command that ran.
const COMMAND_LINES = 12;
const HEADER_SETTINGS = /^(?:shell|env|with):/;
// Azure Pipelines: `##[section]Starting: <task>`, a banner between `=====` rules, then for script tasks
// `Script contents:` and the script up to the `Starting Command Output` rule; `Finishing: <task>` ends it.
const AZURE_START = "##[section]Starting: ";
const AZURE_FINISH = "##[section]Finishing: ";
const AZURE_RULE = /^={20,}$/;
const AZURE_OUTPUT = /^=+ Starting Command Output =+$/;
const AZURE_POST = /^(?:Post-job: |Finalize Job$)/;
// How a step's exit code is reported: Actions' runner, and an Azure script task (`Bash exited with code '1'.`).
const EXIT_CODE = /^##\[error\](?:Process completed with exit code (\d+)|(?:Bash|Cmd\.exe|PowerShell|pwsh) exited with code '(\d+)')/;

/** The exit code a `##[error]` line reports for its step, if it is that line. */
export function exitCodeOf(text: string): number | undefined {
  const m = EXIT_CODE.exec(text);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

interface OpenStep extends LogStep {
  firstTimestamp?: string;
  /** The text of the step's first line (its header in a raw log), as the log has it. */
  firstText: string;
  post: boolean;
}

/**
 * Finds step sections as the log streams by: `##[group]Run <cmd>` headers in raw logs (custom step names
 * never appear there), the step column in the `gh run view --log` layout, `Post job cleanup.` for post
 * steps, and Azure Pipelines' `##[section]Starting:` / `Finishing:` task sections. Also knows whether the
 * current line is inside a step header (the echoed script and env), which is not output and must not count
 * as evidence.
 */
export class StepTracker {
  readonly steps: OpenStep[] = [];
  private current: OpenStep | null = null;
  private inHeader = false;
  private headerStart = 0;
  private lastColumn: string | undefined;
  private commandOpen = false;
  /** Where an Azure task header is: its banner, the lines after it, the echoed script. */
  private azure: "banner-next" | "banner" | "after-banner" | "script" | null = null;
  ended = false;
  /** The script echoed by the latest `Run` header, line by line. */
  readonly command: { line: number; text: string }[] = [];
  /** The last header line seen: a step's own output comes after its header. */
  lastHeaderLine = 0;

  /** Whether `see` would use this line's timestamp (cutting it from every line is not free). */
  wantsTimestamp(text: string, stepColumn?: string): boolean {
    return (
      (this.current !== null && !this.current.firstTimestamp) ||
      (stepColumn !== undefined && stepColumn !== this.lastColumn) ||
      text.startsWith("##[group]Run ") ||
      text.startsWith(AZURE_START) ||
      text === "Post job cleanup."
    );
  }

  /** Returns true when the line is part of a step header (command echo), not step output. */
  see(line: number, text: string, timestamp?: string, stepColumn?: string): boolean {
    if (stepColumn !== undefined && stepColumn !== this.lastColumn) {
      this.lastColumn = stepColumn;
      this.open(line, text, stepColumn, timestamp, /^Post /.test(stepColumn));
    }
    if (this.inHeader) {
      // A header that never closes (truncated or odd log) must not hide the rest of the log.
      if (text.startsWith("##[endgroup]") || line - this.headerStart > 300) this.inHeader = false;
      else return this.header(line, text);
      if (text.startsWith("##[endgroup]")) return this.header(line, text);
    }
    if (this.azure && this.azureHeader(line, text)) return true;
    if (text.startsWith(AZURE_START)) {
      const name = text.slice(AZURE_START.length).trim();
      this.open(line, text, name, timestamp, AZURE_POST.test(name));
      this.azure = "banner-next";
      this.headerStart = line;
      this.lastHeaderLine = line;
      return true;
    }
    if (text.startsWith(AZURE_FINISH)) {
      if (text.slice(AZURE_FINISH.length).trim() === "Finalize Job") this.ended = true;
      this.close(line);
      return true;
    }
    if (text.startsWith("##[group]Run ")) {
      if (stepColumn === undefined) this.open(line, text, text.slice("##[group]".length).trim(), timestamp, false);
      this.inHeader = true;
      this.headerStart = line;
      return this.header(line, text);
    }
    if (stepColumn === undefined && text === "Post job cleanup.") this.open(line, text, "Post job cleanup", timestamp, true);
    if (text.startsWith("Cleaning up orphan processes")) {
      this.ended = true;
      this.close(line - 1);
    }
    if (this.current && !this.current.firstTimestamp && timestamp) this.current.firstTimestamp = timestamp;
    if (!text.startsWith("##[")) return false;
    const exit = exitCodeOf(text);
    if (this.current && exit !== undefined) {
      this.current.exitCode = exit;
      this.current.failed = this.current.exitCode !== 0;
    } else if (this.current && text.startsWith("##[error]")) this.current.failed = true;
    return false;
  }

  finish(lastLine: number): void {
    this.close(lastLine);
  }

  /** Step of a line (null before the first step). */
  stepAt(line: number): OpenStep | null {
    let lo = 0;
    let hi = this.steps.length - 1;
    let found: OpenStep | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.steps[mid]!.startLine <= line) {
        found = this.steps[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && line <= found.endLine ? found : null;
  }

  /** The script echoed by `step`'s own header, or nothing when the latest header was another step's. */
  commandOf(step: LogStep): readonly { line: number; text: string }[] {
    const first = this.command[0];
    if (!first || first.line <= step.startLine) return [];
    const next = this.steps.find((s) => s.startLine > step.startLine);
    return next && next.startLine <= first.line ? [] : this.command;
  }

  /** The step the job failed in: the last failed non-post step, else the last failed one. */
  failingStep(): OpenStep | null {
    const failed = this.steps.filter((s) => s.failed);
    return failed.filter((s) => !s.post).at(-1) ?? failed.at(-1) ?? null;
  }

  /** Names sections after the API's steps: by timestamp when both sides have one, else by order. */
  applyApiSteps(api: ApiStep[]): void {
    const sorted = [...api].sort((a, b) => a.number - b.number);
    const used = new Set<number>();
    const unnamed: OpenStep[] = [];
    for (const s of this.steps) {
      const ts = s.firstTimestamp ? Date.parse(s.firstTimestamp) : NaN;
      // API times are whole seconds (truncated), so the section's step is the latest one started by then.
      let match: ApiStep | undefined;
      if (!Number.isNaN(ts)) {
        for (const a of sorted) {
          if (used.has(a.number) || !a.startedAt) continue;
          const start = Date.parse(a.startedAt);
          const end = a.completedAt ? Date.parse(a.completedAt) + 1000 : Infinity;
          if (start <= ts && ts <= end && (!match || start > Date.parse(match.startedAt!))) match = a;
        }
      }
      if (match) this.name(s, match, used);
      else unnamed.push(s);
    }
    const rest = sorted.filter((a) => !used.has(a.number) && !/^(Set up job|Complete job)$/.test(a.name));
    for (const s of unnamed) {
      const next = rest.find((a) => !used.has(a.number) && /^Post /.test(a.name) === s.post);
      if (next) this.name(s, next, used);
    }
  }

  private name(s: OpenStep, a: ApiStep, used: Set<number>): void {
    used.add(a.number);
    s.name = a.name;
    if (a.conclusion === "failure") s.failed = true;
  }

  /** Notes a header line, and the script lines among them. */
  private header(line: number, text: string): true {
    this.lastHeaderLine = line;
    if (text.startsWith("##[group]Run ")) {
      this.command.length = 0;
      this.commandOpen = true;
    } else if (this.commandOpen) {
      if (HEADER_SETTINGS.test(text) || text.startsWith("##[") || this.command.length >= COMMAND_LINES) this.commandOpen = false;
      else this.command.push({ line, text: detach(text) });
    }
    return true;
  }

  /** True while `text` is part of an Azure task's header; notes the script it echoes as the command. */
  private azureHeader(line: number, text: string): boolean {
    switch (this.azure) {
      case "banner-next":
        if (!AZURE_RULE.test(text)) return this.endAzureHeader();
        this.azure = "banner";
        break;
      case "banner":
        if (AZURE_RULE.test(text)) this.azure = "after-banner";
        break;
      case "after-banner":
        if (text === "Script contents:") {
          this.azure = "script";
          this.command.length = 0;
        } else if (text !== "Generating script.") return this.endAzureHeader();
        break;
      case "script":
        if (AZURE_OUTPUT.test(text)) this.azure = null;
        else if (line - this.headerStart > 300) return this.endAzureHeader();
        else if (this.command.length < COMMAND_LINES) this.command.push({ line, text: detach(text) });
        break;
    }
    this.lastHeaderLine = line;
    return true;
  }

  private endAzureHeader(): false {
    this.azure = null;
    return false;
  }

  private open(line: number, text: string, name: string, timestamp: string | undefined, post: boolean): void {
    this.close(line - 1);
    this.current = { name, startLine: line, endLine: line, exitCode: null, failed: false, firstTimestamp: timestamp, post, firstText: detach(text) };
    this.steps.push(this.current);
  }

  private close(endLine: number): void {
    if (!this.current) return;
    this.current.endLine = Math.max(this.current.startLine, endLine);
    this.current = null;
  }
}

export function publicStep(s: LogStep): LogStep {
  return { name: s.name, startLine: s.startLine, endLine: s.endLine, exitCode: s.exitCode, failed: s.failed };
}
