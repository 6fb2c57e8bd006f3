import { z } from "zod";
import { httpConfig } from "../../contracts/automation.js";
import {
  durationField,
  ENGINE_LIMITS,
  parseThreshold,
  type SpecLimits,
  type Threshold,
} from "../../engine/index.js";
import { sloProblem } from "../../rightsizing/capacity.js";

/**
 * What a load experiment is, as the API's body and the CLI's flags describe it: a target, the
 * arrival rates of its steps (open model), each step's duration and warm-up, optional replica
 * counts, the latency SLO, and an optional Prometheus to read resource use from.
 */

/** Added to an SLO that says nothing about errors: a step whose requests fail is not within it. */
const DEFAULT_ERROR_SLO = "error_rate<1%";
const DEFAULT_SLO = "p95<300ms";

const MAX_STEPS = 200;

/** Kubernetes names: a namespace is a DNS label, a workload a DNS subdomain. */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes name (lowercase letters, digits, '-')")
  .max(63, "must be at most 63 characters");
const dnsSubdomain = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    "must be a Kubernetes name (lowercase letters, digits, '-', '.')",
  )
  .max(253, "must be at most 253 characters");

/** A duration in whole seconds (the engine's timeline, which step windows are cut from, is per second). */
function wholeSeconds(maxMs: number) {
  return durationField(maxMs).refine((ms) => ms % 1000 === 0, {
    message: "must be a whole number of seconds (steps are measured per second)",
  });
}

const sloField = z
  .string()
  .max(200)
  .transform((expression, ctx): Threshold => {
    const parsed = parseThreshold(expression);
    const problem = "error" in parsed ? parsed.error : sloProblem(parsed);
    if ("error" in parsed || problem !== undefined) {
      ctx.addIssue({ code: "custom", message: problem ?? "is not an SLO" });
      return z.NEVER;
    }
    return parsed;
  });

const promql = z.string().trim().min(1, "must not be empty").max(4000, "must be at most 4000 characters");

export function experimentSpecSchema(limits: SpecLimits = ENGINE_LIMITS) {
  const stepMax = Math.min(limits.maxRunDurationMs, 3_600_000);
  return z
    .strictObject({
      name: z.string().trim().min(1, "must not be empty").max(200).optional(),
      target: z.discriminatedUnion(
        "kind",
        [
          z.strictObject({
            kind: z.literal("scenario"),
            scenario_id: z.number({ error: "must be a scenario id" }).int().min(1),
          }),
          z.strictObject({ kind: z.literal("http"), ...httpConfig.shape }),
        ],
        { error: 'must be {"kind": "http", "url": …} or {"kind": "scenario", "scenario_id": …}' },
      ),
      /** Arrival rates of the steps, jobs/s, in the order they run (ascending is usual). */
      rates: z
        .array(
          z.number().positive("must be above 0").max(limits.maxRate, `must be at most ${limits.maxRate}`),
        )
        .min(1, "must list at least one rate")
        .max(50, "must list at most 50 rates"),
      step_duration: wholeSeconds(stepMax)
        .default(30_000)
        .refine((ms) => ms >= 1000, "must be at least 1 second"),
      warmup: wholeSeconds(stepMax).default(5000),
      /** How long a step's jobs may finish after its load stops; later ones are interrupted (failures). */
      graceful_stop: durationField(60_000).default(5000),
      max_in_flight: z.number().int().min(1).max(limits.maxConcurrency).optional(),
      /** Replica counts to measure (outer loop); one count without a scaler only labels the steps. */
      replicas: z
        .array(z.number().int().min(1).max(1000))
        .min(1, "must list at least one replica count")
        .max(20, "must list at most 20 replica counts")
        .optional(),
      namespace: dnsLabel.optional(),
      workload: dnsSubdomain.optional(),
      slo: z.array(sloField).min(1, "must have at least one expression").max(10).prefault([DEFAULT_SLO]),
      /** Keep raising the load after the SLO failed at a replica count (default: go to the next count). */
      continue_after_failure: z.boolean().default(false),
      prometheus: z
        .strictObject({
          url: z
            .string()
            .max(2048)
            .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
              message: "must be an absolute http:// or https:// URL",
            }),
          /** PromQL per resource, per replica; `$rate_window` is replaced by `rate_window`. */
          queries: z.strictObject({ cpu: promql.optional(), memory: promql.optional() }).default({}),
          /** Resolution of the range queries over each step's window. */
          resolution: wholeSeconds(3_600_000)
            .default(5000)
            .refine((ms) => ms >= 1000, "must be at least 1 second"),
          /** Window of `rate()` in the default CPU query; keep it at most the warm-up. */
          rate_window: wholeSeconds(3_600_000)
            .default(30_000)
            .refine((ms) => ms >= 1000, "must be at least 1 second"),
        })
        .optional(),
    })
    .superRefine((spec, ctx) => {
      const steps = spec.rates.length * (spec.replicas?.length ?? 1);
      if (steps > MAX_STEPS)
        ctx.addIssue({
          code: "custom",
          path: ["rates"],
          message: `rates × replicas make ${steps} steps; at most ${MAX_STEPS}`,
        });
      if (spec.warmup + spec.step_duration > limits.maxRunDurationMs)
        ctx.addIssue({
          code: "custom",
          path: ["step_duration"],
          message: `warm-up and step must last at most ${limits.maxRunDurationMs / 1000} seconds together`,
        });
      const p = spec.prometheus;
      if (
        p &&
        spec.namespace === undefined &&
        (p.queries.cpu === undefined || p.queries.memory === undefined)
      )
        ctx.addIssue({
          code: "custom",
          path: ["namespace"],
          message: "is required with prometheus unless prometheus.queries gives both cpu and memory",
        });
      if ((spec.replicas?.length ?? 0) > 1 && (spec.namespace === undefined || spec.workload === undefined))
        ctx.addIssue({
          code: "custom",
          path: [spec.namespace === undefined ? "namespace" : "workload"],
          message: "is required to scale the workload through several replica counts",
        });
      if (spec.replicas && new Set(spec.replicas).size !== spec.replicas.length)
        ctx.addIssue({ code: "custom", path: ["replicas"], message: "must not repeat a replica count" });
    })
    .transform((spec) => ({
      ...spec,
      slo: spec.slo.some((t) => t.metric.kind === "rate")
        ? spec.slo
        : [...spec.slo, parseThreshold(DEFAULT_ERROR_SLO) as Threshold],
    }));
}

