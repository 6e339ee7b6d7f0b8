// Cheap pre-filter: a line that matches none of these cannot carry a signal, so the extractors skip it.
// It runs on every line, so it is split by cost: keywords grouped by first letter (irregexp dispatches on
// it, and every extra first letter costs at each position of every line: so "bort" for abort, "enied" for
// denied), then rarer punctuation, then the line-start shapes. No lookbehinds: they are slow here.
// Words that only ever mark weak or no evidence stay out ("warn": a warning line matters only in a shape
// the marks below already catch, such as `file.c:3:1: warning` or `##[warning]`), since every extra
// candidate costs all the extractors' rules. test/logs/extractors.test.ts checks that each message the
// extractors know gets through.
const QUICK_WORDS = /e(?:rr|xception|xit(?: (?:code|status)|ed with)|of|ai_again|notfound|nied|mory|thodsource)|f(?:a(?:il|tal)|ile ")|p(?:anic|roblem|assing|ace left)|t(?:raceback|ime(?:d? ?out| elapsed)|est(?:case|suite))|c(?:an(?:cel|not|'t)|o(?:uld(?: not|n't)|nflict|de style|mmunication with)|aused by)|r(?:e(?:fused|set|format)|ate limit)|no(?:t found| such)|u(?:n(?:able|defined|safe|available|known rev)|tdown signal)|missing|killed|violation|bort|g(?:oroutine|o(?:\.sum|: updates)|ateway)/i;
const QUICK_MARKS = /\.(?:[a-z]{1,6}(?::\d|\(\d+,\d+\)|:\[\d)|\.\. \d+ more)|[●✕×✖✗✘]|##\[(?:error|warning)/i;
// Stack frames only: "at" inside a sentence ("12 kB at 900 kB/s") is no evidence.
const QUICK_AT = /^\s*at /;
const QUICK_ARROW = / > |-->/;
const QUICK_START = /^(?:E |\s*-{3,} |\s*\d+\) |# |e: |\s*\d+:\d+\s|\s*(?:fail|ok)\s|_{3,} )/i;
// eslint's file header: a bare path to a script, alone on its line.
const QUICK_PATH = /^\S+\.(?:[cm]?[jt]sx?|vue|svelte)$/i;

/** Whether a cleaned log line may carry a signal; false means no extractor rule can match it. */
export function mayCarrySignal(s: string): boolean {
  return (
    QUICK_WORDS.test(s) ||
    QUICK_MARKS.test(s) ||
    (s.includes(">") && QUICK_ARROW.test(s)) ||
    (s.includes("at ") && QUICK_AT.test(s)) ||
    (mayStartShape(s.charCodeAt(0)) && QUICK_START.test(s)) ||
    (endsLikeScript(s.charCodeAt(s.length - 1)) && QUICK_PATH.test(s))
  );
}

/** First characters QUICK_START can match: e f o (either case), # _ - a digit, or any space (`\s` is wide). */
function mayStartShape(c: number): boolean {
  const l = c | 0x20;
  return l === 0x65 || l === 0x66 || l === 0x6f || c === 0x23 || c === 0x5f || c === 0x2d || (c >= 0x30 && c <= 0x39) || c <= 0x20 || c >= 0x80;
}

/** Last letter of .js/.ts/.jsx/.tsx/.vue/.svelte (either case). */
function endsLikeScript(c: number): boolean {
  const l = c | 0x20;
  return l === 0x73 || l === 0x78 || l === 0x65;
}

const PASSING = /^\s*(?:[✓✔√]\s|PASS(?:ED)?\s|ok\s)|\sPASSED(?:\s|$)|\.\.\. ok$/;

/**
 * A passing test or test class: its title may say "error" or "undefined", but it is not evidence of
 * anything. Surefire prints its summary for every test class, failures or not.
 */
export function reportsPassing(s: string): boolean {
  return PASSING.test(s) || s.includes("Failures: 0, Errors: 0,");
}
