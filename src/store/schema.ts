import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { SCOPES } from "../contracts/key-scopes.js";
import { RUN_SOURCES, RUN_STATUSES, type RunStatus } from "../contracts/run-constants.js";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

/** What is exercised: a synthetic job, an HTTP endpoint or a TinyFish web agent. */
export const automations = pgTable(
  "automations",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    kind: text("kind", { enum: ["synthetic", "http", "tinyfish"] }).notNull(),
    /** The kind's settings (validated by the API's schema for that kind). */
    config: jsonb("config").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("automations_name_key").on(t.name)],
);

/** An automation under a load profile, with inputs, thresholds, a cost model and an assertion. */
export const scenarios = pgTable(
  "scenarios",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    automationId: integer("automation_id")
      .notNull()
      .references(() => automations.id, { onDelete: "restrict" }),
    inputs: jsonb("inputs").$type<Record<string, unknown>>().notNull().default({}),
    load: jsonb("load").$type<Record<string, unknown>>().notNull(),
    thresholds: jsonb("thresholds").$type<string[]>().notNull().default([]),
    cost: jsonb("cost").$type<Record<string, number>>().notNull().default({}),
    assertion: jsonb("assertion").$type<Record<string, unknown> | null>(),
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    /** What happens to a run of this scenario that a crash interrupted: fail it, or run it again. */
    onInterrupt: text("on_interrupt", { enum: ["fail", "rerun"] })
      .notNull()
      .default("fail"),
    baselineRunId: bigint("baseline_run_id", { mode: "number" }),
    /** Split each run into this many shard jobs, executed by whichever workers take them. */
    shards: integer("shards").notNull().default(1),
    /** A failed shard fails the run, unless this: the run then keeps what the others measured. */
    allowPartial: boolean("allow_partial").notNull().default(false),
    /** Seeds synthetic jobs' durations and failures: every run draws the same ones. */
    seed: bigint("seed", { mode: "number" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("scenarios_name_key").on(t.name), index("scenarios_automation_idx").on(t.automationId)],
);

/**
 * A scenario triggered on a cron expression (in a time zone) or every `interval_seconds`. Each
 * tick fires once, whatever the number of processes: `last_fired_at` only moves forward, and the
 * process whose update moves it triggers the run.
 */
export const schedules = pgTable(
  "schedules",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    scenarioId: integer("scenario_id")
      .notNull()
      .references(() => scenarios.id, { onDelete: "cascade" }),
    cron: text("cron"),
    timezone: text("timezone").notNull().default("UTC"),
    intervalSeconds: integer("interval_seconds"),
    enabled: boolean("enabled").notNull().default(true),
    /** A tick while a run of this schedule is pending or running: skip it, or queue another run. */
    overlap: text("overlap", { enum: ["skip", "queue"] })
      .notNull()
      .default("skip"),
    lastFiredAt: timestamp("last_fired_at", { withTimezone: true, mode: "date" }),
    /** Ticks skipped because the previous run was still active (overlap `skip`). */
    skippedTicks: integer("skipped_ticks").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("schedules_scenario_idx").on(t.scenarioId),
    check("schedules_one_timing", sql`(${t.cron} is null) <> (${t.intervalSeconds} is null)`),
  ],
);

/**
 * One shard of a sharded run's attempt: a part of the load (job counts and rates divided) that a
 * worker executes, starting with the other shards at `start_at`, and whose mergeable snapshot
 * the run's coordinator merges into the run's result.
 */
export const runShards = pgTable(
  "run_shards",
  {
    runId: bigint("run_id", { mode: "number" }).notNull(),
    attempt: integer("attempt").notNull(),
    shard: integer("shard").notNull(),
    status: text("status", { enum: ["pending", "running", "completed", "failed"] })
      .notNull()
      .default("pending"),
    startAt: timestamp("start_at", { withTimezone: true, mode: "date" }).notNull(),
    /** Host and process that executed it. */
    executor: text("executor"),
    /** `{snapshot, extra_cost, sample}`: the engine's mergeable snapshot and the job's extras. */
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.attempt, t.shard] })],
);

