export { InProcessQueue } from "./in-process-queue.js";
export type { JobQueue, RunHandler } from "./job-queue.js";
