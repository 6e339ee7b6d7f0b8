import { describe, expect, test } from "@jest/globals";
import { parse } from "yaml";
import { defaultRepoConfig, parseRepoConfig } from "./repo-config.js";

describe("parseRepoConfig", () => {
  test("absent file gives the defaults and no problems", () => {
    expect(parseRepoConfig(null)).toEqual({ config: defaultRepoConfig(), problems: [] });
    expect(defaultRepoConfig()).toMatchObject({ enabled: true, network: false, timeouts: {} });
    expect(defaultRepoConfig().validate).toBeUndefined();
  });

  test("a full valid file is taken as written", () => {
    const raw = parse(`
enabled: true
setup: [npm ci]
validate:
  - npm run lint
  - npm test
timeouts: { setup_seconds: 300, validate_seconds: 120 }
reproduce_first: false
sandbox: bwrap
network: setup
`);
    const { config, problems } = parseRepoConfig(raw);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      setup: ["npm ci"],
      validate: ["npm run lint", "npm test"],
      timeouts: { setup_seconds: 300, validate_seconds: 120 },
      reproduce_first: false,
      sandbox: "bwrap",
      network: "setup",
    });
  });

  test("`_extends` (org-wide defaults, resolved by Probot) is not reported", () => {
    expect(parseRepoConfig({ _extends: ".github", validate: ["make test"] })).toMatchObject({ problems: [], config: { validate: ["make test"] } });
  });

  test("a single command string is read as a one-item list", () => {
    expect(parseRepoConfig({ validate: "pytest -x" }).config.validate).toEqual(["pytest -x"]);
  });

  test("an unknown key is named with a suggestion, and the rest of the file still applies", () => {
    const { config, problems } = parseRepoConfig({ validat: ["make test"], setup: ["make deps"] });
    expect(config.setup).toEqual(["make deps"]);
    expect(config.validate).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('validat: unknown key (did you mean "validate"?)');
  });

  test("a bad nested value only loses that value", () => {
    const { config, problems } = parseRepoConfig({ timeouts: { setup_seconds: "ten", validate_seconds: 30 }, network: "maybe" });
    expect(config.timeouts).toEqual({ validate_seconds: 30 });
    expect(config.network).toBe(false);
    expect(problems.join("\n")).toMatch(/timeouts\.setup_seconds: .*expected number.*\(got "ten"\)/);
    expect(problems.join("\n")).toMatch(/network: must be true, false or "setup" \(got "maybe"\)/);
  });

  test("an empty command in a list drops the list and says which entry", () => {
    const { config, problems } = parseRepoConfig({ validate: ["npm test", ""] });
    expect(config.validate).toBeUndefined();
    expect(problems[0]).toContain("validate.1: must be a non-empty shell command");
  });

  // The owner wrote a file and the bot cannot read any setting from it: it may well have said "off", so the
  // bot stays off, and says why, rather than running with every default.
  test("a file that is not a mapping is reported, never thrown, and keeps the bot off", () => {
    expect(parseRepoConfig("validate: npm test").problems[0]).toContain("must be a YAML mapping");
    expect(parseRepoConfig([1, 2]).config).toEqual({ ...defaultRepoConfig(), enabled: false });
    for (const [raw, kind] of [[["enabled: false"], "a list"], ["off", "a plain value"], [42, "a plain value"], [true, "a plain value"]] as const) {
      const r = parseRepoConfig(raw);
      expect(r.config.enabled).toBe(false);
      expect(r.off).toContain(kind);
      expect(r.off).toMatch(/stays off .* until/);
    }
    expect(parseRepoConfig({}).off).toBeUndefined();
    expect(parseRepoConfig(null).off).toBeUndefined();
  });

  test("an enabled that is not a boolean keeps the bot off, the rest of the file still read", () => {
    const r = parseRepoConfig({ enabled: "no", labels: ["x"] });
    expect(r.config).toMatchObject({ enabled: false, labels: ["x"] });
    expect(r.off).toMatch(/enabled: "no", which is not true or false; the bot stays off/);
    expect(r.problems).toEqual([expect.stringContaining("enabled")]);
    expect(parseRepoConfig({ enabled: false }).off).toBeUndefined();
    expect(parseRepoConfig({ labels: ["x"] }).off).toBeUndefined();
  });

  test("unknown keys inside allow get a suggestion from that section", () => {
    const { problems } = parseRepoConfig({ allow: { workflow_edit: true } });
    expect(problems[0]).toContain('allow.workflow_edit: unknown key (did you mean "workflow_edits"?)');
  });
});
