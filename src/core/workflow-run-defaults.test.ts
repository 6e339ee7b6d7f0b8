import { describe, expect, test } from "@jest/globals";
import { parse } from "yaml";
import { jobRunDefault, runDefault, workflowText } from "./workflow-run-defaults.js";

/** One reading of `defaults.run` for context/ (fetch-logs' record) and validate/ (the replayed steps). */
describe("defaults.run", () => {
  const doc = parse(
    [
      "defaults:",
      "  run:",
      "    working-directory: app",
      "    shell: pwsh",
      "jobs:",
      "  numbered:",
      "    defaults:",
      "      run:",
      "        working-directory: 2024",
      "  own-shell:",
      "    defaults: { run: { shell: bash } }",
      "  empty:",
      "    defaults: { run: { working-directory: } }",
      "  odd:",
      "    defaults: { run: [working-directory] }",
      "  none: {}",
      "",
    ].join("\n"),
  ) as { jobs: Record<string, unknown> };

  test("a workflow's or job's setting, YAML numbers and booleans read as the text GitHub reads", () => {
    expect(runDefault(doc, "working-directory")).toBe("app");
    expect(runDefault(doc, "shell")).toBe("pwsh");
    // `working-directory: 2024` is the directory 2024 to GitHub, a number to the YAML parser.
    expect(runDefault(doc.jobs.numbered, "working-directory")).toBe("2024");
    expect(runDefault(doc.jobs.numbered, "shell")).toBeUndefined();
    expect(runDefault(doc.jobs.odd, "working-directory")).toBeUndefined();
    expect(runDefault(null, "shell")).toBeUndefined();
    expect(runDefault("defaults", "shell")).toBeUndefined();
  });

  test("the job's own setting, key by key, else the workflow's", () => {
    expect(jobRunDefault(doc, doc.jobs.numbered, "working-directory")).toBe("2024");
    expect(jobRunDefault(doc, doc.jobs.numbered, "shell")).toBe("pwsh");
    expect(jobRunDefault(doc, doc.jobs["own-shell"], "shell")).toBe("bash");
    expect(jobRunDefault(doc, doc.jobs["own-shell"], "working-directory")).toBe("app");
    // An empty key (null to YAML) sets nothing.
    expect(jobRunDefault(doc, doc.jobs.empty, "working-directory")).toBe("app");
    expect(jobRunDefault(doc, doc.jobs.none, "shell")).toBe("pwsh");
    expect(jobRunDefault({}, doc.jobs.none, "shell")).toBeUndefined();
  });

  test("workflowText: strings as they are, numbers and booleans as their text, anything else nothing", () => {
    expect([workflowText("a"), workflowText(""), workflowText(3.10), workflowText(true), workflowText(null), workflowText({}), workflowText(["a"])]).toEqual(["a", "", "3.1", "true", undefined, undefined, undefined]);
  });
});
