import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { jest } from "@jest/globals";
import nock from "nock";
import type { OpenAPIBackend } from "openapi-backend";

/**
 * A strict GitHub REST mock for tests: nock for interception, GitHub's own OpenAPI description
 * (`@octokit/openapi`, generated/api.github.com.json) for validation. Every intercepted request is matched
 * to an operation and validated (path, method, query, body); a request the real API would reject, a
 * request nobody expected and a mock nobody used all fail `done()`.
 *
 *   const gh = await githubApiMock();               // https://api.github.com
 *   gh.on("GET", "/repos/o/r/actions/jobs/1/logs", { status: 302, headers: { location } });
 *   ... exercise code ...
 *   gh.done();                                       // in afterEach, or at the end of the test
 */
export interface MockReply {
  status?: number;
  /** Object → JSON; string/Buffer → sent as is; "example" → GitHub's own example response. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  operationId?: string;
}

export interface GitHubApiMock {
  readonly baseUrl: string;
  /** Requests received so far, in order (after validation). */
  readonly requests: RecordedRequest[];
  /**
   * Expects one request. `path` may carry a query string; the query must then match exactly (order
   * ignored). Without a query string any query is accepted (it is still validated against the spec).
   */
  on(method: string, path: string, reply: MockReply | ((req: RecordedRequest) => MockReply), opts?: { times?: number }): this;
  /** Throws when a request was invalid or unexpected, or when an expected request never came. */
  done(): void;
  /** Removes this mock's interceptors without asserting (use in afterEach after `done`). */
  cleanup(): void;
}

type Api = OpenAPIBackend;
let apiPromise: Promise<Api> | undefined;

/** Loads and indexes GitHub's OpenAPI description once per test file (about 0.2 s with `quick`). */
export function githubOpenApi(): Promise<Api> {
  apiPromise ??= (async () => {
    const require = createRequire(import.meta.url);
    // jest's CommonJS registry cannot load the ESM-only ref parser openapi-backend requires at load time.
    // With quick mode and an object definition it only calls `parse`, which returns an object as is
    // (dereferencing is done by dereference-json-schema); anything else fails loudly.
    const unused = () => {
      throw new Error("json-schema-ref-parser is not available under jest; use quick mode with an object definition");
    };
    jest.doMock("@apidevtools/json-schema-ref-parser", () => ({ __esModule: true, default: { dereference: unused, parse: (doc: unknown) => (typeof doc === "object" ? doc : unused()), resolve: unused } }));
    const file = require.resolve("@octokit/openapi/generated/api.github.com.json");
    const definition = JSON.parse(await readFile(file, "utf8"));
    const { OpenAPIBackend: Ctor } = require("openapi-backend") as { OpenAPIBackend: new (o: object) => Api };
    const addFormats = require("ajv-formats") as (ajv: unknown) => unknown;
    // GitHub's description uses formats such as date-time; without them ajv warns and skips the check.
    const api = new Ctor({ definition, quick: true, validate: true, customizeAjv: (ajv: { addFormat(n: string, f: RegExp): void }) => {
        addFormats(ajv);
        ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/); // GitHub's own "owner/name" format
        return ajv;
      },
    });
    await api.init();
    return api;
  })();
  return apiPromise;
}

