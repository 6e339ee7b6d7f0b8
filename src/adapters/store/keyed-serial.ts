// KeyedSerial lives in src/core/keyed-serial.ts now (the GitHub adapter uses it as well as the stores). This
// re-export serves create-github-port.ts and github-writes.ts until they import it from there; then delete it.
export { KeyedSerial } from "../../core/keyed-serial.js";
