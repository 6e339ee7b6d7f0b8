import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { runInNewContext } from "node:vm";
import type { DestinationStream } from "pino";
import { createLogger } from "./logger.js";
import { leakedKeyBody, RSA_KEY_LINES } from "../../test/helpers/planted-secrets.js";
import { addMaskValues, credentialIn, MASK, maskKeyBodies, maskValuesDeep, redact, redactDeep, redactHead, redactJsonLine } from "./redact.js";

describe("redact", () => {
  test.each([
    ["ghs_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"],
    ["github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789"],
    ["AKIAIOSFODNN7EXAMPLE"],
    ["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"],
  ])("removes %s", (secret) => {
    const out = redact(`token was ${secret} here`);
    expect(out).not.toContain(secret);
    expect(out).toContain("[REDACTED]");
  });

  test("keeps the name of a secret assignment and masks the value", () => {
    expect(redact("DATABASE_PASSWORD=hunter2hunter2")).toBe("DATABASE_PASSWORD=[REDACTED]");
  });

  test("leaves commit SHAs and ordinary text alone", () => {
    const line = "HEAD is now at 4f2a1c3d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49 fix tests";
    expect(redact(line)).toBe(line);
  });

  test("a line ending in a credential word does not lose the start of the next line", () => {
    const text = "Refreshing the access token\nPreparingWorkspaceForTests done\nUsing Basic\nAuthenticationMiddleware loaded\nbearer\nMiddlewarePipelineReady";
    expect(redact(text)).toBe(text);
  });

  // A short credential is a credential too: whatever its length, what follows the scheme of an Authorization
  // header is masked when it is the header's whole value (it ends the line, a quoted string or a field).
  test.each([
    ["Authorization: Bearer abc123", "Authorization: Bearer [REDACTED]"],
    ["> authorization: bearer x", "> authorization: bearer [REDACTED]"],
    ["Authorization: Basic dTpw", "Authorization: Basic [REDACTED]"],
    ["Authorization: token s3cr3t\r\nHost: api.github.com", "Authorization: token [REDACTED]\r\nHost: api.github.com"],
    ['curl -H "Authorization: Bearer tok-9" https://x', 'curl -H "Authorization: Bearer [REDACTED]" https://x'],
    ["{'Authorization': 'Bearer abc'}", "{'Authorization': 'Bearer [REDACTED]'}"],
    ['{\\"msg\\":\\"Authorization: Bearer abc\\"}', '{\\"msg\\":\\"Authorization: Bearer [REDACTED]\\"}'],
    ["Authorization: Bearer abc, Host: x", "Authorization: Bearer [REDACTED], Host: x"],
    ["refused (Authorization: Bearer abc)", "refused (Authorization: Bearer [REDACTED])"],
  ])("masks a short credential after Authorization's scheme: %s", (text, want) => {
    expect(redact(text)).toBe(want);
  });

  test.each([
    ["401: Authorization: Bearer token is required"],
    ["error: Authorization: Basic auth is disabled for this endpoint"],
    ["Authorization: Bearer"],
    ["Authorization: Bearer ***"],
    ["Authorization: Bearer $TOKEN"],
    ['Authorization: Bearer ${{ secrets.TOKEN }}'],
    ["Authorization: Bearer <token>"],
    ["A Bearer token is required"],
  ])("keeps Authorization's scheme followed by prose or a placeholder: %s", (text) => {
    expect(redact(text)).toBe(text);
  });

  test("masks credentials inside URLs", () => {
    expect(redact("git clone https://x-access-token:abc123secret@github.com/o/r.git")).toBe(
      "git clone https://[REDACTED]@github.com/o/r.git",
    );
    // Redis's usual form has no user; a password may contain "@".
    expect(redact("connect ECONNREFUSED redis://:Sup3rS3cretRedisPw@cache:6379/0")).toBe("connect ECONNREFUSED redis://[REDACTED]@cache:6379/0");
    expect(redact("postgres://app:p@ss-W0rd-9x@db:5432/app")).toBe("postgres://[REDACTED]@db:5432/app");
    expect(redact("see https://github.com:443/o/r and git@github.com:o/r.git")).toBe("see https://github.com:443/o/r and git@github.com:o/r.git");
  });

  // The runner's `***` is kept as it printed it (keep.txt); one with more of a password after it is not a masked value.
  test("a URL credential the runner masked stays as it is, unless more of the password follows", () => {
    expect(redact("https://u:***@x@h/")).toBe("https://[REDACTED]@h/");
    expect(redact("Password=***x;")).toBe("Password=[REDACTED];");
    expect(redact("token:***@github.com and TOKEN=***@abcdef")).toBe("token:[REDACTED] and TOKEN=[REDACTED]");
  });

  // Redaction runs on every log line, prompt and PR body, on text no one bounded (a minified file, a
  // progress bar). vm's timeout interrupts a regular expression. Each line takes under 0.5 s here (a run of
  // secret names the most: secret-assignment starts at each); a pattern tried from each position to the
  // line's end took minutes. 20 s leaves room for a loaded CI machine, where a 0.4 s line once took over 10 s.
  test.each([
    ["a dotted run before a URL", `${"a.".repeat(500_000)} https://host/x`],
    ["a dotted run before a secret's name", `${"a.".repeat(500_000)}KEY x`],
    ["a run of schemes", "x://".repeat(250_000)],
    ["a run of assignments that look like calls", `${"TOKEN=a.".repeat(125_000)}(`],
    ["a run of secret names", "PWD".repeat(333_333)],
    ["a run of database client names", "mysql ".repeat(166_666)],
    ["a run of database clients each asking for the password", "mysql -p ".repeat(111_111)],
    ["a run of registry logins", "docker login ".repeat(76_923)],
    ["a run of netrc logins", "login x ".repeat(125_000)],
    ["a run of secret names before a separator", `${"TOKEN_".repeat(166_666)}=`],
    ["secret-named XML tags", "<password>".repeat(100_000)],
    ["secret-named XML attributes", 'name="TOKEN" value="'.repeat(50_000)],
    ["cut keys in JSON strings", '-----BEGIN PRIVATE KEY-----\\n"'.repeat(35_000)],
    ["cut keys in JSON strings, with END lines of something else", "-----BEGIN PRIVATE KEY-----\\n-----END CERTIFICATE-----".repeat(20_000)],
  ])("a 1 MB line of %s is redacted in linear time", (_name, line) => {
    expect(() => runInNewContext("redact(line)", { redact, line }, { timeout: 20_000 })).not.toThrow();
  });

  test("the length caps that keep it linear still cover long names and credentials", () => {
    const name = `${"SERVICE_".repeat(12)}API_KEY`;
    expect(redact(`${name}=Zq8xLmN3pR7tVw2y`)).toBe(`${name}=[REDACTED]`);
    const password = "p4ss".repeat(50);
    expect(redact(`amqp+ssl://${"u".repeat(100)}:${password}@mq:5671`)).toBe("amqp+ssl://[REDACTED]@mq:5671");
  });

  // A name of words, numbers and hashes is evidence (a parametrised test's id, a cache key, a toolchain path:
  // keep.txt); random keys whose `-`, `_`, `/` or `+` cut them into letters-only parts must not pass for one.
  test.each([
    "fjXlZsOhiYjmNxPOWnErZGLBRYpTfOKy/I32",
    "ETHduezGfI-YSlfpg0-AK__vn_KmVxDr_138-rA",
    "OyRdxOuh5/PlSgDvWfXf+izpWbkWdi/JLbmQ95",
    "mhsyHcQkeaBKZafphPwfurJs-kx679_wSS",
    "PPyKOKnjbYwUQl_KFpHmwFrcWAMKsdB4",
  ])("a random key cut into parts, %s, is still masked", (key) => {
    expect(redact(`value ${key} here`)).toBe("value [REDACTED] here");
  });

  test("a *_PASS setting is a password", () => {
    expect(redact("DB_PASS=Pr0dDbPassw0rd!")).toBe("DB_PASS=[REDACTED]");
    expect(redact("Tests: 12 passed, 12 total")).toBe("Tests: 12 passed, 12 total");
  });
});

