import type { WorkloadSpecInput } from "../../engine/index.js";
import { UsageError } from "../exit-codes.js";

/** `aurea run` options as commander parses them (strings; numbers are validated by the spec schema). */
export interface RunFlags {
  jobs?: string;
  concurrency?: string;
  durationMs?: string;
  distribution?: string;
  spreadMs?: string;
  failureRate?: string;
  mode?: string;
  url?: string;
  method?: string;
  header?: string[];
  body?: string;
  timeout?: string;
  expectStatus?: string;
  connections?: string;
  pipelining?: string;
  client?: string;
  rate?: string;
  duration?: string;
  stages?: string;
  stageTarget?: string;
  start?: string;
  maxInFlight?: string;
  threads?: string;
  pricePerSecond?: string;
  pricePerJob?: string;
  threshold?: string[];
  records?: string;
  seed?: string;
  gracefulStop?: string;
}

/** Flags that describe the workload (as opposed to output), which a spec file replaces. */
export const WORKLOAD_FLAGS: readonly (keyof RunFlags)[] = [
  "jobs",
  "concurrency",
  "durationMs",
  "distribution",
  "spreadMs",
  "failureRate",
  "mode",
  "url",
  "method",
  "header",
  "body",
  "timeout",
  "expectStatus",
  "connections",
  "pipelining",
  "client",
  "rate",
  "duration",
  "stages",
  "stageTarget",
  "start",
  "maxInFlight",
  "threads",
  "pricePerSecond",
  "pricePerJob",
  "records",
  "seed",
  "gracefulStop",
];

/** Defaults when the command line does not bound the run. */
const DEFAULT_SYNTHETIC_JOBS = 100;
const DEFAULT_HTTP_DURATION = "10s";
const DEFAULT_HTTP_CONNECTIONS = 10;

/**
 * Turns command-line flags into a workload spec. Numbers stay as text where the schema checks
 * them (so that its messages name the field); shapes that only flags can get wrong are checked
 * here.
 */
