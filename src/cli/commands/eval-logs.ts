import { notAvailable } from "../not-available.js";

export const run = notAvailable("eval-logs");
