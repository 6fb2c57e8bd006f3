import { readFile } from "node:fs/promises";
import {
  describeFieldErrors,
  fieldErrors,
  parseWorkloadSpec,
  type WorkloadSpec,
  type WorkloadSpecInput,
} from "../../engine/index.js";
import { runSpec } from "../../runner/index.js";
import { EXIT, UsageError } from "../exit-codes.js";
import { progressSink } from "../run/progress.js";
import { type RunFlags, specFromFlags, WORKLOAD_FLAGS } from "../run/spec-from-flags.js";
import { summaryTable } from "../run/summary.js";

export interface RunCommandOptions extends RunFlags {
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
}

export interface CommandIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Cancels the run (Ctrl-C). */
  signal?: AbortSignal;
}

/** `aurea run [spec.json] [flags]`: runs a workload, prints a summary, returns the exit code. */
export async function runCommand(
  specPath: string | undefined,
  options: RunCommandOptions,
  io: CommandIo,
): Promise<number> {
  const spec = await loadSpec(specPath, options);
  const expectedMs = runMs(spec);
  const expectedJobs =
    spec.load.model === "closed" && spec.load.duration === undefined ? (spec.load.jobs ?? null) : null;
  const progress =
    options.progress === false || options.quiet
      ? undefined
      : progressSink(io.stderr, { expectedMs, expectedJobs });
  const result = await runSpec(spec, {
    ...(io.signal ? { signal: io.signal } : {}),
    ...(progress ? { onProgress: (p) => progress.update(p) } : {}),
  });
  progress?.end();
  if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (!options.quiet) io.stdout.write(summaryTable(spec, result));
  if (result.cancelled) return EXIT.INTERRUPTED;
  return result.thresholds_passed ? EXIT.OK : EXIT.THRESHOLDS_FAILED;
}

async function loadSpec(specPath: string | undefined, options: RunCommandOptions): Promise<WorkloadSpec> {
  let input: WorkloadSpecInput;
  let source: string;
  if (specPath !== undefined) {
    const conflicting = WORKLOAD_FLAGS.filter((flag) => flag !== "threshold" && options[flag] !== undefined);
    if (conflicting.length > 0) {
      throw new UsageError(
        `a spec file describes the whole workload: drop ${conflicting.map(flagName).join(", ")} or the file`,
      );
    }
    let text: string;
    try {
      text = await readFile(specPath, "utf8");
    } catch (error) {
      throw new UsageError(
        `cannot read spec file ${specPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
    try {
      input = JSON.parse(text) as WorkloadSpecInput;
    } catch (error) {
      throw new UsageError(`spec file ${specPath} is not valid JSON: ${(error as Error).message}`);
    }
    if (options.threshold && typeof input === "object" && input !== null) {
      input = { ...input, thresholds: [...(input.thresholds ?? []), ...options.threshold] };
    }
    source = `spec file ${specPath}`;
  } else {
    input = specFromFlags(options);
    source = "command line";
  }
  const parsed = parseWorkloadSpec(input);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues);
    throw new UsageError(`invalid workload (${source}): ${describeFieldErrors(errors)}`);
  }
  return parsed.data;
}

function runMs(spec: WorkloadSpec): number | null {
  const load = spec.load;
  if (load.model === "stages") return load.stages.reduce((sum, s) => sum + s.duration, 0);
  return load.duration ?? null;
}

const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
