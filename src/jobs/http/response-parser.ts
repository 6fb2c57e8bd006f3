import type { ResponseSampler, SampleSink } from "./response-sampler.js";

const CR = 13;
const LF = 10;
const HEADER_END = Buffer.from("\r\n\r\n");
/** Longest response head accepted, as Node's own HTTP parser does. */
const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Called once per complete response, in order. `keepAlive` is false when the server said
 * `Connection: close` (or spoke HTTP/1.0 without keep-alive).
 */
export type OnResponse = (status: number, keepAlive: boolean) => void;

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

type State = "head" | "body" | "chunk-size" | "chunk-data" | "chunk-trailer" | "until-close";

/**
 * An incremental HTTP/1.1 response parser for load generation: it finds where each response
 * ends (Content-Length, chunked encoding, no-body statuses, read-until-close) and reports its
 * status, without building header objects or copying bodies. Responses to a pipelined
 * connection are reported in order.
 */
export class ResponseParser {
  #state: State = "head";
  #carry: Buffer | undefined;
  #remaining = 0;
  #status = 0;
  #keepAlive = true;
  /** Asked before each response whether it answers a HEAD request (no body whatever the headers say). */
  readonly #expectsNoBody: () => boolean;
  readonly #onResponse: OnResponse;
  readonly #sampler: ResponseSampler | undefined;
  #sink: SampleSink | undefined;

  constructor(onResponse: OnResponse, expectsNoBody: () => boolean = () => false, sampler?: ResponseSampler) {
    this.#onResponse = onResponse;
    this.#expectsNoBody = expectsNoBody;
    this.#sampler = sampler;
  }

  /** True while a response is partly received. */
  get busy(): boolean {
    return this.#state !== "head" || this.#carry !== undefined;
  }

