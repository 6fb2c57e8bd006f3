import type { Logger } from "../../telemetry/logger.js";
import type { RunService } from "./run-service.js";

export interface SupervisorOptions {
  /** A running run whose heartbeat is older than this lost its executor. */
  leaseMs: number;
  /** A run pending longer than this is queued again (a no-op if the queue still has it). */
  sweepAfterMs: number;
  /** How often to look. */
  intervalMs: number;
}

/** Runs `RunService.supervise` on a timer, one pass at a time. */
export class RunSupervisor {
  readonly #service: RunService;
  readonly #logger: Logger;
  readonly #options: SupervisorOptions;
  #timer: NodeJS.Timeout | undefined;
  #pass: Promise<void> | undefined;

  constructor(service: RunService, logger: Logger, options: SupervisorOptions) {
    this.#service = service;
    this.#logger = logger;
    this.#options = options;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.pass(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** One look (also callable directly, e.g. by tests). */
  pass(): Promise<void> {
    this.#pass ??= (async () => {
      try {
        const result = await this.#service.supervise(this.#options);
        if (result.requeued + result.failed + result.cancelled > 0)
          this.#logger.warn(result, "runs whose executor stopped were recovered");
      } catch (error) {
        this.#logger.warn({ err: error }, "could not supervise runs; will retry");
      } finally {
        this.#pass = undefined;
      }
    })();
    return this.#pass;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pass;
  }
}
