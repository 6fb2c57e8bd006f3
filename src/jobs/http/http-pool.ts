import { type Done, INTERRUPTED, type JobOutcome } from "../../engine/index.js";
import { Connection, type ConnectionOwner, type HttpTarget, type PendingRequest } from "./connection.js";
import { ResponseSampler } from "./response-sampler.js";

export interface HttpPoolOptions {
  connections: number;
  pipelining: number;
  timeoutMs: number;
  /** Requests to HEAD get no body whatever the headers say. */
  noBody: boolean;
  /** Whether requests may be sent again after a server closed a keep-alive connection. */
  idempotent: boolean;
  classify: (status: number) => JobOutcome;
  /** Keep the first complete response as a sample (the server's runs record it). */
  sample?: boolean;
}

/**
 * A pool of keep-alive connections to one origin, built for generating load: requests go to
 * the connection that most recently freed a slot (so pipelined refills batch into one write),
 * wait in a FIFO when every slot is taken, and time out by connection (HTTP/1.1 answers in
 * order, so a request that times out takes its connection with it; the others are retried).
 */
export class HttpPool implements ConnectionOwner {
  readonly pipelining: number;
  readonly noBody: boolean;
  readonly classify: (status: number) => JobOutcome;
  readonly sampler: ResponseSampler | undefined;
  readonly #target: HttpTarget;
  readonly #options: HttpPoolOptions;
  readonly #all = new Set<Connection>();
  /** Connections with a free slot, most recently freed last. */
  readonly #available: Connection[] = [];
  #waiting: PendingRequest[] = [];
  #waitingHead = 0;
  readonly #sweep: NodeJS.Timeout;
  #shutDown = false;

  constructor(target: HttpTarget, options: HttpPoolOptions) {
    this.#target = target;
    this.#options = options;
    this.pipelining = options.pipelining;
    this.noBody = options.noBody;
    this.classify = options.classify;
    this.sampler = options.sample ? new ResponseSampler() : undefined;
    const every = Math.min(1000, Math.max(5, options.timeoutMs / 10));
    this.#sweep = setInterval(this.#expire, every);
    this.#sweep.unref();
  }

  request(bytes: Buffer, done: Done): void {
    const request: PendingRequest = { bytes, done, since: performance.now() };
    if (this.#shutDown) {
      done(INTERRUPTED);
      return;
    }
    const connection = this.#pickConnection();
    if (connection) this.#dispatch(connection, request);
    else this.#waiting.push(request);
  }

  /** Fails everything in flight or waiting with `interrupted` and closes every connection. */
  interrupt(): void {
    const waiting = this.#waiting.slice(this.#waitingHead);
    this.#waiting = [];
    this.#waitingHead = 0;
    for (const connection of this.#all) connection.destroy(INTERRUPTED);
    for (const request of waiting) request.done(INTERRUPTED);
  }

  close(): void {
    this.#shutDown = true;
    clearInterval(this.#sweep);
    this.interrupt();
  }

  onCapacity(connection: Connection): void {
    if (this.#waitingHead < this.#waiting.length) {
      this.#dispatch(connection, this.#takeWaiting());
      return;
    }
    this.#available.push(connection);
  }

  onClosed(connection: Connection, unanswered: PendingRequest[], reason: string, retriable: boolean): void {
    this.#all.delete(connection);
    const i = this.#available.lastIndexOf(connection);
    if (i >= 0) this.#available.splice(i, 1);
    if (retriable && this.#options.idempotent && !this.#shutDown && reason !== INTERRUPTED) {
      // Put them back at the front, in order, and give them connections.
      this.#waiting = unanswered.concat(this.#waiting.slice(this.#waitingHead));
      this.#waitingHead = 0;
      this.#drainWaiting();
      return;
    }
    for (const request of unanswered) request.done(reason);
    this.#drainWaiting();
  }

  #pickConnection(): Connection | undefined {
    const available = this.#available;
    while (available.length > 0) {
      const connection = available[available.length - 1]!;
      if (connection.available) return connection;
      available.pop();
    }
    if (this.#all.size < this.#options.connections) {
      const connection = new Connection(this.#target, this);
      this.#all.add(connection);
      available.push(connection);
      return connection;
    }
    return undefined;
  }

  #dispatch(connection: Connection, request: PendingRequest): void {
    connection.send(request);
    if (!connection.available) {
      const available = this.#available;
      if (available[available.length - 1] === connection) available.pop();
    }
  }

  #takeWaiting(): PendingRequest {
    const request = this.#waiting[this.#waitingHead]!;
    this.#waiting[this.#waitingHead] = undefined as unknown as PendingRequest;
    this.#waitingHead++;
    if (this.#waitingHead === this.#waiting.length) {
      this.#waiting = [];
      this.#waitingHead = 0;
    }
    return request;
  }

  #drainWaiting(): void {
    while (this.#waitingHead < this.#waiting.length) {
      const connection = this.#pickConnection();
      if (!connection) return;
      this.#dispatch(connection, this.#takeWaiting());
    }
  }

  readonly #expire = (): void => {
    const limit = performance.now() - this.#options.timeoutMs;
    for (const connection of this.#all) if (connection.oldestSince < limit) connection.abandon("timeout");
    // Requests still waiting for a connection time out too.
    while (this.#waitingHead < this.#waiting.length && this.#waiting[this.#waitingHead]!.since < limit) {
      this.#takeWaiting().done("timeout");
    }
  };
}
