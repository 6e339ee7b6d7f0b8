import { notImplementedStage } from "../not-implemented.js";

export const buildContextStage = notImplementedStage("build-context", "analysis", false);
