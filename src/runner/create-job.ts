import type { LookupFunction } from "node:net";
import { type Clock, type Job, syntheticJob, type WorkloadSpec } from "../engine/index.js";
import { httpJob } from "../jobs/http/http-job.js";

/** Connections opened for open-model HTTP runs unless the spec says otherwise. */
export const DEFAULT_OPEN_CONNECTIONS = 100;

export interface CreateJobOptions {
  clock: Clock;
  /** Resolves HTTP hosts for every connection (the server's SSRF guard); default: the system's. */
  lookup?: LookupFunction | undefined;
  /** Keep a sample response (HTTP jobs). */
  sampleResponse?: boolean;
}

/** Builds the job a spec describes. The caller runs it and closes it. */
export function createJob(
  spec: WorkloadSpec,
  { clock, lookup, sampleResponse = false }: CreateJobOptions,
): Job {
  const job = spec.job;
  switch (job.kind) {
    case "synthetic":
      // Synthetic jobs draw their durations and failures from the seed and their job number.
      return syntheticJob(job, {
        clock,
        seed: spec.seed ?? randomSeed(),
        ...(spec.part ? { part: spec.part } : {}),
      });
    case "http":
      return httpJob(job, job.connections ?? defaultConnections(spec, job.pipelining), lookup, {
        sample: sampleResponse,
      });
  }
}

/** A seed for runs that did not ask for one (reproducibility is opt-in with `seed`). */
function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}

/**
 * Enough sockets for every in-flight request of a closed model (concurrency ÷ pipelining); for
 * open models, a pool that grows on demand up to `DEFAULT_OPEN_CONNECTIONS`.
 */
function defaultConnections(spec: WorkloadSpec, pipelining: number): number {
  const load = spec.load;
  switch (load.model) {
    case "closed":
      return Math.ceil((load.concurrency ?? load.jobs ?? 1) / pipelining);
    case "open":
      return Math.min(DEFAULT_OPEN_CONNECTIONS, load.max_in_flight ?? DEFAULT_OPEN_CONNECTIONS);
    case "stages":
      if (load.target === "concurrency") {
        return Math.max(1, Math.ceil(Math.max(load.start, ...load.stages.map((s) => s.target)) / pipelining));
      }
      return Math.min(DEFAULT_OPEN_CONNECTIONS, load.max_in_flight ?? DEFAULT_OPEN_CONNECTIONS);
  }
}
