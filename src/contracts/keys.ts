import { z } from "zod";
import { name, timestamp } from "./common.js";
import { SCOPES } from "./key-scopes.js";

export const keyView = z.object({
  id: z.number(),
  name: z.string(),
  prefix: z.string().describe("shown in lists and logs; the key itself is never shown again"),
  scope: z.enum(SCOPES),
  created_at: timestamp,
  expires_at: timestamp.nullable(),
  revoked_at: timestamp.nullable(),
  last_used_at: timestamp.nullable(),
  max_concurrent_runs: z.number().nullable(),
  max_jobs_per_run: z.number().nullable(),
});
export type KeyView = z.infer<typeof keyView>;

export const createKeyBody = z.strictObject({
  name,
  scope: z.enum(SCOPES, { error: `must be one of ${SCOPES.join(", ")}` }),
  expires_at: z
    .string()
    .refine((text) => !Number.isNaN(Date.parse(text)), { message: "must be an ISO-8601 time" })
    .transform((text) => new Date(text))
    .refine((date) => date.getTime() > Date.now(), { message: "must be in the future" })
    .nullable()
    .default(null),
  max_concurrent_runs: z.number().int().min(1).max(100_000).nullable().default(null),
  max_jobs_per_run: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
});
export type CreateKeyBody = z.infer<typeof createKeyBody>;

export const createdKeyView = keyView.extend({
  key: z.string().describe("the key: shown this once, store it now"),
});

/** Who the request acts as (the web UI shows what its key may do). */
export const sessionView = z.object({
  auth_required: z.boolean().describe("whether this server requires API keys"),
  name: z.string(),
  prefix: z.string().nullable(),
  scope: z.enum(SCOPES),
});
