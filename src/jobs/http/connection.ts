import { isIP, type LookupFunction, connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import type { Done } from "../../engine/index.js";
import { ProtocolError, ResponseParser } from "./response-parser.js";
import type { ResponseSampler } from "./response-sampler.js";
import { socketErrorReason } from "./socket-errors.js";

export interface HttpTarget {
  host: string;
  port: number;
  tls: boolean;
  /** Resolves the host for every new connection (the server's SSRF guard checks addresses here). */
  lookup?: LookupFunction | undefined;
}

/** What a connection needs from its pool. */
export interface ConnectionOwner {
  readonly pipelining: number;
  readonly noBody: boolean;
  /** Keeps a sample response, when the job was asked to. */
  readonly sampler?: ResponseSampler | undefined;
  /** Maps a response status to the job's outcome. */
  classify(status: number): string | undefined;
  /** The connection can take another request. */
  onCapacity(connection: Connection): void;
  /** The connection is gone; `unanswered` requests were sent but got no response. */
  onClosed(connection: Connection, unanswered: PendingRequest[], reason: string, retriable: boolean): void;
}

export interface PendingRequest {
  bytes: Buffer;
  done: Done;
  /** When the job issued it (performance.now()); its timeout counts from here. */
  since: number;
}

/**
 * One keep-alive HTTP/1.1 connection with up to `pipelining` requests in flight, answered in
 * order. Writes made while a read is being handled are corked into one system call, so a
 * pipelined connection refills with one write per read.
 */
export class Connection {
  readonly #owner: ConnectionOwner;
  readonly #socket: Socket;
  readonly #parser: ResponseParser;
  readonly #queue: PendingRequest[] = [];
  #head = 0;
  #answered = 0;
  /** No new requests: the server announced close, or we are tearing down. */
  #closing = false;
  #closeReason = "connection_reset";
  #closed = false;

  constructor(target: HttpTarget, owner: ConnectionOwner) {
    this.#owner = owner;
    this.#parser = new ResponseParser(this.#onResponse, () => owner.noBody, owner.sampler);
    const lookup = target.lookup ? { lookup: target.lookup } : {};
    this.#socket = target.tls
      ? tlsConnect({
          host: target.host,
          port: target.port,
          servername: isIP(target.host) ? "" : target.host,
          ...lookup,
        })
      : netConnect({ host: target.host, port: target.port, ...lookup });
    this.#socket.setNoDelay(true);
    this.#socket.on("data", this.#onData);
    this.#socket.on("error", (error: Error) => {
      this.#closeReason = socketErrorReason(error);
    });
    this.#socket.on("close", this.#onClose);
  }

  get inFlight(): number {
    return this.#queue.length - this.#head;
  }

  /** True when it can take another request now. */
  get available(): boolean {
    return !this.#closing && this.inFlight < this.#owner.pipelining;
  }

  /** When the oldest unanswered request was issued, or `Infinity`. */
  get oldestSince(): number {
    return this.#head < this.#queue.length ? this.#queue[this.#head]!.since : Number.POSITIVE_INFINITY;
  }

  send(request: PendingRequest): void {
    this.#queue.push(request);
    this.#socket.write(request.bytes);
  }

  /** Fails the oldest request with `reason` and drops the connection (the rest are retried). */
  abandon(reason: string): void {
    if (this.#closed) return;
    const oldest = this.#head < this.#queue.length ? this.#queue[this.#head++] : undefined;
    this.#closing = true;
    this.#closeReason = "connection_reset";
    this.#socket.destroy();
    oldest?.done(reason);
  }

  /** Tears the connection down; unanswered requests are reported to the owner as `reason`. */
  destroy(reason: string): void {
    if (this.#closed) return;
    this.#closing = true;
    this.#closeReason = reason;
    this.#answered = 0; // not retriable
    this.#socket.destroy();
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#socket.cork();
    try {
      this.#parser.feed(chunk);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      this.#closeReason = "protocol_error";
      this.#answered = 0;
      this.#closing = true;
      this.#socket.destroy();
    } finally {
      this.#socket.uncork();
    }
  };

  readonly #onResponse = (status: number, keepAlive: boolean): void => {
    const request = this.#queue[this.#head];
    if (!request) {
      // A response nobody asked for.
      this.#closeReason = "protocol_error";
      this.#closing = true;
      this.#socket.destroy();
      return;
    }
    this.#queue[this.#head] = undefined as unknown as PendingRequest;
    this.#head++;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#answered++;
    if (!keepAlive) {
      this.#closing = true;
      this.#closeReason = "connection_closed";
    }
    // Free the slot before reporting: the report may send the next request right away.
    if (this.available) this.#owner.onCapacity(this);
    request.done(this.#owner.classify(status));
  };

  readonly #onClose = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing = true;
    this.#parser.end();
    const unanswered = this.#queue.slice(this.#head);
    this.#queue.length = 0;
    this.#head = 0;
    // Requests a server dropped when it closed a connection that had been working (keep-alive
    // limits) were never processed: they may go again. A connection that never answered is a
    // failing target, and retrying would only spin.
    this.#owner.onClosed(this, unanswered, this.#closeReason, this.#answered > 0);
  };
}
