import { describe, expect, test } from "@jest/globals";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import { fetchPackV2 } from "./fetch-pack-v2.js";

// The happy paths run against a real `git http-backend` in fs-workspace.test.ts; these are the answers
// a real server rarely gives.

const pkt = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, "0")), b]);
};
const FLUSH = Buffer.from("0000");
const DELIM = Buffer.from("0001");
const V2_ADVERT = Buffer.concat([pkt("# service=git-upload-pack\n"), FLUSH, pkt("version 2\n"), pkt("ls-refs\n"), pkt("fetch=shallow wait-for-done\n"), FLUSH]);

/** An HttpClient that answers GET and POST with canned bodies, split into small chunks as a network would. */
function client(answers: { get: [number, Buffer]; post?: [number, Buffer] }): HttpClient & { posted: Buffer[] } {
  const posted: Buffer[] = [];
  return {
    posted,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      let answer = answers.get;
      if (req.method === "POST") {
        for await (const c of req.body as AsyncIterable<Uint8Array>) posted.push(Buffer.from(c));
        answer = answers.post!;
      }
      const [statusCode, body] = answer;
      async function* chunks() {
        for (let i = 0; i < body.length; i += 7) yield body.subarray(i, i + 7);
      }
      return { url: req.url, method: req.method, statusCode, statusMessage: statusCode === 200 ? "OK" : "Error", headers: {}, body: chunks() };
    },
  };
}

const request = (http: HttpClient) => ({ url: "https://git.example/o/r.git", want: "a".repeat(40), depth: 1, http, headers: { Authorization: "Basic x" } });

describe("fetchPackV2", () => {
  test("a server that does not speak version 2, or not shallow, is left to the caller (undefined)", async () => {
    const v0 = Buffer.concat([pkt("# service=git-upload-pack\n"), FLUSH, pkt(`${"b".repeat(40)} HEAD\0multi_ack shallow\n`), FLUSH]);
    expect(await fetchPackV2(request(client({ get: [200, v0] })))).toBeUndefined();
    const noShallow = Buffer.concat([pkt("version 2\n"), pkt("fetch\n"), FLUSH]);
    expect(await fetchPackV2(request(client({ get: [200, noShallow] })))).toBeUndefined();
  });

  test("asks for the one commit at the depth given, without progress, and reads shallow-info and the side-band pack", async () => {
    const pack = Buffer.from("PACK-bytes-as-they-came");
    const answer = Buffer.concat([
      pkt("shallow-info\n"), pkt(`shallow ${"a".repeat(40)}\n`), DELIM,
      pkt("packfile\n"), pkt(Buffer.concat([Buffer.from([2]), Buffer.from("Counting objects\n")])),
      pkt(Buffer.concat([Buffer.from([1]), pack.subarray(0, 10)])), pkt(Buffer.concat([Buffer.from([1]), pack.subarray(10)])), FLUSH,
    ]);
    const http = client({ get: [200, V2_ADVERT], post: [200, answer] });
    expect(await fetchPackV2(request(http))).toEqual({ pack, shallow: ["a".repeat(40)] });
    const sent = Buffer.concat(http.posted).toString();
    expect(sent).toContain("command=fetch\n");
    expect(sent).toContain(`want ${"a".repeat(40)}\n`);
    expect(sent).toContain("deepen 1\n");
    expect(sent).toContain("no-progress\n");
    expect(sent.endsWith("0009done\n0000")).toBe(true);
  });

  test("only an object id is put in the want line", async () => {
    const http = client({ get: [200, V2_ADVERT] });
    await expect(fetchPackV2({ ...request(http), want: `${"a".repeat(40)}\n0009done\n` })).rejects.toMatchObject({ code: "bad_object_id" });
    expect(http.posted).toEqual([]);
  });

  test("errors: the server's own message, an unknown commit, an answer cut short, an HTTP status", async () => {
    const fatal = Buffer.concat([pkt("packfile\n"), pkt(Buffer.concat([Buffer.from([3]), Buffer.from("pack-objects died of signal 9\n")])), FLUSH]);
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, fatal] })))).rejects.toMatchObject({
      code: "clone_remote_error", retryable: false, message: expect.stringMatching(/pack-objects died of signal 9/),
    });
    const notOurs = Buffer.concat([pkt(`ERR upload-pack: not our ref ${"a".repeat(40)}\n`)]);
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, notOurs] })))).rejects.toMatchObject({ code: "sha_not_found" });
    const cut = Buffer.concat([pkt("packfile\n"), pkt(Buffer.concat([Buffer.from([1]), Buffer.from("PACK")]))]).subarray(0, 20);
    // Cut short (git's "early EOF"): tried again; an answer that ends properly without a pack is not.
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, cut] })))).rejects.toMatchObject({ code: "clone_incomplete", retryable: true });
    const empty = Buffer.concat([pkt("packfile\n"), Buffer.from("0000")]);
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, empty] })))).rejects.toMatchObject({ code: "clone_protocol", retryable: false });
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [503, Buffer.from("busy")] })))).rejects.toMatchObject({ data: { statusCode: 503 } });
    // Another server message is not taken for a missing commit.
    const other = pkt("ERR Repository not found, or access was revoked\n");
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, other] })))).rejects.toMatchObject({ code: "clone_remote_error" });
    // A length that is not four hex digits, and a shallow line that is not an object id, are protocol errors.
    const badLength = Buffer.concat([Buffer.from("0x1f"), Buffer.alloc(27)]);
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, badLength] })))).rejects.toMatchObject({ code: "clone_protocol" });
    const badShallow = Buffer.concat([pkt("shallow-info\n"), pkt("shallow ../../etc\n"), DELIM, pkt("packfile\n"), pkt(Buffer.from([1, 0x50])), FLUSH]);
    await expect(fetchPackV2(request(client({ get: [200, V2_ADVERT], post: [200, badShallow] })))).rejects.toMatchObject({ code: "clone_protocol" });
    await expect(fetchPackV2(request(client({ get: [401, Buffer.from("auth")] })))).rejects.toMatchObject({ data: { statusCode: 401 } });
  });
});