export function specFromFlags(flags: RunFlags): WorkloadSpecInput {
  const num = (text: string | undefined, flag: string): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value))
      throw new UsageError(`${flag} must be a number (got '${text}')`);
    return value;
  };
  const pipelining = num(flags.pipelining, "--pipelining");
  const connections = num(flags.connections, "--connections");

  let job: WorkloadSpecInput["job"];
  if (flags.url !== undefined) {
    job = {
      kind: "http",
      url: flags.url,
      ...(flags.method ? { method: flags.method.toUpperCase() as never } : {}),
      ...(flags.header ? { headers: parseHeaders(flags.header) } : {}),
      ...(flags.body !== undefined ? { body: flags.body } : {}),
      ...(flags.timeout !== undefined ? { timeout_ms: durationMs(flags.timeout, "--timeout") } : {}),
      ...(flags.expectStatus !== undefined ? { expect_status: parseStatuses(flags.expectStatus) } : {}),
      ...(connections !== undefined ? { connections } : {}),
      ...(pipelining !== undefined ? { pipelining } : {}),
      ...(flags.client ? { client: flags.client as never } : {}),
    };
  } else {
    for (const [flag, value] of [
      ["--method", flags.method],
      ["--header", flags.header],
      ["--body", flags.body],
      ["--connections", flags.connections],
      ["--pipelining", flags.pipelining],
      ["--expect-status", flags.expectStatus],
    ] as const) {
      if (value !== undefined) throw new UsageError(`${flag} applies to HTTP runs only: add --url`);
    }
    job = {
      kind: "synthetic",
      duration_ms: num(flags.durationMs, "--duration-ms") ?? 0,
      ...(flags.distribution ? { distribution: flags.distribution as never } : {}),
      ...(flags.spreadMs !== undefined ? { spread_ms: num(flags.spreadMs, "--spread-ms")! } : {}),
      ...(flags.failureRate !== undefined ? { failure_rate: num(flags.failureRate, "--failure-rate")! } : {}),
      ...(flags.mode ? { mode: flags.mode as never } : {}),
    };
  }

  const jobs = num(flags.jobs, "--jobs");
  const concurrency = num(flags.concurrency, "--concurrency");
  const maxInFlight = num(flags.maxInFlight, "--max-in-flight");
  let load: WorkloadSpecInput["load"];
  if (flags.stages !== undefined) {
    if (flags.rate !== undefined || flags.jobs !== undefined)
      throw new UsageError("--stages cannot be combined with --rate or --jobs");
    load = {
      model: "stages",
      target: (flags.stageTarget ?? "rate") as never,
      stages: parseStages(flags.stages),
      ...(flags.start !== undefined ? { start: num(flags.start, "--start")! } : {}),
      ...(maxInFlight !== undefined ? { max_in_flight: maxInFlight } : {}),
    };
  } else if (flags.rate !== undefined) {
    if (flags.duration === undefined)
      throw new UsageError("--rate needs --duration (how long to keep the rate)");
    if (flags.jobs !== undefined)
      throw new UsageError(
        "--rate and --jobs cannot be combined: the rate and --duration set the number of jobs",
      );
    load = {
      model: "open",
      rate: num(flags.rate, "--rate")!,
      duration: flags.duration,
      ...(maxInFlight !== undefined ? { max_in_flight: maxInFlight } : {}),
    };
  } else {
    const isHttp = job.kind === "http";
    const bounded = jobs !== undefined || flags.duration !== undefined;
    // autocannon's semantics: each connection keeps `pipelining` requests in flight.
    const httpConcurrency = (connections ?? DEFAULT_HTTP_CONNECTIONS) * (pipelining ?? 1);
    load = {
      model: "closed",
      ...(jobs !== undefined ? { jobs } : !bounded && !isHttp ? { jobs: DEFAULT_SYNTHETIC_JOBS } : {}),
      ...(concurrency !== undefined ? { concurrency } : isHttp ? { concurrency: httpConcurrency } : {}),
      ...(flags.duration !== undefined
        ? { duration: flags.duration }
        : !bounded && isHttp
          ? { duration: DEFAULT_HTTP_DURATION }
          : {}),
    };
    if (isHttp && job.kind === "http" && connections === undefined)
      job.connections = DEFAULT_HTTP_CONNECTIONS;
  }

  return {
    job,
    load,
    ...(flags.threads !== undefined ? { threads: num(flags.threads, "--threads")! } : {}),
    ...(flags.pricePerSecond !== undefined || flags.pricePerJob !== undefined
      ? {
          cost: {
            ...(flags.pricePerSecond !== undefined
              ? { price_per_second: num(flags.pricePerSecond, "--price-per-second")! }
              : {}),
            ...(flags.pricePerJob !== undefined
              ? { price_per_job: num(flags.pricePerJob, "--price-per-job")! }
              : {}),
          },
        }
      : {}),
    ...(flags.threshold ? { thresholds: flags.threshold } : {}),
    ...(flags.records !== undefined ? { records: num(flags.records, "--records")! } : {}),
    ...(flags.seed !== undefined ? { seed: num(flags.seed, "--seed")! } : {}),
    ...(flags.gracefulStop !== undefined ? { graceful_stop: flags.gracefulStop } : {}),
  };
}

/** `Name: value` pairs from repeated `-H` flags. */
function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new UsageError(`--header must look like 'Name: value' (got '${line}')`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** `200,201,204` or `200-299`. */
function parseStatuses(text: string): number[] {
  const statuses: number[] = [];
  for (const part of text.split(",")) {
    const range = /^\s*(\d{3})\s*(?:-\s*(\d{3}))?\s*$/.exec(part);
    if (!range)
      throw new UsageError(`--expect-status takes codes like 200,204 or ranges like 200-299 (got '${part}')`);
    const from = Number(range[1]);
    const to = Number(range[2] ?? range[1]);
    if (to < from) throw new UsageError(`--expect-status range ${part} is backwards`);
    for (let s = from; s <= to; s++) statuses.push(s);
  }
  return statuses;
}

/** `30s:100,1m:100,10s:0` → k6-style stages. */
function parseStages(text: string): { duration: string; target: number }[] {
  return text.split(",").map((part) => {
    const match = /^\s*([^:\s]+)\s*:\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!match)
      throw new UsageError(`--stages takes duration:target pairs like 30s:100,1m:100 (got '${part}')`);
    return { duration: match[1]!, target: Number(match[2]) };
  });
}

function durationMs(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${flag} must be a duration such as 500ms, 5s or 1m (got '${text}')`);
  const unit = match[2] ?? "ms";
  return Math.round(Number(match[1]) * (unit === "ms" ? 1 : unit === "s" ? 1000 : 60_000));
}
