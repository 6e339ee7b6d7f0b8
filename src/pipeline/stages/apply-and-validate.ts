import { notImplementedStage } from "../not-implemented.js";

export const applyAndValidateStage = notImplementedStage("apply-and-validate", "testing", false);
