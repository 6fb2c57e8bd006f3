import { describe, expect, it } from "vitest";
import { ProtocolError, ResponseParser } from "./response-parser.js";
import { ResponseSampler } from "./response-sampler.js";

function parseAll(text: string, { splitAt, head = false }: { splitAt?: number; head?: boolean } = {}) {
  const seen: [number, boolean][] = [];
  const parser = new ResponseParser(
    (status, keepAlive) => seen.push([status, keepAlive]),
    () => head,
  );
  const bytes = Buffer.from(text, "latin1");
  if (splitAt === undefined) parser.feed(bytes);
  else {
    parser.feed(bytes.subarray(0, splitAt));
    parser.feed(bytes.subarray(splitAt));
  }
  return { seen, parser };
}

const ok = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Type: text/plain\r\n\r\nok\n";
const chunked =
  "HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n";
const noBody = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n";
const close = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
const interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

describe("HTTP response parser", () => {
  it("reports pipelined responses in order with their status and keep-alive", () => {
    const { seen } = parseAll(ok + chunked + noBody + interim + close);
    expect(seen).toEqual([
      [200, true],
      [201, true],
      [204, true],
      [200, true],
      [503, false],
    ]);
  });

  it("gets the same answer however the bytes are split across reads", () => {
    const all = ok + chunked + noBody + close;
    for (let i = 1; i < all.length; i++)
      expect(parseAll(all, { splitAt: i }).seen, `split at ${i}`).toHaveLength(4);
  });

  it("ignores the body length of a response to HEAD", () => {
    expect(parseAll(ok, { head: true }).seen).toEqual([[200, true]]);
  });

  it("reads an HTTP/1.0 response without length until the connection closes", () => {
    const { seen, parser } = parseAll("HTTP/1.0 200 OK\r\n\r\nhello");
    expect(seen).toEqual([]);
    expect(parser.end()).toBe(true);
    expect(seen).toEqual([[200, false]]);
  });

  it.each([
    ["SSH-2.0-OpenSSH_9.2\r\n\r\n", "not an HTTP/1.x response"],
    ["HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line"],
    ["HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "malformed Content-Length"],
    ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size"],
  ])("rejects %j as a protocol error", (text, message) => {
    expect(() => parseAll(text)).toThrow(new ProtocolError(message));
  });

  it("refuses an endless response head", () => {
    const parser = new ResponseParser(() => {});
    expect(() => parser.feed(Buffer.alloc(20_000, 65))).toThrow(ProtocolError);
  });
});

describe("sampling a response", () => {
  const sampled = (text: string, splits: number[]) => {
    const sampler = new ResponseSampler();
    const statuses: number[] = [];
    const parser = new ResponseParser(
      (status) => statuses.push(status),
      () => false,
      sampler,
    );
    const bytes = Buffer.from(text, "latin1");
    let from = 0;
    for (const at of [...splits, bytes.length]) {
      parser.feed(bytes.subarray(from, at));
      from = at;
    }
    return { sample: sampler.sample, statuses };
  };

  it.each([[[]], [[5, 40, 61]], [[1, 2, 3, 70, 71]]])(
    "keeps the first response's status, headers and body, however the bytes arrive (splits %o)",
    (splits) => {
      // An interim 100 is not a response to keep; the 200 after it is.
      const { sample, statuses } = sampled(`HTTP/1.1 100 Continue\r\n\r\n${ok}${chunked}`, splits);
      expect(statuses).toEqual([200, 201]);
      expect(sample).toEqual({
        status: 200,
        headers: { "content-length": "3", "content-type": "text/plain" },
        body: "ok\n",
        body_truncated: false,
      });
    },
  );

  it("reads a chunked body without the chunk framing", () => {
    expect(sampled(chunked, [30, 60]).sample).toMatchObject({ status: 201, body: "Wikipedia" });
  });

  it("keeps at most 4 KB of a body and says it was cut", () => {
    const big = `HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n${"x".repeat(10_000)}`;
    const { sample } = sampled(big, [100, 5000]);
    expect(sample?.body.length).toBe(4096);
    expect(sample?.body_truncated).toBe(true);
  });
});
