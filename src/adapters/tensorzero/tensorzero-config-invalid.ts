import { permanent, type AppError } from "../../core/errors.js";

/** A tensorzero.toml the gateway would refuse: where, what is wrong, and which file to fix. */
export const tensorzeroConfigInvalid = (path: string, what: string): AppError =>
  permanent("tensorzero_config_invalid", `${path}: ${what}. Fix tensorzero/config/tensorzero.toml (see tensorzero/README.md).`);
