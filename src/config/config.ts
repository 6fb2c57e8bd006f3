import { z } from "zod";
import { TINYFISH_BASE_URL } from "../automations/tinyfish/index.js";
import { describeFieldErrors, fieldErrors } from "../engine/index.js";
import { createAddressPolicy } from "../net/ssrf/index.js";

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Environment variables Aurea reads, with their defaults. Nothing else reads `process.env`. */
const environment = z.object({
  PORT: integer(0, 65_535).default(5000),
  HOST: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  AUREA_MAX_JOBS_PER_RUN: integer(1, 1_000_000_000).default(1_000_000),
  AUREA_MAX_CONCURRENCY: integer(1, 1_000_000).default(100_000),
  AUREA_MAX_JOB_RECORDS: integer(0, 100_000).default(1000),
  AUREA_MAX_BODY_BYTES: integer(1024, 100 * 1024 * 1024).default(1024 * 1024),
  AUREA_MAX_RUN_SECONDS: integer(1, 7 * 24 * 3600).default(3600),
  AUREA_DATA_DIR: z.string().min(1).default("./.aurea"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  AUREA_DB_POOL_SIZE: integer(1, 1000).default(10),
  REDIS_URL: z
    .string()
    .refine(
      (text) => /^rediss?:\/\/[^/]/.test(text) && URL.canParse(text),
      "must be a redis:// or rediss:// URL",
    )
    .optional(),
  AUREA_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, "must be 1–64 letters, digits, ':', '_' or '-'")
    .default("aurea"),
  AUREA_RUN_LEASE_SECONDS: integer(1, 3600).default(30),
  AUREA_TASK_LEASE_SECONDS: integer(1, 3600).default(30),
  AUREA_API_URL: z
    .string()
    .refine(
      (text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol),
      "must be an http(s) URL",
    )
    .default("http://127.0.0.1:5000"),
  AUREA_API_KEY: z.string().min(1).optional(),
  AUREA_MIN_SCHEDULE_INTERVAL_SECONDS: integer(1, 366 * 24 * 3600).default(60),
  AUREA_RUN_CONCURRENCY: integer(1, 1000).default(4),
  AUREA_SHUTDOWN_GRACE_SECONDS: integer(0, 3600).default(10),
  AUREA_ALLOW_HOSTS: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .superRefine((entries, ctx) => {
      try {
        createAddressPolicy({ allow: entries });
      } catch (error) {
        ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      }
    }),
  TINYFISH_BASE_URL: z
    .string()
    .refine(
      (text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol),
      "must be an http(s) URL",
    )
    .default(TINYFISH_BASE_URL),
  AUREA_METRICS_AUTH: z.enum(["key", "none"]).default("key"),
  AUREA_INSECURE: z.enum(["0", "1", "true", "false"]).default("0"),
  AUREA_CORS_ORIGINS: z
    .string()
    .default("")
    .transform((text) =>
      text
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (origin) => origin === "*" || /^https?:\/\/[^/\s]+$/.test(origin),
            "must be origins such as https://grafana.example.com, comma-separated (or *)",
          ),
      ),
    ),
  AUREA_RATE_LIMIT_PER_MINUTE: integer(0, 10_000_000).default(1200),
  AUREA_MAX_CONCURRENT_RUNS_PER_KEY: integer(1, 100_000).default(20),
  AUREA_MAX_JOBS_PER_RUN_PER_KEY: integer(1, 1_000_000_000).optional(),
  AUREA_SECRET_KEY: z
    .string()
    .refine(
      (text) => Buffer.from(text, "base64").length === 32,
      "must be 32 bytes, base64-encoded (openssl rand -base64 32)",
    )
    .optional(),
  AUREA_KUBERNETES: z.enum(["kubeconfig", "in-cluster"]).optional(),
  AUREA_KUBECONFIG: z.string().min(1).optional(),
  AUREA_KUBE_CONTEXT: z.string().min(1).optional(),
});