// The runner masks a value registered with `::add-mask::` only in what it prints after the command, and in the
// forms its value encoders know; the step's header, output before it, and the app's own runs show it as is.
describe("values a workflow registered with ::add-mask::", () => {
  const header = '##[group]Run echo "::add-mask::correct-horse-battery"';
  test.each([
    ["later in the text", `${header}\nlogin failed for correct-horse-battery`, `login failed for ${MASK}`],
    ["registered unquoted, before another command", `Run echo ::add-mask::correct-horse-battery && ./deploy.sh\nlogin failed for correct-horse-battery`, `login failed for ${MASK}`],
    ["earlier in the text", `generated correct-horse-battery\n${header}`, `generated ${MASK}`],
    ["URL-encoded", `::add-mask::p@ss w0rd!x\nGET /login?pw=p%40ss%20w0rd%21x`, `GET /login?pw=${MASK}`],
    ["JSON-escaped", `::add-mask::pass\tword1!\n{"pw":"pass\\tword1!"}`, `{"pw":"${MASK}"}`],
    ["base64", `${header}\nheader Y29ycmVjdC1ob3JzZS1iYXR0ZXJ5`, `header ${MASK}`],
    ["base64 two bytes in (user:value)", `::add-mask::horse-battery7\nAuth dTpob3JzZS1iYXR0ZXJ5Nw==`, `Auth dTp${MASK}w==`],
    ["base64 three bytes in", `::add-mask::horse-battery7\nAuth YWI6aG9yc2UtYmF0dGVyeTc=`, `Auth YWI6${MASK}c=`],
  ])("%s", (_name, text, line) => {
    const out = redact(text);
    expect(out).toContain(line);
    expect(out).not.toMatch(/correct-horse|horse-battery|p%40ss|pass\\?t?word/);
    expect(redact(out)).toBe(out);
  });

  test("a value too short to mask everywhere, a $VAR, an unexpanded expression and *** are not searched for", () => {
    expect(redact("::add-mask::abc\nabc def")).toBe(`::add-mask::${MASK}\nabc def`);
    for (const line of ['echo "::add-mask::$DEPLOY_TOKEN"\nDEPLOY_TOKEN unset', 'echo "::add-mask::${{ steps.t.outputs.v }}"\nsteps.t', "::add-mask::***\ntoken: ***"]) {
      expect(redact(line)).toBe(line);
    }
  });

  test("maskValuesDeep takes a log's registered values out of every string of an analysis", () => {
    const out = maskValuesDeep({ errors: [{ text: "auth failed: correct-horse-battery", line: 3 }], n: 1 }, addMaskValues(header));
    expect(out).toEqual({ errors: [{ text: `auth failed: ${MASK}`, line: 3 }], n: 1 });
  });

  test("thousands of registered values are searched for in one pass over a large text", () => {
    // A job masking each line of a file under `set -x` registers one value per line, each with ten encoded forms.
    const values = Array.from({ length: 3000 }, (_, i) => `secret-value-${i}-xyz`);
    const text = `${"npm ERR! something failed ".padEnd(2000, "x")}\n`.repeat(1000) + "uses secret-value-2999-xyz and secret-value-7-xyz";
    // Its speed is measured in bench/analyze-log.ts (one scan per encoded form took over 10 s on this text).
    const out = maskValuesDeep({ text }, values).text;
    expect(out.endsWith(`uses ${MASK} and ${MASK}`)).toBe(true);
  });
});

