import { parentPort, workerData } from "node:worker_threads";
import { measureSpec } from "../run-spec.js";
import type { FromThread, ThreadData, ToThread } from "./messages.js";

/** Runs one part of a threaded workload and reports its mergeable snapshot. */
const port = parentPort;
if (!port) throw new Error("thread-entry must run in a worker thread");
const { spec } = workerData as ThreadData;
const controller = new AbortController();
port.on("message", (message: ToThread) => {
  if (message.type === "cancel") controller.abort();
});
const send = (message: FromThread) => port.postMessage(message);
measureSpec(spec, {
  signal: controller.signal,
  mergeable: true,
  onProgress: (progress) => send({ type: "progress", progress }),
}).then(
  (snapshot) => {
    send({ type: "done", snapshot });
    port.close();
  },
  (error: unknown) => {
    send({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    port.close();
  },
);
