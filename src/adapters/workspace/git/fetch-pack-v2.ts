import type { HttpClient } from "isomorphic-git";
import { permanent, transient } from "../../../core/errors.js";
import { OBJECT_ID } from "./git-pack-file.js";

export interface FetchPackRequest {
  /** The repository URL, e.g. https://github.com/owner/name.git */
  url: string;
  /** The commit to fetch: protocol v2 lets a client want any object, not only advertised tips. */
  want: string;
  depth: number;
  http: HttpClient;
  headers: Record<string, string>;
}

export interface FetchedPack {
  pack: Buffer;
  /** Commits whose parents were left out (the `.git/shallow` file). */
  shallow: string[];
}

const AGENT = "t0-ci-bot";

/**
 * A shallow fetch of one commit over git's smart-HTTP protocol version 2 (gitprotocol-v2: `command=fetch`
 * with `want <oid>`, `deepen`, `done`): the pack arrives in one response, demultiplexed from side band 1.
 * Resolves undefined when the server does not speak version 2 with shallow fetches; the caller then uses
 * isomorphic-git's fetch. Why not isomorphic-git's fetch always: it indexes the pack in JavaScript (pako,
 * WebCrypto per object) and alone took twice as long as `git clone` (bench/clone.ts); the pack is indexed
 * here with Node's zlib and crypto (index-pack.ts).
 */
export async function fetchPackV2(req: FetchPackRequest): Promise<FetchedPack | undefined> {
  // It goes into a pkt-line as it is: nothing but an object id may.
  if (!OBJECT_ID.test(req.want)) throw permanent("bad_object_id", `"${req.want}" is not a SHA-1 commit id; nothing to fetch.`);
  const base = req.url.replace(/\/+$/, "");
  const v2 = { ...req.headers, "git-protocol": "version=2", "user-agent": `git/2.0 ${AGENT}` };
  const adv = await req.http.request({ url: `${base}/info/refs?service=git-upload-pack`, method: "GET", headers: v2 });
  const advBody = await collect(adv.body);
  if (adv.statusCode !== 200) throw httpError(adv.statusCode, adv.statusMessage, advBody);
  const caps = readPktLines(advBody).lines.map((l) => l.toString("utf8").trimEnd());
  if (!caps.includes("version 2")) return undefined;
  const fetchCap = caps.find((c) => c === "fetch" || c.startsWith("fetch="));
  if (!fetchCap || !fetchCap.slice(6).split(" ").includes("shallow")) return undefined;

  const body = Buffer.concat([
    pkt("command=fetch\n"),
    pkt(`agent=${AGENT}\n`),
    ...(caps.includes("object-format=sha1") ? [pkt("object-format=sha1\n")] : []),
    DELIM,
    pkt("ofs-delta\n"),
    pkt("no-progress\n"),
    pkt(`want ${req.want}\n`),
    pkt(`deepen ${req.depth}\n`),
    pkt("done\n"),
    FLUSH,
  ]);
  const res = await req.http.request({
    url: `${base}/git-upload-pack`,
    method: "POST",
    headers: { ...v2, "content-type": "application/x-git-upload-pack-request", accept: "application/x-git-upload-pack-result" },
    body: (async function* () {
      yield body;
    })(),
  });
  if (res.statusCode !== 200) throw httpError(res.statusCode, res.statusMessage, await collect(res.body));
  return readFetchResponse(res.body, req);
}