export { RUN_STATUSES, type RunStatus };

/**
 * One execution of a scenario (or of the seed's `POST /benchmark/run`). The engine's result is
 * kept whole: the summary as JSON, the HDR histogram encoded for merging, the timeline; the
 * figures the API filters and sorts on are columns of their own.
 */
export const runs = pgTable(
  "runs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    // Runs are history: they keep the ids (and names) of a scenario or automation deleted later,
    // so no foreign key, and the KPI rollups stay consistent with the runs they summarise.
    scenarioId: integer("scenario_id"),
    automationId: integer("automation_id"),
    /** Names at trigger time, so a run stays readable after its scenario is deleted. */
    scenarioName: text("scenario_name"),
    automationName: text("automation_name"),
    /** What made it: a trigger, the seed's `/benchmark/run`, a schedule, a load experiment's step. */
    source: text("source", { enum: RUN_SOURCES }).notNull(),
    /** The schedule that fired this run (source `schedule`); kept after the schedule is deleted. */
    scheduleId: integer("schedule_id"),
    status: text("status", { enum: RUN_STATUSES }).notNull().default("pending"),
    /** Why a run failed or was cancelled: `interrupted`, `error`, `cancelled`, `shutdown`. */
    reason: text("reason"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    /**
     * Renewed by the executor of a running run every half second: a run whose heartbeat is older
     * than the lease lost its executor (a killed worker) and is re-run or failed as interrupted.
     */
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }),
    /** The workload spec as executed (engine format). */
    spec: jsonb("spec").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    durationS: doublePrecision("duration_s"),
    totalJobs: bigint("total_jobs", { mode: "number" }),
    failedJobs: bigint("failed_jobs", { mode: "number" }),
    successRate: doublePrecision("success_rate"),
    throughput: doublePrecision("throughput"),
    p50Ms: doublePrecision("p50_ms"),
    p95Ms: doublePrecision("p95_ms"),
    p99Ms: doublePrecision("p99_ms"),
    cost: doublePrecision("cost"),
    thresholdsPassed: boolean("thresholds_passed"),
    /** Completed with every threshold met (and, without thresholds, no failed job): the KPI's success. */
    passed: boolean("passed"),
    /** Outcome counts: `succeeded`, `transport_error`, `provider_failed`, `assertion_failed`, … */
    outcomes: jsonb("outcomes").$type<Record<string, number>>(),
    /** The engine's result without histogram, timeline and per-job records. */
    summary: jsonb("summary").$type<Record<string, unknown>>(),
    /** HdrHistogram of latencies in microseconds, compressed base64 (hdr-histogram-js). */
    histogram: text("histogram"),
    timeline: jsonb("timeline").$type<unknown[]>(),
    responseSample: jsonb("response_sample"),
    environment: jsonb("environment").$type<Record<string, unknown>>(),
    /** Folded into `run_rollups` (by the rollup aggregator, shortly after the run finished). */
    rolledUp: boolean("rolled_up").notNull().default(false),
    /** The API key that triggered it (its per-key limits count it); null without authentication. */
    apiKeyId: integer("api_key_id"),
  },
  (t) => [
    // Ascending: a backward scan serves `order by created_at desc, id desc` (whose nulls come
    // first, as an ascending index's last), which a `desc nulls last` index would not.
    index("runs_created_idx").on(t.createdAt, t.id),
    index("runs_scenario_created_idx").on(t.scenarioId, t.createdAt, t.id),
    index("runs_schedule_created_idx").on(t.scheduleId, t.createdAt).where(sql`${t.scheduleId} is not null`),
    // No index on status alone: every run passes through pending and running, so such an index
    // holds an entry per run for each (dead ones until vacuum), and PostgreSQL, reading it as a
    // handful of rows, chose it to find the runs being claimed or completed and then visited
    // every run it had ever listed there. Pending runs have a partial index of their own (claims,
    // the supervisor), running ones the heartbeat index below.
    index("runs_pending_idx").on(t.id).where(sql`${t.status} = 'pending'`),
    index("runs_running_heartbeat_idx").on(t.heartbeatAt).where(sql`${t.status} = 'running'`),
    index("runs_finished_idx").on(t.finishedAt),
    index("runs_api_key_active_idx")
      .on(t.apiKeyId)
      .where(sql`${t.apiKeyId} is not null and ${t.status} in ('pending', 'running')`),
    index("runs_unrolled_idx")
      .on(t.id)
      .where(sql`not ${t.rolledUp} and ${t.status} in ('completed', 'failed', 'cancelled')`),
  ],
);

