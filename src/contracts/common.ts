import { z } from "zod";

/**
 * A positive integer id in a path or query (`/automations/12`, `?scenario_id=12`): decimal
 * digits only, so that `0x10`, `1e1` or ` 12` are refused rather than read as another id.
 */
export const decimalId = (error = "must be a positive integer id") =>
  z
    .string({ error })
    .regex(/^[1-9][0-9]{0,15}$/, { error })
    .transform(Number)
    .pipe(z.number().max(Number.MAX_SAFE_INTEGER, { error }));

/** `/resource/:id`: "12" → 12. */
export const idParams = z.strictObject({ id: decimalId() });

export const name = z
  .string({ error: "must be a string" })
  .trim()
  .min(1, { error: "must not be empty" })
  .max(200, { error: "must be at most 200 characters" });

export const description = z.string().max(10_000, { error: "must be at most 10,000 characters" }).default("");

/** `?cascade=true` on deletes. */
export const cascadeQuery = z.strictObject({
  cascade: z
    .enum(["true", "false"], { error: "must be true or false" })
    .optional()
    .transform((v) => v === "true"),
});

export const timestamp = z.string().describe("ISO-8601 UTC time");

export const errorBody = z.object({
  statusCode: z.number(),
  error: z.string(),
  message: z.string(),
  details: z.array(z.object({ field: z.string(), rule: z.string(), message: z.string() })).optional(),
});
