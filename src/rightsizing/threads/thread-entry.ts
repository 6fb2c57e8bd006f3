import { parentPort, workerData } from "node:worker_threads";
import { modelsByName } from "../models/index.js";
import { recommendSeries } from "../recommend.js";
import type { FromThread, SeriesOptions, ToThread } from "./messages.js";

/** Recommends the series the main thread hands it, one at a time, until told to end. */
const port = parentPort;
if (!port) throw new Error("thread-entry must run in a worker thread");
const options = workerData as SeriesOptions;
const models = modelsByName(options.models);
port.on("message", (message: ToThread) => {
  if (message.type === "end") {
    port.close();
    return;
  }
  recommendSeries(message.series, { ...options, ...message.incidents, models }).then(
    (result) => port.postMessage({ type: "result", index: message.index, result } satisfies FromThread),
    (error: unknown) =>
      port.postMessage({
        type: "failed",
        index: message.index,
        message: error instanceof Error ? error.message : String(error),
      } satisfies FromThread),
  );
});