  /** Feeds received bytes; throws `ProtocolError` on a malformed response. */
  feed(chunk: Buffer): void {
    let buf = chunk;
    if (this.#carry) {
      buf = Buffer.concat([this.#carry, chunk]);
      this.#carry = undefined;
    }
    let off = 0;
    const end = buf.length;
    while (off < end) {
      switch (this.#state) {
        case "head": {
          const headEnd = buf.indexOf(HEADER_END, off);
          if (headEnd < 0) {
            if (end - off > MAX_HEAD_BYTES) throw new ProtocolError("response head too large");
            this.#carry = Buffer.from(buf.subarray(off));
            return;
          }
          off = this.#parseHead(buf, off, headEnd);
          break;
        }
        case "body": {
          const take = Math.min(this.#remaining, end - off);
          this.#sink?.body(buf, off, off + take);
          off += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#complete();
          break;
        }
        case "chunk-size": {
          const lineEnd = buf.indexOf(LF, off);
          if (lineEnd < 0) {
            this.#carry = Buffer.from(buf.subarray(off));
            return;
          }
          const size = parseChunkSize(buf, off, lineEnd);
          off = lineEnd + 1;
          if (size === 0) {
            this.#state = "chunk-trailer";
          } else {
            this.#remaining = size + 2; // data and its CRLF
            this.#state = "chunk-data";
          }
          break;
        }
        case "chunk-data": {
          const take = Math.min(this.#remaining, end - off);
          // The chunk's data, without the CRLF that closes it.
          if (this.#sink) this.#sink.body(buf, off, off + Math.max(0, Math.min(take, this.#remaining - 2)));
          off += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = "chunk-size";
          break;
        }
        case "chunk-trailer": {
          // Trailer fields end with an empty line.
          const lineEnd = buf.indexOf(LF, off);
          if (lineEnd < 0) {
            this.#carry = Buffer.from(buf.subarray(off));
            return;
          }
          const empty = lineEnd === off || (lineEnd === off + 1 && buf[off] === CR);
          off = lineEnd + 1;
          if (empty) this.#complete();
          break;
        }
        case "until-close":
          return;
      }
    }
  }

  /** The connection closed: completes a read-until-close response; true if one was completed. */
  end(): boolean {
    if (this.#state === "until-close") {
      this.#state = "head";
      this.#onResponse(this.#status, false);
      return true;
    }
    return false;
  }

  #parseHead(buf: Buffer, start: number, headEnd: number): number {
    // "HTTP/1.1 200 OK"
    if (
      headEnd - start < 12 ||
      buf[start] !== 72 || // H
      buf[start + 4] !== 47 || // /
      buf[start + 5] !== 49 // 1
    ) {
      throw new ProtocolError("not an HTTP/1.x response");
    }
    const minor = buf[start + 7]! - 48;
    const d0 = buf[start + 9]! - 48;
    const d1 = buf[start + 10]! - 48;
    const d2 = buf[start + 11]! - 48;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9)
      throw new ProtocolError("malformed status line");
    const status = d0 * 100 + d1 * 10 + d2;
    let contentLength = -1;
    let chunked = false;
    let keepAlive = minor >= 1;
    // Walk the header lines: only three headers matter here.
    let line = buf.indexOf(LF, start) + 1;
    while (line > 0 && line < headEnd + 2) {
      const lineEnd = buf.indexOf(LF, line);
      if (lineEnd < 0 || lineEnd > headEnd + 2) break;
      const first = buf[line]! | 0x20;
      if (first === 99 /* c */ || first === 116 /* t */) {
        const colon = buf.indexOf(58, line);
        if (colon > line && colon < lineEnd) {
          if (nameIs(buf, line, colon, CONTENT_LENGTH)) {
            contentLength = parseDecimal(buf, colon + 1, lineEnd);
          } else if (nameIs(buf, line, colon, TRANSFER_ENCODING)) {
            chunked = buf
              .toString("latin1", colon + 1, lineEnd)
              .toLowerCase()
              .includes("chunked");
          } else if (nameIs(buf, line, colon, CONNECTION)) {
            const value = buf.toString("latin1", colon + 1, lineEnd).toLowerCase();
            if (value.includes("close")) keepAlive = false;
            else if (value.includes("keep-alive")) keepAlive = true;
          }
        }
      }
      line = lineEnd + 1;
    }
    this.#status = status;
    this.#keepAlive = keepAlive;
    if (status >= 200 && this.#sampler?.sample === null) {
      this.#sink = this.#sampler.claim();
      this.#sink?.head(buf, start, headEnd);
    }
    const next = headEnd + 4;
    if (status < 200) {
      // 1xx: an interim response; the real one follows for the same request.
      return next;
    }
    if (status === 204 || status === 304 || this.#expectsNoBody()) {
      this.#complete();
    } else if (chunked) {
      this.#state = "chunk-size";
    } else if (contentLength > 0) {
      this.#remaining = contentLength;
      this.#state = "body";
    } else if (contentLength === 0) {
      this.#complete();
    } else {
      this.#state = "until-close";
    }
    return next;
  }

  #complete(): void {
    this.#state = "head";
    if (this.#sink) {
      this.#sink.finish(this.#status);
      this.#sink = undefined;
    }
    this.#onResponse(this.#status, this.#keepAlive);
  }
}

const CONTENT_LENGTH = Buffer.from("content-length");
const TRANSFER_ENCODING = Buffer.from("transfer-encoding");
const CONNECTION = Buffer.from("connection");

/** Case-insensitive comparison of a header name with a lower-case one, without a string. */
function nameIs(buf: Buffer, from: number, to: number, lower: Buffer): boolean {
  if (to - from !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((buf[from + i]! | 0x20) !== lower[i]) return false;
  return true;
}

function parseDecimal(buf: Buffer, from: number, to: number): number {
  let value = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c !== 32 && c !== 9 && c !== CR) {
      throw new ProtocolError("malformed Content-Length");
    }
  }
  if (digits === 0) throw new ProtocolError("malformed Content-Length");
  return value;
}

function parseChunkSize(buf: Buffer, from: number, lineEnd: number): number {
  let value = 0;
  let digits = 0;
  for (let i = from; i < lineEnd; i++) {
    const c = buf[i]! | 0x20;
    if (c >= 48 && c <= 57) value = value * 16 + (c - 48);
    else if (c >= 97 && c <= 102) value = value * 16 + (c - 87);
    else break; // chunk extensions (";…") and the CR
    digits++;
  }
  if (digits === 0) throw new ProtocolError("malformed chunk size");
  return value;
}
