import { expect, test } from "@jest/globals";
import { AppIdentity } from "./app-identity.js";

const sorted = (s: ReadonlySet<string>) => [...s].sort();

test("without BOT_LOGIN or GitHub's answer, the name app.yml asks for", () => {
  const id = new AppIdentity();
  expect(id.botLogin).toBe("t0-ci-bot[bot]");
  expect(sorted(id.logins())).toEqual(["t0-ci-bot", "t0-ci-bot[bot]"]);
  expect(new AppIdentity("  ").botLogin).toBe("t0-ci-bot[bot]");
});

test("BOT_LOGIN with or without [bot], any case", () => {
  expect(sorted(new AppIdentity("My-Fixer").logins())).toEqual(["my-fixer", "my-fixer[bot]"]);
  expect(new AppIdentity("my-fixer[bot]").botLogin).toBe("my-fixer[bot]");
});

test("GitHub's answer replaces the default, joins a BOT_LOGIN that differs, and says when it changed anything", () => {
  const id = new AppIdentity();
  expect(id.learn("Acme-Fixer")).toBe(true);
  expect(id.learn("acme-fixer")).toBe(false);
  expect(sorted(id.logins())).toEqual(["acme-fixer", "acme-fixer[bot]"]);
  expect(id.conflictingSetting).toBeUndefined();

  const set = new AppIdentity("acme-fixer[bot]");
  expect(set.learn("acme-fixer")).toBe(false);
  expect(set.conflictingSetting).toBeUndefined();

  const stale = new AppIdentity("old[bot]");
  expect(stale.learn("new")).toBe(true);
  expect(stale.botLogin).toBe("new[bot]");
  expect(stale.conflictingSetting).toBe("old[bot]");
  expect(sorted(stale.logins())).toEqual(["new", "new[bot]", "old", "old[bot]"]);
});
