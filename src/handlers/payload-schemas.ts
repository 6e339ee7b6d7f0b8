import { z } from "zod";
import { AppError } from "../core/errors.js";

/**
 * Only the fields the bot reads, per event. A delivery missing one of them is answered 400 and recorded as
 * `invalid`, so a malformed or truncated payload never becomes a job with holes in it.
 */
const account = z.object({ login: z.string(), type: z.string().optional() });
const repository = z.object({
  id: z.number().int(),
  name: z.string(),
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be owner/name"),
  owner: z.object({ login: z.string() }),
  default_branch: z.string().optional(),
  private: z.boolean().optional(),
});
const installation = z.object({ id: z.number().int().positive() }, { message: "missing: the delivery must come from a GitHub App installation" });
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a commit SHA");
const prRef = z.object({
  number: z.number().int(),
  head: z.object({ repo: z.object({ id: z.number().int() }).nullish() }).optional(),
  base: z.object({ repo: z.object({ id: z.number().int() }).nullish() }).optional(),
});

export const workflowRunCompletedSchema = z.object({
  action: z.literal("completed"),
  installation,
  repository,
  sender: account.optional(),
  workflow: z.object({ path: z.string().optional(), name: z.string().optional() }).nullish(),
  workflow_run: z.object({
    id: z.number().int().positive(),
    name: z.string().nullish(),
    run_attempt: z.number().int().min(1).default(1),
    head_sha: sha,
    head_branch: z.string().nullable(),
    conclusion: z.string().nullable(),
    path: z.string().optional(),
    event: z.string().optional(),
    html_url: z.string().optional(),
    check_suite_id: z.number().int().optional(),
    actor: account.nullish(),
    triggering_actor: account.nullish(),
    head_repository: z.object({ id: z.number().int(), full_name: z.string() }).nullish(),
    pull_requests: z.array(prRef).default([]),
  }),
});
export type WorkflowRunCompleted = z.infer<typeof workflowRunCompletedSchema>;

export const checkSuiteCompletedSchema = z.object({
  action: z.literal("completed"),
  installation,
  repository,
  sender: account.optional(),
  check_suite: z.object({
    id: z.number().int().positive(),
    head_sha: sha,
    head_branch: z.string().nullable(),
    conclusion: z.string().nullable(),
    url: z.string().optional(),
    app: z.object({ id: z.number().int().optional(), slug: z.string().optional(), name: z.string().optional() }).nullish(),
    pull_requests: z.array(prRef).default([]),
  }),
});
export type CheckSuiteCompleted = z.infer<typeof checkSuiteCompletedSchema>;

/** pull_request and pull_request_review: enough to route the delivery to the PR/feedback work. */
export const pullRequestEventSchema = z.object({
  action: z.string(),
  installation: installation.optional(),
  repository,
  sender: account.optional(),
  pull_request: z.object({
    number: z.number().int(),
    head: z.object({ ref: z.string(), sha: z.string().optional() }),
    merged: z.boolean().nullish(),
    state: z.string().optional(),
  }),
  review: z.object({ id: z.number().int(), state: z.string() }).optional(),
});
export type PullRequestEvent = z.infer<typeof pullRequestEventSchema>;

/**
 * The installation the event is about: `account` is a user or an organization (`login`) or, for an
 * enterprise installation, an enterprise (`slug`, `name`).
 */
const installationOfEvent = z.object({
  id: z.number().int().positive(),
  account: z.object({ login: z.string().optional(), slug: z.string().optional(), name: z.string().nullish() }).nullish(),
});

const repositoryLite = z.object({ id: z.number().int(), full_name: z.string() });

/** `installation` (created, deleted, suspend, unsuspend, new_permissions_accepted). */
export const installationEventSchema = z.object({
  action: z.string(),
  installation: installationOfEvent,
  sender: account.optional(),
  /** created: the repositories the new installation can reach (absent from suspend and unsuspend). */
  repositories: z.array(repositoryLite).default([]),
});
export type InstallationEvent = z.infer<typeof installationEventSchema>;

/** `installation_repositories` (added, removed). */
export const installationRepositoriesEventSchema = installationEventSchema.extend({
  repositories_removed: z.array(repositoryLite).default([]),
});

/** Any event we only record: the action and, when there is one, the repository. */
export const anyEventSchema = z.object({
  action: z.string().optional(),
  installation: z.object({ id: z.number().int() }).optional(),
  repository: z.object({ full_name: z.string() }).optional(),
});

export class InvalidPayloadError extends AppError {
  constructor(message: string) {
    super("invalid_payload", message);
  }
}

/** Parses or throws an InvalidPayloadError naming every bad field, e.g. `workflow_run.head_sha: must be a commit SHA`. */
export function parsePayload<T>(schema: z.ZodType<T>, payload: unknown, what: string): T {
  const r = schema.safeParse(payload);
  if (r.success) return r.data;
  const problems = r.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`);
  throw new InvalidPayloadError(`${what} payload is missing required fields or has invalid ones: ${problems.join("; ")}`);
}