describe("webhook URLs", () => {
  test.each([
    ["https://hooks.slack.com/workflows/T0AB12CDE/A04ABCDEF/462912345678901234/abcdefghijklmnopqrstuvwx", `https://hooks.slack.com/workflows/${MASK}`],
    ["https://hooks.slack.com/triggers/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", `https://hooks.slack.com/triggers/${MASK}`],
    ["https://discord.com/api/webhooks/1234567890123456789/aBcD3fGhIjKlMnOpQrStUvWxYz0123456789_-aBcDeFgHiJkLmNoPqRsTuVwXyZ012345", `https://discord.com/api/webhooks/1234567890123456789/${MASK}`],
    ["https://discordapp.com/api/v10/webhooks/1234567890123456789/wkqrpdnxzbhgvmftcyjalseuoiwkqrpdnxzbhgvmft", `https://discordapp.com/api/v10/webhooks/1234567890123456789/${MASK}`],
  ])("%s keeps its host and id", (url, masked) => {
    expect(redact(`curl -X POST ${url}`)).toBe(`curl -X POST ${masked}`);
  });

  test("a patch that adds one is refused as a credential", () => {
    expect(credentialIn('url = "https://discord.com/api/webhooks/1234567890123456789/wkqrpdnxzbhgvmftcyjalseuoiwkqrpdnxzbhgvmft"')).toBe("discord-webhook");
  });
});

