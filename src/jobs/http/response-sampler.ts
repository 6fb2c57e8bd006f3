/** What a run keeps of one response of its target: enough to see what the target answered. */
export interface ResponseSample {
  status: number;
  headers: Record<string, string>;
  /** The body's first `MAX_SAMPLE_BODY_BYTES`, as UTF-8 text. */
  body: string;
  body_truncated: boolean;
}

const MAX_SAMPLE_BODY_BYTES = 4096;

/**
 * Keeps the first complete response one of a pool's connections receives. Until one is kept,
 * each connection records the response it is reading (a few string operations per connection,
 * once); afterwards the parsers are not asked again.
 */
export class ResponseSampler {
  sample: ResponseSample | null = null;

  /** A recorder for the response about to be read, or undefined once a sample is kept. */
  claim(): SampleSink | undefined {
    return this.sample === null ? new SampleSink(this) : undefined;
  }
}

export class SampleSink {
  readonly #sampler: ResponseSampler;
  #headers: Record<string, string> = {};
  readonly #body: Buffer[] = [];
  #bytes = 0;
  #truncated = false;

  constructor(sampler: ResponseSampler) {
    this.#sampler = sampler;
  }

  /** The response head: `buf[start, headEnd)` holds the status line and header lines. */
  head(buf: Buffer, start: number, headEnd: number): void {
    const lines = buf.toString("latin1", start, headEnd).split("\r\n").slice(1);
    for (const line of lines.slice(0, 100)) {
      const colon = line.indexOf(":");
      if (colon > 0) this.#headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }

  body(buf: Buffer, from: number, to: number): void {
    const room = MAX_SAMPLE_BODY_BYTES - this.#bytes;
    if (to - from > room) this.#truncated = true;
    const end = Math.min(to, from + room);
    if (end > from) {
      this.#body.push(Buffer.from(buf.subarray(from, end)));
      this.#bytes += end - from;
    }
  }

  finish(status: number): void {
    this.#sampler.sample ??= {
      status,
      headers: this.#headers,
      body: Buffer.concat(this.#body).toString("utf8"),
      body_truncated: this.#truncated,
    };
  }
}
