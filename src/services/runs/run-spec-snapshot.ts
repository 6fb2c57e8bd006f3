import { z } from "zod";

/**
 * What a run executes, copied from its scenario and automation when it is triggered, so that
 * editing them later does not change a queued run, and a run stays reproducible.
 */
export const runSpecSnapshot = z.object({
  automation: z.object({
    id: z.number().nullable(),
    name: z.string(),
    kind: z.enum(["synthetic", "http", "tinyfish"]),
    config: z.record(z.string(), z.unknown()),
  }),
  inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  load: z.record(z.string(), z.unknown()),
  thresholds: z.array(z.string()).default([]),
  cost: z.record(z.string(), z.number()).default({}),
  assertion: z.record(z.string(), z.unknown()).nullable().default(null),
  /** Shard jobs the run is split into (1: executed whole by one worker). */
  shards: z.number().int().min(1).default(1),
  allow_partial: z.boolean().default(false),
  seed: z.number().int().nullable().default(null),
  /** The scenario's pinned baseline when the run was triggered: a completed run is compared with it. */
  baseline_run_id: z.number().int().nullable().default(null),
});
export type RunSpecSnapshot = z.infer<typeof runSpecSnapshot>;
