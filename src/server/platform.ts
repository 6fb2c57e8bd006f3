import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Config, ConfigError, type KubernetesConfig } from "../config/config.js";
import { ENGINE_LIMITS, type RunResult, type SpecLimits, type WorkloadSpec } from "../engine/index.js";
import { checkUrl, createAddressPolicy, guardedLookup, resolveGuarded } from "../net/ssrf/index.js";
import { BullMqQueue } from "../queue/bullmq-queue.js";
import { InProcessQueue, type JobQueue } from "../queue/index.js";
import { KeyService } from "../services/keys/key-service.js";
import type { ReplicaScaler } from "../services/rightsizing/experiment-runner.js";
import { ExperimentService } from "../services/rightsizing/experiment-service.js";
import { openRightsizing, type Rightsizing } from "../services/rightsizing/rightsizing-services.js";
import { AutomationJobs } from "../services/runs/automation-job.js";
import { runEnvironment } from "../services/runs/environment.js";
import { KpiSeries } from "../services/runs/kpi-series.js";
import { RedisRunEvents } from "../services/runs/redis-run-events.js";
import { RollupAggregator } from "../services/runs/rollup-aggregator.js";
import { RunEvents } from "../services/runs/run-events.js";
import { RunExecutor, runOutcome } from "../services/runs/run-executor.js";
import { RunService } from "../services/runs/run-service.js";
import { RunSupervisor } from "../services/runs/run-supervisor.js";
import { ShardExecutor } from "../services/runs/shard-executor.js";
import { InProcessScheduler } from "../services/schedules/in-process-scheduler.js";
import { QueueScheduler } from "../services/schedules/queue-scheduler.js";
import { ScheduleService } from "../services/schedules/schedule-service.js";
import type { Scheduler } from "../services/schedules/scheduler.js";
import { SecretBox } from "../services/secrets/secret-box.js";
import { SecretService } from "../services/secrets/secret-service.js";
import { TaskLeases } from "../services/task-leases.js";
import { ApiKeysRepo } from "../store/api-keys-repo.js";
import { AutomationsRepo } from "../store/automations-repo.js";
import { openStore, type Store } from "../store/database.js";
import { ExperimentsRepo } from "../store/experiments-repo.js";
import { KpiSeriesQuery } from "../store/kpi-series-query.js";
import { KpisQuery } from "../store/kpis-query.js";
import { RunsRepo } from "../store/runs-repo.js";
import { ScenariosRepo } from "../store/scenarios-repo.js";
import { SchedulesRepo } from "../store/schedules-repo.js";
import { ShardsRepo } from "../store/shards-repo.js";
import { TaskLeasesRepo } from "../store/task-leases-repo.js";
import { ExperimentMetrics } from "../telemetry/experiment-metrics.js";
import type { Logger } from "../telemetry/logger.js";
import type { Telemetry } from "../telemetry/registry.js";
import { VERSION } from "./version.js";

/** The benchmark platform: store, repositories, queue and run execution, wired together. */
export interface Platform {
  store: Store;
  automations: AutomationsRepo;
  scenarios: ScenariosRepo;
  runs: RunsRepo;
  kpis: KpisQuery;
  kpiSeries: KpiSeries;
  secrets: SecretService;
  events: RunEvents;
  queue: JobQueue;
  service: RunService;
  schedules: ScheduleService;
  /** API keys: created, revoked, checked on every request. */
  keys: KeyService;
  limits: SpecLimits;
  /** Usage collections and recommendations (`/api/v1/collections`, `/api/v1/recommendations`). */
  rightsizing: Rightsizing;
  /** Load experiments (`/api/v1/experiments`), run one at a time in this process. */
  experiments: ExperimentService;
  /** Records a seed `POST /benchmark/run` as a completed run. */
  recordBenchmark(spec: WorkloadSpec, result: RunResult): Promise<void>;
  /** Stops the queue (running runs get `graceMs`, then are recorded as interrupted) and closes the store. */
  close(graceMs: number): Promise<void>;
}

