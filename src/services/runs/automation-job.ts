import type { LookupFunction } from "node:net";
import { compileAssertion, runTinyFish, type TinyFishRunResult } from "../../automations/tinyfish/index.js";
import {
  type HttpConfig,
  httpConfig,
  type SecretRef,
  syntheticConfig,
  tinyfishConfig,
} from "../../contracts/automation.js";
import { renderTemplate } from "../../contracts/templates.js";
import {
  asyncJob,
  type Clock,
  type Job,
  parseWorkloadSpec,
  type RunResult,
  type SpecLimits,
  systemClock,
  type WorkloadSpec,
} from "../../engine/index.js";
import { createJob } from "../../runner/index.js";
import type { RunSpecSnapshot } from "./run-spec-snapshot.js";

/** A run's job, built from its automation, with what the platform records beyond the engine. */
export interface BuiltJob {
  job: Job;
  /** Dollars billed beyond the cost model (provider steps). */
  extraCost(): number;
  /** Outcome counts for the run (`succeeded`, then failure reasons or provider outcomes). */
  outcomes(result: RunResult): Record<string, number>;
  /** A capped sample of what the automation answered, or null. */
  sample(): unknown;
  close(): Promise<void>;
}

export interface SecretResolver {
  /** The secret's value; throws an Error naming the reference (never the value) when unknown. */
  resolve(ref: SecretRef): Promise<string>;
}

export interface AutomationJobFactoryOptions {
  secrets: SecretResolver;
  /**
   * Refuses an HTTP target whose address is not allowed (the SSRF guard): throws an error with
   * `code: "ssrf_blocked"`. `lookup` then checks every connection the run opens (DNS may change).
   */
  checkTarget: (url: string) => Promise<void>;
  lookup: LookupFunction;
  /** The operator's TinyFish endpoint (configuration, not user input: not behind the SSRF guard). */
  tinyfishBaseUrl: string;
  clock?: Clock;
}

/** The largest response sample a run keeps, in characters of JSON. */
const SAMPLE_CHARS = 16_384;

/** The engine spec of a run: the scenario's load, thresholds and cost around the automation's job. */
export function buildEngineSpec(snapshot: RunSpecSnapshot, limits: SpecLimits): WorkloadSpec {
  const automation = snapshot.automation;
  let job: Record<string, unknown>;
  switch (automation.kind) {
    case "synthetic":
      job = { kind: "synthetic", ...syntheticConfig.parse(automation.config) };
      break;
    case "http":
      job = httpJobSpec(httpConfig.parse(automation.config), snapshot.inputs);
      break;
    case "tinyfish":
      // The engine times a TinyFish call like any job; the job itself is built below.
      job = { kind: "synthetic" };
      break;
  }
  const parsed = parseWorkloadSpec(
    {
      job,
      load: snapshot.load,
      thresholds: snapshot.thresholds,
      cost: snapshot.cost,
      ...(snapshot.seed !== null ? { seed: snapshot.seed } : {}),
    },
    limits,
  );
  if (!parsed.success) {
    throw new Error(
      `the run's spec is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

function httpJobSpec(config: HttpConfig, inputs: RunSpecSnapshot["inputs"]): Record<string, unknown> {
  return {
    kind: "http",
    url: config.url,
    method: config.method,
    headers: Object.fromEntries(
      Object.entries(config.headers).map(([k, v]) => [k, renderTemplate(v, inputs)]),
    ),
    ...(config.body !== undefined ? { body: renderTemplate(config.body, inputs) } : {}),
    ...(config.expect_status ? { expect_status: config.expect_status } : {}),
    timeout_ms: config.timeout_ms,
  };
}

/** Builds the job of each automation kind. */
export class AutomationJobs {
  readonly #o: AutomationJobFactoryOptions;

  constructor(options: AutomationJobFactoryOptions) {
    this.#o = options;
  }

  async build(snapshot: RunSpecSnapshot, spec: WorkloadSpec): Promise<BuiltJob> {
    const clock = this.#o.clock ?? systemClock;
    if (snapshot.automation.kind === "tinyfish") return this.#tinyfish(snapshot);
    if (spec.job.kind === "http") await this.#o.checkTarget(spec.job.url);
    const job = createJob(spec, {
      clock,
      lookup: this.#o.lookup,
      sampleResponse: true,
    });
    return {
      job,
      extraCost: () => 0,
      outcomes: engineOutcomes,
      sample: () => capSample(job.sample?.() ?? null),
      close: async () => {
        await job.close?.();
      },
    };
  }

  async #tinyfish(snapshot: RunSpecSnapshot): Promise<BuiltJob> {
    const config = tinyfishConfig.parse(snapshot.automation.config);
    const apiKey = await this.#o.secrets.resolve(config.api_key);
    const checker = snapshot.assertion ? compileAssertion(snapshot.assertion as never) : undefined;
    if (checker && !checker.ok)
      throw new Error(`the scenario's assertion is invalid: ${checker.problems[0]?.message}`);
    const request = {
      url: renderTemplate(config.url, snapshot.inputs),
      goal: renderTemplate(config.goal, snapshot.inputs),
      ...(config.browser_profile ? { browser_profile: config.browser_profile } : {}),
      ...(config.output_schema ? { output_schema: config.output_schema } : {}),
      ...(config.agent_config ? { agent_config: config.agent_config } : {}),
    };
    let cost = 0;
    let first: TinyFishRunResult | undefined;
    const inFlight = new Set<AbortController>();
    const job = asyncJob(
      async () => {
        const controller = new AbortController();
        inFlight.add(controller);
        try {
          const result = await runTinyFish(request, {
            apiKey,
            baseUrl: this.#o.tinyfishBaseUrl,
            timeoutMs: config.timeout_ms,
            costPerStep: config.cost_per_step,
            signal: controller.signal,
            ...(checker?.ok ? { assertion: checker.checker } : {}),
          });
          cost += result.cost;
          first ??= result;
          return result.outcome === "succeeded" ? undefined : result.outcome;
        } finally {
          inFlight.delete(controller);
        }
      },
      {
        interrupt: () => {
          for (const controller of inFlight) controller.abort();
        },
      },
    );
    return {
      job,
      extraCost: () => cost,
      outcomes: engineOutcomes,
      sample: () => (first ? capSample(tinyfishSample(first)) : null),
      close: async () => {},
    };
  }
}

/** `succeeded` plus the engine's failure reasons (interrupted jobs included). */
export function engineOutcomes(result: RunResult): Record<string, number> {
  return { succeeded: result.counts.completed, ...result.counts.failures };
}

function tinyfishSample(result: TinyFishRunResult): Record<string, unknown> {
  return {
    outcome: result.outcome,
    reason: result.reason,
    status: result.status,
    result: result.result,
    error: result.error,
    assertion_failures: result.assertionFailures,
    steps: result.steps,
    cost: result.cost,
    streaming_url: result.streamingUrl,
    provider_run_id: result.runId,
    duration_ms: result.durationMs,
  };
}

/** Keeps a sample whose JSON fits `SAMPLE_CHARS`; a longer one is kept as truncated text. */
function capSample(sample: unknown): unknown {
  const text = JSON.stringify(sample) ?? "null";
  if (text.length <= SAMPLE_CHARS) return sample;
  return { truncated: true, json_prefix: text.slice(0, SAMPLE_CHARS) };
}
