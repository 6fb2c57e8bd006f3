import type { Database } from "../../store/database.js";
import { foldFinishedRuns } from "../../store/rollups-repo.js";
import type { Logger } from "../../telemetry/logger.js";

/**
 * Folds finished runs into the KPI rollups every `intervalMs`, in batches, so that runs finish
 * with one write and never wait on each other's rollup rows. Until a run is folded the KPIs read
 * it directly, so what the dashboard shows never lags.
 */
export class RollupAggregator {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #batch: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  /** Every `intervalMs`, up to `batch` runs per transaction. */
  constructor(db: Database, logger: Logger, { intervalMs = 1000, batch = 2000 } = {}) {
    this.#db = db;
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    this.#batch = batch;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Folds every finished run not folded yet (one pass at a time). A batch that comes back full
   * means a backlog, folded at once; the few runs that finished during the last batch wait for
   * the next tick (under load, folding them one by one would cost a transaction each).
   */
  flush(): Promise<void> {
    this.#running ??= (async () => {
      try {
        while ((await foldFinishedRuns(this.#db, this.#batch)) === this.#batch) {
          // Keep going while there is a backlog.
        }
      } catch (error) {
        this.#logger.warn({ err: error }, "could not fold finished runs into the rollups; will retry");
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** Stops the timer and folds what is left. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
    await this.flush();
  }
}