// Database and SSH clients take a password as a short flag, often too short for the entropy rule to see.
describe("passwords given to a client's short flag", () => {
  test.each([
    ["mysql -uroot -pS3cretPass -h 127.0.0.1 test", "mysql -uroot -p[REDACTED] -h 127.0.0.1 test"],
    ["docker exec db mysql -uroot -proot -e 'show databases'", "docker exec db mysql -uroot -p[REDACTED] -e 'show databases'"],
    ["mysqladmin -uroot -p'secret' ping", "mysqladmin -uroot -p'[REDACTED]' ping"],
    ['mysqladmin -uroot -p"hunter22" ping', 'mysqladmin -uroot -p"[REDACTED]" ping'],
    ["mysql -p'my secret pw' db", "mysql -p'[REDACTED]' db"],
    ["/usr/bin/mysqldump -pS3cretPass db > dump.sql", "/usr/bin/mysqldump -p[REDACTED] db > dump.sql"],
    ["mariadb-dump -uroot -pS3cretPass db", "mariadb-dump -uroot -p[REDACTED] db"],
    ["sshpass -p secret ssh deploy@host", "sshpass -p [REDACTED] ssh deploy@host"],
    ["sshpass -pS3cret scp a host:", "sshpass -p[REDACTED] scp a host:"],
    ["sshpass -P 'Password:' -p 'my secret' ssh h", "sshpass -P 'Password:' -p '[REDACTED]' ssh h"],
    ["redis-cli -h cache -a S3cretRedis --no-auth-warning ping", "redis-cli -h cache -a [REDACTED] --no-auth-warning ping"],
    ["redis-cli --pass S3cretRedis ping", "redis-cli --pass [REDACTED] ping"],
    // Already masked before this change; kept here as the forms the brief of this rule names.
    ["mysqldump --password=S3cretPass db", "mysqldump --password=[REDACTED] db"],
    ["PGPASSWORD=s3cr3tPw psql -h localhost", "PGPASSWORD=[REDACTED] psql -h localhost"],
  ])("%s", (line, masked) => {
    expect(redact(line)).toBe(masked);
    expect(redact(masked)).toBe(masked);
  });

  test("in a JSON log line, the value stops before the escaped quote", () => {
    const line = JSON.stringify({ msg: 'mysql -h db -uroot -p"S3cret" -e "select 1"' });
    expect(JSON.parse(redactJsonLine(line))).toEqual({ msg: 'mysql -h db -uroot -p"[REDACTED]" -e "select 1"' });
  });

  test.each([
    "docker run -p 8080:80 nginx",
    "gcc -pthread -o app app.c",
    "go test -parallel 4 ./...",
    "pytest -p no:cacheprovider -q",
    "mvn -pl module -am test",
    "psql -p 5432 -U postgres",
    "mkdir -p build/out && cp -pr a b && tar -pxf x.tar",
    "mysql -p test",
    "mysql -uroot -p -h 127.0.0.1; mkdir -pv out",
    "mysql -uroot -p$MYSQL_ROOT_PASSWORD db",
    'mysql -uroot -p"${DB_PW}" db',
    "mysql -uroot -p*** db",
    "apt-get install -y default-mysql-client && mkdir -p out",
    "sshpass -e ssh deploy@host",
    "redis-cli --askpass ping",
    "docker run -d --name mysql -p3306:3306 mysql:8",
    "docker run --name mariadb -p127.0.0.1:3306:3306/tcp -p 33060:33060 mariadb:11",
  ])("%s is kept", (line) => {
    expect(redact(line)).toBe(line);
  });
});

