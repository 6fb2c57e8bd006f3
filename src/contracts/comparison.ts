import { z } from "zod";
import { decimalId } from "./common.js";

const verdict = z.enum(["regression", "improvement", "no_change", "insufficient_data"]);

export const comparisonQuery = z.strictObject({
  baseline: decimalId("must be a run id").optional(),
  alpha: z.coerce.number().gt(0).lt(1).default(0.05),
  min_effect: z.coerce.number().min(0).max(10).default(0.05),
});

export const comparisonView = z.object({
  run_id: z.number(),
  baseline_id: z.number(),
  verdict,
  alpha: z.number(),
  min_effect: z.number(),
  metrics: z.array(
    z.object({
      metric: z.string(),
      baseline: z.number().nullable(),
      current: z.number().nullable(),
      delta: z.number().nullable(),
      delta_pct: z.number().nullable(),
      better: z.enum(["lower", "higher"]),
      test: z.string(),
      p_value: z.number().nullable(),
      verdict,
    }),
  ),
});
export type ComparisonView = z.infer<typeof comparisonView>;
