/** One dispatched Server-Sent Event. */
export interface SseMessage {
  /** The `event:` field, or `"message"` when the block had none. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The last event ID seen so far on this stream (it carries over to later events, as in the spec). */
  id: string;
}

/** Thrown when a line or an event's data grows past the parser's limit: memory is not the peer's to take. */
export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`an event-stream line or event exceeded ${limit} characters`);
    this.name = "SseEventTooLargeError";
  }
}

const LINE_END = /\r\n|\r|\n/g;

/**
 * An incremental `text/event-stream` parser following the WHATWG HTML "Server-sent events"
 * interpretation rules. Chunks may be split anywhere — inside a line, between `\r` and `\n`, or
 * inside a UTF-8 multi-byte character (bytes go through a streaming `TextDecoder`).
 */
export class SseParser {
  readonly #decoder = new TextDecoder("utf-8");
  readonly #maxEventLength: number;
  #partial = "";
  /** The previous chunk ended with `\r`: a `\n` opening the next chunk belongs to the same line end. */
  #afterCR = false;
  #data = "";
  #hasData = false;
  #event = "";
  #lastId = "";
  #retry: number | null = null;

  /** `maxEventLength`: the most characters one line, or one event's joined data, may hold. */
  constructor(options: { maxEventLength?: number } = {}) {
    this.#maxEventLength = options.maxEventLength ?? 8 * 1024 * 1024;
  }

  /** The reconnection time last set by a `retry:` field, in milliseconds. */
  get retry(): number | null {
    return this.#retry;
  }

  /** Feeds bytes (or already decoded text) and returns the events they completed, in order. */
  push(chunk: Uint8Array | string): SseMessage[] {
    const text = typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    const out: SseMessage[] = [];
    this.#lines(text, out);
    return out;
  }

  /**
   * Ends the stream. A block without its closing blank line is discarded, as the spec requires;
   * the return value says whether such an incomplete event was pending.
   */
  end(): { discardedPartialEvent: boolean } {
    this.#lines(this.#decoder.decode(), []);
    const discarded = this.#partial.length > 0 || this.#hasData || this.#event !== "";
    this.#partial = "";
    this.#data = "";
    this.#hasData = false;
    this.#event = "";
    return { discardedPartialEvent: discarded };
  }

  #lines(text: string, out: SseMessage[]): void {
    if (text.length === 0) return;
    let start = 0;
    if (this.#afterCR) {
      this.#afterCR = false;
      if (text.charCodeAt(0) === 10) start = 1;
    }
    LINE_END.lastIndex = start;
    for (let m = LINE_END.exec(text); m !== null; m = LINE_END.exec(text)) {
      const line = this.#partial + text.slice(start, m.index);
      this.#partial = "";
      start = m.index + m[0].length;
      if (m[0] === "\r" && start === text.length) this.#afterCR = true;
      this.#line(line, out);
    }
    this.#partial += text.slice(start);
    if (this.#partial.length > this.#maxEventLength) throw new SseEventTooLargeError(this.#maxEventLength);
  }

  #line(line: string, out: SseMessage[]): void {
    if (line === "") {
      this.#dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ":" */) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* " " */) value = value.slice(1);
    switch (field) {
      case "event":
        this.#event = value;
        break;
      case "data":
        this.#data = this.#hasData ? `${this.#data}\n${value}` : value;
        this.#hasData = true;
        if (this.#data.length > this.#maxEventLength) throw new SseEventTooLargeError(this.#maxEventLength);
        break;
      case "id":
        if (!value.includes("\0")) this.#lastId = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.#retry = Number(value);
        break;
      default:
      // Unknown fields are ignored.
    }
  }

  #dispatch(out: SseMessage[]): void {
    if (this.#hasData) {
      out.push({ event: this.#event || "message", data: this.#data, id: this.#lastId });
    }
    this.#data = "";
    this.#hasData = false;
    this.#event = "";
  }
}