export const ROLLUP_LEVELS = ["hour", "day", "month"] as const;
export type RollupLevel = (typeof ROLLUP_LEVELS)[number];

/**
 * Finished runs summed per scenario and UTC hour, day and month of their creation, with their
 * latency histograms merged: the KPI dashboard reads these for the whole buckets of a window and
 * the runs themselves only for the partial hours at its edges (and the few finished runs not
 * folded in yet). Written in batches by the rollup aggregator, not by each finishing run, so
 * runs finishing at once never queue on the same rollup rows.
 */
export const runRollups = pgTable(
  "run_rollups",
  {
    level: text("level", { enum: ROLLUP_LEVELS }).notNull(),
    bucket: timestamp("bucket", { withTimezone: true, mode: "date" }).notNull(),
    /** The run's scenario id, 0 for runs without one (the seed API's). */
    scenarioKey: integer("scenario_key").notNull(),
    completed: integer("completed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    cancelled: integer("cancelled").notNull().default(0),
    passed: integer("passed").notNull().default(0),
    jobs: bigint("jobs", { mode: "number" }).notNull().default(0),
    failedJobs: bigint("failed_jobs", { mode: "number" }).notNull().default(0),
    cost: doublePrecision("cost").notNull().default(0),
    /** Merged HdrHistogram (µs, compressed base64) of the runs' latencies; null before any. */
    histogram: text("histogram"),
  },
  (t) => [primaryKey({ columns: [t.level, t.scenarioKey, t.bucket] })],
);

/** Provider keys and other secrets, encrypted at rest (AES-256-GCM); never returned by the API. */
export const secrets = pgTable("secrets", {
  name: text("name").primaryKey(),
  ciphertext: text("ciphertext").notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/**
 * API keys: only the SHA-256 of each key is stored (the key is shown once, at creation); the
 * prefix finds it and is shown in lists. A revoked or expired key authenticates nothing.
 */
export const apiKeys = pgTable(
  "api_keys",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    hash: text("hash").notNull(),
    scope: text("scope", { enum: SCOPES }).notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    /** Runs of this key pending or running at once; null: the server's default. */
    maxConcurrentRuns: integer("max_concurrent_runs"),
    /** Jobs one run of this key may have; null: the server's default. */
    maxJobsPerRun: integer("max_jobs_per_run"),
  },
  (t) => [uniqueIndex("api_keys_prefix_key").on(t.prefix)],
);

/**
 * Rightsizing: a usage collection is one fetch of usage history (Prometheus ranges or a CSV),
 * for a fixed window chosen at creation so that an interrupted collection resumes where it
 * stopped: each range chunk of each query is stored as it arrives and skipped on resume.
 */
export const usageCollections = pgTable("usage_collections", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  name: text("name").notNull(),
  /** `{kind: "prometheus", url, namespace, workload?, stepSeconds, queries?}` or `{kind: "csv", file}`. */
  source: jsonb("source").$type<Record<string, unknown>>().notNull(),
  status: text("status", { enum: ["collecting", "complete", "failed", "interrupted"] })
    .notNull()
    .default("collecting"),
  windowStart: timestamp("window_start", { withTimezone: true, mode: "date" }).notNull(),
  windowEnd: timestamp("window_end", { withTimezone: true, mode: "date" }).notNull(),
  /** `{chunksDone, chunksTotal}`. */
  progress: jsonb("progress").$type<Record<string, unknown>>().notNull().default({}),
  /** The seed's JSON metadata: context of the collection (experiment, step, replicas, …). */
  metadata: jsonb("metadata").$type<Record<string, unknown>>().notNull().default({}),
  error: text("error"),
  apiKeyId: integer("api_key_id"),
  createdAt: createdAt(),
  finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
});

/** One range chunk of one query of a collection: the series Prometheus (or the CSV) returned. */
export const usageChunks = pgTable(
  "usage_chunks",
  {
    collectionId: integer("collection_id")
      .notNull()
      .references(() => usageCollections.id, { onDelete: "cascade" }),
    /** Which query (`cpu`, `memory`, `throttling`, `oom_kills`, …). */
    query: text("query").notNull(),
    chunk: integer("chunk").notNull(),
    /** `[{labels, points: [[unix_seconds, value|null], …]}]`. */
    series: jsonb("series").$type<unknown[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.query, t.chunk] })],
);

