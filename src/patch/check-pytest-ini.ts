import { addedSelectionFlag } from "./added-selection-flag.js";
import { compareSettings, type KeyKind } from "./compare-settings.js";
import { quote } from "./greenwash.js";
import type { Setting } from "./js-settings.js";
import { pytestSettings, type PytestSettings } from "./pytest-settings.js";
import type { Add } from "./types.js";

const PYTEST_KEYS: Record<string, KeyKind> = { testpaths: "include", python_files: "include", python_classes: "include", python_functions: "include" };

export function checkPytestIni(name: string, old: string, now: string, add: Add) {
  const was = pytestSettings(name, old);
  const is = pytestSettings(name, now);
  if (!was || !is) return;
  const where = ` in [${is.section}] of ${name}`;
  const optsBefore = was.values.get("addopts")?.[0] ?? "";
  const optsAfter = is.values.get("addopts")?.[0] ?? "";
  const flag = addedSelectionFlag(optsBefore, optsAfter, "pytest");
  if (flag) {
    add("skip_tests", `the patch adds ${flag.flag} to addopts${where} (${quote(optsBefore)} → ${quote(optsAfter)}), ${flag.why}`, "addopts");
  }
  const settings = (p: NonNullable<PytestSettings>) =>
    new Map([...p.values].filter(([k]) => Object.hasOwn(PYTEST_KEYS, k)).map(([k, v]): [string, Setting] => [k, { present: true, values: v }]));
  compareSettings(settings(was), settings(is), PYTEST_KEYS, where, add);
}
