/** The request target as a URL, or undefined when it cannot be parsed (any client can send `GET //[`). */
export function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? "/", "http://localhost");
  } catch {
    return undefined;
  }
}