export interface PlatformOptions {
  config: Readonly<Config>;
  telemetry: Telemetry;
  logger: Logger;
  /** An already open store (tests); otherwise one is opened from the configuration. */
  store?: Store;
  /** Execute runs in this process (default); false: only queue them (`aurea serve --no-worker`). */
  worker?: boolean;
  /**
   * Fold finished runs into the KPI rollups (default). `aurea worker` does not: merging
   * histograms is bursts of CPU that would delay the runs a worker takes from the queue, and the
   * API processes that read the KPIs fold them (until then the KPIs read the runs directly).
   */
  foldRollups?: boolean;
}

/** A run pending this long is queued again, in case the queue lost it. */
const SWEEP_AFTER_MS = 5000;

/** Opens the store, applies migrations, recovers interrupted runs and starts executing. */
export async function openPlatform({
  config,
  telemetry,
  logger,
  store: given,
  worker = true,
  foldRollups = true,
}: PlatformOptions): Promise<Platform> {
  // First: a Kubernetes setting that cannot be used stops the start before anything is open.
  const scaler = await experimentScaler(config.kubernetes, logger);
  const store =
    given ??
    (await openStore({
      databaseUrl: config.store.databaseUrl,
      dataDir: join(config.store.dataDir, "pglite"),
      poolSize: config.store.poolSize,
    }));
  // What is open so far, closed again (last first) if a later step fails: a Redis connection
  // left open would keep a failed `aurea serve` from exiting.
  const opened: (() => unknown)[] = [];
  try {
    await store.migrate();
    const limits: SpecLimits = {
      ...ENGINE_LIMITS,
      maxJobs: config.limits.maxJobsPerRun,
      maxConcurrency: config.limits.maxConcurrency,
      maxRunDurationMs: config.limits.maxRunSeconds * 1000,
      maxRecords: config.limits.maxJobRecords,
    };
    const automations = new AutomationsRepo(store.db);
    const scenarios = new ScenariosRepo(store.db);
    const runs = new RunsRepo(store.db);
    const secrets = new SecretService(store.db, new SecretBox(await secretKey(config)), config.secretEnv);
    const policy = createAddressPolicy({ allow: [...config.outbound.allowHosts] });
    const events = new RunEvents();
    const onError = (runId: number, error: unknown) =>
      logger.error({ run_id: runId, err: error }, "run execution failed");
    // Shards have a queue of their own: coordinators waiting on their shards never take the
    // slots the shards need.
    const openQueue = async (name: "runs" | "shards"): Promise<JobQueue> =>
      config.queue.redisUrl
        ? await BullMqQueue.open({
            url: config.queue.redisUrl,
            prefix: config.queue.prefix,
            name,
            concurrency: config.runs.concurrency,
            logger,
            metrics: telemetry.queue,
          })
        : new InProcessQueue({ concurrency: config.runs.concurrency, metrics: telemetry.queue, onError });
    const queue = await openQueue("runs");
    opened.push(() => queue.close(0));
    // With Redis, run events cross processes: an API process streams a worker's progress.
    const eventBus = config.queue.redisUrl
      ? await RedisRunEvents.attach(events, config.queue.redisUrl, config.queue.prefix, logger)
      : undefined;
    opened.push(() => eventBus?.close());
    const shardQueue = await openQueue("shards");
    opened.push(() => shardQueue.close(0));
    telemetry.queue.watch(queue);
    const environment = runEnvironment({
      aurea_version: VERSION,
      store: store.driver,
      queue: queue.kind,
    });
    const jobs = new AutomationJobs({
      secrets,
      checkTarget: async (url) => {
        const parsed = checkUrl(url, policy);
        await resolveGuarded(parsed.hostname.replace(/^\[|\]$/g, ""), policy);
      },
      lookup: guardedLookup(policy),
      tinyfishBaseUrl: config.outbound.tinyfishBaseUrl,
    });
    const sharded = new ShardExecutor({
      runs,
      shards: new ShardsRepo(store.db),
      queue: shardQueue,
      jobs,
      limits,
      logger,
    });
    const executor = new RunExecutor({
      runs,
      events,
      metrics: telemetry.benchmark,
      runMetrics: telemetry.runs,
      logger,
      limits,
      jobs,
      sharded,
    });
    telemetry.runs.watchActive(() => executor.active);
    telemetry.store.watch(() => store.poolStats());
    const service = new RunService({
      runs,
      scenarios,
      automations,
      queue,
      executor,
      events,
      environment,
      logger,
      metrics: telemetry.runs,
      // PGlite runs one statement at a time; PostgreSQL overlaps a few batches on the pool.
      triggerWriters: store.driver === "pglite" ? 1 : Math.max(1, Math.floor(config.store.poolSize / 4)),
    });
    // The embedded queue makes this process the only executor: whatever was running is orphaned.
    const recovered = await service.recover({ exclusive: queue.kind === "in-process" });
    if (recovered.failed + recovered.requeued + recovered.cancelled + recovered.queued > 0)
      logger.info(recovered, "runs recovered");
    // Ticks come from timers here (embedded), or as jobs from Redis to whichever worker takes them.
    const scheduler: Scheduler =
      queue instanceof BullMqQueue
        ? new QueueScheduler(queue)
        : new InProcessScheduler(async (id, tick) => void (await schedules.tick(id, tick)), logger);
    opened.push(() => scheduler.close());
    const schedules = new ScheduleService({
      schedules: new SchedulesRepo(store.db),
      scenarios,
      runs: service,
      scheduler,
      minIntervalSeconds: config.schedules.minIntervalSeconds,
      logger,
      metrics: telemetry.schedules,
    });
    telemetry.schedules.watch(() => schedules.health());
    await schedules.start();
    if (worker) {
      queue.start({
        run: (runId, signal) => executor.execute(runId, signal),
        scheduleTick: async (id, tick) => void (await schedules.tick(id, tick)),
      });
      shardQueue.start({
        shard: (runId, attempt, shard, signal) => sharded.execute(runId, attempt, shard, signal),
      });
    }
    const supervisor = new RunSupervisor(service, logger, {
      leaseMs: config.runs.leaseMs,
      sweepAfterMs: SWEEP_AFTER_MS,
      intervalMs: Math.min(5000, Math.max(250, config.runs.leaseMs / 3)),
    });
    supervisor.start();
    const rollups = foldRollups ? new RollupAggregator(store.db, logger) : undefined;
    rollups?.start();
    const exclusive = queue.kind === "in-process";
    const rightsizing = await openRightsizing({
      db: store.db,
      policy,
      registry: telemetry.registry,
      logger,
      exclusive,
      taskLeaseMs: config.runs.taskLeaseMs,
    });
    opened.push(() => rightsizing.close());
    const experiments = new ExperimentService({
      repo: new ExperimentsRepo(store.db),
      runs,
      scenarios,
      jobs,
      policy,
      limits,
      environment,
      logger,
      metrics: new ExperimentMetrics(telemetry.registry),
      // Several processes on the store: an experiment runs under a lease (taken over when it runs out).
      leases: exclusive
        ? undefined
        : new TaskLeases(new TaskLeasesRepo(store.db), "experiment", {
            ttlMs: config.runs.taskLeaseMs,
            logger,
          }),
      // …and only one runs at a time on the store (the others stay pending until it ends).
      slot: exclusive
        ? undefined
        : new TaskLeases(new TaskLeasesRepo(store.db), "experiment_slot", {
            ttlMs: config.runs.taskLeaseMs,
            logger,
          }),
      version: VERSION,
      scaler,
    });
    opened.push(() => experiments.close());
    await experiments.resume({ exclusive });
    const keys = new KeyService({ repo: new ApiKeysRepo(store.db) });
    // When keys were last used, written every 10 s rather than per request.
    const keyUsage = setInterval(() => void keys.flushUsage().catch(() => {}), 10_000);
    keyUsage.unref();
    return {
      keys,
      store,
      automations,
      scenarios,
      runs,
      kpis: new KpisQuery(store.db),
      kpiSeries: new KpiSeries(new KpiSeriesQuery(store.db)),
      secrets,
      events,
      queue,
      service,
      schedules,
      limits,
      rightsizing,
      experiments,
      recordBenchmark: async (spec, result) => {
        await runs.createFinished(
          { source: "benchmark_api", spec: spec as unknown as Record<string, unknown>, environment },
          runOutcome(result, { succeeded: result.counts.completed, ...result.counts.failures }, null),
          new Date(result.started_at),
          new Date(result.ended_at),
        );
      },
      close: async (graceMs) => {
        await scheduler.close();
        await supervisor.stop();
        // A coordinator that stops lets its shards stop (they watch the run), and the reverse.
        await Promise.all([queue.close(graceMs), shardQueue.close(graceMs)]);
        eventBus?.close();
        await rollups?.stop();
        await rightsizing.close();
        await experiments.close();
        clearInterval(keyUsage);
        await keys.flushUsage().catch(() => {});
        if (!given) await store.close();
      },
    };
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => {});
    if (!given) await store.close().catch(() => {});
    throw error;
  }
}