describe("redaction corpus (fixtures/context/secrets)", () => {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/context/secrets");
  const corpus = readFileSync(join(dir, "corpus.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; text: string; secret: string });
  const keep = readFileSync(join(dir, "keep.txt"), "utf8").trim().split("\n");

  /** Any 12-character piece of the secret still present counts as a leak (a shorter secret, whole). */
  const leaks = (out: string, secret: string) => {
    const found: string[] = [];
    const n = Math.min(12, secret.length);
    for (let i = 0; i + n <= secret.length; i++) if (out.includes(secret.slice(i, i + n))) found.push(secret.slice(i, i + n));
    return found;
  };

  test.each(corpus.map((c) => [c.kind, c] as const))("%s is masked", (_kind, c) => {
    const out = redact(c.text);
    expect(leaks(out, c.secret)).toEqual([]);
    expect(out).toContain("[REDACTED]");
    expect(redact(out)).toBe(out); // idempotent
  });

  test("ordinary CI output survives untouched", () => {
    for (const line of keep) expect(redact(line)).toBe(line);
  });

  test("redactDeep reaches strings nested in objects and arrays", () => {
    const c = corpus[0]!;
    const out = JSON.stringify(redactDeep({ a: [{ b: c.text }], n: 1, ok: true, nil: null }));
    expect(leaks(out, c.secret)).toEqual([]);
    expect(out).toContain('"n":1');
  });

  test("nothing from the corpus reaches the pino log output", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ level: "info", destination: sink as unknown as DestinationStream });
    for (const c of corpus) {
      log.info({ payload: c.text }, c.text);
      log.error({ err: new Error(`failed with ${c.text}`) }, "boom");
    }
    await new Promise((r) => setImmediate(r));
    const all = lines.join("");
    expect(lines.length).toBe(corpus.length * 2);
    for (const c of corpus) expect(leaks(all, c.secret)).toEqual([]);
  });

  // pino writes a newline inside a string as `\n`: the secret after it followed an `n`, a word character,
  // so no rule that starts at a word boundary saw it, and a mask that took the `n` left `\[REDACTED]`.
  test("a secret that starts a line (or follows a tab or an escaped control character) of a logged string is masked, and the line stays JSON", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ level: "info", destination: sink as unknown as DestinationStream });
    // The secrets known by their shape alone (a bare 40-hex key id is not: only its name tells it from a SHA).
    const shaped = corpus.filter((c) => leaks(redact(c.secret), c.secret).length === 0);
    expect(shaped.length).toBeGreaterThanOrEqual(30);
    for (const c of shaped) {
      log.info({ payload: `first line\n${c.secret}\tthen\t${c.secret}\r\n\u001b[31m${c.secret}` }, "multi-line");
      log.error({ err: new Error(`the gateway said:\n${c.secret}`) }, "boom");
    }
    await new Promise((r) => setImmediate(r));
    const all = lines.join("");
    const parsed = all.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.length).toBe(shaped.length * 2);
    expect(parsed[0]!.payload).toMatch(/^first line\n\[REDACTED\]\tthen\t\[REDACTED\]\r\n\u001b\[31m\[REDACTED\]$/);
    for (const c of shaped) expect([c.kind, leaks(all, c.secret)]).toEqual([c.kind, []]);
  });

  // An Octokit error carries its request, whose body is JSON: a file sent in a tree holds `"password": "…"`,
  // which the log line escapes twice (`\\\"password\\\"`), and the rules read quotes escaped once.
  test("a secret in JSON text inside a logged string (an error's request body) is masked, and the line stays JSON", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ level: "info", destination: sink as unknown as DestinationStream });
    const file = '{\n  "db": { "password": "Xq7vR2mPz9wKc" },\n  "api_key": "kT4pWm8sQz1Ny"\n}\n';
    const request = { method: "POST", url: "https://api.github.com/repos/o/r/git/trees", body: JSON.stringify({ base_tree: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", tree: [{ path: "config.json", content: file }] }) };
    log.error({ err: Object.assign(new Error("Validation Failed"), { status: 422, request }), attempt: 2 }, "could not create the tree");
    await new Promise((r) => setImmediate(r));
    expect(lines.length).toBe(1);
    expect(lines[0]).not.toMatch(/Xq7vR2mPz9wKc|kT4pWm8sQz1Ny/);
    const o = JSON.parse(lines[0]!) as { err: { request: { body: string } }; attempt: number; msg: string };
    expect(o).toMatchObject({ attempt: 2, msg: "could not create the tree" });
    const body = JSON.parse(o.err.request.body) as { base_tree: string; tree: Array<{ content: string }> };
    expect(body.base_tree).toBe("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
    expect(body.tree[0]!.content).toBe('{\n  "db": { "password": "[REDACTED]" },\n  "api_key": "[REDACTED]"\n}\n');
  });

  // A mask that ran to the end of a value took the backslash of the `\"` after it: the quote then closed the
  // string early and the line was no longer JSON; a key cut before its END line was masked to the end of
  // the text, the line's closing brace and newline included, so the next line was glued to it.
  test("a masked value never takes part of a JSON escape nor the line's end: each log line stays one JSON object", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger({ level: "info", destination: sink as unknown as DestinationStream });
    const forged = `","level":60,"forged":"yes`;
    const texts = [
      `Server=db;Password=hunter2hunter2"${forged}`,
      `https://acct.blob.core.windows.net/c?sv=2022&sig=abcdefABCDEF0123"${forged}`,
      `//registry.npmjs.org/:_authToken=abcdef0123456789"${forged}`,
      `Password=ab\\cd"${forged}`,
      // A key cut before its END line: masked to the end of its string, not of the line.
      `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC`,
    ];
    for (const t of texts) log.info({ payload: t, jobId: "j1" }, "untrusted text");
    await new Promise((r) => setImmediate(r));
    expect(lines.length).toBe(texts.length);
    for (const l of lines) {
      const o = JSON.parse(l) as Record<string, unknown>;
      expect(o).toMatchObject({ level: 30, jobId: "j1", msg: "untrusted text", payload: expect.stringContaining("[REDACTED]") });
      expect(o).not.toHaveProperty("forged");
    }
    expect(lines.join("")).not.toMatch(/hunter2|abcdefABCDEF0123|abcdef0123456789|MIIEvQ/);
  });
});

