import { z } from "zod";

/**
 * Every job Aurea puts on its queue: name → payload schema and delivery policy, shared by the
 * producer (the API) and the consumer (any worker), so both agree on what a job carries.
 * Retries are for failures to start a job (the store unreachable while claiming); a run's own
 * failures are results, recorded once, never retried.
 */
export const JOB_CATALOG = {
  "run.execute": {
    payload: z.strictObject({
      run_id: z.number().int().min(1),
      /** The run's attempt count when queued: names the job, so a re-run is a new job. */
      attempt: z.number().int().min(0),
    }),
    attempts: 5,
    backoff: { type: "exponential", delay: 500 } as const,
  },
  "run.shard": {
    payload: z.strictObject({
      run_id: z.number().int().min(1),
      attempt: z.number().int().min(1),
      shard: z.number().int().min(0),
    }),
    attempts: 5,
    backoff: { type: "exponential", delay: 500 } as const,
  },
  "schedule.tick": {
    payload: z.strictObject({ schedule_id: z.number().int().min(1) }),
    attempts: 3,
    backoff: { type: "exponential", delay: 1000 } as const,
  },
} as const;

export type JobName = keyof typeof JOB_CATALOG;
export type JobPayload<N extends JobName> = z.infer<(typeof JOB_CATALOG)[N]["payload"]>;

/** The queue job id of a run's attempt: adding it again while it exists is a no-op. */
export const runJobId = (runId: number, attempt: number) => `run-${runId}-${attempt}`;

/** The queue job id of a shard of a run's attempt. */
export const shardJobId = (runId: number, attempt: number, shard: number) =>
  `shard-${runId}-${attempt}-${shard}`;

/** The BullMQ job scheduler of schedule `id`. */
export const schedulerId = (scheduleId: number) => `schedule-${scheduleId}`;
