import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { SeriesResult } from "../recommend.js";
import type { UsageSeries } from "../series.js";
import type { FromThread, SeriesIncidents, SeriesOptions, ToThread } from "./messages.js";

const extension = extname(fileURLToPath(import.meta.url));
const entry = new URL(`./thread-entry${extension}`, import.meta.url);

/** As runner/threads: compiled, the entry is .js; from source, tsx's loader is registered first. */
function startThread(options: SeriesOptions): Worker {
  if (extension !== ".ts") return new Worker(entry, { workerData: options });
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: options });
}

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
    startThread(options),
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
