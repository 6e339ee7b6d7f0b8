import { expect } from "@jest/globals";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Job } from "../../src/core/job.js";

/** Secrets shaped like the real ones (made up): what an adapter's error message can carry into a job record. */
export const PLANTED = {
  pat: "ghp_R4nd0mL00k1ngT0k3nAbCdEfGhIjKlMnOpQ",
  installation: "ghs_1nst4ll4t10nT0k3nZyXwVuTsRqPoNmLkJi",
  urlUser: "t0user",
  urlPass: "hunter2-Pa55word",
} as const;

/** Puts the planted secrets where a job keeps text from outside: error, feedback, stage results, history. */
export function plantSecrets(j: Job): void {
  const gateway = `https://${PLANTED.urlUser}:${PLANTED.urlPass}@tensorzero.internal:3000/inference`;
  j.error = {
    code: "http_401",
    message: `gateway ${gateway} refused the request; remote https://x-access-token:${PLANTED.installation}@github.com/o/r.git`,
    retryable: false,
    stage: "propose-patch",
    at: j.updatedAt,
    details: { url: gateway },
  };
  j.feedback.push({
    id: "fb-1",
    metric: "pr_merged",
    value: true,
    target: { episodeId: "0192f0c4-0000-7000-8000-000000000000" },
    status: "pending",
    attempts: 2,
    lastError: `network: connect ECONNREFUSED ${gateway} (token ${PLANTED.pat})`,
    createdAt: j.createdAt,
  });
  j.results["validate"] = { commands: [{ command: "npm test", outputTail: `Authorization: token ${PLANTED.pat}` }] };
  j.history.push({ state: j.state, at: j.updatedAt, note: `clone of https://${PLANTED.urlUser}:${PLANTED.urlPass}@git.example.com/o/r failed` });
}

/** None of the planted secrets appears in `text`, and the redaction marker does. */
export function expectRedacted(text: string): void {
  for (const s of Object.values(PLANTED)) expect(text).not.toContain(s);
  expect(text).toContain("[REDACTED]");
}

/** The shared secrets corpus (fixtures/context/secrets/corpus.jsonl): a line of text and the secret in it. */
export const SECRETS_CORPUS: { kind: string; text: string; secret: string }[] = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/context/secrets/corpus.jsonl"),
  "utf8",
)
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { kind: string; text: string; secret: string });

/** A made-up 2048-bit RSA private key (PKCS#8 PEM): 64-character base64 lines and a short last line. */
export const RSA_KEY_LINES: string[] = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/context/secrets/rsa-2048.pem"),
  "utf8",
)
  .trim()
  .split("\n");

/** Every 12-character piece of the body lines of RSA_KEY_LINES found in `text`. */
export function leakedKeyBody(text: string): string[] {
  return RSA_KEY_LINES.slice(1, -1).flatMap((line) => leakedPieces(text, line));
}

/** Every 12-character piece of `secret` found in `text` (a shorter secret counts whole): a part is a leak too. */
export function leakedPieces(text: string, secret: string): string[] {
  const found: string[] = [];
  const n = Math.min(12, secret.length);
  for (let i = 0; i + n <= secret.length; i++) if (text.includes(secret.slice(i, i + n))) found.push(secret.slice(i, i + n));
  return found;
}

/**
 * `head`, padded or shortened, then the corpus line `c`, so that a cut at `cut` characters goes through the
 * secret with at least 12 of its characters on the kept side: before the cut when the head is kept.
 */
export function acrossHeadCut(c: { text: string; secret: string }, cut: number, head = "output: "): string {
  const before = cut - Math.max(12, Math.ceil(c.secret.length / 2)) - c.text.indexOf(c.secret);
  return `${head}${"x ".repeat(Math.ceil(before / 2))}`.slice(0, before) + c.text + " and more";
}

/** The corpus lines whose secret, cut with its head kept, left part of it after redaction (checked 2026-12). */
export const HEAD_CUT_KINDS = [
  "url-credentials", "gitlab-token", "high-entropy-unknown", "url-token-as-user",
  "docker-pat", "digitalocean-token", "age-secret-key", "azure-ad-client-secret", "sendgrid-key", "databricks-token",
  "sonarqube-token", "gitlab-runner-token", "terraform-cloud-token",
] as const;
