import { z } from "zod";
import { DISTRIBUTIONS, HTTP_METHODS } from "../engine/index.js";
import { description, name, timestamp } from "./common.js";
import { templateInputs } from "./templates.js";

const MAX_JOB_MS = 600_000;

/** A string with `{{input.name}}` placeholders and nothing else between braces. */
const template = (max: number) =>
  z
    .string({ error: "must be a string" })
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine((text, ctx) => {
      const { invalid } = templateInputs(text);
      if (invalid.length > 0)
        ctx.addIssue({
          code: "custom",
          message: `only {{input.<name>}} placeholders are allowed (found ${invalid.slice(0, 3).join(", ")})`,
        });
    });

const httpUrl = z
  .string({ error: "must be a string" })
  .max(8192)
  .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
    message: "must be an absolute http:// or https:// URL",
  });

/** A secret is named, never given: an environment variable of the server or a stored secret. */
export const secretRef = z.union(
  [
    z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "must be a variable name") }),
    z.strictObject({ secret: z.string().regex(/^[\w.-]{1,128}$/, "must be a secret name") }),
  ],
  { error: 'must be {"env": "VARIABLE"} or {"secret": "name"}' },
);
export type SecretRef = z.infer<typeof secretRef>;

export const syntheticConfig = z.strictObject({
  duration_ms: z.number().min(0).max(MAX_JOB_MS).default(100),
  distribution: z.enum(DISTRIBUTIONS).default("fixed"),
  spread_ms: z.number().min(0).max(MAX_JOB_MS).optional(),
  failure_rate: z.number().min(0).max(1).default(0),
  mode: z.enum(["sleep", "cpu"]).default("sleep"),
});

export const httpConfig = z.strictObject({
  url: httpUrl,
  method: z.enum(HTTP_METHODS).default("GET"),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid header name"), template(8192))
    .default({}),
  body: template(1024 * 1024).optional(),
  expect_status: z.array(z.number().int().min(100).max(599)).min(1).max(100).optional(),
  timeout_ms: z.number().int().min(1).max(MAX_JOB_MS).default(30_000),
});

export const tinyfishConfig = z.strictObject({
  /** The page the agent starts on (may use input placeholders). */
  url: template(8192),
  goal: template(20_000).refine((goal) => goal.trim().length > 0, { message: "must not be empty" }),
  browser_profile: z.enum(["lite", "stealth"]).optional(),
  output_schema: z.record(z.string(), z.unknown()).optional(),
  agent_config: z.record(z.string(), z.unknown()).optional(),
  api_key: secretRef,
  /** Dollars per agent step (TinyFish bills steps). */
  cost_per_step: z.number().min(0).max(1000).default(0.016),
  timeout_ms: z
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(10 * 60_000),
});

const base = { name, description };

export const automationInput = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      ...base,
      kind: z.literal("synthetic"),
      config: syntheticConfig.default(syntheticConfig.parse({})),
    }),
    z.strictObject({ ...base, kind: z.literal("http"), config: httpConfig }),
    z.strictObject({ ...base, kind: z.literal("tinyfish"), config: tinyfishConfig }),
  ],
  { error: 'must be one of "synthetic", "http", "tinyfish"' },
);
export type AutomationInput = z.output<typeof automationInput>;
export type AutomationKind = AutomationInput["kind"];
export type SyntheticConfig = z.output<typeof syntheticConfig>;
export type HttpConfig = z.output<typeof httpConfig>;
export type TinyfishConfig = z.output<typeof tinyfishConfig>;

export const automationView = z.object({
  id: z.number(),
  name: z.string(),
  description: z.string(),
  kind: z.enum(["synthetic", "http", "tinyfish"]),
  config: z.record(z.string(), z.unknown()),
  created_at: timestamp,
  updated_at: timestamp,
});
export type AutomationView = z.infer<typeof automationView>;

/** The inputs an automation's templates refer to. */
export function automationTemplateInputs(automation: AutomationInput): string[] {
  const texts: string[] = [];
  if (automation.kind === "http")
    texts.push(...Object.values(automation.config.headers), automation.config.body ?? "");
  if (automation.kind === "tinyfish") texts.push(automation.config.url, automation.config.goal);
  return [...new Set(texts.flatMap((text) => templateInputs(text).names))];
}