/** One recommendation report (what `aurea recommend --json` prints), kept with its inputs. */
export const recommendations = pgTable(
  "recommendations",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    collectionId: integer("collection_id").references(() => usageCollections.id, { onDelete: "set null" }),
    experimentId: integer("experiment_id"),
    status: text("status", { enum: ["running", "complete", "partial", "failed"] })
      .notNull()
      .default("running"),
    /** Models, quantiles, target utilisation, … */
    options: jsonb("options").$type<Record<string, unknown>>().notNull().default({}),
    /** The report: `recommendations[]`, `errors[]`, `problems[]`. */
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    apiKeyId: integer("api_key_id"),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("recommendations_created_idx").on(t.createdAt)],
);

/**
 * A load experiment: stepped load levels (and replica counts, with a Kubernetes context) driven
 * through the engine, with resource use per step from Prometheus, and the capacity per replica
 * at the latency SLO derived from the steps.
 */
export const experiments = pgTable("experiments", {
  id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
  name: text("name").notNull(),
  /** Target, load levels, replica counts, SLO, Prometheus queries (validated by the API). */
  spec: jsonb("spec").$type<Record<string, unknown>>().notNull(),
  status: text("status", { enum: ["pending", "running", "complete", "failed", "interrupted", "cancelled"] })
    .notNull()
    .default("pending"),
  /** `{capacityPerReplica, sloMet, …}` once complete. */
  result: jsonb("result").$type<Record<string, unknown>>(),
  error: text("error"),
  apiKeyId: integer("api_key_id"),
  createdAt: createdAt(),
  startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
  finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
});

/** One step of an experiment: a load level at a replica count, its engine run and its resource use. */
export const experimentSteps = pgTable(
  "experiment_steps",
  {
    experimentId: integer("experiment_id")
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    step: integer("step").notNull(),
    replicas: integer("replicas").notNull().default(1),
    /** Offered load: arrival rate (per second) or virtual users, as the spec's load model says. */
    load: doublePrecision("load").notNull(),
    status: text("status", { enum: ["running", "complete", "failed"] })
      .notNull()
      .default("running"),
    /** The engine run that produced the step's latency and throughput, when stored as a run. */
    runId: bigint("run_id", { mode: "number" }),
    /** `{throughput, error_rate, latency_ms: {p50, p95, p99}, cpu_cores, memory_bytes, …}`. */
    measurements: jsonb("measurements").$type<Record<string, unknown>>(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.step] })],
);

/**
 * Who holds a background task (a collection, a recommendation, an experiment) until when: the
 * holder renews its lease while it works; a task whose lease ran out was left by a process that
 * died, and any process may take it over (several API processes share one store with Redis).
 */
export const taskLeases = pgTable(
  "task_leases",
  {
    /** `experiment_slot` (task 0): the one experiment that may run at a time on the store. */
    kind: text("kind", { enum: ["collection", "recommendation", "experiment", "experiment_slot"] }).notNull(),
    taskId: integer("task_id").notNull(),
    owner: text("owner").notNull(),
    until: timestamp("until", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.taskId] })],
);

export const schema = {
  automations,
  scenarios,
  schedules,
  runs,
  runShards,
  runRollups,
  secrets,
  apiKeys,
  usageCollections,
  usageChunks,
  recommendations,
  experiments,
  experimentSteps,
  taskLeases,
};
