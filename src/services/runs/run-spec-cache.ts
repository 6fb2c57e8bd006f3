import type { SpecLimits, WorkloadSpec } from "../../engine/index.js";
import { buildEngineSpec } from "./automation-job.js";
import { type RunSpecSnapshot, runSpecSnapshot } from "./run-spec-snapshot.js";

export interface ParsedRunSpec {
  snapshot: RunSpecSnapshot;
  spec: WorkloadSpec;
}

/**
 * A run's stored spec, validated and turned into the engine's spec, remembered by its JSON text:
 * every run of a scenario stores the same spec, and validating it again took a tiny run's
 * executor more CPU than storing its result. Bounded (oldest forgotten first); what it answers
 * is frozen, since runs executing at once share it.
 */
export class RunSpecCache {
  readonly #limits: SpecLimits;
  readonly #max: number;
  readonly #parsed = new Map<string, ParsedRunSpec>();

  constructor(limits: SpecLimits, max = 256) {
    this.#limits = limits;
    this.#max = max;
  }

  /** Throws (a zod or spec error) when the stored spec is not one Aurea can run. */
  parse(stored: unknown): ParsedRunSpec {
    const key = JSON.stringify(stored);
    const known = this.#parsed.get(key);
    if (known) return known;
    const snapshot = runSpecSnapshot.parse(stored);
    const parsed = deepFreeze({ snapshot, spec: buildEngineSpec(snapshot, this.#limits) });
    if (this.#parsed.size >= this.#max) this.#parsed.delete(this.#parsed.keys().next().value!);
    this.#parsed.set(key, parsed);
    return parsed;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