/** The response of `command=fetch` with `done`: an optional shallow-info section, then the packfile section. */
async function readFetchResponse(stream: AsyncIterableIterator<Uint8Array> | undefined, req: FetchPackRequest): Promise<FetchedPack> {
  const shallow: string[] = [];
  const pack: Buffer[] = [];
  let section = "";
  let rest: Buffer = Buffer.alloc(0);
  let ended = false;
  for await (const chunk of stream ?? []) {
    rest = rest.length ? Buffer.concat([rest, chunk]) : Buffer.from(chunk);
    const { lines, consumed } = readPktLines(rest, true);
    rest = rest.subarray(consumed);
    for (const line of lines) {
      if (line === FLUSH_MARK) {
        ended = true;
        continue;
      }
      if (line === DELIM_MARK) {
        section = "";
        continue;
      }
      if (section === "packfile") {
        const band = line[0];
        if (band === 1) pack.push(line.subarray(1));
        else if (band === 3) throw remoteError(line.subarray(1).toString("utf8"), req);
        continue; // band 2: progress
      }
      const text = line.toString("utf8").trimEnd();
      if (text.startsWith("ERR ")) throw remoteError(text.slice(4), req);
      if (!section) section = text;
      else if (section === "shallow-info" && text.startsWith("shallow ")) {
        const oid = text.slice(8);
        if (!OBJECT_ID.test(oid)) throw permanent("clone_protocol", `The git server named a shallow commit that is not an object id: "${oid.slice(0, 60)}".`);
        shallow.push(oid);
      }
    }
  }
  if (!ended) {
    // The stream stopped before git's closing flush: a connection or a server process cut short (git's own
    // "early EOF"), worth another try; an answer that ends properly without a pack is not.
    const got = pack.reduce((n, b) => n + b.length, 0);
    throw transient("clone_incomplete", `The server's answer to fetching ${req.want} from ${req.url} stopped before its end (${got} bytes of pack received); will retry.`);
  }
  if (pack.length === 0) {
    throw permanent("clone_protocol", `The server's answer to fetching ${req.want} from ${req.url} held no pack; will not retry a broken clone. Check that the URL is a git repository.`);
  }
  return { pack: Buffer.concat(pack), shallow };
}

const FLUSH = Buffer.from("0000");
const DELIM = Buffer.from("0001");
const FLUSH_MARK = Buffer.alloc(0);
const DELIM_MARK = Buffer.from([0]);

function pkt(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, "0")), payload]);
}

/**
 * The pkt-lines in `buf`. With `partial`, an incomplete last line is left unread (`consumed` says where
 * it starts). A flush-pkt comes back as FLUSH_MARK, a delim-pkt as DELIM_MARK, to keep them apart.
 */
function readPktLines(buf: Buffer, partial = false): { lines: Buffer[]; consumed: number } {
  const lines: Buffer[] = [];
  let p = 0;
  while (p + 4 <= buf.length) {
    const hex = buf.toString("latin1", p, p + 4);
    if (!/^[0-9a-f]{4}$/i.test(hex)) throw permanent("clone_protocol", `The git server sent a malformed pkt-line at byte ${p}.`);
    const len = parseInt(hex, 16);
    if (len === 0 || len === 2) {
      lines.push(FLUSH_MARK);
      p += 4;
      continue;
    }
    if (len === 1) {
      lines.push(DELIM_MARK);
      p += 4;
      continue;
    }
    if (len < 4) throw permanent("clone_protocol", `The git server sent a malformed pkt-line length ${len}.`);
    if (p + len > buf.length) {
      if (partial) break;
      throw permanent("clone_protocol", "The git server's answer ends inside a pkt-line.");
    }
    lines.push(buf.subarray(p + 4, p + len));
    p += len;
  }
  return { lines, consumed: p };
}

async function collect(stream: AsyncIterableIterator<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream ?? []) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Shaped like isomorphic-git's HttpError, so the workspace maps both the same way. */
function httpError(statusCode: number, statusMessage: string, body: Buffer): Error {
  return Object.assign(new Error(`HTTP Error: ${statusCode} ${statusMessage} ${body.toString("utf8", 0, 200)}`.trim()), {
    code: "HttpError",
    data: { statusCode, statusMessage },
  });
}

function remoteError(message: string, req: FetchPackRequest): Error {
  if (/not our ref|unadvertised object|no such object/i.test(message)) {
    return permanent("sha_not_found", `Commit ${req.want} is not in ${req.url} any more (force-pushed or deleted); nothing to fix.`);
  }
  return permanent("clone_remote_error", `The git server refused the fetch of ${req.want}: ${message.trim()}`);
}