describe("redactHead", () => {
  const token = "glpat-xN3kQ8vR2mW7pL5sT9yB";
  test("cuts after redacting, and not through a marker", () => {
    expect(redactHead("short", 10)).toBe("short");
    // Cut first, `glpat-xN3kQ8vR2` is too short for the gitlab rule.
    expect(redactHead(`push with ${token} failed`, 25)).toBe("push with [REDACTED] fail…");
    expect(redactHead(`push with ${token} failed`, 15)).toBe("push with …");
  });

  test("the word the redacted window's cut went through is dropped", () => {
    // A private key masked to a few characters brings what was past the window into the first `max`.
    const key = `-----BEGIN PRIVATE KEY-----${"A".repeat(1004)}-----END PRIVATE KEY-----`;
    const text = `${key} ${"b".repeat(36)} ${token}`; // the window (80 + 1024) ends 10 characters into the token
    const out = redactHead(text, 80);
    expect(out).toBe(`[REDACTED] ${"b".repeat(36)} …`);
    expect(out).not.toContain("glpat");
  });

  test("a word that starts before the cut is kept, however long", () => {
    expect(redactHead(`errors: ${"x".repeat(5000)}`, 500)).toBe(`errors: ${"x".repeat(492)}…`);
  });
});


// A log redacted line by line (the evidence of an analysis) sees a key's body without its BEGIN line; each body
// line passes as base64 high in entropy but the short last one, unless maskKeyBodies took it as part of the key.
describe("maskKeyBodies", () => {
  test.each([
    ["the runner's timestamps", "2024-01-02T03:04:05.1234567Z "],
    ["a compose service's prefix", "web-1  | "],
    ["kubectl's prefix", "[pod/api-7d9f/api] "],
    ["timestamps and a compose prefix", "2024-01-02T03:04:05.1234567Z web-1  | "],
    ["colour codes", "\u001b[36m"],
  ])("masks every body line of a key printed with %s before each line", (_name, prefix) => {
    const lines = ["Run ./deploy.sh", ...RSA_KEY_LINES.map((l) => prefix + l), prefix + "Error: bad key"];
    maskKeyBodies(lines);
    expect(leakedKeyBody(lines.map(redact).join("\n"))).toEqual([]);
    expect(lines.at(-1)).toBe(prefix + "Error: bad key");
    expect(lines[0]).toBe("Run ./deploy.sh");
  });
});
