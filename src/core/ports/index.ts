// All ports in one place; adapters live under src/adapters/<port>/.
export type { Clock } from "./clock.js";
export type { Logger } from "./logger.js";
export type { JobStore, Delivery, JobQuery, UpdateOptions, WriteFence } from "./job-store.js";
export type { JobQueue, QueueItem, QueueStats, QueueHandler } from "./job-queue.js";
export type { GitHubPort, GitHubClient, RunJob, Annotation } from "./github-port.js";
export type { WorkspacePort, Workspace, CloneRequest } from "./workspace-port.js";
export type { ModelPort, PatchProposal, ProposalResult, FeedbackRequest } from "./model-port.js";
export type { WebhookDeliveriesPort, HookDelivery } from "./webhook-deliveries-port.js";
export type { KeyedLock, LockHold } from "./keyed-lock.js";
export type { GitHubAppPort, AppRegistration, AppInstallation, GrantedAccess } from "./github-app-port.js";