const defaultSchema = experimentSpecSchema();
/** An experiment as written (durations as text, defaults omitted). */
export type ExperimentSpecInput = z.input<typeof defaultSchema>;
/** A validated experiment: durations in ms, SLO parsed (with the error-rate default added). */
export type ExperimentSpec = z.output<typeof defaultSchema>;
export type ExperimentTarget = ExperimentSpec["target"];

/** Schemas built per limits object (building one costs far more than parsing with it). */
const schemas = new WeakMap<SpecLimits, ReturnType<typeof experimentSpecSchema>>();

export function parseExperimentSpec(input: unknown, limits?: SpecLimits) {
  if (!limits) return defaultSchema.safeParse(input);
  let schema = schemas.get(limits);
  if (!schema) schemas.set(limits, (schema = experimentSpecSchema(limits)));
  return schema.safeParse(input);
}

const seconds = (ms: number) => `${ms / 1000}s`;

/**
 * The spec as stored: everything explicit (defaults and the implicit error-rate SLO written
 * out), in the input form, so that parsing it again at resume gives the same experiment.
 */
export function normalizedSpec(spec: ExperimentSpec): ExperimentSpecInput {
  const { prometheus, ...rest } = spec;
  return {
    ...rest,
    step_duration: seconds(spec.step_duration),
    warmup: seconds(spec.warmup),
    graceful_stop: `${spec.graceful_stop}ms`,
    slo: spec.slo.map((t) => t.expression),
    ...(prometheus
      ? {
          prometheus: {
            ...prometheus,
            resolution: seconds(prometheus.resolution),
            rate_window: seconds(prometheus.rate_window),
          },
        }
      : {}),
  };
}

export interface PlannedStep {
  /** 1, 2, … in the order the steps run. */
  step: number;
  replicas: number;
  /** Arrival rate, jobs/s. */
  rate: number;
}

/** The steps in the order they run: each replica count (outer) through every rate (inner). */
export function planSteps(spec: Pick<ExperimentSpec, "rates" | "replicas">): PlannedStep[] {
  const counts = spec.replicas ?? [1];
  return counts.flatMap((replicas, r) =>
    spec.rates.map((rate, i) => ({ step: r * spec.rates.length + i + 1, replicas, rate })),
  );
}

/** Whether the spec asks for the workload to be scaled (more than one replica count). */
export const needsScaling = (spec: Pick<ExperimentSpec, "replicas">): boolean =>
  (spec.replicas?.length ?? 0) > 1;

/** The message for a scaling spec without a Kubernetes context (the API's 400, the CLI's usage error). */
export function scalerRequired(where: "cli" | "server"): string {
  const way =
    where === "cli"
      ? "give --kube-context (or --kubeconfig)"
      : "this server has none configured (AUREA_KUBE_CONTEXT, AUREA_KUBECONFIG or AUREA_KUBERNETES=in-cluster)";
  return (
    `replicas need a Kubernetes context to scale the workload between steps; ${way}, ` +
    "or give one replica count to label the steps with the replicas already running"
  );
}
