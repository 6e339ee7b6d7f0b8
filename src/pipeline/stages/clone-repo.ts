import { notImplementedStage } from "../not-implemented.js";

export const cloneRepoStage = notImplementedStage("clone-repo", "cloning", false);
