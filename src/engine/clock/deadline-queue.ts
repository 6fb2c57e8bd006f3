type Callback = (value: unknown) => void;

/**
 * Pending timers ordered by deadline, stored in parallel arrays (no object per timer). Timers
 * of one fixed length arrive with non-decreasing deadlines, so those go to a FIFO (O(1) in and
 * out); only out-of-order deadlines pay for the binary heap.
 */
export class DeadlineQueue {
  // FIFO part.
  #fDeadline: number[] = [];
  #fCallback: (Callback | undefined)[] = [];
  #fValue: unknown[] = [];
  #fCancelled: unknown[] = [];
  #head = 0;
  // Heap part.
  readonly #hDeadline: number[] = [];
  readonly #hCallback: Callback[] = [];
  readonly #hValue: unknown[] = [];
  readonly #hCancelled: unknown[] = [];

  get size(): number {
    return this.#hDeadline.length + this.#fDeadline.length - this.#head;
  }

  /** Earliest deadline, or `Infinity` when empty. */
  peekDeadline(): number {
    const fifo =
      this.#head < this.#fDeadline.length ? this.#fDeadline[this.#head]! : Number.POSITIVE_INFINITY;
    const heap = this.#hDeadline.length > 0 ? this.#hDeadline[0]! : Number.POSITIVE_INFINITY;
    return Math.min(fifo, heap);
  }

  push(deadline: number, callback: Callback, value: unknown, cancelled: unknown): void {
    const fd = this.#fDeadline;
    if (fd.length === this.#head || deadline >= fd[fd.length - 1]!) {
      fd.push(deadline);
      this.#fCallback.push(callback);
      this.#fValue.push(value);
      this.#fCancelled.push(cancelled);
    } else {
      this.#heapPush(deadline, callback, value, cancelled);
    }
  }

  /** Fires every timer due by `horizon` in deadline order; returns how many fired. */
  fireUntil(horizon: number): number {
    let fired = 0;
    while (this.peekDeadline() <= horizon) {
      const head = this.#head;
      const fd = this.#fDeadline;
      if (head < fd.length && (this.#hDeadline.length === 0 || fd[head]! <= this.#hDeadline[0]!)) {
        const callback = this.#fCallback[head]!;
        const value = this.#fValue[head];
        this.#fCallback[head] = undefined;
        this.#fValue[head] = undefined;
        this.#fCancelled[head] = undefined;
        this.#head = head + 1;
        if (this.#head === fd.length) this.#resetFifo();
        else if (this.#head >= 4096 && this.#head * 2 >= fd.length) this.#compactFifo();
        callback(value);
      } else {
        const [callback, value] = this.#heapPop();
        callback(value);
      }
      fired++;
    }
    return fired;
  }

  /** Empties the queue, calling every callback with its `cancelled` value. */
  cancelAll(): void {
    const callbacks = this.#fCallback.slice(this.#head).concat(this.#hCallback);
    const values = this.#fCancelled.slice(this.#head).concat(this.#hCancelled);
    this.#resetFifo();
    this.#hDeadline.length = 0;
    this.#hCallback.length = 0;
    this.#hValue.length = 0;
    this.#hCancelled.length = 0;
    for (let i = 0; i < callbacks.length; i++) callbacks[i]!(values[i]);
  }

  #resetFifo(): void {
    this.#fDeadline = [];
    this.#fCallback = [];
    this.#fValue = [];
    this.#fCancelled = [];
    this.#head = 0;
  }

  #compactFifo(): void {
    const head = this.#head;
    this.#fDeadline = this.#fDeadline.slice(head);
    this.#fCallback = this.#fCallback.slice(head);
    this.#fValue = this.#fValue.slice(head);
    this.#fCancelled = this.#fCancelled.slice(head);
    this.#head = 0;
  }

  #heapPush(deadline: number, callback: Callback, value: unknown, cancelled: unknown): void {
    const d = this.#hDeadline;
    const c = this.#hCallback;
    const v = this.#hValue;
    const x = this.#hCancelled;
    let i = d.length;
    d.push(deadline);
    c.push(callback);
    v.push(value);
    x.push(cancelled);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent]! <= deadline) break;
      d[i] = d[parent]!;
      c[i] = c[parent]!;
      v[i] = v[parent];
      x[i] = x[parent];
      i = parent;
    }
    d[i] = deadline;
    c[i] = callback;
    v[i] = value;
    x[i] = cancelled;
  }

  #heapPop(): [Callback, unknown] {
    const d = this.#hDeadline;
    const c = this.#hCallback;
    const v = this.#hValue;
    const x = this.#hCancelled;
    const top: [Callback, unknown] = [c[0]!, v[0]];
    const lastD = d.pop()!;
    const lastC = c.pop()!;
    const lastV = v.pop();
    const lastX = x.pop();
    const n = d.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && d[child + 1]! < d[child]!) child++;
        if (d[child]! >= lastD) break;
        d[i] = d[child]!;
        c[i] = c[child]!;
        v[i] = v[child];
        x[i] = x[child];
        i = child;
      }
      d[i] = lastD;
      c[i] = lastC;
      v[i] = lastV;
      x[i] = lastX;
    }
    return top;
  }
}
