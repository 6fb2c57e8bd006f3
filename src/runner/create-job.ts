import type { LookupFunction } from "node:net";
import { type Clock, type Job, syntheticJob, type WorkloadSpec } from "../engine/index.js";
import { httpJob } from "../jobs/http/http-job.js";

/** Connections opened for open-model HTTP runs unless the spec says otherwise. */
export const DEFAULT_OPEN_CONNECTIONS = 100;

export interface CreateJobOptions {
  clock: Clock;
  /** Synthetic jobs draw their durations and failures from this seed and their job number. */
  seed: number;
  /** Resolves HTTP hosts for every connection (the server's SSRF guard); default: the system's. */
  lookup?: LookupFunction | undefined;
  /** Keep a sample response (HTTP jobs). */
  sampleResponse?: boolean;
}

/** Builds the job a spec describes. The caller runs it and closes it. */
export function createJob(
  spec: WorkloadSpec,
  { clock, seed, lookup, sampleResponse = false }: CreateJobOptions,
): Job {
  const job = spec.job;
  switch (job.kind) {
    case "synthetic":
      return syntheticJob(job, { clock, seed, ...(spec.part ? { part: spec.part } : {}) });
    case "http":
      return httpJob(job, job.connections ?? defaultConnections(spec, job.pipelining), lookup, {
        sample: sampleResponse,
      });
  }
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
