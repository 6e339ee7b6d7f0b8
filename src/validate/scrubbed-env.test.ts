import { describe, expect, test } from "@jest/globals";
import { scrubbedEnv } from "./scrubbed-env.js";

describe("scrubbedEnv", () => {
  const parent = {
    PATH: "/work/bot/node_modules/.bin:/root/.cargo/bin:.:bin:/usr/bin:/usr/bin",
    HOME: "/root",
    LANG: "en_US.UTF-8",
    PYENV_ROOT: "/root/.pyenv",
    PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
    GITHUB_TOKEN: "ghs_x",
    TENSORZERO_API_KEY: "sk-t0-x",
    ADMIN_TOKEN: "admin",
    REDIS_URL: "redis://:pw@host",
    NODE_OPTIONS: "--require /tmp/evil.js",
    npm_config_userconfig: "/root/.npmrc",
  };

  test("an allow-list: secrets, the bot's settings and npm's own config never pass", () => {
    const env = scrubbedEnv(parent, { home: "/tmp/h", tmp: "/tmp/t" });
    for (const k of ["PRIVATE_KEY", "GITHUB_TOKEN", "TENSORZERO_API_KEY", "ADMIN_TOKEN", "REDIS_URL", "NODE_OPTIONS", "npm_config_userconfig"]) expect(env).not.toHaveProperty(k);
    expect(env).toMatchObject({ HOME: "/tmp/h", TMPDIR: "/tmp/t", CI: "true", LANG: "en_US.UTF-8", PYENV_ROOT: "/root/.pyenv", PYTHONDONTWRITEBYTECODE: "1" });
  });

  test("an allow-listed variable holding a URL with a login (an authenticated GOPROXY) is left out", () => {
    const env = scrubbedEnv({ ...parent, GOPROXY: "https://ci-bot:glpat-secret@goproxy.corp.example,direct", GOFLAGS: "-mod=mod", LANG: "de_DE.UTF-8@euro" }, { home: "/h", tmp: "/t" });
    expect(env).not.toHaveProperty("GOPROXY");
    expect(JSON.stringify(env)).not.toContain("glpat-secret");
    expect(env).toMatchObject({ GOFLAGS: "-mod=mod", LANG: "de_DE.UTF-8@euro" });
    expect(scrubbedEnv({ ...parent, GOPROXY: "https://proxy.golang.org,direct" }, { home: "/h", tmp: "/t" }).GOPROXY).toBe("https://proxy.golang.org,direct");
  });

  test("PATH keeps absolute, de-duplicated entries and drops node_modules/.bin and relative ones", () => {
    expect(scrubbedEnv(parent, { home: "/h", tmp: "/t" }).PATH).toBe("/root/.cargo/bin:/usr/bin");
    expect(scrubbedEnv({}, { home: "/h", tmp: "/t" }).PATH).toBe("/usr/local/bin:/usr/bin:/bin");
  });

  test("rustup keeps finding its toolchains when HOME moves", () => {
    expect(scrubbedEnv(parent, { home: "/h", tmp: "/t" })).toMatchObject({ CARGO_HOME: "/root/.cargo", RUSTUP_HOME: "/root/.rustup" });
  });

  test("an operator can pass extra names through", () => {
    expect(scrubbedEnv({ ...parent, PIP_INDEX_URL: "https://mirror" }, { home: "/h", tmp: "/t", allow: ["PIP_INDEX_URL"] }).PIP_INDEX_URL).toBe("https://mirror");
  });
});