export async function githubApiMock(opts: { baseUrl?: string } = {}): Promise<GitHubApiMock> {
  const api = await githubOpenApi();
  const baseUrl = (opts.baseUrl ?? "https://api.github.com").replace(/\/$/, "");
  const base = new URL(baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  const problems: string[] = [];
  const requests: RecordedRequest[] = [];
  const scopes: nock.Scope[] = [];

  nock.disableNetConnect();
  // Loopback stays open for local fakes (git server, fake gateway); nothing else leaves the process.
  nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
  const onNoMatch = (req: { method?: string; path?: string; href?: string; host?: string; hostname?: string }) => {
    const where = req.href ?? `${req.hostname ?? req.host ?? ""}${req.path ?? ""}`;
    if (/^(https?:\/\/)?(127\.0\.0\.1|localhost|\[::1\])/.test(where)) return;
    problems.push(`unexpected request: ${req.method ?? "?"} ${where}`);
  };
  nock.emitter.on("no match", onNoMatch);

  const mock: GitHubApiMock = {
    baseUrl,
    requests,
    on(method, path, reply, o = {}) {
      const [pathname, rawQuery] = splitPath(path);
      const wantQuery = rawQuery === undefined ? undefined : sortedQuery(rawQuery);
      const scope = nock(base.origin)
        .intercept(
          (uri: string) => {
            const [p, q] = splitPath(uri);
            if (p !== prefix + pathname) return false;
            return wantQuery === undefined || sortedQuery(q ?? "") === wantQuery;
          },
          method.toUpperCase(),
        )
        .times(o.times ?? 1)
        .reply(function (uri: string, body: unknown) {
          const [p, q] = splitPath(uri);
          const headers = Object.fromEntries(Object.entries(this.req.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
          const req: RecordedRequest = {
            method: method.toUpperCase(),
            path: p.slice(prefix.length),
            query: Object.fromEntries(new URLSearchParams(q ?? "")),
            headers,
            body: parseBody(body),
          };
          const verdict = validate(api, req);
          if (verdict.problem) problems.push(verdict.problem);
          req.operationId = verdict.operationId;
          requests.push(req);
          const r = typeof reply === "function" ? reply(req) : reply;
          let out: unknown = r.body;
          if (out === "example") {
            out = verdict.operationId ? api.mockResponseForOperation(verdict.operationId, { code: r.status ?? 200 }).mock : undefined;
          }
          const payload = out === undefined ? "" : typeof out === "string" || Buffer.isBuffer(out) ? out : JSON.stringify(out);
          const ct = typeof out === "object" && out !== null && !Buffer.isBuffer(out) ? { "content-type": "application/json; charset=utf-8" } : {};
          return [r.status ?? 200, payload, { ...ct, ...r.headers }];
        });
      scopes.push(scope);
      return this;
    },
    done() {
      const pending = scopes.flatMap((s) => s.pendingMocks());
      nock.emitter.removeListener("no match", onNoMatch);
      const all = [...problems, ...pending.map((p) => `expected request never came: ${p}`)];
      if (all.length) throw new Error(`GitHub API mock:\n  ${all.join("\n  ")}`);
    },
    cleanup() {
      nock.emitter.removeListener("no match", onNoMatch);
      nock.cleanAll();
    },
  };
  return mock;
}

function validate(api: Api, req: RecordedRequest): { problem?: string; operationId?: string } {
  const oreq = { method: req.method.toLowerCase(), path: req.path, query: req.query, headers: req.headers, body: req.body };
  const op = api.matchOperation(oreq);
  if (!op) return { problem: `${req.method} ${req.path} is not an operation in GitHub's REST API` };
  const res = api.validateRequest(oreq, op);
  if (res.valid) return { operationId: op.operationId };
  const why = (res.errors ?? []).map((e: { instancePath?: string; message?: string }) => `${e.instancePath || "(request)"} ${e.message ?? ""}`.trim()).join("; ");
  return { operationId: op.operationId, problem: `${req.method} ${req.path} (${op.operationId}) rejected by GitHub's spec: ${why}` };
}

function splitPath(uri: string): [string, string | undefined] {
  const i = uri.indexOf("?");
  return i < 0 ? [uri, undefined] : [uri.slice(0, i), uri.slice(i + 1)];
}

function sortedQuery(q: string): string {
  const p = new URLSearchParams(q);
  p.sort();
  return p.toString();
}

function parseBody(body: unknown): unknown {
  if (typeof body !== "string" || body === "") return body === "" ? undefined : body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/** A user as GitHub's REST API gives one (every field its schema requires). */
export const apiUser = (login: string) => ({
  login, id: 1, node_id: "u", avatar_url: "", gravatar_id: null, url: "", html_url: "", followers_url: "", following_url: "", gists_url: "", starred_url: "",
  subscriptions_url: "", organizations_url: "", repos_url: "", events_url: "", received_events_url: "", type: login.endsWith("[bot]") ? "Bot" : "User", site_admin: false,
});

/** A submitted review as `GET /repos/{o}/{r}/pulls/{n}/reviews` lists it. */
export const apiReview = (id: number, login: string | null, body: string | null, state: string) => ({
  id, node_id: "r", user: login ? apiUser(login) : null,
  body, state, html_url: "", pull_request_url: "", _links: { html: { href: "" }, pull_request: { href: "" } }, submitted_at: "2026-11-24T09:00:00Z", commit_id: "b".repeat(40), author_association: "MEMBER",
});

/** A review comment on `src/a.ts` as `GET /repos/{o}/{r}/pulls/{n}/comments` lists it. */
export const apiReviewComment = (id: number, login: string, body: string, line: number | null) => ({
  id, node_id: "c", pull_request_review_id: 31, diff_hunk: "@@", path: "src/a.ts", commit_id: "b".repeat(40), original_commit_id: "b".repeat(40), user: apiUser(login),
  body, line, created_at: "2026-11-24T09:00:00Z", updated_at: "2026-11-24T09:00:00Z", html_url: "", pull_request_url: "", author_association: "MEMBER", _links: { self: { href: "" }, html: { href: "" }, pull_request: { href: "" } },
});

/**
 * A review's dismissal as `GET /repos/{o}/{r}/issues/{n}/timeline` lists it (GitHub's
 * `review-dismissed-issue-event` schema): `actor` dismissed it; a stale one names the pusher and the commit.
 */
export const apiReviewDismissedEvent = (reviewId: number, actor: string, staleVia?: string) => ({
  id: 5000 + reviewId, node_id: "e", url: "", actor: apiUser(actor), event: "review_dismissed", commit_id: null, commit_url: null, created_at: "2026-11-24T10:00:00Z", performed_via_github_app: null,
  dismissed_review: { state: "approved", review_id: reviewId, dismissal_message: staleVia ? null : "No longer applies.", ...(staleVia ? { dismissal_commit_id: staleVia } : {}) },
});

/**
 * The PR marked ready for review, or turned into a draft, as `GET /repos/{o}/{r}/issues/{n}/timeline` lists it:
 * only the properties every issue event has (GitHub's "Issue event types" docs; `state-change-issue-event` in
 * its REST description). `actor` did it.
 */
export const apiDraftChangeEvent = (event: "ready_for_review" | "convert_to_draft", actor: string, createdAt: string) => ({
  id: 6000, node_id: "e", url: "", actor: apiUser(actor), event, commit_id: null, commit_url: null, created_at: createdAt, performed_via_github_app: null,
});

/** GitHub minting an installation token (`POST /app/installations/{id}/access_tokens`), valid for an hour. */
export const mintedToken = (token: string) => ({ status: 201, body: { token, expires_at: new Date(Date.now() + 3600_000).toISOString() } });

/** GitHub refusing to mint one: the installation deleted (404) or suspended (403). */
export const TOKEN_REFUSALS = {
  deleted: { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app", status: "404" } },
  suspended: { status: 403, body: { message: "This installation has been suspended", documentation_url: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app", status: "403" } },
} as const;

/** `refs/heads/<branch>` at `sha`, as `GET /repos/{o}/{r}/git/ref/heads/{branch}` gives it. */
export const apiRef = (branch: string, sha: string) => ({ ref: `refs/heads/${branch}`, node_id: "n", url: `https://api.github.com/repos/o/r/git/refs/heads/${branch}`, object: { sha, type: "commit", url: "u" } });
