import type { JobOutcome } from "../../engine/index.js";

const reasons: string[] = [];
/** `status_503` and friends, built once per status. */
const statusReason = (status: number): string => (reasons[status] ??= `status_${status}`);

/**
 * Success is a status in `expected`, or any 2xx/3xx when none are listed (k6's default
 * `expected_response` is 200–399).
 */
export function statusClassifier(expected: readonly number[] | undefined): (status: number) => JobOutcome {
  if (!expected) return (status) => (status >= 200 && status < 400 ? undefined : statusReason(status));
  const ok = new Set(expected);
  return (status) => (ok.has(status) ? undefined : statusReason(status));
}
