import { z } from "zod";
import { assertionSchema } from "../automations/tinyfish/index.js";
import { parseWorkloadSpec, type SpecLimits, type WorkloadSpec } from "../engine/index.js";
import { description, name, timestamp } from "./common.js";

const inputValue = z.union([z.string().max(100_000), z.number(), z.boolean()], {
  error: "must be a string, a number or a boolean",
});

const loadInput = z
  .record(z.string(), z.unknown(), { error: "must be an object" })
  .describe(
    'The engine\'s load: {"model":"closed","jobs","concurrency","duration"}, {"model":"open","rate","duration"} or {"model":"stages","target","stages":[{"duration","target"}]}',
  );

/**
 * A scenario as written. `load`, `thresholds` and `cost` are the engine's (validated by the
 * engine's own schema under the server's limits, so the errors name the same fields).
 */
export function scenarioInputSchema(limits: SpecLimits) {
  return z
    .strictObject({
      name,
      description,
      automation_id: z.number({ error: "must be an automation id" }).int().min(1),
      inputs: z
        .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/, "must be an input name"), inputValue)
        .default({}),
      load: loadInput.default({ model: "closed", jobs: 1 }),
      thresholds: z.array(z.string().max(200)).max(100).default([]),
      cost: z
        .strictObject({
          price_per_second: z.number().min(0).max(1e6).optional(),
          price_per_job: z.number().min(0).max(1e6).optional(),
        })
        .default({}),
      assertion: assertionSchema.nullable().default(null),
      tags: z.array(z.string().min(1).max(100)).max(50).default([]),
      on_interrupt: z.enum(["fail", "rerun"]).default("fail"),
      shards: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(1)
        .describe("split each run into this many shard jobs, executed by whichever workers take them"),
      allow_partial: z
        .boolean()
        .default(false)
        .describe("a failed shard fails the run unless this; the run then keeps the other shards' result"),
      seed: z
        .number()
        .int()
        .min(0)
        .max(0xffffffff)
        .nullable()
        .default(null)
        .describe(
          "seeds synthetic jobs: every run (and every split of one) draws the same durations and failures",
        ),
    })
    .superRefine((scenario, ctx) => {
      const parsed = engineSpec(scenario, limits);
      if (parsed.success) return;
      // The engine's issues as they are (code, keys, bounds), so the error names the same rule;
      // cost was already checked above with its own fields.
      for (const issue of parsed.error.issues) {
        if (issue.path[0] === "cost") continue;
        ctx.addIssue({ ...issue, path: issue.path.map(String) } as Parameters<typeof ctx.addIssue>[0]);
      }
    });
}
export type ScenarioInput = z.output<ReturnType<typeof scenarioInputSchema>>;

/** The engine's view of a scenario's load, thresholds and cost (the job is filled in per run). */
function engineSpec(
  scenario: Pick<ScenarioInput, "load" | "thresholds" | "cost">,
  limits: SpecLimits,
): ReturnType<typeof parseWorkloadSpec> {
  return parseWorkloadSpec(
    { job: { kind: "synthetic" }, load: scenario.load, thresholds: scenario.thresholds, cost: scenario.cost },
    limits,
  );
}
export type EngineSpec = WorkloadSpec;

export const scenarioView = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string(),
  automation_id: z.number(),
  inputs: z.record(z.string(), z.unknown()),
  load: z.record(z.string(), z.unknown()),
  thresholds: z.array(z.string()),
  cost: z.record(z.string(), z.number()),
  assertion: z.record(z.string(), z.unknown()).nullable(),
  tags: z.array(z.string()),
  on_interrupt: z.enum(["fail", "rerun"]),
  shards: z.number(),
  allow_partial: z.boolean(),
  seed: z.number().nullable(),
  baseline_run_id: z.number().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});
export type ScenarioView = z.infer<typeof scenarioView>;
