import { parentPort, workerData } from "node:worker_threads";
import { modelsByName } from "../../rightsizing/models/index.js";
import type { WorkloadEntry } from "./report.js";
import { workloadEntry } from "./workloads.js";
import type { WorkloadsAnswer, WorkloadsJob } from "./workloads-in-thread.js";

/** Recommends the replicas of the workloads it is handed, one after another, and answers once. */
const port = parentPort;
if (!port) throw new Error("workloads-thread-entry must run in a worker thread");
const job = workerData as WorkloadsJob;
const sources = { ...job.inputs, models: modelsByName(job.models), quantile: job.quantile };
(async () => {
  const entries: WorkloadEntry[] = [];
  for (const group of job.groups) entries.push(await workloadEntry(group, sources, null));
  return entries;
})().then(
  (entries) => port.postMessage({ ok: true, entries } satisfies WorkloadsAnswer),
  (error: unknown) =>
    port.postMessage({
      ok: false,
      message: error instanceof Error ? error.message : String(error),
    } satisfies WorkloadsAnswer),
);
