import { scopeOf, type DeliveryMeta, type Handler, type HandlerDeps, type IntakeDecision } from "./decision.js";
import { onCheckSuite } from "./on-check-suite.js";
import { onInstallation, onInstallationRepositories } from "./on-installation.js";
import { onPullRequest } from "./on-pull-request.js";
import { onWorkflowRun } from "./on-workflow-run.js";

/** Event name (X-GitHub-Event) → handler. Events not listed are recorded as ignored. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  workflow_run: onWorkflowRun,
  check_suite: onCheckSuite,
  pull_request: onPullRequest,
  pull_request_review: onPullRequest,
  pull_request_review_comment: onPullRequest,
  installation: onInstallation,
  installation_repositories: onInstallationRepositories,
};

/**
 * Handled events GitHub sends every app without a subscription; a manifest cannot ask for them (app.yml's
 * default_events lists the others).
 */
export const ALWAYS_SENT_EVENTS: ReadonlySet<string> = new Set(["installation", "installation_repositories"]);

/** Decides what a verified, parsed delivery means. Throws InvalidPayloadError for a payload the handler cannot use. */
export async function routeDelivery(payload: unknown, meta: DeliveryMeta, deps: HandlerDeps): Promise<IntakeDecision> {
  const handler = Object.hasOwn(HANDLERS, meta.event) ? HANDLERS[meta.event] : undefined;
  if (handler) return handler(payload, meta, deps);
  const reason = meta.event === "ping" ? "ping: GitHub checking the webhook" : `event ${meta.event} is not handled by this app`;
  return { ...scopeOf(payload), outcome: "ignored", reason };
}
