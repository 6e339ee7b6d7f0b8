import { isErrorFilter } from "./error-filter.js";
import { quote } from "./greenwash.js";
import type { Add } from "./types.js";

type Values = Map<string, string[]>;

/** addopts switches that turn a warning or an unknown marker or config key into a failure. */
const STRICT_FLAGS = ["--strict-markers", "--strict-config", "--strict", "-Werror", "-W error", "-W=error"];
const strictFlags = (opts: string) => STRICT_FLAGS.filter((f) => new RegExp(String.raw`(^|\s)${f.replace(/\s/, String.raw`\s+`)}(?=\s|$)`).test(opts));
const isTrue = (v: string[] | undefined) => /^(true|1|yes|on)$/i.test(v?.[0] ?? "");

/**
 * pytest's strictness taken away: warnings that failed the run (filterwarnings `error`, `-W error`) or unknown
 * markers (`--strict-markers`) now pass, and with xfail_strict off a test marked xfail that passes no longer
 * fails, so the marker hides whether the bug is still there. Each makes a red run green without a fix.
 */
export function checkPytestStrictness(was: Values, is: Values, where: string, add: Add) {
  const errorsBefore = (was.get("filterwarnings") ?? []).filter(isErrorFilter);
  const errorsAfter = new Set((is.get("filterwarnings") ?? []).filter(isErrorFilter));
  const lost = errorsBefore.find((w) => !errorsAfter.has(w));
  if (lost) add("lower_thresholds", `the patch drops ${quote(lost)} from filterwarnings${where}, so warnings that failed the run now pass`, "filterwarnings");
  if (isTrue(was.get("xfail_strict")) && !isTrue(is.get("xfail_strict"))) {
    add("skip_tests", `the patch turns xfail_strict off${where}, so a test marked xfail that passes no longer fails the run`, "xfail_strict");
  }
  const flagsAfter = strictFlags(is.get("addopts")?.[0] ?? "");
  const flag = strictFlags(was.get("addopts")?.[0] ?? "").find((f) => !flagsAfter.includes(f));
  if (flag) add("lower_thresholds", `the patch removes ${flag} from addopts${where}, so what it made fail now passes`, "addopts");
}
