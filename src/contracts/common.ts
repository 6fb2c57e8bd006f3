import { z } from "zod";

/** A positive integer id in a path (`/automations/:id`): "12" → 12. */
export const idParams = z.strictObject({
  id: z.coerce
    .number({ error: "must be a positive integer id" })
    .int({ error: "must be a positive integer id" })
    .min(1, { error: "must be a positive integer id" })
    .max(Number.MAX_SAFE_INTEGER, { error: "must be a positive integer id" }),
});

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
