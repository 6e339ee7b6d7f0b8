/**
 * Maven, Gradle and Ant end every invocation with a verdict (`BUILD SUCCESS`, `BUILD FAILURE`, `BUILD
 * SUCCESSFUL`, `BUILD FAILED`). A job that runs the tool more than once (a script that builds each example,
 * a test suite that drives inner builds) prints errors the job went on past: an invocation whose verdict is
 * followed by another verdict, or that ended in success, did not end the job. Its evidence is "survived", and
 * ranks below the evidence of the invocation that did. Only the tool's own output counts: what the script
 * printed between two invocations (`No space left on device`) may be what ended the job.
 */
const VERDICT = /\bBUILD (SUCCESS(?:FUL)?|FAILURE|FAILED)\b/;
// What Maven prints under its verdict before the next output: the rule lines, times, and `[ERROR]` details.
const AFTER_VERDICT = /^(?:\[(?:ERROR|INFO)\] (?:-{20,}|Total time|Finished at|Final Memory)|\[ERROR\]|$)/;
// The first line an invocation prints; a verdict with none above it holds only itself and what follows it.
const START = /^(?:\[INFO\] Scanning for projects\.\.\.|Starting a Gradle Daemon|> (?:Configure project|Task) :|Buildfile: )/;

interface Episode {
  start: number;
  /** The last line of the invocation: its verdict, or the last line of what Maven prints under a failure. */
  end: number;
  success: boolean;
}

export class BuildEpisodes {
  readonly #episodes: Episode[] = [];
  #open: Episode | undefined;
  #start: number | undefined;

  /** Every line passes here, in order. */
  see(line: number, text: string): void {
    const open = this.#open;
    if (open) {
      if (AFTER_VERDICT.test(text)) open.end = line;
      else this.#open = undefined;
    }
    if (this.#start === undefined && START.test(text)) this.#start = line;
    if (!text.includes("BUILD ")) return;
    const m = VERDICT.exec(text);
    if (!m) return;
    const episode = { start: this.#start ?? line, end: line, success: m[1]!.startsWith("SUCCESS") };
    this.#episodes.push(episode);
    // Under a success Maven prints only times: not evidence, and no reason to rank the lines after it lower.
    this.#open = episode.success ? undefined : episode;
    this.#start = undefined;
  }

  /**
   * Whether the job went on past the invocation `line` belongs to: a later invocation ran, or this one
   * succeeded. Lines after the last verdict's invocation are never survived: they are what ended the job.
   */
  survived(line: number): boolean {
    const all = this.#episodes;
    if (all.length === 0 || line > all[all.length - 1]!.end) return false;
    // The first invocation whose end is at or below the line holds it.
    let lo = 0;
    let hi = all.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (all[mid]!.end >= line) hi = mid;
      else lo = mid + 1;
    }
    return all[lo]!.start <= line && (lo < all.length - 1 || all[lo]!.success);
  }

  get count(): number {
    return this.#episodes.length;
  }
}
