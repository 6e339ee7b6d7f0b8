import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { ConfigError, loadAppConfig } from "../../src/config/app-config.js";
import { privateKey } from "../intake/harness.js";

/** The problems loadAppConfig reports for `env`, or [] when it loads. */
function problems(env: Record<string, string>): string[] {
  try {
    loadAppConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe("app-config validation", () => {
  test("PORT and WORKER_HEALTH_PORT must be TCP ports", () => {
    expect(problems({ PORT: "65535" })).toEqual([]);
    expect(problems({ PORT: "65536" })).toEqual([expect.stringMatching(/^PORT: must be a TCP port from 0 to 65535/)]);
    expect(problems({ WORKER_HEALTH_PORT: "70000" })).toEqual([expect.stringMatching(/^WORKER_HEALTH_PORT: must be a TCP port/)]);
  });

  test("RECONCILE_PARKED_HOURS: a day by default, 0 turns it off, anything but a whole number of hours is refused", () => {
    expect(loadAppConfig({}).RECONCILE_PARKED_HOURS).toBe(24);
    expect(loadAppConfig({ RECONCILE_PARKED_HOURS: "0" }).RECONCILE_PARKED_HOURS).toBe(0);
    expect(loadAppConfig({ RECONCILE_PARKED_HOURS: "96" }).RECONCILE_PARKED_HOURS).toBe(96);
    for (const bad of ["-1", "1.5", "a day"]) {
      expect([bad, problems({ RECONCILE_PARKED_HOURS: bad })]).toEqual([bad, [expect.stringMatching(/^RECONCILE_PARKED_HOURS: must be a whole number ≥ 0/)]]);
    }
  });

  test("GHE_HOST is a host name with an optional port: a scheme or a path is refused, naming GHE_PROTOCOL", () => {
    expect(loadAppConfig({ GHE_HOST: "ghe.example.com" }).GHE_HOST).toBe("ghe.example.com");
    expect(loadAppConfig({ GHE_HOST: " ghe.example.com:8443 " }).GHE_HOST).toBe("ghe.example.com:8443");
    expect(loadAppConfig({ GHE_HOST: "" }).GHE_HOST).toBeUndefined();
    for (const bad of ["https://ghe.example.com", "ghe.example.com/api/v3", "ghe.example.com:8443:8443", "user@ghe.example.com"]) {
      expect([bad, problems({ GHE_HOST: bad })]).toEqual([bad, [expect.stringMatching(/^GHE_HOST: must be the host name of your GitHub Enterprise Server alone, e\.g\. ghe\.example\.com .*GHE_PROTOCOL/)]]);
    }
  });

  test("TENSORZERO_URL with user:password is refused, naming TENSORZERO_API_KEY, without echoing the password", () => {
    // undici drops URL credentials without a word, and the gateway only knows bearer keys (reference §4).
    for (const bad of ["http://t0:s3cret-pw@gateway:3000", "https://t0@gateway:3000/tz", "http://:s3cret-pw@gateway:3000"]) {
      const found = problems({ TENSORZERO_URL: bad });
      expect([bad, found]).toEqual([bad, [expect.stringMatching(/^TENSORZERO_URL: .*user:password.*TENSORZERO_API_KEY/)]]);
      expect(found.join()).not.toContain("s3cret-pw");
    }
    expect(loadAppConfig({ TENSORZERO_URL: "http://gateway:3000/tz", TENSORZERO_API_KEY: "sk-t0-abcdefabcdef-secret" }).TENSORZERO_URL).toBe("http://gateway:3000/tz");
    expect(loadAppConfig({ TENSORZERO_URL: "" }).TENSORZERO_URL).toBeUndefined();
  });

  test("GIT_BASE_URL with user:password is refused, saying the installation token is used, without echoing the password", () => {
    // fetch refuses URLs with credentials: every clone failed while start-up said nothing.
    for (const bad of ["https://bot:s3cret-pw@git.example.com", "https://bot@git.example.com/mirror", "http://:s3cret-pw@127.0.0.1:9000"]) {
      const found = problems({ GIT_BASE_URL: bad });
      expect([bad, found]).toEqual([bad, [expect.stringMatching(/^GIT_BASE_URL: .*user:password.*installation token.*e\.g\. https:\/\/git\.example\.com/)]]);
      expect(found.join()).not.toContain("s3cret-pw");
    }
    expect(loadAppConfig({ GIT_BASE_URL: "http://127.0.0.1:9000/" }).GIT_BASE_URL).toBe("http://127.0.0.1:9000/");
    expect(loadAppConfig({ GIT_BASE_URL: "" }).GIT_BASE_URL).toBeUndefined();
  });

  test("TENSORZERO_URL, GIT_BASE_URL and WEBHOOK_PROXY_URL are http(s) URLs with a host: anything else is named, never a stack trace", () => {
    // fetch and undici speak http(s) only: ftp://x or a bare host:port (read as a URL of scheme "gateway:")
    // loaded, and every call failed later; "http://" threw a TypeError out of the schema itself.
    for (const name of ["TENSORZERO_URL", "GIT_BASE_URL", "WEBHOOK_PROXY_URL"]) {
      for (const bad of ["ftp://x", "gateway:3000", "localhost:3000", "http://", "http://:3000", "not a url"]) {
        expect([name, bad, problems({ [name]: bad })]).toEqual([name, bad, [expect.stringMatching(new RegExp(`^${name}: must be an http:// or https:// URL .*e\\.g\\. https?://`))]]);
      }
      for (const good of ["http://gateway:3000", "https://smee.io/abc123", "http://127.0.0.1:9000/", "http://[::1]:3000/tz"]) {
        expect([name, good, problems({ [name]: good })]).toEqual([name, good, []]);
      }
    }
  });

  test("REDIS_URL must parse as a redis:// or rediss:// URL: one ioredis cannot read is named at start, not a Probot stack later", () => {
    for (const bad of ["notaurl", "http://redis:6379", "redis://:6379x", "redis://host:port/0", "redis//host:6379", "redis://host:6379/cache"]) {
      expect([bad, problems({ REDIS_URL: bad })]).toEqual([bad, [expect.stringMatching(/^REDIS_URL: must be a URL such as redis:\/\/host:6379/)]]);
    }
    for (const good of ["redis://127.0.0.1:6379/14", "rediss://:pw@redis.example.com:6380", "redis://redis"]) {
      expect([good, problems({ REDIS_URL: good })]).toEqual([good, []]);
    }
  });

  test("a number setting of only spaces is refused, not read as 0 (a random PORT, no workers)", () => {
    expect(problems({ PORT: " ", T0_WORKERS: "  " })).toEqual([
      'PORT: must be a whole number ≥ 0, got " "',
      'T0_WORKERS: must be a whole number ≥ 0, got "  "',
    ]);
    expect(loadAppConfig({ PORT: "", T0_WORKERS: " 3 " })).toMatchObject({ PORT: 3000, T0_WORKERS: 3 });
  });

  test("a number setting is written in digits: hex, exponents, fractions and signs are refused", () => {
    expect(problems({ PORT: "0x10", T0_WORKERS: "1e3", RETRY_BASE_MS: "1.5", JOB_MAX_RETRIES: "+2" })).toEqual([
      'PORT: must be a whole number ≥ 0, got "0x10"',
      'T0_WORKERS: must be a whole number ≥ 0, got "1e3"',
      'JOB_MAX_RETRIES: must be a whole number ≥ 0, got "+2"',
      'RETRY_BASE_MS: must be a whole number ≥ 1, got "1.5"',
    ]);
  });

  test("WEBHOOK_UNVERIFIED_MAX_BYTES holds at least one 25 MB delivery; HTTP_REQUEST_TIMEOUT_MS at least 1 s", () => {
    expect([loadAppConfig({}).WEBHOOK_UNVERIFIED_MAX_BYTES, loadAppConfig({}).HTTP_REQUEST_TIMEOUT_MS]).toEqual([100 * 1024 * 1024, 10_000]);
    expect(problems({ WEBHOOK_UNVERIFIED_MAX_BYTES: String(25 * 1024 * 1024) })).toEqual([]);
    expect(problems({ WEBHOOK_UNVERIFIED_MAX_BYTES: "1000000" })).toEqual([expect.stringMatching(/^WEBHOOK_UNVERIFIED_MAX_BYTES: must be a whole number ≥ 26214400/)]);
    expect(problems({ HTTP_REQUEST_TIMEOUT_MS: "999" })).toEqual([expect.stringMatching(/^HTTP_REQUEST_TIMEOUT_MS: must be a whole number ≥ 1000/)]);
  });

  test.each([
    ["octo-org", /"octo-org" is not owner\/name/],
    ["https://github.com/o/r", /"https:\/\/github.com\/o\/r" is not owner\/name/],
    [",", /names no repository/],
    [" , ,", /names no repository/],
    ["  ", /"  " names no repository/], // set, but to nothing: as " , ", not as empty (which allows all)
    ["\t", /names no repository/],
    ["octo-org/api,octo-org", /"octo-org" is not owner\/name/],
  ])("REPO_ALLOWLIST=%j is refused, saying what to put there", (value, why) => {
    const [p, ...more] = problems({ REPO_ALLOWLIST: value });
    expect(more).toEqual([]);
    expect(p).toMatch(/^REPO_ALLOWLIST: /);
    expect(p).toMatch(why);
    expect(p).toMatch(/owner\/name separated by commas.*or leave it empty/);
  });

  test("REPO_ALLOWLIST: empty or unset allows every repository; entries are trimmed and lower-cased", () => {
    expect(loadAppConfig({}).REPO_ALLOWLIST).toEqual([]);
    expect(loadAppConfig({ REPO_ALLOWLIST: "" }).REPO_ALLOWLIST).toEqual([]);
    expect(loadAppConfig({ REPO_ALLOWLIST: " Octo-Org/API , octo-org/web.site," }).REPO_ALLOWLIST).toEqual(["octo-org/api", "octo-org/web.site"]);
  });

  test("a key shaped like a PEM that cannot be read as one is refused at start, naming the setting it came from", () => {
    // It loaded, the server ran, and the start-up check logged "DECODER routines::unsupported" every 5 minutes.
    const cut = privateKey.slice(0, 200) + "\n-----END PRIVATE KEY-----\n";
    const found = problems({ APP_ID: "1", PRIVATE_KEY: cut });
    expect(found).toEqual([expect.stringMatching(/^PRIVATE_KEY: cannot be read as a private key .*paste the whole \.pem file/)]);
    expect(found.join()).not.toContain(privateKey.slice(40, 80));
    const dir = mkdtempSync(join(tmpdir(), "t0-key-"));
    try {
      writeFileSync(join(dir, "app.pem"), cut);
      expect(problems({ APP_ID: "1", PRIVATE_KEY_PATH: join(dir, "app.pem") })).toEqual([expect.stringMatching(/^PRIVATE_KEY_PATH: .*app\.pem" cannot be read as a private key .*\.pem file downloaded from the app's settings page/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems({ APP_ID: "1", PRIVATE_KEY: privateKey })).toEqual([]);
  });

  test("NODE_ENV other than production, development or test: a warning that it is not production (a typo turned production's checks off)", () => {
    for (const typo of ["prod", "Production", "staging"]) {
      expect([typo, loadAppConfig({ NODE_ENV: typo }).warnings]).toEqual([typo, [expect.stringMatching(new RegExp(`^NODE_ENV="${typo}" is not production: .*NODE_ENV=production`))]]);
    }
    for (const known of ["production", "development", "test", ""]) expect([known, loadAppConfig({ NODE_ENV: known }).warnings]).toEqual([known, []]);
  });

  test("a private key without APP_ID is an error naming APP_ID (not a silent setup wizard)", () => {
    expect(problems({ PRIVATE_KEY: privateKey })).toEqual([expect.stringMatching(/^APP_ID: required when PRIVATE_KEY is set; put the numeric App ID/)]);
    expect(problems({ PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem" })).toEqual([expect.stringMatching(/^APP_ID: required when PRIVATE_KEY_PATH is set/)]);
    expect(loadAppConfig({}).hasCredentials).toBe(false);
  });

  test("PRIVATE_KEY and PRIVATE_KEY_PATH both set to different keys: PRIVATE_KEY is used, as Probot does, with one warning naming both", () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 1024, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
    const both = loadAppConfig({ APP_ID: "1", PRIVATE_KEY: other.replace(/\n/g, "\\n"), PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem" });
    expect(both.privateKey).toBe(other);
    expect(both.warnings).toEqual([
      'PRIVATE_KEY and PRIVATE_KEY_PATH are both set, to different keys: PRIVATE_KEY is used (as Probot does) and PRIVATE_KEY_PATH ("fixtures/mock-private-key.pem") is ignored; unset the one you do not mean',
    ]);
    // A path that cannot be read is not an error while PRIVATE_KEY is used, but is said too.
    expect(loadAppConfig({ APP_ID: "1", PRIVATE_KEY: other, PRIVATE_KEY_PATH: "/nonexistent/key.pem" }).warnings).toEqual([
      'PRIVATE_KEY and PRIVATE_KEY_PATH are both set, to different keys: PRIVATE_KEY is used (as Probot does) and PRIVATE_KEY_PATH ("/nonexistent/key.pem", which cannot be read) is ignored; unset the one you do not mean',
    ]);
    // The same key both ways (the setup wizard's PRIVATE_KEY beside the downloaded file) is no conflict.
    expect(loadAppConfig({ APP_ID: "1", PRIVATE_KEY: privateKey.replace(/\n/g, "\\n"), PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem" }).warnings).toEqual([]);
    expect(loadAppConfig({ APP_ID: "1", PRIVATE_KEY_PATH: "fixtures/mock-private-key.pem" }).warnings).toEqual([]);
    expect(loadAppConfig({}).warnings).toEqual([]);
  });

  test("ADMIN_TOKEN with a space inside is refused: the Authorization header carries one word, so it could never match", () => {
    expect(problems({ ADMIN_TOKEN: "correct horse battery staple" })).toEqual([expect.stringMatching(/^ADMIN_TOKEN: must be one word, no spaces/)]);
    expect(problems({ ADMIN_TOKEN: "0123456789abcdef0123" })).toEqual([]);
  });

  test("production refuses WEBHOOK_SECRET=development, the value .env.example ships and Probot's public default", () => {
    const creds = { APP_ID: "1", PRIVATE_KEY: privateKey, NODE_ENV: "production" };
    expect(problems({ ...creds, WEBHOOK_SECRET: "development" })).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: "development" is the example value.*secret from the app's settings page/)]);
    expect(problems({ ...creds })).toEqual([expect.stringMatching(/^WEBHOOK_SECRET: required in production/)]);
    expect(problems({ ...creds, WEBHOOK_SECRET: "a-real-secret" })).toEqual([]);
    // Outside production it stays the default, as the setup wizard and local development expect.
    expect(loadAppConfig({ APP_ID: "1", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "development" }).WEBHOOK_SECRET).toBe("development");
  });
});

describe("a setting left empty (`NAME=` in .env, as .env.example writes unset ones) gets its default", () => {
  test("NO_SMEE_SETUP: on when empty, any boolean spelling, anything else refused (Probot's wizard only skips smee.io on \"true\")", () => {
    const smee = (v: string) => loadAppConfig({ NO_SMEE_SETUP: v } as Record<string, string>).NO_SMEE_SETUP;
    // Left empty it reached Probot as "", which is not "true": the wizard went online to create a smee.io channel.
    expect(loadAppConfig({}).NO_SMEE_SETUP).toBe(true);
    expect(smee("")).toBe(true);
    expect(smee("yes")).toBe(true);
    expect(smee("0")).toBe(false);
    expect(problems({ NO_SMEE_SETUP: "maybe" })).toEqual([expect.stringMatching(/^NO_SMEE_SETUP: must be true or false/)]);
  });

  test("BOT_LOGIN: empty is unset; a login with or without [bot] is kept; a URL or a display name is refused", () => {
    expect(loadAppConfig({ BOT_LOGIN: "" }).BOT_LOGIN).toBeUndefined();
    expect(loadAppConfig({ BOT_LOGIN: "my-app[bot]" }).BOT_LOGIN).toBe("my-app[bot]");
    expect(loadAppConfig({ BOT_LOGIN: " My-App2 " }).BOT_LOGIN).toBe("My-App2");
    for (const bad of ["https://github.com/apps/my-app", "My App", "-app[bot]", "app-[bot]"]) {
      expect(problems({ BOT_LOGIN: bad })).toEqual([expect.stringMatching(/^BOT_LOGIN: must be a GitHub login such as my-app\[bot\]/)]);
    }
  });

  test("HOST, DATA_DIR, WORKSPACE_ROOT, TENSORZERO_FUNCTION, WEBHOOK_SECRET and the choice settings", () => {
    const blank: Record<string, string> = { HOST: "", DATA_DIR: "", WORKSPACE_ROOT: "", TENSORZERO_FUNCTION: "", WEBHOOK_SECRET: "", LOG_LEVEL: "", SANDBOX: "", SANDBOX_NETWORK: "", GHE_PROTOCOL: "", REDIS_PREFIX: "" };
    const defaults = loadAppConfig({});
    const c = loadAppConfig(blank);
    // HOST="" listened on every interface; DATA_DIR="" put the store in the working directory; WEBHOOK_SECRET=""
    // was handed to Probot as the secret, so every delivery failed its signature check.
    for (const k of ["HOST", "DATA_DIR", "dataDir", "WORKSPACE_ROOT", "TENSORZERO_FUNCTION", "WEBHOOK_SECRET", "LOG_LEVEL", "SANDBOX", "SANDBOX_NETWORK", "GHE_PROTOCOL", "REDIS_PREFIX"] as const) {
      expect([k, c[k]]).toEqual([k, defaults[k]]);
    }
    expect(c).toMatchObject({ HOST: "localhost", DATA_DIR: "./data", TENSORZERO_FUNCTION: "fix_ci_failure" });
  });

  test("a choice setting given another word: the choices and the word given, in the settings' own wording", () => {
    // zod's default read `Invalid option: expected one of "trace"|"debug"|…`, without the value it refused.
    expect(problems({ LOG_LEVEL: "loud", SANDBOX: "on", GHE_PROTOCOL: "ssh" })).toEqual([
      'GHE_PROTOCOL: must be one of http, https, got "ssh"',
      'LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent, got "loud"',
      'SANDBOX: must be one of auto, bwrap, off, got "on"',
    ]);
  });

  test("set to only spaces: refused, naming the setting (not a host, directory or function called \" \")", () => {
    expect(problems({ HOST: " ", DATA_DIR: "  ", WORKSPACE_ROOT: " ", TENSORZERO_FUNCTION: " " })).toEqual([
      expect.stringMatching(/^HOST: is only spaces; leave it empty for the default \(localhost\)/),
      expect.stringMatching(/^DATA_DIR: is only spaces; leave it empty for the default \(\.\/data\)/),
      expect.stringMatching(/^TENSORZERO_FUNCTION: is only spaces/),
      expect.stringMatching(/^WORKSPACE_ROOT: is only spaces/),
    ]);
  });
});
