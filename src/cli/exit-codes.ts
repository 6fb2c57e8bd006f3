/** What `aurea` exit statuses mean (documented in the README). */
export const EXIT = Object.freeze({
  /** Done; every threshold passed. */
  OK: 0,
  /** Something went wrong while running (target unreachable is not this: that is a measured failure). */
  ERROR: 1,
  /** The command line or spec file is invalid. */
  USAGE: 2,
  /** The run finished and at least one threshold failed (as k6 does). */
  THRESHOLDS_FAILED: 99,
  /** Interrupted with Ctrl-C; the partial result was printed. */
  INTERRUPTED: 130,
});

export class UsageError extends Error {
  override readonly name = "UsageError";
}
