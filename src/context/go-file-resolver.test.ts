import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goFileResolver } from "./go-file-resolver.js";
import { listRepoFiles } from "./repo-files.js";

let root: string;
let resolve: Awaited<ReturnType<typeof goFileResolver>>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "t0-go-files-"));
  for (const [p, c] of Object.entries({
    "go.mod": "module github.com/org/repo\n\ngo 1.22\n",
    "internal/calc/calc_test.go": "package calc\n",
    "pkg/calc/calc_test.go": "package calc\n",
    "pkg/testutil/testing.go": "package testutil\n",
    // A nested module owns its subtree under its own path.
    "tools/go.mod": 'module "example.com/tools"\n',
    // go.mod allows a comment after the module path.
    "lint/go.mod": "module example.com/lint // the linters, a module of their own\n",
    "lint/rules/rules_test.go": "package rules\n",
    "lint/legacy/rules_test.go": "package legacy\n",
    "tools/gen/gen_test.go": "package gen\n",
    "cmd/uniq/uniq_test.go": "package main\n",
    "testdata/uniq_test.go": "package main\n",
    "vendor/github.com/x/y/dep_test.go": "package y\n",
  })) {
    await mkdir(join(root, p, ".."), { recursive: true });
    await writeFile(join(root, p), c);
  }
  resolve = await goFileResolver(root, await listRepoFiles(root));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("go's base file names in the checkout", () => {
  test("the package's directory under the module that owns it: one base name in two packages, each its own", async () => {
    expect(await resolve("calc_test.go", "github.com/org/repo/internal/calc")).toBe("internal/calc/calc_test.go");
    expect(await resolve("calc_test.go", "github.com/org/repo/pkg/calc")).toBe("pkg/calc/calc_test.go");
  });
  test("a nested go.mod owns its packages", async () => {
    expect(await resolve("gen_test.go", "example.com/tools/gen")).toBe("tools/gen/gen_test.go");
    expect(await resolve("rules_test.go", "example.com/lint/rules")).toBe("lint/rules/rules_test.go");
  });
  test("with the package known, a file not in its directory is not the repository's (go's testing.go), whatever else has that name", async () => {
    expect(await resolve("testing.go", "github.com/org/repo/internal/calc")).toBeNull();
    expect(await resolve("calc_test.go", "github.com/org/repo/internal/other")).toBeNull();
  });
  test("without a package: only a name one file of the repository has, vendor/ and testdata/ not counted", async () => {
    expect(await resolve("uniq_test.go")).toBe("cmd/uniq/uniq_test.go");
    expect(await resolve("calc_test.go")).toBeNull();
    expect(await resolve("dep_test.go")).toBeNull();
    expect(await resolve("testing.go")).toBe("pkg/testutil/testing.go");
  });
  test("a package no go.mod of the checkout owns (a fork's path) is a package not told", async () => {
    expect(await resolve("uniq_test.go", "github.com/fork/repo/cmd/uniq")).toBe("cmd/uniq/uniq_test.go");
    expect(await resolve("calc_test.go", "github.com/fork/repo/internal/calc")).toBeNull();
  });
  test("only base names: a path is toRepoPath's", async () => {
    expect(await resolve("internal/calc/calc_test.go")).toBeNull();
  });
});
