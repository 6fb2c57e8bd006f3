import { Redis } from "ioredis";
import type { Logger } from "../../telemetry/logger.js";
import type { RunEvent, RunEvents } from "./run-events.js";

/** Events are sent in batches at most this often: a live view does not need them sooner. */
const FLUSH_MS = 50;

interface Message {
  run_id: number;
  event: RunEvent;
}

/**
 * Run events over Redis pub/sub: every process publishes on one channel and delivers what it
 * hears to its own listeners, so progress reaches whichever API process a client watches from.
 * Each process sends what it published in the last 50 ms as one message, so a worker executing
 * hundreds of runs a second makes 20 writes a second for their events, not thousands. Events are
 * live-only (a client that connects late starts from the run's stored state), so one lost while
 * Redis is away is not retried.
 */
export class RedisRunEvents {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  #batch: Message[] = [];
  #timer: NodeJS.Timeout | undefined;

  private constructor(url: string, prefix: string) {
    this.#publisher = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    this.#subscriber = new Redis(url, { maxRetriesPerRequest: null });
    this.#publisher.on("error", () => {});
    this.#subscriber.on("error", () => {});
    this.#channel = `${prefix}:run-events`;
  }

  /** Subscribes and connects `events` to the channel. */
  static async attach(
    events: RunEvents,
    url: string,
    prefix: string,
    logger: Logger,
  ): Promise<RedisRunEvents> {
    const bus = new RedisRunEvents(url, prefix);
    bus.#subscriber.on("message", (_channel: string, text: string) => {
      try {
        for (const { run_id: runId, event } of JSON.parse(text) as Message[]) events.deliver(runId, event);
      } catch (error) {
        logger.warn({ err: error }, "ignored a malformed run event message");
      }
    });
    await bus.#subscriber.subscribe(bus.#channel);
    events.connect((runId, event) => bus.#send({ run_id: runId, event }));
    return bus;
  }

  #send(message: Message): void {
    this.#batch.push(message);
    this.#timer ??= setTimeout(() => this.#flush(), FLUSH_MS);
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#publisher.publish(this.#channel, JSON.stringify(batch)).catch(() => {});
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#flush();
    this.#publisher.disconnect(false);
    this.#subscriber.disconnect();
  }
}
