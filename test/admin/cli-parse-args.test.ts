import { describe, expect, test } from "@jest/globals";
import { parseArgs } from "../../src/cli/commands/cli-store.js";

describe("CLI parseArgs", () => {
  test("--name=value keeps everything after the first =, as --name value does", () => {
    const spec = { url: "value", repo: "value" } as const;
    expect(parseArgs(["--url=http://127.0.0.1:3000/?a=b"], spec)).toEqual({ flags: { url: "http://127.0.0.1:3000/?a=b" }, rest: [] });
    expect(parseArgs(["--url", "http://127.0.0.1:3000/?a=b"], spec)).toEqual({ flags: { url: "http://127.0.0.1:3000/?a=b" }, rest: [] });
  });
});
