import { startThread } from "../../threads/start-thread.js";
import type { SeriesResult } from "../recommend.js";
import type { UsageSeries } from "../series.js";
import type { FromThread, SeriesIncidents, SeriesOptions, ToThread } from "./messages.js";

/**
 * Recommends many series on `threads` worker threads (each fits one series at a time; the
 * models are single-threaded WebAssembly), handing the next series to whichever thread is free.
 * Results come back in the input's order. `incidents` gives a series' OOM kills and throttling.
 */
export async function recommendInThreads(
  series: readonly UsageSeries[],
  options: SeriesOptions,
  threads: number,
  incidents?: (series: UsageSeries) => SeriesIncidents,
): Promise<SeriesResult[]> {
  const results: SeriesResult[] = new Array(series.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(threads, series.length)) }, () =>
    startThread(import.meta.url, "thread-entry", options),
  );
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              if (next >= series.length) {
                worker.postMessage({ type: "end" } satisfies ToThread);
                resolve();
                return;
              }
              const index = next++;
              const one = series[index] as UsageSeries;
              worker.postMessage({
                type: "series",
                index,
                series: one,
                ...(incidents ? { incidents: incidents(one) } : {}),
              } satisfies ToThread);
            };
            worker.on("message", (message: FromThread) => {
              if (message.type === "failed") {
                reject(new Error(`series ${series[message.index]?.name}: ${message.message}`));
                return;
              }
              results[message.index] = message.result;
              feed();
            });
            worker.on("error", reject);
            feed();
          }),
      ),
    );
    return results;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
