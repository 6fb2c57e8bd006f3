import type { Progress } from "../../engine/index.js";
import { formatDuration } from "../../engine/index.js";
import { integer, rate } from "./format.js";

export interface ProgressSink {
  update(progress: Progress): void;
  /** Clears the live line (TTY) before the summary is printed. */
  end(): void;
}

const BAR_WIDTH = 24;

/**
 * A live, redrawn progress bar on a terminal; a plain line per update otherwise (CI logs).
 * Writes to stderr so that `--json` output on stdout stays clean.
 */
export function progressSink(
  stream: NodeJS.WriteStream,
  { expectedMs, expectedJobs }: { expectedMs: number | null; expectedJobs: number | null },
): ProgressSink {
  const tty = stream.isTTY === true;
  let last: Progress | undefined;
  let drawn = false;
  return {
    update(progress) {
      const previous = last;
      last = progress;
      const dt = previous ? (progress.elapsed_ms - previous.elapsed_ms) / 1000 : progress.elapsed_ms / 1000;
      const finished = progress.completed + progress.failed;
      const recent = previous
        ? (finished - previous.completed - previous.failed) / Math.max(dt, 1e-9)
        : finished / Math.max(dt, 1e-9);
      const fraction = fractionDone(progress, expectedMs, expectedJobs);
      const parts = [
        fraction === null ? "" : `${(fraction * 100).toFixed(0).padStart(3)}%`,
        `${integer(finished)}${expectedJobs ? `/${integer(expectedJobs)}` : ""} jobs`,
        `${rate(recent)}/s`,
        `${integer(progress.failed)} failed`,
        `${integer(progress.in_flight)} in flight`,
        formatDuration(progress.elapsed_ms),
      ].filter(Boolean);
      if (tty) {
        const bar =
          fraction === null ? "" : `[${"=".repeat(Math.round(fraction * BAR_WIDTH)).padEnd(BAR_WIDTH)}] `;
        stream.write(`\r\x1b[2K${bar}${parts.join("  ")}`);
        drawn = true;
      } else {
        stream.write(`progress ${parts.join("  ")}\n`);
      }
    },
    end() {
      if (tty && drawn) stream.write("\r\x1b[2K");
    },
  };
}

function fractionDone(
  progress: Progress,
  expectedMs: number | null,
  expectedJobs: number | null,
): number | null {
  const byJobs = expectedJobs ? (progress.completed + progress.failed) / expectedJobs : null;
  const byTime = expectedMs ? progress.elapsed_ms / expectedMs : null;
  const fraction = byJobs ?? byTime;
  return fraction === null ? null : Math.max(0, Math.min(1, fraction));
}
