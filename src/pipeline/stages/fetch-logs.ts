import { notImplementedStage } from "../not-implemented.js";

export const fetchLogsStage = notImplementedStage("fetch-logs", "analysis", false);