/**
 * What experiments scale workloads with, when a cluster is configured (`AUREA_KUBECONFIG`,
 * `AUREA_KUBE_CONTEXT`, `AUREA_KUBERNETES`). The Kubernetes client is loaded only then: it pulls
 * in node-fetch 2, whose punycode import prints a deprecation warning on Node 22+. A file or
 * context that cannot be used is a ConfigError naming the variable (exit 2); the cluster itself
 * is not contacted until an experiment scales (a cluster down fails that experiment, not the start).
 */
async function experimentScaler(
  kubernetes: KubernetesConfig | undefined,
  logger: Logger,
): Promise<ReplicaScaler | undefined> {
  if (!kubernetes) return undefined;
  const kube = await import("../services/kubernetes/index.js");
  const common = {
    env: kubernetes.env,
    ...(kubernetes.serviceAccountDir ? { serviceAccountDir: kubernetes.serviceAccountDir } : {}),
  };
  try {
    const { config, source } = kube.loadKubeConfig(
      kubernetes.source === "in-cluster"
        ? { ...common, inCluster: true }
        : {
            ...common,
            kubeconfig: kubernetes.kubeconfig,
            context: kubernetes.context,
            names: {
              kubeconfig: "AUREA_KUBECONFIG",
              context: "AUREA_KUBE_CONTEXT",
              giveFile: "AUREA_KUBECONFIG=<file>",
            },
          },
    );
    const workloads = new kube.KubernetesWorkloads(config);
    logger.info(
      { kubernetes: workloads.server, source, context: config.getCurrentContext() },
      "experiments scale workloads through this Kubernetes API server",
    );
    return workloads;
  } catch (error) {
    if (!(error instanceof kube.KubeConfigError)) throw error;
    const what = kubernetes.source === "in-cluster" ? "AUREA_KUBERNETES=" : "";
    throw new ConfigError(`invalid environment: ${what}${error.message}`);
  }
}

/** The configured key, or one generated once into the data directory (readable by its owner only). */
async function secretKey(config: Readonly<Config>): Promise<Buffer> {
  if (config.secretKey) return Buffer.from(config.secretKey, "base64");
  const path = join(config.store.dataDir, "secret.key");
  try {
    return Buffer.from((await readFile(path, "utf8")).trim(), "base64");
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
  await mkdir(config.store.dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(path, `${key.toString("base64")}\n`, { flag: "wx", mode: 0o600 });
  await chmod(path, 0o600);
  return key;
}
