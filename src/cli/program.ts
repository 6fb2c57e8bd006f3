import { Command, InvalidArgumentError, Option } from "commander";
import { type Config, ConfigError, loadConfig } from "../config/config.js";
import { QueueUnavailableError } from "../queue/bullmq-queue.js";
import { InsecureBindError } from "../server/start-server.js";
import { VERSION } from "../server/version.js";
import { type KeysCreateOptions, keysCommand } from "./commands/keys.js";
import { migrateCommand } from "./commands/migrate.js";
import type { RecommendOptions } from "./commands/recommend.js";
import { type CommandIo, runCommand } from "./commands/run.js";
import { type ScheduleCreateOptions, scheduleCommand } from "./commands/schedule.js";
import { serveCommand } from "./commands/serve.js";
import { workerCommand } from "./commands/worker.js";
import { EXIT, UsageError } from "./exit-codes.js";

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError("must be an integer from 0 to 65535");
  return String(n);
};

/**
 * The `aurea` command line as data; `execute` returns the exit code rather than exiting, so
 * that only `main.ts` ends the process.
 */
export async function execute(
  argv: readonly string[],
  io: CommandIo,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = new Command()
    .name("aurea")
    .description("Benchmark services and automations; track speed, cost and success; rightsize them.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("serve")
    .description("run the API, /metrics and the dashboard (default http://127.0.0.1:5000)")
    .option("-p, --port <port>", "port to listen on (env PORT, default 5000)", port)
    .option("--host <host>", "address to bind (env HOST, default 127.0.0.1)")
    .option("--no-worker", "with REDIS_URL: only queue runs, leave executing them to `aurea worker`")
    .option(
      "--insecure",
      "listen on a non-loopback address although no API key exists (env AUREA_INSECURE=1)",
    )
    .action(async (options: { port?: string; host?: string; worker: boolean; insecure?: boolean }) => {
      const config = configFrom({
        ...env,
        ...(options.port ? { PORT: options.port } : {}),
        ...(options.host ? { HOST: options.host } : {}),
        ...(options.insecure ? { AUREA_INSECURE: "1" } : {}),
      });
      if (!options.worker && !config.queue.redisUrl)
        throw new UsageError(
          "--no-worker needs REDIS_URL: without a shared queue nothing else would execute runs",
        );
      exitCode = await serveCommand(config, { worker: options.worker });
    });

  program
    .command("worker")
    .description("execute queued runs from Redis (REDIS_URL) against PostgreSQL (DATABASE_URL)")
    .option(
      "--metrics-port <port>",
      "serve this worker's /metrics and /health on this port (0: any free one)",
      port,
    )
    .action(async (options: { metricsPort?: string }) => {
      const config = configFrom(env);
      if (!config.queue.redisUrl)
        throw new UsageError("aurea worker needs REDIS_URL (the queue it takes runs from)");
      if (!config.store.databaseUrl)
        throw new UsageError(
          "aurea worker needs DATABASE_URL (a PostgreSQL shared with the API): the embedded PGlite store belongs to one process",
        );
      exitCode = await workerCommand(
        config,
        options.metricsPort === undefined ? {} : { metricsPort: Number(options.metricsPort) },
      );
    });

  program
    .command("migrate")
    .description("apply the store's pending migrations (PGlite in AUREA_DATA_DIR, or DATABASE_URL)")
    .action(async () => {
      exitCode = await migrateCommand(configFrom(env), io);
    });

  const keys = program
    .command("keys")
    .description(
      "create, list and revoke API keys (in the store: DATABASE_URL, or PGlite with the server stopped)",
    );
  const keysAction =
    (action: Parameters<typeof keysCommand>[0]) =>
    async (...params: unknown[]) => {
      const command = params.at(-1) as Command;
      const ref = params.length > 2 ? (params[0] as string) : undefined;
      exitCode = await keysCommand(
        action,
        { ref, options: command.opts<KeysCreateOptions>() },
        configFrom(env),
        io,
      );
    };
  keys
    .command("create")
    .description("create a key and print it (the only time it is shown)")
    .requiredOption("--name <name>", "what the key is for")
    .addOption(
      new Option(
        "--scope <scope>",
        "read: GET only; write: also create and trigger; admin: also keys and secrets",
      )
        .choices(["read", "write", "admin"])
        .makeOptionMandatory(),
    )
    .option("--expires <duration>", "stop working after this: 30d, 12h, 90m")
    .option("--max-concurrent-runs <n>", "runs of this key pending or running at once")
    .option("--max-jobs-per-run <n>", "jobs one run of this key may have")
    .option("--json", "print JSON")
    .action(keysAction("create"));
  keys
    .command("list")
    .description("every key: prefix, scope, state, last use")
    .option("--json", "print JSON")
    .action(keysAction("list"));
  keys
    .command("revoke")
    .description("revoke a key by its prefix or id")
    .argument("<key>", "the key's prefix (8 characters) or id")
    .action(keysAction("revoke"));

  const schedule = program
    .command("schedule")
    .description("list, create, enable, disable and delete the schedules of a running Aurea");
  const apiOption = new Option(
    "--api <url>",
    "the Aurea API (env AUREA_API_URL, default http://127.0.0.1:5000)",
  );
  const scheduleAction =
    (action: Parameters<typeof scheduleCommand>[0]) =>
    async (...params: unknown[]) => {
      const command = params.at(-1) as Command;
      const options = command.opts<ScheduleCreateOptions & { api?: string; count?: string }>();
      const config = configFrom(env);
      const apiUrl = options.api ?? config.apiUrl;
      const positional = params.slice(0, -2) as string[];
      const args = action === "preview" ? { cron: positional[0], options } : { id: positional[0], options };
      exitCode = await scheduleCommand(action, args, apiUrl, io, config.apiKey);
    };
  schedule
    .command("list")
    .description("every schedule: timing, next fire time, last run, last success")
    .addOption(apiOption)
    .option("--json", "print JSON")
    .action(scheduleAction("list"));
  schedule
    .command("create")
    .description("schedule a scenario on a cron expression (--cron, --timezone) or an interval (--every)")
    .requiredOption("--scenario <id>", "the scenario to run")
    .option("--cron <expr>", "cron expression: 5 fields, or 6 with seconds first")
    .option("--timezone <zone>", "IANA time zone of --cron (default UTC)")
    .option("--every <duration>", "interval instead of --cron: 30s, 5m, 1h")
    .addOption(
      new Option("--overlap <policy>", "when the previous run is still active").choices(["skip", "queue"]),
    )
    .option("--disabled", "create it disabled")
    .option("--json", "print JSON")
    .addOption(apiOption)
    .action(scheduleAction("create"));
  for (const action of ["enable", "disable", "delete"] as const)
    schedule
      .command(action)
      .description(`${action} schedule <id>`)
      .argument("<id>", "schedule id")
      .option("--json", "print JSON")
      .addOption(apiOption)
      .action(scheduleAction(action));
  schedule
    .command("preview")
    .description("the next fire times of a cron expression")
    .argument("<cron>", "cron expression")
    .option("--timezone <zone>", "IANA time zone (default UTC)")
    .option("--count <n>", "how many (default 5)")
    .addOption(apiOption)
    .action(scheduleAction("preview"));

  program
    .command("recommend")
    .description(
      "CPU, memory requests and limits from usage history (CSV or Prometheus), with VPA and KRR baselines",
    )
    .option("--csv <file>", "usage CSV: timestamp,value or timestamp,<series>[:memory],…")
    .option("--prometheus <url>", "Prometheus base URL, e.g. http://prometheus:9090")
    .option("--namespace <ns>", "with --prometheus: the namespace")
    .option("--workload <name>", "with --prometheus: only pods of this workload (<name>-…)")
    .option("--days <n>", "with --prometheus: days of history (default 14)")
    .option("--step <seconds>", "with --prometheus: resolution (default 300)")
    .option(
      "--models <list>",
      "forecasting models (seasonal_naive,mstl,prophet,lstm; default seasonal_naive,mstl)",
    )
    .option("--quantile <q>", "share of future intervals the CPU request covers (default 0.97)")
    .option("--threads <n>", "worker threads for many series (default: the cores)")
    .option("--max-series <n>", "refuse a query returning more series (default 200)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json", "csv", "yaml"]))
    .option("--json", "same as --output json")
    .option(
      "--capacity-per-replica <rps>",
      "with --workload: requests/s one replica serves (e.g. from aurea experiment); replicas from the request rate",
    )
    .option(
      "--capacity-from <file>",
      "with --workload: the capacity per replica of a load experiment (JSON of aurea experiment --json or --metadata)",
    )
    .option(
      "--request-rate-query <promql>",
      "the workload's total request rate (default sum(rate(http_requests_total{namespace,pod=~<workload>-.*}[5m])))",
    )
    .option(
      "--target-utilization <share>",
      "share of a replica's capacity used at the forecast peak (default 0.7 with a capacity; 1 of the CPU request without)",
    )
    .addOption(
      new Option("--workload-kind <kind>", "what the workloads are (default deployment)").choices([
        "deployment",
        "statefulset",
      ]),
    )
    .option("--apply", "patch the workloads (and HPAs) in the cluster: a server-side dry run of all first")
    .option("--kube-context <name>", "kubeconfig context (reads HPAs and replicas; writes only with --apply)")
    .option("--kubeconfig <file>", "kubeconfig file (default KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option(
      "--server-side",
      "with --apply: server-side apply (field manager aurea) instead of a strategic merge",
    )
    .option("--force-conflicts", "with --server-side: take over fields another manager owns")
    .addHelpText(
      "after",
      `
Examples:
  aurea recommend --csv usage.csv --json
  aurea recommend --prometheus http://127.0.0.1:9090 --namespace shop --workload cart -o yaml
  aurea recommend --prometheus http://127.0.0.1:9090 --namespace shop --workload cart \\
    --capacity-per-replica 120 --kube-context prod --apply

Nothing is written to a cluster without --apply.
Exit codes: 0 every series recommended (and applied), 1 some could not be (the rest is printed),
Prometheus failed, or a workload's dry run or patch failed (then nothing is applied), 2 usage.`,
    )
    .action(async (options: RecommendOptions) => {
      // Loaded on use: the forecasting libraries cost every other command a second of start-up.
      const { recommendCommand } = await import("./commands/recommend.js");
      exitCode = await recommendCommand(options, io, undefined, env);
    });

  program
    .command("experiment")
    .description(
      "capacity per replica at a latency SLO: stepped arrival rates (and replica counts) against an HTTP target, CPU and memory per step from Prometheus",
    )
    .option("--url <url>", "the HTTP target (required)")
    .option("-X, --method <method>", "HTTP method (default GET)")
    .option("-H, --header <header>", "'Name: value' header (repeatable)", collect)
    .option("--body <text>", "request body")
    .option("--timeout <time>", "per-request timeout (500ms, 5s; default 30s)")
    .option(
      "--expect-status <codes>",
      "statuses that count as success, e.g. 200,204 or 200-299 (default 200-399)",
    )
    .option("--rates <list>", "arrival rates of the steps, per second, e.g. 10,20,40,80 (required)")
    .option("--step <time>", "how long each step is measured, whole seconds (default 30s)")
    .option("--warmup <time>", "load before each step's measurement starts, whole seconds (default 5s)")
    .option("--graceful-stop <time>", "how long a step's requests may finish after its load (default 5s)")
    .option("--max-in-flight <n>", "most requests in flight at once (default 10000)")
    .option(
      "--slo <expr>",
      "latency SLO such as 'p95<300ms' (repeatable; default p95<300ms; error_rate<1% added)",
      collect,
    )
    .option(
      "--continue-after-failure",
      "keep raising the load after the SLO failed (default: stop that replica count)",
    )
    .option("--prometheus <url>", "read CPU and memory per step from this Prometheus")
    .option("--namespace <ns>", "the workload's namespace (Prometheus' default queries, scaling)")
    .option("--workload <name>", "the Deployment or StatefulSet (its pods are <name>-…)")
    .option(
      "--cpu-query <promql>",
      "CPU cores per replica ($rate_window: --rate-window); default from --namespace",
    )
    .option("--memory-query <promql>", "memory bytes per replica; default from --namespace")
    .option("--resolution <time>", "Prometheus range-query resolution (default 5s)")
    .option("--rate-window <time>", "rate() window of the CPU query; at most the warm-up (default 30s)")
    .option("--replicas <list>", "replica counts to measure, e.g. 1,2,3 (several need --kube-context)")
    .option("--kube-context <name>", "kubeconfig context to scale the workload through --replicas")
    .option("--kubeconfig <file>", "kubeconfig file (default KUBECONFIG, ~/.kube/config, or in-cluster)")
    .option("--name <name>", "what to call the experiment in the JSON and metadata")
    .option("--json", "print the steps and the verdict as JSON")
    .option("--csv <file>", "write the steps as CSV (one row per step)")
    .option("--metadata <file>", "write the experiment's JSON metadata")
    .option("-q, --quiet", "print nothing but errors")
    .option("--no-progress", "no progress lines on stderr")
    .addHelpText(
      "after",
      `
Examples:
  aurea experiment --url http://127.0.0.1:8080/ --rates 10,20,40,80 --step 30s --slo 'p95<300ms'
  aurea experiment --url http://cart.shop/ --rates 50,100,200 --prometheus http://prometheus:9090 \\
    --namespace shop --workload cart --replicas 1,2,3 --kube-context prod --csv steps.csv

Exit codes: 0 capacity found (or a lower bound), 1 the target, Prometheus or scaling failed (the steps
measured are printed), 2 usage, 99 the SLO failed at every rate, 130 interrupted.`,
    )
    .action(async (options) => {
      const { experimentCommand } = await import("./commands/experiment.js");
      exitCode = await experimentCommand(options, io, env);
    });

  program
    .command("run")
    .description("run a workload from flags or a JSON spec file and print a summary")
    .argument("[spec]", "workload spec file (JSON); flags describe the workload otherwise")
    .addHelpText(
      "after",
      `
Examples:
  aurea run --jobs 1000 --concurrency 50 --duration-ms 20
  aurea run --url http://127.0.0.1:8080/ --rate 2000 --duration 10s
  aurea run --url http://127.0.0.1:8080/ --connections 50 --duration 10s --threshold 'p95<50ms'
  aurea run spec.json --json

Exit codes: 0 ok, 1 error, 2 usage, 99 a threshold failed, 130 interrupted.`,
    )
    .option("--jobs <n>", "closed model: number of jobs")
    .option(
      "-c, --concurrency <n>",
      "closed model: jobs in flight (default: all jobs; HTTP: connections × pipelining)",
    )
    .option("--duration <time>", "how long to generate load (10s, 1m30s); required with --rate")
    .option("--rate <n>", "open model: jobs started per second, whether or not earlier ones finished")
    .option("--stages <list>", "ramping load: duration:target pairs, e.g. 30s:100,1m:100,10s:0")
    .addOption(new Option("--stage-target <what>", "what --stages ramps").choices(["rate", "concurrency"]))
    .option("--start <n>", "--stages: value before the first stage (default 0)")
    .option("--max-in-flight <n>", "open models: most jobs in flight (default 10000)")
    .option("--duration-ms <ms>", "synthetic job: mean duration (default 0)")
    .addOption(
      new Option("--distribution <name>", "synthetic job: duration distribution").choices([
        "fixed",
        "uniform",
        "normal",
        "exponential",
        "lognormal",
      ]),
    )
    .option(
      "--spread-ms <ms>",
      "synthetic job: half-width (uniform) or standard deviation (normal, lognormal)",
    )
    .option("--failure-rate <p>", "synthetic job: probability of failure, 0..1")
    .addOption(new Option("--mode <mode>", "synthetic job: wait or burn CPU").choices(["sleep", "cpu"]))
    .option("--url <url>", "HTTP job: target URL")
    .option("-X, --method <method>", "HTTP job: method (default GET)")
    .option("-H, --header <header>", "HTTP job: 'Name: value' header (repeatable)", collect)
    .option("--body <text>", "HTTP job: request body")
    .option("--timeout <time>", "HTTP job: per-request timeout (500ms, 5s; default 30s)")
    .option(
      "--expect-status <codes>",
      "HTTP job: statuses that count as success, e.g. 200,204 or 200-299 (default 200-399)",
    )
    .option("--connections <n>", "HTTP job: sockets to open (default 10)")
    .option("--pipelining <n>", "HTTP job: requests in flight per connection (default 1)")
    .addOption(new Option("--client <client>", "HTTP job: client implementation").choices(["fast", "undici"]))
    .option("--threads <n>", "split the load over worker threads (default 1)")
    .option("--price-per-second <usd>", "cost model: dollars per second of job time (default 0.001)")
    .option("--price-per-job <usd>", "cost model: dollars per job (default 0)")
    .option(
      "--threshold <expr>",
      "pass/fail criterion such as 'p95<200ms' or 'error_rate<1%' (repeatable)",
      collect,
    )
    .option("--records <n>", "keep this many per-job records in --json output (default 0)")
    .option("--seed <n>", "seed for reproducible synthetic randomness")
    .option("--graceful-stop <time>", "how long jobs may finish after the duration ends (default 30s)")
    .option("--json", "print the full result as JSON instead of the summary")
    .option("-q, --quiet", "print nothing but errors")
    .option("--no-progress", "no live progress on stderr")
    .action(async (specPath: string | undefined, options) => {
      exitCode = await runCommand(specPath, options, io);
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function configFrom(env: Record<string, string | undefined>): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function reportError(error: unknown, io: CommandIo): number {
  const commander = error as { code?: string; exitCode?: number };
  if (typeof commander.code === "string" && commander.code.startsWith("commander.")) {
    // Help and version are successes; every other commander error is a usage error.
    return commander.code === "commander.helpDisplayed" || commander.code === "commander.version"
      ? EXIT.OK
      : EXIT.USAGE;
  }
  if (error instanceof UsageError || error instanceof InsecureBindError || error instanceof ConfigError) {
    io.stderr.write(`aurea: ${error.message}\n`);
    return EXIT.USAGE;
  }
  if (error instanceof QueueUnavailableError) {
    io.stderr.write(`aurea: ${error.message}\n`);
    return EXIT.ERROR;
  }
  const listen = error as NodeJS.ErrnoException;
  if (listen.code === "EADDRINUSE" || listen.code === "EACCES" || listen.code === "EADDRNOTAVAIL") {
    io.stderr.write(`aurea: cannot listen: ${listen.message}\n`);
    return EXIT.ERROR;
  }
  io.stderr.write(`aurea: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.ERROR;
}
