import { describe, expect, test } from "@jest/globals";
import { outOfJestRoots } from "./out-of-jest-roots.js";

const CONFIG = (body: string) => `/** @type {import('jest').Config} */\nmodule.exports = {\n  testEnvironment: "node",\n${body}};\n`;

describe("outOfJestRoots", () => {
  test.each<[string, string, string, string, RegExp]>([
    ["out of roots", CONFIG('  roots: ["<rootDir>/src", "<rootDir>/test"],\n'), "test/sum.test.js", "legacy/sum.test.js", /roots \(<rootDir>\/src, <rootDir>\/test\)/],
    ["out of a <rootDir> testMatch", CONFIG('  testMatch: ["<rootDir>/test/**/*.test.js"],\n'), "test/unit/sum.test.js", "scripts/sum.test.js", /testMatch/],
    ["into a folder a negated testMatch leaves out", CONFIG('  testMatch: ["**/?(*.)+(spec|test).[jt]s?(x)", "!**/fixtures/**"],\n'), "test/sum.test.ts", "test/fixtures/sum.test.ts", /testMatch/],
    ["out of an extglob testMatch by its name", CONFIG('  testMatch: ["**/__tests__/**/*.[jt]s?(x)"],\n'), "src/__tests__/sum.ts", "src/sum.ts", /testMatch/],
    // Read by picomatch, as jest reads it: a negated extglob and a brace set are globs like any other.
    ["into the folder a negated extglob testMatch leaves out", CONFIG('  testMatch: ["<rootDir>/!(legacy)/**/*.test.{js,ts}"],\n'), "src/sum.test.ts", "legacy/sum.test.ts", /testMatch/],
    ["package.json's jest", '{\n  "roots": ["<rootDir>/packages"]\n}', "packages/a/sum.test.js", "tools/sum.test.js", /roots/],
  ])("%s", (_name, config, from, to, want) => {
    expect(outOfJestRoots(from, to, config)).toMatch(want);
  });

  test.each<[string, string | null, string, string]>([
    ["no config", null, "test/sum.test.js", "legacy/sum.test.js"],
    ["a move between two roots", CONFIG('  roots: ["<rootDir>/src", "<rootDir>/test"],\n'), "test/sum.test.js", "src/sum.test.js"],
    ["a move the extglob testMatch still matches", CONFIG('  testMatch: ["**/?(*.)+(spec|test).[jt]s?(x)"],\n'), "test/sum.test.js", "src/deep/er/sum.spec.jsx"],
    ["roots computed in code", CONFIG('  roots: [path.join(__dirname, "test")],\n'), "test/sum.test.js", "legacy/sum.test.js"],
    ["a rootDir of its own", CONFIG('  rootDir: "app",\n  roots: ["<rootDir>/test"],\n'), "test/sum.test.js", "legacy/sum.test.js"],
    ["projects", CONFIG('  projects: [{ displayName: "a", roots: ["<rootDir>/a"] }],\n'), "a/sum.test.js", "b/sum.test.js"],
    ["a source file moved out of roots", CONFIG('  roots: ["<rootDir>/src", "<rootDir>/test"],\n'), "src/sum.js", "lib/sum.js"],
    ["a testRegex", CONFIG('  roots: ["<rootDir>/test"],\n  testRegex: "/test/.*\\\\.js$",\n'), "test/sum.test.js", "legacy/sum.test.js"],
    ["a testMatch relative to no folder", CONFIG('  testMatch: ["test/**/*.test.js"],\n'), "test/sum.test.js", "legacy/sum.test.js"],
  ])("nothing said for %s", (_name, config, from, to) => {
    expect(outOfJestRoots(from, to, config)).toBeUndefined();
  });
});
