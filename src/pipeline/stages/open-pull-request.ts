import { notImplementedStage } from "../not-implemented.js";

export const openPullRequestStage = notImplementedStage("open-pull-request", "pr", true);
