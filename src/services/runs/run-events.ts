import type { Progress, TimelinePoint } from "../../engine/index.js";

/** What `GET /api/v1/runs/:id/events` streams while a run executes. */
export type RunEvent =
  | { type: "status"; status: "pending" | "running" }
  | { type: "progress"; progress: Progress }
  | { type: "second"; point: TimelinePoint }
  | { type: "finished"; status: "completed" | "failed" | "cancelled"; reason: string | null };

type Listener = (event: RunEvent) => void;

/**
 * Fan-out of run events to the clients watching them. In-process by default; `connect` routes
 * them through a bus (Redis pub/sub) that delivers them back to every process, so a client
 * watching a run on the API sees a worker's progress.
 */
export class RunEvents {
  readonly #listeners = new Map<number, Set<Listener>>();
  #send: ((runId: number, event: RunEvent) => void) | undefined;

  /** From now on events go out through `send`, and come in through `deliver`. */
  connect(send: (runId: number, event: RunEvent) => void): void {
    this.#send = send;
  }

  subscribe(runId: number, listener: Listener): () => void {
    let set = this.#listeners.get(runId);
    if (!set) this.#listeners.set(runId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(runId);
    };
  }

  publish(runId: number, event: RunEvent): void {
    if (this.#send) this.#send(runId, event);
    else this.deliver(runId, event);
  }

  /** Hands an event to this process's listeners of run `runId`. */
  deliver(runId: number, event: RunEvent): void {
    const set = this.#listeners.get(runId);
    if (!set) return;
    for (const listener of [...set]) listener(event);
  }

  /** Clients watching, over all runs. */
  get watchers(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}
