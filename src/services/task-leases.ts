import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { TaskKind, TaskLeasesRepo } from "../store/task-leases-repo.js";
import type { Logger } from "../telemetry/logger.js";

/** A lease outlives a holder's silence this long; the holder renews it every third of it. */
const TTL_MS = 30_000;

/** This process, as lease holders are named: host, pid and a random part (pids are reused). */
const processOwner = () => `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

/**
 * The leases of one kind of background task that this process holds. A task is worked on only
 * while its lease is held: `take` before starting (false: another live process has it), `hold`
 * while working (renewed in the background; `onLost` when another process took it over after
 * this one could not renew in time), and the returned release when done. A store that does not
 * answer a renewal is retried at the next one.
 */
export class TaskLeases {
  readonly owner: string;
  /** How long a lease outlives its holder's silence. */
  readonly ttlMs: number;
  readonly #repo: TaskLeasesRepo;
  readonly #kind: TaskKind;
  readonly #logger: Logger;
  readonly #held = new Map<number, () => void>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    repo: TaskLeasesRepo,
    kind: TaskKind,
    { owner = processOwner(), ttlMs = TTL_MS, logger }: { owner?: string; ttlMs?: number; logger: Logger },
  ) {
    this.#repo = repo;
    this.#kind = kind;
    this.owner = owner;
    this.ttlMs = ttlMs;
    this.#logger = logger;
  }

  take(taskId: number): Promise<boolean> {
    return this.#repo.claim(this.#kind, taskId, this.owner, this.ttlMs);
  }

  hold(taskId: number, onLost: () => void): () => Promise<void> {
    this.#held.set(taskId, onLost);
    this.#timer ??= setInterval(() => void this.#renew(), this.ttlMs / 3).unref();
    return async () => {
      this.#held.delete(taskId);
      if (this.#held.size === 0) this.#stop();
      await this.#repo.release(this.#kind, taskId, this.owner).catch(() => {});
    };
  }

  close(): void {
    this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #renew(): Promise<void> {
    try {
      for (const lost of await this.#repo.renew(this.#kind, [...this.#held.keys()], this.owner, this.ttlMs)) {
        this.#logger.warn(
          { kind: this.#kind, task_id: lost },
          "lease lost: another process took the task over",
        );
        this.#held.get(lost)?.();
        this.#held.delete(lost);
      }
    } catch {
      // The store is down: the next beat tries again (the lease has two more beats of slack).
    }
  }
}