/** What `loadKubeConfig` reads besides the settings: kubectl's variables and a pod's service. */
const KUBE_ENV = ["KUBECONFIG", "HOME", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"] as const;
type KubeEnv = Partial<Record<(typeof KUBE_ENV)[number], string>>;

/** The Kubernetes cluster experiments scale workloads in, when one is configured. */
export type KubernetesConfig =
  | {
      /**
       * A kubeconfig: `AUREA_KUBECONFIG`, else KUBECONFIG's files, else ~/.kube/config (else a
       * pod's service account), with `AUREA_KUBE_CONTEXT` or the file's current context.
       */
      readonly source: "kubeconfig";
      readonly kubeconfig: string | undefined;
      readonly context: string | undefined;
      readonly env: Readonly<KubeEnv>;
      /** The service account's directory (tests point it elsewhere; loadConfig never sets it). */
      readonly serviceAccountDir?: string;
    }
  | {
      /** The pod's service account only (`AUREA_KUBERNETES=in-cluster`). */
      readonly source: "in-cluster";
      readonly env: Readonly<KubeEnv>;
      readonly serviceAccountDir?: string;
    };

export interface Config {
  /** Where CLI commands that talk to a running Aurea (`aurea schedule`) find it. */
  apiUrl: string;
  /** The key those commands send (`AUREA_API_KEY`), for a server that requires keys. */
  apiKey: string | undefined;
  port: number;
  host: string;
  logLevel: z.infer<typeof environment>["LOG_LEVEL"];
  store: {
    /** PGlite's data directory (embedded mode); also holds the generated secret key. */
    dataDir: string;
    /** Real PostgreSQL when set. */
    databaseUrl: string | undefined;
    poolSize: number;
  };
  queue: {
    /** BullMQ on this Redis when set; otherwise the in-process queue. */
    redisUrl: string | undefined;
    /** Redis key prefix of the queue (processes sharing it share the queue). */
    prefix: string;
  };
  runs: {
    /** Runs executing at once in this process. */
    concurrency: number;
    /** A running run whose executor has not renewed its lease for this long is recovered. */
    leaseMs: number;
    /**
     * Lease on a background task (collection, recommendation, experiment): renewed every third
     * of it; a task whose lease ran out is taken over by another process (several on one store).
     */
    taskLeaseMs: number;
    /** On shutdown, how long running runs may finish before they are recorded as interrupted. */
    shutdownGraceMs: number;
  };
  schedules: {
    /** Shortest interval between a schedule's ticks (protects automation providers' budgets). */
    minIntervalSeconds: number;
  };
  outbound: {
    /** Private addresses (CIDRs) that automations may call; everything non-public is refused otherwise. */
    allowHosts: readonly string[];
    tinyfishBaseUrl: string;
  };
  security: {
    /** `/metrics` needs a key with scope read (`key`, when keys exist) or none (`none`). */
    metricsAuth: "key" | "none";
    /** Listen on a non-loopback address although no API key exists (`--insecure`). */
    insecure: boolean;
    /** Origins allowed cross-origin requests (CORS); none: same origin only. */
    corsOrigins: readonly string[];
    /** Requests per minute per API key (per client address without one); 0: unlimited. */
    rateLimitPerMinute: number;
    /** Runs of one key pending or running at once (a key's own limit overrides it). */
    maxConcurrentRunsPerKey: number;
    /** Jobs one run triggered with a key may have (a key's own limit overrides it). */
    maxJobsPerRunPerKey: number;
  };
  /** Base64 AES-256 key for stored secrets; generated into the data directory when absent. */
  secretKey: string | undefined;
  /**
   * Where `POST /api/v1/experiments` scales workloads through several replica counts; none:
   * such experiments are refused (400 naming `replicas`). Loaded and checked at start.
   */
  kubernetes: KubernetesConfig | undefined;
  /** Reads an environment variable named by an automation's `{"env": …}` secret reference. */
  secretEnv: (name: string) => string | undefined;
  limits: {
    /** Most jobs one benchmark may run (`num_jobs` of the seed API). */
    maxJobsPerRun: number;
    /** Most jobs in flight at once in one run. */
    maxConcurrency: number;
    /** Most per-job entries in an API response's `jobs` list. */
    maxJobRecords: number;
    /** Largest request body, bytes (413 beyond). */
    maxBodyBytes: number;
    /** Longest run the API accepts, seconds. */
    maxRunSeconds: number;
  };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads the configuration once, at start; the result is frozen. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = environment.safeParse(env);
  if (!parsed.success)
    throw new ConfigError(`invalid environment: ${describeFieldErrors(fieldErrors(parsed.error.issues))}`);
  const e = parsed.data;
  const kubernetes = kubernetesConfig(e, env);
  return deepFreeze({
    apiUrl: e.AUREA_API_URL,
    apiKey: e.AUREA_API_KEY,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    store: { dataDir: e.AUREA_DATA_DIR, databaseUrl: e.DATABASE_URL, poolSize: e.AUREA_DB_POOL_SIZE },
    queue: { redisUrl: e.REDIS_URL, prefix: e.AUREA_QUEUE_PREFIX },
    runs: {
      concurrency: e.AUREA_RUN_CONCURRENCY,
      leaseMs: e.AUREA_RUN_LEASE_SECONDS * 1000,
      taskLeaseMs: e.AUREA_TASK_LEASE_SECONDS * 1000,
      shutdownGraceMs: e.AUREA_SHUTDOWN_GRACE_SECONDS * 1000,
    },
    schedules: { minIntervalSeconds: e.AUREA_MIN_SCHEDULE_INTERVAL_SECONDS },
    outbound: { allowHosts: e.AUREA_ALLOW_HOSTS, tinyfishBaseUrl: e.TINYFISH_BASE_URL },
    security: {
      metricsAuth: e.AUREA_METRICS_AUTH,
      insecure: e.AUREA_INSECURE === "1" || e.AUREA_INSECURE === "true",
      corsOrigins: e.AUREA_CORS_ORIGINS,
      rateLimitPerMinute: e.AUREA_RATE_LIMIT_PER_MINUTE,
      maxConcurrentRunsPerKey: e.AUREA_MAX_CONCURRENT_RUNS_PER_KEY,
      maxJobsPerRunPerKey: e.AUREA_MAX_JOBS_PER_RUN_PER_KEY ?? e.AUREA_MAX_JOBS_PER_RUN,
    },
    secretKey: e.AUREA_SECRET_KEY,
    kubernetes,
    // Only variables an automation names explicitly are read, and only when a run needs them.
    secretEnv: (name: string) => env[name],
    limits: {
      maxJobsPerRun: e.AUREA_MAX_JOBS_PER_RUN,
      maxConcurrency: e.AUREA_MAX_CONCURRENCY,
      maxJobRecords: e.AUREA_MAX_JOB_RECORDS,
      maxBodyBytes: e.AUREA_MAX_BODY_BYTES,
      maxRunSeconds: e.AUREA_MAX_RUN_SECONDS,
    },
  });
}

/**
 * Kubernetes only when asked for: any of AUREA_KUBECONFIG, AUREA_KUBE_CONTEXT or AUREA_KUBERNETES
 * set (a kubeconfig lying around is not a reason to scale workloads). Whether the file and the
 * context exist is checked when the platform opens (it needs the Kubernetes client).
 */
function kubernetesConfig(
  e: z.infer<typeof environment>,
  env: Record<string, string | undefined>,
): KubernetesConfig | undefined {
  const mode = e.AUREA_KUBERNETES ?? (e.AUREA_KUBECONFIG || e.AUREA_KUBE_CONTEXT ? "kubeconfig" : undefined);
  if (mode === undefined) return undefined;
  const kubeEnv: KubeEnv = {};
  for (const name of KUBE_ENV) if (env[name] !== undefined) kubeEnv[name] = env[name];
  if (mode === "kubeconfig")
    return { source: mode, kubeconfig: e.AUREA_KUBECONFIG, context: e.AUREA_KUBE_CONTEXT, env: kubeEnv };
  for (const name of ["AUREA_KUBECONFIG", "AUREA_KUBE_CONTEXT"] as const)
    if (e[name] !== undefined)
      throw new ConfigError(
        `invalid environment: ${name}: not with AUREA_KUBERNETES=in-cluster (the pod's service account has one context); unset one of them`,
      );
  return { source: mode, env: kubeEnv };
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value))
    if (typeof child === "object" && child !== null) deepFreeze(child);
  return Object.freeze(value);
}
