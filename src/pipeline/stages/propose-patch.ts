import { notImplementedStage } from "../not-implemented.js";

export const proposePatchStage = notImplementedStage("propose-patch", "patching", true);
