import type { Workspace } from "../../core/ports/workspace-port.js";

/** Where a job's downloaded logs live: beside its checkout, never inside it (the patch must not see them). */
export const logsDirOf = (ws: Workspace) => `${ws.dir}.logs`;
