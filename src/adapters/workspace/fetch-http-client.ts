import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";

export interface FetchHttpClientOptions {
  signal?: AbortSignal;
  /** Called with the running total of response bytes; throw from it to stop the transfer. */
  onBytes?: (total: number) => void;
  fetch?: typeof globalThis.fetch;
}

/**
 * isomorphic-git's HTTP client on the platform `fetch`: cancellable through an AbortSignal (clone timeout,
 * job cancellation) and metered, so a repository over the size limit is stopped while it downloads.
 * Redirects are followed by fetch, which drops the Authorization header when the origin changes.
 */
export function fetchHttpClient(opts: FetchHttpClientOptions = {}): HttpClient & { bytes(): number } {
  const doFetch = opts.fetch ?? globalThis.fetch;
  let total = 0;
  return {
    bytes: () => total,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      let body: Buffer | undefined;
      if (req.body) {
        const chunks: Uint8Array[] = [];
        for await (const c of req.body as AsyncIterable<Uint8Array>) chunks.push(c);
        body = Buffer.concat(chunks);
      }
      const res = await doFetch(req.url, { method: req.method ?? "GET", headers: req.headers, body, signal: opts.signal, redirect: "follow" });
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => (headers[k] = v));
      async function* metered(): AsyncIterableIterator<Uint8Array> {
        if (!res.body) return;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          total += chunk.byteLength;
          opts.onBytes?.(total);
          yield chunk;
        }
      }
      return { url: res.url || req.url, method: req.method, statusCode: res.status, statusMessage: res.statusText, headers, body: metered() };
    },
  };
}
