import { readFileSync } from "node:fs";
import { describe, expect, test } from "@jest/globals";
import { parse as parseYaml } from "yaml";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { githubUrls } from "../../src/adapters/github/github-urls.js";
import { loadAppConfig } from "../../src/config/app-config.js";
import { DEFAULT_BOT_LOGIN } from "../../src/core/app-identity.js";
import { REQUIRED_EVENTS, REQUIRED_PERMISSIONS } from "../../src/core/required-access.js";
import { ALWAYS_SENT_EVENTS, HANDLERS } from "../../src/handlers/route-delivery.js";

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), "utf8");

describe(".env.example and app.yml", () => {
  test(".env.example documents every setting in app-config.ts, each with a comment", () => {
    const schema = read("src/config/app-config.ts").split("const envSchema = z.object({")[1]!.split("\n});")[0]!;
    const settings = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(settings.length).toBeGreaterThan(40);
    const example = read(".env.example").split("\n");
    const missing = settings.filter((s) => !example.some((l) => new RegExp(`^#? ?${s}=`).test(l)));
    expect(missing).toEqual([]);
    for (const s of settings) {
      const i = example.findIndex((l) => new RegExp(`^#? ?${s}=`).test(l));
      const above = example.slice(Math.max(0, i - 3), i).filter((l) => l.startsWith("#"));
      expect([s, above.length > 0]).toEqual([s, true]);
    }
  });

  test("every setting .env.example shows is one app-config.ts validates (none read unchecked elsewhere)", () => {
    const schema = read("src/config/app-config.ts").split("const envSchema = z.object({")[1]!.split("\n});")[0]!;
    const settings = new Set([...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!));
    const shown = read(".env.example").split("\n").flatMap((l) => /^#? ?([A-Z][A-Z0-9_]+)=/.exec(l)?.[1] ?? []);
    expect(shown.filter((s) => !settings.has(s))).toEqual([]);
  });

  test(".env.example's values load as a valid configuration", () => {
    const env: Record<string, string> = {};
    for (const line of read(".env.example").split("\n")) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m) env[m[1]!] = m[2]!;
    }
    // A fresh copy must start (it opens the setup wizard: no credentials yet).
    const config = loadAppConfig(env);
    expect(config.hasCredentials).toBe(false);
    expect(config.PORT).toBe(3000);
  });

  test("a value .env.example sets is the setting's default, so a copied file changes nothing", () => {
    const defaults = loadAppConfig({}) as unknown as Record<string, unknown>;
    const differing: string[] = [];
    for (const line of read(".env.example").split("\n")) {
      const m = /^([A-Z0-9_]+)=(.+)$/.exec(line);
      // WEBHOOK_SECRET's "development" is Probot's default, applied where the server starts (app.ts).
      if (!m || m[1] === "WEBHOOK_SECRET") continue;
      const loaded = (loadAppConfig({ [m[1]!]: m[2]! }) as unknown as Record<string, unknown>)[m[1]!];
      if (JSON.stringify(loaded) !== JSON.stringify(defaults[m[1]!])) differing.push(`${m[1]}=${m[2]} (default ${JSON.stringify(defaults[m[1]!])})`);
    }
    expect(differing).toEqual([]);
  });

  test("each number setting's comment gives the least value app-config.ts accepts, when it is not 1", () => {
    const lines = read(".env.example").split("\n");
    const setting = /^#? ?([A-Z][A-Z0-9_]+)=/;
    const wrong: string[] = [];
    for (const [i, line] of lines.entries()) {
      const name = setting.exec(line)?.[1];
      if (!name) continue;
      // A whole-number setting says so, and its minimum, when given something else.
      const least = /whole number ≥ (\d+)/.exec(problemWith(name, "x"))?.[1];
      if (least === undefined || least === "1") continue; // the header's rule: at least 1 unless said
      let j = i;
      while (j > 0 && lines[j - 1]!.startsWith("#") && !setting.test(lines[j - 1]!)) j--;
      const comment = lines.slice(j, i).map((l) => l.replace(/^# ?/, "")).join(" ");
      const says = least === "0" ? /(^|[\s(])0([\s)=;,-]|$)/.test(comment) : new RegExp(`at least ${least}\\b`, "i").test(comment);
      if (!says) wrong.push(`${name}: accepts ${least} and up, its comment does not say so`);
    }
    expect(wrong).toEqual([]);
  });

  test("each setting with a fixed set of values names every one of them in its comment", () => {
    const lines = read(".env.example").split("\n");
    const setting = /^#? ?([A-Z][A-Z0-9_]+)=/;
    const wrong: string[] = [];
    for (const [i, line] of lines.entries()) {
      const name = setting.exec(line)?.[1];
      const listed = name && /expected one of (.*)$/m.exec(problemWith(name, "not-a-choice"))?.[1];
      if (!listed) continue;
      const values = [...listed.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
      let j = i;
      while (j > 0 && lines[j - 1]!.startsWith("#") && !setting.test(lines[j - 1]!)) j--;
      const comment = lines.slice(j, i).join(" ");
      for (const v of values) if (!new RegExp(`\\b${v}\\b`).test(comment)) wrong.push(`${name}: ${v} is allowed, its comment does not name it`);
    }
    expect(wrong).toEqual([]);
  });

  test("a default a setting's comment states is the one the app applies", () => {
    // Settings the schema leaves unset, whose default is applied where they are used.
    const applied: Record<string, string> = {
      GHE_PROTOCOL: new URL(githubUrls({ GHE_HOST: "ghe.example.com" }).apiBaseUrl).protocol.replace(":", ""),
      BOT_LOGIN: DEFAULT_BOT_LOGIN,
      WEBHOOK_SECRET: "development", // Probot's, given to it in app.ts
    };
    const defaults = loadAppConfig({}) as unknown as Record<string, unknown>;
    const lines = read(".env.example").split("\n");
    const setting = /^#? ?([A-Z][A-Z0-9_]+)=/;
    const stated: string[] = [];
    const wrong: string[] = [];
    for (const [i, line] of lines.entries()) {
      const name = setting.exec(line)?.[1];
      if (!name) continue;
      let j = i;
      while (j > 0 && lines[j - 1]!.startsWith("#") && !setting.test(lines[j - 1]!)) j--;
      const comment = lines.slice(j, i).map((l) => l.replace(/^# ?/, "")).join(" ");
      const said = /\(default:? ([^)]+)\)|\bDefault (\S+?)[.\s]|defaults to "([^"]+)"|\b(\S+) \(the default\)/.exec(comment);
      if (!said) continue;
      const value = (said[1] ?? said[2] ?? said[3] ?? said[4])!.replace("<os tmpdir>", tmpdir());
      stated.push(name);
      const actual = Object.hasOwn(applied, name) ? applied[name] : defaults[name];
      if (String(actual) !== value && actual !== join(value)) wrong.push(`${name}: comment says ${value}, the default is ${String(actual)}`);
    }
    expect(stated.length).toBeGreaterThanOrEqual(6);
    expect(wrong).toEqual([]);
  });

  test("app.yml subscribes to every event the intake handles (an event left out is never delivered)", () => {
    const manifest = parseYaml(read("app.yml"));
    expect([...manifest.default_events].sort()).toEqual(Object.keys(HANDLERS).filter((e) => !ALWAYS_SENT_EVENTS.has(e)).sort());
    expect([...ALWAYS_SENT_EVENTS].every((e) => Object.hasOwn(HANDLERS, e))).toBe(true);
  });

  test("app.yml subscribes to the five events with least-privilege permissions", () => {
    const manifest = parseYaml(read("app.yml"));
    expect(manifest.default_events).toEqual(["workflow_run", "check_suite", "pull_request", "pull_request_review", "pull_request_review_comment"]);
    expect(manifest.default_permissions).toEqual({ actions: "read", checks: "read", contents: "write", pull_requests: "write", metadata: "read" });
    // What the start-up check asks GitHub for is what app.yml registers.
    expect(manifest.default_events).toEqual(Object.keys(REQUIRED_EVENTS));
    expect(manifest.default_permissions).toEqual(Object.fromEntries(Object.entries(REQUIRED_PERMISSIONS).map(([name, p]) => [name, p.level])));
    // Left to Probot (WEBHOOK_PROXY_URL or the wizard's own address), so a smee channel is not overridden.
    expect(manifest.hook_attributes).toBeUndefined();
  });
});

/** The message loadAppConfig gives for `name=value`, or "" when it loads. */
function problemWith(name: string, value: string): string {
  try {
    loadAppConfig({ [name]: value });
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}
