import { describe, expect, it } from "@jest/globals";
import { filterPatternRegExp, matchesFilter } from "./github-filter.js";

// The examples of the "Filter pattern cheat sheet" in GitHub's workflow syntax reference.
const cases: Array<[string, string[], string[]]> = [
  ["feature/*", ["feature/my-branch", "feature/your-branch"], ["feature/your/branch", "feature"]],
  ["feature/**", ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"], ["features/x"]],
  ["*", ["main", "releases"], ["releases/x"]],
  ["**", ["all/the/branches", "every/tag"], []],
  ["*feature", ["mona-feature", "feature", "ver-10-feature"], ["feature-x"]],
  ["v2*", ["v2", "v2.0", "v2.9"], ["v3"]],
  ["v[12].[0-9]+.[0-9]+", ["v1.10.1", "v2.0.0"], ["v3.0.0", "v1.x.1", "v1..1"]],
  ["*.jsx?", ["page.js", "page.jsx"], ["page.jsxx", "src/page.js"]],
  ["**.js", ["index.js", "js/index.js", "src/js/app.js"], ["index.ts"]],
  ["docs/*", ["docs/README.md", "docs/file.txt"], ["docs/a/b.md"]],
  ["docs/**", ["docs/README.md", "docs/mona/octocat.txt"], ["src/docs.md"]],
  ["docs/**/*.md", ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"], ["docs/a.txt"]],
  ["**/docs/**", ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"], ["mydocs/x"]],
  ["**/README.md", ["README.md", "js/README.md"], ["README.mdx"]],
  ["**/*src/**", ["a/src/app.js", "my-src/code/js/app.js"], ["src.js"]],
  ["**/*-post.md", ["my-post.md", "path/their-post.md"], ["post.md"]],
  ["**/migrate-*.sql", ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"], ["migrate.sql"]],
  ["release/\\*", ["release/*"], ["release/1"]],
];

describe("GitHub filter patterns", () => {
  it.each(cases)("%s", (pattern, yes, no) => {
    const re = filterPatternRegExp(pattern);
    for (const v of yes) expect([v, re.test(v)]).toEqual([v, true]);
    for (const v of no) expect([v, re.test(v)]).toEqual([v, false]);
  });

  it("lets the last matching pattern decide, so a later ! excludes and a later positive includes again", () => {
    const patterns = ["*.md", "!README.md", "README*"];
    expect(matchesFilter("hello.md", patterns)).toBe(true);
    expect(matchesFilter("README.md", patterns)).toBe(true);
    expect(matchesFilter("README.doc", patterns)).toBe(true);
    expect(matchesFilter("README.md", ["*.md", "!README.md"])).toBe(false);
    expect(matchesFilter("docs/hello.md", ["*.md", "!README.md"])).toBe(false);
    expect(matchesFilter("main", ["!main"])).toBe(false);
  });
});

describe("patterns from a workflow file are bounded", () => {
  it("refuses a pattern with more wildcards than it will judge", () => {
    expect(() => filterPatternRegExp("*a*a*a*a*a*a*a*a*a*b")).toThrow(/wildcards/);
    expect(filterPatternRegExp("**/a*/b*/c*").test("x/ay/bz/c")).toBe(true);
  });
});
