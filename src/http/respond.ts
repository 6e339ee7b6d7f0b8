import type { ServerResponse } from "node:http";
import { escapeRawInJson } from "../core/escape-raw-in-json.js";

/** Control and bidi characters in stored text (CI logs, a model's answer) go out as `\uXXXX`: see escapeRawInJson. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = escapeRawInJson(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Errors a client can act on: `{ "error": { "code", "message" } }`. */
export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}
