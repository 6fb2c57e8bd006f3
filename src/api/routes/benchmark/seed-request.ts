import { z } from "zod";
import type { Config } from "../../../config/config.js";
import { DISTRIBUTIONS, durationField, type WorkloadSpecInput } from "../../../engine/index.js";

const integerIn = (min: number, max: number) =>
  z
    .number({ error: "must be a number" })
    .int({ error: `must be an integer from ${min} to ${max}` })
    .min(min, { error: `must be an integer from ${min} to ${max}` })
    .max(max, { error: `must be an integer from ${min} to ${max}` });

const numberIn = (min: number, max: number) =>
  z
    .number({ error: "must be a number" })
    .min(min, { error: `must be from ${min} to ${max}` })
    .max(max, { error: `must be from ${min} to ${max}` });

const MAX_JOB_MS = 600_000;

/**
 * The seed's `POST /benchmark/run` body: `num_jobs` and `job_duration_ms`, plus optional fields
 * that reach the rest of the engine. Unknown fields are rejected.
 */
export function seedRequestSchema(limits: Config["limits"]) {
  return z.strictObject({
    num_jobs: integerIn(1, limits.maxJobsPerRun),
    job_duration_ms: numberIn(0, MAX_JOB_MS),
    concurrency: integerIn(1, limits.maxConcurrency).optional(),
    distribution: z.enum(DISTRIBUTIONS).optional(),
    spread_ms: numberIn(0, MAX_JOB_MS).optional(),
    failure_rate: numberIn(0, 1).optional(),
    mode: z.enum(["sleep", "cpu"]).optional(),
    rate: z
      .number({ error: "must be a number" })
      .positive({ error: "must be greater than 0" })
      .max(10_000_000)
      .optional(),
    duration: durationField(limits.maxRunSeconds * 1000).optional(),
    price_per_second: numberIn(0, 1_000_000).optional(),
    price_per_job: numberIn(0, 1_000_000).optional(),
    thresholds: z.array(z.string()).max(100).optional(),
    seed: integerIn(0, 0xffffffff).optional(),
  });
}

export type SeedRequest = z.output<ReturnType<typeof seedRequestSchema>>;

/**
 * The workload a seed request describes: `num_jobs` parallel jobs by default (the seed's
 * thread pool), at most `concurrency` at a time, or arriving at `rate` per second.
 */
export function seedRequestToSpec(request: SeedRequest, limits: Config["limits"]): WorkloadSpecInput {
  const job = {
    kind: "synthetic" as const,
    duration_ms: request.job_duration_ms,
    ...(request.distribution ? { distribution: request.distribution } : {}),
    ...(request.spread_ms !== undefined ? { spread_ms: request.spread_ms } : {}),
    ...(request.failure_rate !== undefined ? { failure_rate: request.failure_rate } : {}),
    ...(request.mode ? { mode: request.mode } : {}),
  };
  const runCapS = limits.maxRunSeconds;
  const load: WorkloadSpecInput["load"] =
    request.rate !== undefined
      ? {
          model: "open",
          rate: request.rate,
          // num_jobs arrivals at `rate`, or fewer if `duration` ends the run first.
          duration: Math.min(
            request.num_jobs / request.rate,
            (request.duration ?? Number.POSITIVE_INFINITY) / 1000,
            runCapS,
          ),
          max_in_flight: Math.min(request.concurrency ?? limits.maxConcurrency, limits.maxConcurrency),
        }
      : {
          model: "closed",
          jobs: request.num_jobs,
          concurrency: request.concurrency ?? Math.min(request.num_jobs, limits.maxConcurrency),
          duration: Math.min((request.duration ?? Number.POSITIVE_INFINITY) / 1000, runCapS),
        };
  return {
    job,
    load,
    cost: { price_per_second: request.price_per_second ?? 0.001, price_per_job: request.price_per_job ?? 0 },
    thresholds: request.thresholds ?? [],
    records: Math.min(request.num_jobs, limits.maxJobRecords),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
}

/** Shortest time the closed-model run can take, ms (jobs run in ⌈N/C⌉ waves). */
export function minimumRunMs(request: SeedRequest, concurrency: number): number {
  if (request.rate !== undefined) return ((request.num_jobs - 1) / request.rate) * 1000;
  return Math.ceil(request.num_jobs / concurrency) * request.job_duration_ms;
}
