export { createJob, DEFAULT_OPEN_CONNECTIONS } from "./create-job.js";
export { measureSpec, type RunSpecOptions, runSpec } from "./run-spec.js";
