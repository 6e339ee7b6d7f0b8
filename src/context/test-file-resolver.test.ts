import { describe, expect, test } from "@jest/globals";
import { testFileResolver } from "./test-file-resolver.js";

const files = ["package.json", "src/cart.test.js", "src/util.test.js", "packages/api/src/cart.test.js", "packages/web/src/only.test.tsx", "tests/test_a.py"];
const place = testFileResolver(files);

describe("a failing test's file as its runner printed it, placed in the checkout", () => {
  test("jest's ./ path is the checkout's without it", () => {
    expect(place({ name: "util › trims", file: "./src/util.test.js" })).toEqual({ name: "util › trims", file: "src/util.test.js" });
  });
  test("a container's workdir path: the longest tail that is a file of the checkout", () => {
    expect(place({ name: "cart › adds an item", file: "/app/src/cart.test.js" })).toEqual({ name: "cart › adds an item", file: "src/cart.test.js" });
    expect(place({ name: "only › works", file: "/usr/src/app/src/only.test.tsx" })).toEqual({ name: "only › works", file: "packages/web/src/only.test.tsx" });
  });
  test("in the runner's own checkout: the path under it", () => {
    expect(place({ name: "cart › adds", file: "/home/runner/work/shop/shop/packages/api/src/cart.test.js" })).toEqual({ name: "cart › adds", file: "packages/api/src/cart.test.js" });
  });
  test("a file that failed as a whole is its entry's name too", () => {
    expect(place({ name: "/app/src/util.test.js", file: "/app/src/util.test.js" })).toEqual({ name: "src/util.test.js", file: "src/util.test.js" });
  });
  test("what no file of the checkout ends is kept, without ./; a pytest node id keeps its file", () => {
    expect(place({ name: "x › y", file: "/app/gen/missing.test.js" })).toEqual({ name: "x › y", file: "/app/gen/missing.test.js" });
    expect(place({ name: "x › y", file: "./gen/missing.test.js" })).toEqual({ name: "x › y", file: "gen/missing.test.js" });
    expect(place({ name: "tests/test_a.py::test_x", file: "tests/test_a.py" })).toEqual({ name: "tests/test_a.py::test_x", file: "tests/test_a.py" });
    expect(place({ name: "TestSum" })).toEqual({ name: "TestSum" });
  });
});
