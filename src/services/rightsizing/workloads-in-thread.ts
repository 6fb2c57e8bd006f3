import type { ModelName } from "../../rightsizing/models/index.js";
import { startThread } from "../../threads/start-thread.js";
import type { WorkloadEntry } from "./report.js";
import type { ReplicaInputs, WorkloadGroup } from "./workloads.js";

/** What crosses to the thread: plain data (Maps and typed arrays clone; models travel by name). */
export interface WorkloadsJob {
  readonly groups: readonly WorkloadGroup[];
  readonly inputs: ReplicaInputs;
  readonly models: readonly ModelName[];
  readonly quantile: number;
}

export type WorkloadsAnswer = { ok: true; entries: WorkloadEntry[] } | { ok: false; message: string };

/**
 * Each workload's replica recommendation without a cluster (`workloadEntry` with no HPA known),
 * on a worker thread: forecasting a request rate or all replicas' CPU fits models, which the
 * server's event loop never does. Undefined when `signal` aborts first (the thread is stopped).
 */
export async function workloadsInThread(
  job: WorkloadsJob,
  signal?: AbortSignal,
): Promise<WorkloadEntry[] | undefined> {
  if (job.groups.length === 0) return [];
  if (signal?.aborted) return undefined;
  const worker = startThread(import.meta.url, "workloads-thread-entry", job);
  try {
    return await new Promise<WorkloadEntry[] | undefined>((resolve, reject) => {
      const stop = () => resolve(undefined);
      signal?.addEventListener("abort", stop, { once: true });
      worker.once("message", (answer: WorkloadsAnswer) => {
        signal?.removeEventListener("abort", stop);
        if (answer.ok) resolve(answer.entries);
        else reject(new Error(`replicas: ${answer.message}`));
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`the replicas thread exited (${code})`)));
    });
  } finally {
    await worker.terminate();
  }
}
