import { Gauge, type Registry } from "prom-client";
import type { PoolStats } from "../store/database.js";

/** The database connection pool (PGlite: one connection, in process). */
export class StoreMetrics {
  #source: (() => PoolStats) | undefined;

  constructor(registry: Registry) {
    const source = () => this.#source?.();
    new Gauge({
      name: "aurea_db_pool_connections",
      help: "Database pool connections by state (total, idle) and queries waiting for one (waiting).",
      labelNames: ["state"],
      registers: [registry],
      collect() {
        const stats = source();
        if (!stats) return;
        this.set({ state: "total" }, stats.total);
        this.set({ state: "idle" }, stats.idle);
        this.set({ state: "waiting" }, stats.waiting);
      },
    });
  }

  watch(source: () => PoolStats): void {
    this.#source = source;
  }
}
