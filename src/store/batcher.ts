/**
 * Group commit: calls that arrive while a write is in flight are written together by the next
 * one. Each statement costs a round trip on PostgreSQL and a fixed ~0.5 ms of CPU on PGlite
 * (one thread shared with the API), whatever its row count, so under load many rows per
 * statement is what lets writes keep up; with no load a batch is one row and waits for nothing
 * but the next turn of the event loop.
 */
export class Batcher<I, O> {
  readonly #write: (items: I[]) => Promise<O[]>;
  readonly #maxBatch: number;
  readonly #maxInFlight: number;
  #waiting: Waiting<I, O>[] = [];
  #inFlight = 0;
  #scheduled = false;

  /**
   * `write` receives the items in arrival order and must answer one result per item, in the
   * same order. At most `maxInFlight` writes run at once, each of at most `maxBatch` items.
   */
  constructor(
    write: (items: I[]) => Promise<O[]>,
    { maxBatch = 500, maxInFlight = 1 }: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    if (!(maxBatch >= 1 && maxInFlight >= 1))
      throw new RangeError("maxBatch and maxInFlight must be at least 1");
    this.#write = write;
    this.#maxBatch = maxBatch;
    this.#maxInFlight = maxInFlight;
  }

  /** Resolves with this item's result once the batch holding it is written. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After this turn's I/O callbacks: requests read in the same turn share the batch.
        setImmediate(() => {
          this.#scheduled = false;
          this.#drain();
        });
      }
    });
  }

  #drain(): void {
    while (this.#inFlight < this.#maxInFlight && this.#waiting.length > 0) {
      this.#inFlight++;
      void this.#flush(this.#waiting.splice(0, this.#maxBatch));
    }
  }

  async #flush(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await this.#write(batch.map((w) => w.item));
      if (results.length !== batch.length)
        throw new Error(`a batch write answered ${results.length} results for ${batch.length} items`);
      for (const [i, w] of batch.entries()) w.resolve(results[i]!);
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.#inFlight--;
      this.#drain();
    }
  }
}

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}
