import type { Progress, RunSnapshot, WorkloadSpec } from "../../engine/index.js";

/** Main thread → worker thread. */
export type ToThread = { type: "cancel" };

/** Worker thread → main thread. */
export type FromThread =
  | { type: "progress"; progress: Progress }
  | { type: "done"; snapshot: RunSnapshot }
  | { type: "failed"; message: string };

export interface ThreadData {
  spec: WorkloadSpec;
}
