import type { GrantedAccess } from "./ports/github-app-port.js";

/**
 * What the app needs from GitHub, with what stops working without each: app.yml's `default_permissions`
 * and `default_events` ask for exactly these (test/admin/env-example.test.ts keeps the two equal).
 * GitHub keeps what an app was registered or installed with, so an app registered before one of these was
 * added, or an installation whose owner has not accepted the change, silently lacks it.
 */
export const REQUIRED_PERMISSIONS: Readonly<Record<string, { level: "read" | "write"; needed: string }>> = {
  actions: { level: "read", needed: "read failed runs and download their job logs" },
  checks: { level: "read", needed: "read check-run annotations" },
  contents: { level: "write", needed: "clone the repository and push the fix branch" },
  pull_requests: { level: "write", needed: "open the draft pull request and read its reviews" },
  metadata: { level: "read", needed: "see the repository at all" },
};

export const REQUIRED_EVENTS: Readonly<Record<string, string>> = {
  workflow_run: "failed GitHub Actions runs, the trigger",
  check_suite: "failures of CI that is not GitHub Actions",
  pull_request: "the fix PR being merged or closed, the outcome fed back to TensorZero",
  pull_request_review: "reviews of the fix PR, fed back to TensorZero",
  pull_request_review_comment: "line comments on the fix PR's diff, fed back to TensorZero",
};

const RANK: Record<string, number> = { read: 1, write: 2, admin: 3 };

/** One thing GitHub has not granted: `text` names what does not work without it. */
export interface MissingAccess {
  /** `permission:<name>` or `event:<name>`: the same gap in the registration and in an installation. */
  key: string;
  text: string;
}

/** What `granted` lacks of the above. */
export function missingAccess(granted: GrantedAccess): MissingAccess[] {
  const missing: MissingAccess[] = [];
  for (const [name, want] of Object.entries(REQUIRED_PERMISSIONS)) {
    const has = granted.permissions[name];
    if ((RANK[has ?? ""] ?? 0) < RANK[want.level]!) {
      missing.push({ key: `permission:${name}`, text: `permission ${name}: ${want.level} (${has ? `has ${has}` : "not granted"}), to ${want.needed}` });
    }
  }
  const events = new Set(granted.events);
  for (const [name, needed] of Object.entries(REQUIRED_EVENTS)) {
    if (!events.has(name)) missing.push({ key: `event:${name}`, text: `event ${name} (not subscribed): ${needed}` });
  }
  return missing;
}
