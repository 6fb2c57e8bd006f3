import {
  mergeSnapshots,
  type Progress,
  partitionSpec,
  type RunSnapshot,
  type WorkloadSpec,
} from "../../engine/index.js";
import { startThread } from "../../threads/start-thread.js";
import type { RunSpecOptions } from "../run-spec.js";
import type { FromThread, ThreadData, ToThread } from "./messages.js";

/**
 * Splits the workload over `spec.threads` worker threads (each with its own event loop and
 * connections), then merges their measurements exactly.
 */
export async function runInThreads(spec: WorkloadSpec, options: RunSpecOptions): Promise<RunSnapshot> {
  const parts = partitionSpec(spec, spec.threads);
  const progress: (Progress | undefined)[] = parts.map(() => undefined);
  const workers = parts.map((part) =>
    startThread(import.meta.url, "thread-entry", { spec: part } satisfies ThreadData),
  );
  const cancel = () => {
    for (const worker of workers) worker.postMessage({ type: "cancel" } satisfies ToThread);
  };
  options.signal?.addEventListener("abort", cancel, { once: true });
  try {
    const snapshots = await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<RunSnapshot>((resolve, reject) => {
            worker.on("message", (message: FromThread) => {
              if (message.type === "progress") {
                progress[i] = message.progress;
                // One report per interval (thread 0's clock), summing what every thread said last.
                if (i === 0 && options.onProgress) options.onProgress(sumProgress(progress));
              } else if (message.type === "done") resolve(message.snapshot);
              else reject(new Error(`thread ${i} failed: ${message.message}`));
            });
            worker.on("error", reject);
            worker.on("exit", (code) => {
              if (code !== 0) reject(new Error(`thread ${i} exited with code ${code}`));
            });
          }),
      ),
    );
    // Every thread sent its final progress before its snapshot: report the finished total.
    options.onProgress?.(sumProgress(progress));
    return mergeSnapshots(snapshots);
  } finally {
    options.signal?.removeEventListener("abort", cancel);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function sumProgress(parts: readonly (Progress | undefined)[]): Progress {
  const known = parts.filter((p): p is Progress => p !== undefined);
  const expected = known.every((p) => p.expected_total !== null)
    ? known.reduce((sum, p) => sum + (p.expected_total ?? 0), 0)
    : null;
  return {
    elapsed_ms: Math.max(0, ...known.map((p) => p.elapsed_ms)),
    started: known.reduce((sum, p) => sum + p.started, 0),
    completed: known.reduce((sum, p) => sum + p.completed, 0),
    failed: known.reduce((sum, p) => sum + p.failed, 0),
    in_flight: known.reduce((sum, p) => sum + p.in_flight, 0),
    expected_total: expected,
  };
}
