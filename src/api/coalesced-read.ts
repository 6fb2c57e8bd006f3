/**
 * Concurrent identical reads share one computation, without ever answering a read with data
 * computed before it arrived: a read that finds the computation for its key in flight waits for
 * it to end and then shares the *next* one with every read that arrived meanwhile. So a
 * dashboard polled by hundreds of clients costs at most two computations at a time per key, and
 * a read issued after a write always sees the write (read-your-writes holds).
 */
export class CoalescedReads<V> {
  readonly #inFlight = new Map<string, Promise<V>>();
  readonly #next = new Map<string, Promise<V>>();

  read(key: string, compute: () => Promise<V>): Promise<V> {
    const next = this.#next.get(key);
    if (next) return next;
    const current = this.#inFlight.get(key);
    if (!current) return this.#start(key, compute);
    const queued = current.then(
      () => undefined,
      () => undefined,
    );
    const started = queued.then(() => {
      this.#next.delete(key);
      return this.#start(key, compute);
    });
    this.#next.set(key, started);
    return started;
  }

  #start(key: string, compute: () => Promise<V>): Promise<V> {
    const running = compute().finally(() => {
      if (this.#inFlight.get(key) === running) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, running);
    return running;
  }
}
